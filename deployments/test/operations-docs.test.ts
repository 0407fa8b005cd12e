import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../services/core-sync/src/errors/error-codes.js';
import { operationsDocument, withErrorCodeList } from '../scripts/update-error-code-docs.js';

describe('docs/operations.md', () => {
  const markdown = readFileSync(operationsDocument, 'utf8');

  it('lists every error code with its current description (else run `npm run docs:error-codes`)', () => {
    expect(markdown).toBe(withErrorCodeList(markdown));
    for (const code of Object.keys(errorCodes)) expect(markdown).toContain(`**\`${code}\`**`);
  });
});
