/**
 * The API contract as core-sync serves it, and the UI's generated types for a document: used by the contract
 * test (the checked-in copy must equal what core-sync serves) and by `npm run openapi:update` (which refreshes
 * the copy and the types).
 *
 * core-sync's app is built in this process over its in-memory test kit: the OpenAPI document comes from the
 * route schemas alone, so no database is needed to get it. This is test tooling: the dashboard itself never
 * imports core-sync.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';
import { adminHeaders, buildTestApi } from '../../../core-sync/src/api/testing/api-test-kit.js';

const webUiDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const openApiCopyPath = path.join(webUiDirectory, 'src/api/openapi.json');
export const openApiTypesPath = path.join(webUiDirectory, 'src/api/openapi.d.ts');

/** `GET /api/v1/openapi.json` of core-sync's app, parsed. */
export async function servedOpenApiDocument(): Promise<Record<string, unknown>> {
  const api = buildTestApi();
  try {
    const response = await api.app.inject({
      method: 'GET',
      url: '/api/v1/openapi.json',
      headers: adminHeaders,
    });
    if (response.statusCode !== 200) {
      throw new Error(`GET /api/v1/openapi.json answered ${response.statusCode}: ${response.body}`);
    }
    return JSON.parse(response.body) as Record<string, unknown>;
  } finally {
    await api.app.close();
  }
}

async function formatted(text: string, filePath: string): Promise<string> {
  const options = await resolveConfig(filePath);
  return format(text, { ...options, filepath: filePath });
}

/** The copy as it is written to src/api/openapi.json (formatted by the repository's prettier settings). */
export function openApiCopyText(document: Record<string, unknown>): Promise<string> {
  return formatted(JSON.stringify(document, null, 2), openApiCopyPath);
}

/** The TypeScript types of a document, as written to src/api/openapi.d.ts. */
export async function openApiTypesText(document: Record<string, unknown>): Promise<string> {
  // The document as core-sync serves it: an OpenAPI 3 document (the contract test checks it is that one).
  const ast = await openapiTS(document as unknown as OpenAPI3);
  const header = [
    '/**',
    ' * Generated from src/api/openapi.json (core-sync’s OpenAPI document) by `npm run openapi:update`.',
    ' * Do not edit: change core-sync’s route schemas, then regenerate.',
    ' */',
    '',
  ].join('\n');
  return formatted(header + astToString(ast), openApiTypesPath);
}
