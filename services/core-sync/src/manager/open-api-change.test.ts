import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLoopbackListenAddress } from '../config/index.js';
import { createConfigFileFixture } from './testing/config-file-fixture.js';

/**
 * Tokens are live keys, `server.host` waits for a restart: a change that removes every token while the API
 * listens on the network would open it at once. It is refused, whatever host the document names for later.
 */

function documentListeningOn(host: string): Record<string, unknown> {
  return {
    databases: {
      local: { host: 'file-local', user: 'sync', password: 'local-secret', database: 'shop' },
      cloud: { host: 'file-cloud', user: 'sync', password: 'cloud-secret', database: 'shop' },
    },
    state_storage: { type: 'sqlite', file_path: '/tmp/state.db' },
    sync: { tables: [{ name: 'orders', primary_key: 'id' }] },
    server: {
      host,
      auth_token: 'admin-token-0123456789abcdef',
      read_only_tokens: ['reader-token-0123456789'],
    },
  };
}

const listenHost = fc.oneof(
  fc.constantFrom('0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'),
  fc.ipV4(),
  fc.domain(),
);

describe('removing every token while running', () => {
  it('is refused while the API listens on a non-loopback address, whatever server.host the change names', async () => {
    await fc.assert(
      fc.asyncProperty(
        listenHost,
        fc.constantFrom('127.0.0.1', 'localhost', '::1'),
        fc.boolean(),
        async (startedHost, nextHost, removeTokens) => {
          await using fixture = await createConfigFileFixture(documentListeningOn(startedHost));
          const before = await readFile(fixture.filePath, 'utf8');
          const edited = fixture.shown() as { server: Record<string, unknown> };
          edited.server.host = nextHost;
          if (removeTokens) {
            delete edited.server.auth_token;
            edited.server.read_only_tokens = [];
          }
          const outcome = await fixture.access.update(edited, 'admin').then(
            () => 'saved',
            (error: unknown) => error,
          );
          if (removeTokens && !isLoopbackListenAddress(startedHost)) {
            expect(outcome).toMatchObject({
              code: 'CONFIG_INVALID',
              details: { problems: [{ path: 'server.auth_token' }] },
            });
            expect(await readFile(fixture.filePath, 'utf8')).toBe(before);
            expect(fixture.applied).toEqual([]);
          } else {
            expect(outcome).toBe('saved');
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
