/**
 * The dashboard's copy of the API contract must be the document core-sync serves, and its generated types must
 * be generated from that copy. When this fails, core-sync's API changed: run `npm run openapi:update` in
 * services/web-ui and fix what the type check then reports.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  openApiCopyPath,
  openApiTypesPath,
  openApiTypesText,
  servedOpenApiDocument,
} from '../support/openapi-contract.js';

describe('the OpenAPI contract', () => {
  it('src/api/openapi.json is the document core-sync serves', async () => {
    const copy = JSON.parse(await readFile(openApiCopyPath, 'utf8')) as unknown;
    const served = await servedOpenApiDocument();
    expect(copy, 'src/api/openapi.json differs: run `npm run openapi:update`').toEqual(served);
  });

  it('src/api/openapi.d.ts is generated from the copy', async () => {
    const copy = JSON.parse(await readFile(openApiCopyPath, 'utf8')) as Record<string, unknown>;
    const committed = await readFile(openApiTypesPath, 'utf8');
    expect(committed, 'src/api/openapi.d.ts is stale: run `npm run openapi:update`').toBe(
      await openApiTypesText(copy),
    );
  });
});
