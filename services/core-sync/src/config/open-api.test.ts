import { BlockList, isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyncError } from '../errors/index.js';
import { parseConfig, type ConfigProblem } from './index.js';
import { documentWithServer } from './testing/config-documents.js';

/**
 * An API without tokens gives every caller admin rights: the configuration refuses it unless the API listens on
 * loopback only. The model decides "loopback" on its own (a BlockList of 127.0.0.0/8 and ::1, plus `localhost`);
 * an unusual loopback spelling may be refused (that fails closed), a non-loopback address never passes.
 */

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const address = host.replace(/^\[(.*)\]$/, '$1');
  const version = isIP(address);
  return version !== 0 && loopback.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

function problemsOf(document: Record<string, unknown>): ConfigProblem[] {
  try {
    parseConfig(document, 'test.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof SyncError) || error.code !== 'CONFIG_INVALID') throw error;
    return error.details?.problems as ConfigProblem[];
  }
}

const host = fc.oneof(
  fc.constantFrom('0.0.0.0', '::', '[::]', 'localhost', 'LOCALHOST', '127.0.0.1', '::1', '[::1]'),
  fc.ipV4(),
  fc.ipV6(),
  fc.domain(),
  fc.domain().map((name) => `localhost.${name}`),
);

const token = fc.string({ minLength: 16, maxLength: 40, unit: 'grapheme-ascii' });

describe('an API without tokens', () => {
  it('is refused unless it listens on loopback; any token makes any host acceptable', () => {
    fc.assert(
      fc.property(
        fc.option(host, { nil: undefined }),
        fc.option(token, { nil: undefined }),
        fc.array(token, { maxLength: 2 }),
        (listenHost, authToken, readOnlyTokens) => {
          fc.pre(authToken === undefined || !readOnlyTokens.includes(authToken));
          fc.pre(new Set(readOnlyTokens).size === readOnlyTokens.length);
          const server = {
            ...(listenHost === undefined ? {} : { host: listenHost }),
            ...(authToken === undefined ? {} : { auth_token: authToken }),
            read_only_tokens: readOnlyTokens,
          };
          const problems = problemsOf(documentWithServer(server)).filter(
            (problem) => problem.path === 'server.auth_token',
          );
          const hasToken = authToken !== undefined || readOnlyTokens.length > 0;
          // The default host is 127.0.0.1.
          const effectiveHost = listenHost ?? '127.0.0.1';
          if (hasToken) expect(problems).toEqual([]);
          if (!hasToken && !isLoopback(effectiveHost)) {
            expect(problems).toHaveLength(1);
            expect(problems[0]?.message).toContain('is required when the API listens on');
          }
          if (!hasToken && ['localhost', '127.0.0.1', '::1', '[::1]'].includes(effectiveHost)) {
            expect(problems).toEqual([]);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('says what to do', () => {
    expect(problemsOf(documentWithServer({ host: '0.0.0.0' }))).toEqual([
      {
        path: 'server.auth_token',
        message:
          'is required when the API listens on "0.0.0.0" (server.host), not on loopback only: without a token anyone who can reach the port could change the configuration and resolve conflicts. Set server.auth_token (for example from `openssl rand -hex 24`), or set server.host to 127.0.0.1 to keep a token-less API on this machine',
      },
    ]);
  });
});
