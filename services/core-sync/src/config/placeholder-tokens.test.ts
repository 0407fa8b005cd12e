/**
 * Tokens copied from an example file (`change-me-admin-token-0123456789`, `…example…`, `…placeholder…`) pass the
 * length rule but are known to anyone who read the example: the configuration refuses them, wherever they come
 * from (the file or MYSQL_SYNC_* variables), while random tokens of any usual encoding pass.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyncError } from '../errors/index.js';
import { parseConfig, validateConfigDocument, type ConfigProblem } from './index.js';
import { documentWithServer } from './testing/config-documents.js';

const placeholderMessage =
  'looks like a placeholder copied from an example (it contains "change-me", "example", "placeholder" or the like): use a random token, such as the output of `openssl rand -hex 24`';

/** The problems `validate` reports, or [] when it accepts the configuration. */
function problemsOf(validate: () => unknown): ConfigProblem[] {
  try {
    validate();
    return [];
  } catch (error) {
    if (!(error instanceof SyncError) || error.code !== 'CONFIG_INVALID') throw error;
    return error.details?.problems as ConfigProblem[];
  }
}

/** A placeholder word as example files spell it, in a random mix of upper and lower case. */
const placeholderWord = fc
  .constantFrom('change-me', 'change_me', 'changeme', 'change me', 'example', 'placeholder', 'replace-me')
  .chain((word) =>
    fc
      .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
      .map((upper) =>
        [...word].map((letter, index) => (upper[index] === true ? letter.toUpperCase() : letter)).join(''),
      ),
  );

const tokenText = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'),
  maxLength: 24,
});

/** A token of 16+ characters with a placeholder word somewhere in it. */
const placeholderToken = fc
  .tuple(tokenText, placeholderWord, tokenText)
  .map(([before, word, after]) => `${before}${word}${after}`.padEnd(16, '0'));

/** What `openssl rand -hex 24`, `-base64 32` and friends make: 12 to 48 random bytes in a usual encoding. */
const randomToken = fc
  .tuple(fc.uint8Array({ minLength: 12, maxLength: 48 }), fc.constantFrom('hex', 'base64', 'base64url'))
  .map(([bytes, encoding]) => Buffer.from(bytes).toString(encoding as BufferEncoding));

describe('placeholder tokens', () => {
  it('refuses a token holding a placeholder word, as the admin or a read-only token, and accepts random ones', () => {
    fc.assert(
      fc.property(placeholderToken, randomToken, randomToken, (placeholder, admin, reader) => {
        fc.pre(admin !== reader);
        expect(problemsOf(() => parseConfig(documentWithServer({ auth_token: placeholder }), 't'))).toEqual([
          { path: 'server.auth_token', message: placeholderMessage },
        ]);
        expect(
          problemsOf(() =>
            parseConfig(
              documentWithServer({ auth_token: admin, read_only_tokens: [reader, placeholder] }),
              't',
            ),
          ),
        ).toEqual([{ path: 'server.read_only_tokens[1]', message: placeholderMessage }]);
        const config = parseConfig(
          documentWithServer({ auth_token: admin, read_only_tokens: [reader] }),
          't',
        );
        expect(config.server).toMatchObject({ authToken: admin, readOnlyTokens: [reader] });
      }),
    );
  });

  it('refuses the placeholders of the shipped examples when they come from the environment', () => {
    for (const placeholder of ['change-me-admin-token-0123456789', 'change-me-to-a-long-random-token']) {
      const environment = {
        MYSQL_SYNC_SERVER__AUTH_TOKEN: placeholder,
        MYSQL_SYNC_SERVER__READ_ONLY_TOKENS__0: randomBytes(24).toString('hex'),
      };
      expect(
        problemsOf(() => validateConfigDocument(documentWithServer({}), 'config.yaml', environment)),
      ).toEqual([
        {
          path: 'server.auth_token',
          message: `${placeholderMessage} (set by MYSQL_SYNC_SERVER__AUTH_TOKEN)`,
        },
      ]);
    }
  });
});
