/**
 * `npm run openapi:update`: copies the OpenAPI document core-sync serves into src/api/openapi.json and
 * regenerates src/api/openapi.d.ts from it. Run it after changing core-sync's API, then adapt the UI to the
 * type errors it shows.
 */
import { writeFile } from 'node:fs/promises';
import {
  openApiCopyPath,
  openApiCopyText,
  openApiTypesPath,
  openApiTypesText,
  servedOpenApiDocument,
} from '../test/support/openapi-contract.js';

const document = await servedOpenApiDocument();
await writeFile(openApiCopyPath, await openApiCopyText(document));
await writeFile(openApiTypesPath, await openApiTypesText(document));
process.stdout.write(`wrote ${openApiCopyPath}\nwrote ${openApiTypesPath}\n`);
