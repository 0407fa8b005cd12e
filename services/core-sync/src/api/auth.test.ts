import { BlockList } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FailedAuthLimiter } from './auth-limiter.js';
import type { FastifyRequest } from 'fastify';
import { SyncError } from '../errors/index.js';
import { ApiAuthenticator, TokenAuthority, bearerToken } from './auth.js';
import {
  adminHeaders,
  adminToken,
  bearer,
  buildTestApi,
  readOnlyHeaders,
  readOnlyTokens,
  type TestApi,
} from './testing/api-test-kit.js';

let api: TestApi;

afterEach(async () => {
  await api.app.close();
});

const mutations = [
  { method: 'POST', url: '/api/v1/sync/trigger', payload: {} },
  { method: 'POST', url: '/api/v1/sync/stop', payload: {} },
  { method: 'POST', url: '/api/v1/conflicts/conflict-1/resolve', payload: { side: 'local' } },
  { method: 'PUT', url: '/api/v1/config', payload: { server: { port: 1 } } },
] as const;

const reads = [
  '/api/v1/sync/status',
  '/api/v1/sync/history',
  '/api/v1/conflicts',
  '/api/v1/conflicts/conflict-1',
  '/api/v1/config',
  '/api/v1/metrics',
  '/api/v1/openapi.json',
] as const;

describe('authentication', () => {
  it('answers 401 with a Bearer challenge when the token is missing or wrong', async () => {
    api = buildTestApi();
    const missing = await api.app.inject({ url: '/api/v1/sync/status' });
    const wrong = await api.app.inject({
      url: '/api/v1/sync/status',
      headers: bearer('not-the-right-token-at-all'),
    });
    const otherScheme = await api.app.inject({
      url: '/api/v1/sync/status',
      headers: { authorization: `Basic ${adminToken}` },
    });
    expect([missing, wrong, otherScheme].map((response) => response.statusCode)).toEqual([401, 401, 401]);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="mysql-sync"');
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="mysql-sync", error="invalid_token"');
    expect(missing.json()).toEqual({
      error: {
        code: 'UNAUTHORIZED',
        message: 'this request needs an Authorization: Bearer <token> header',
        traceId: missing.headers['x-request-id'],
      },
    });
    expect(wrong.json()).toMatchObject({
      error: { code: 'UNAUTHORIZED', message: 'the bearer token is not one the service knows' },
    });
  });

  it('lets the admin token and every read-only token read every GET route', async () => {
    api = buildTestApi();
    const statuses: Record<string, number[]> = {};
    for (const url of reads) {
      statuses[url] = [];
      for (const token of [adminToken, ...readOnlyTokens]) {
        const response = await api.app.inject({ url, headers: bearer(token) });
        statuses[url].push(response.statusCode);
      }
    }
    expect(statuses).toEqual(Object.fromEntries(reads.map((url) => [url, [200, 200, 200]])));
  });

  it('answers 403 FORBIDDEN to a read-only token on every mutation, and changes nothing', async () => {
    api = buildTestApi();
    for (const mutation of mutations) {
      const response = await api.app.inject({ ...mutation, headers: readOnlyHeaders });
      expect([mutation.url, response.statusCode, response.json()]).toEqual([
        mutation.url,
        403,
        {
          error: {
            code: 'FORBIDDEN',
            message: 'the token read-only-0 is read-only; this request needs the admin token',
            traceId: response.headers['x-request-id'],
          },
        },
      ]);
    }
    expect(api.control.triggers).toEqual([]);
    expect(api.configuration.updates).toEqual([]);
    expect(api.conflicts.records.get('conflict-1')?.resolved).toBe(false);
  });

  it('lets the admin token change things, naming it `admin`', async () => {
    api = buildTestApi();
    const response = await api.app.inject({ ...mutations[3], headers: adminHeaders });
    expect(response.statusCode).toBe(200);
    expect(api.configuration.updates.map((update) => update.changedBy)).toEqual(['admin']);
  });

  it('keeps /health open', async () => {
    api = buildTestApi();
    expect((await api.app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('is open, as `anonymous`, when no token is configured, to requests addressed to a loopback host only', async () => {
    api = buildTestApi({ server: { readOnlyTokens: [], corsOrigins: [] } });
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/trigger',
      headers: { host: '127.0.0.1:8080' },
    });
    expect(response.statusCode).toBe(202);
    expect(api.control.triggers.map((call) => call.triggeredBy)).toEqual(['anonymous']);
    expect(api.logs.records()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'no API token is configured: the API answers only requests addressed to a loopback host, with admin rights; set server.auth_token (and server.read_only_tokens) to reach it from anywhere else',
      }),
    );
  });

  it('refuses, when no token is configured, every request addressed to a host that is not loopback (DNS rebinding)', async () => {
    api = buildTestApi({ server: { readOnlyTokens: [], corsOrigins: [] } });
    const loopback = new BlockList();
    loopback.addSubnet('127.0.0.0', 8, 'ipv4');
    loopback.addAddress('::1', 'ipv6');
    const hostName = fc.oneof(
      fc.domain().map((name) => ({ header: name, loopback: false })),
      fc.constantFrom('localhost', 'LocalHost').map((name) => ({ header: name, loopback: true })),
      fc.ipV4().map((address) => ({ header: address, loopback: loopback.check(address, 'ipv4') })),
      fc.ipV6().map((address) => ({ header: `[${address}]`, loopback: loopback.check(address, 'ipv6') })),
      fc.constant({ header: '[::1]', loopback: true }),
      fc.domain().map((name) => ({ header: `localhost.${name}`, loopback: false })),
      fc.ipV4().map((address) => ({ header: `127.0.0.1.${address}`, loopback: false })),
    );
    const port = fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        hostName,
        port,
        fc.constantFrom(...mutations, { method: 'GET' as const, url: '/api/v1/config' }),
        async (host, portNumber, request) => {
          const header = portNumber === undefined ? host.header : `${host.header}:${portNumber}`;
          const response = await api.app.inject({ ...request, headers: { host: header } });
          const admitted = response.statusCode !== 403;
          // Never admitted unless loopback; the usual loopback spellings are always admitted (an
          // unusual one, such as [0:0:0:0:0:0:0:1], may be refused: that fails closed).
          if (!host.loopback) expect(admitted, header).toBe(false);
          if (['localhost', 'LocalHost', '[::1]'].includes(host.header) || host.header.startsWith('127.')) {
            expect(admitted || !host.loopback, header).toBe(true);
          }
          if (!admitted) expect(response.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses every change when only read-only tokens are configured', async () => {
    api = buildTestApi({ server: { readOnlyTokens: [...readOnlyTokens], corsOrigins: [] } });
    const read = await api.app.inject({ url: '/api/v1/config', headers: readOnlyHeaders });
    const change = await api.app.inject({ ...mutations[0], headers: readOnlyHeaders });
    expect([read.statusCode, change.statusCode]).toEqual([200, 403]);
  });
});

describe('the failed-authentication rate limit', () => {
  it('answers 429 with Retry-After after 20 wrong tokens from one address, but never refuses a right token', async () => {
    api = buildTestApi();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const response = await api.app.inject({
        url: '/api/v1/sync/status',
        headers: bearer(`guess-number-${attempt}-padding`),
        remoteAddress: '203.0.113.9',
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual(new Array(20).fill(401));
    const blocked = await api.app.inject({
      url: '/api/v1/sync/status',
      headers: bearer('guess-number-20-padding'),
      remoteAddress: '203.0.113.9',
    });
    expect(blocked.statusCode).toBe(429);
    // Whoever shares the address (an Ingress, a NAT) and holds a real token is not locked out.
    for (const headers of [adminHeaders, readOnlyHeaders]) {
      const known = await api.app.inject({
        url: '/api/v1/sync/status',
        headers,
        remoteAddress: '203.0.113.9',
      });
      expect(known.statusCode).toBe(200);
    }
    expect(blocked.headers['retry-after']).toBe('60');
    expect(blocked.json()).toMatchObject({
      error: { code: 'RATE_LIMITED', details: { retryAfterSeconds: 60 } },
    });
    const otherAddress = await api.app.inject({
      url: '/api/v1/sync/status',
      headers: adminHeaders,
      remoteAddress: '203.0.113.10',
    });
    expect(otherAddress.statusCode).toBe(200);
    // A missing token is not a guess: it does not count.
    const health = await api.app.inject({ url: '/health', remoteAddress: '203.0.113.9' });
    expect(health.statusCode).toBe(200);
  });

  it('lifts the block after a minute and forgets old windows', () => {
    let now = 1_000_000;
    const limiter = new FailedAuthLimiter({ maxFailures: 3, now: () => now });
    expect([limiter.recordFailure('a1'), limiter.recordFailure('a1'), limiter.recordFailure('a1')]).toEqual([
      false,
      false,
      true,
    ]);
    expect(limiter.blockedForMs('a1')).toBe(60_000);
    now += 59_999;
    expect(limiter.blockedForMs('a1')).toBe(1);
    now += 1;
    expect(limiter.blockedForMs('a1')).toBe(0);
    // A new window starts: two more failures do not block again.
    limiter.recordFailure('a1');
    limiter.recordFailure('a1');
    expect(limiter.blockedForMs('a1')).toBe(0);
  });

  it('remembers a bounded number of addresses, forgetting the least recently failing', () => {
    const limiter = new FailedAuthLimiter({ maxFailures: 2, maxTrackedClients: 3 });
    limiter.recordFailure('first');
    limiter.recordFailure('first');
    for (const address of ['second', 'third', 'fourth']) limiter.recordFailure(address);
    expect(limiter.trackedClients).toBe(3);
    expect(limiter.blockedForMs('first')).toBe(0);
  });
});

describe('tokens', () => {
  it('are matched whole, whatever their length, and labelled by position', () => {
    const authority = new TokenAuthority({ authToken: adminToken, readOnlyTokens: [...readOnlyTokens] });
    expect(authority.identify(adminToken)).toEqual({ label: 'admin', canWrite: true });
    expect(authority.identify(readOnlyTokens[1])).toEqual({ label: 'read-only-1', canWrite: false });
    expect(authority.identify(adminToken.slice(0, -1))).toBeNull();
    expect(authority.identify(`${adminToken}x`)).toBeNull();
    expect(authority.identify('')).toBeNull();
  });

  it('are read from `Bearer <token>` only', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });

  it('never reach the logs, right or wrong, at any level', async () => {
    api = buildTestApi();
    const wrongToken = 'wrong-token-that-must-not-be-logged';
    await api.app.inject({ url: '/api/v1/sync/status', headers: adminHeaders });
    await api.app.inject({ url: '/api/v1/sync/status', headers: bearer(wrongToken) });
    await api.app.inject({ method: 'POST', url: '/api/v1/sync/trigger', headers: readOnlyHeaders });
    api.control.failure = new Error('boom');
    await api.app.inject({ url: '/api/v1/sync/history', headers: adminHeaders });
    const output = api.logs.output();
    expect(output).toContain('incoming request');
    expect(output).toContain('request failed');
    for (const secret of [adminToken, ...readOnlyTokens, wrongToken]) expect(output).not.toContain(secret);
    expect(output.toLowerCase()).not.toContain('bearer ');
  });

  it('are redacted from the request headers if anything logs them', async () => {
    api = buildTestApi();
    api.app.get('/debug-headers', (request) => {
      request.log.info({ request: { headers: request.headers }, headers: request.headers }, 'headers seen');
      return { logged: true };
    });
    await api.app.inject({ url: '/debug-headers', headers: adminHeaders });
    const record = api.logs.records().find((line) => line.msg === 'headers seen');
    expect(record).toMatchObject({
      request: { headers: { authorization: '[redacted]' } },
      headers: { authorization: '[redacted]' },
    });
    expect(api.logs.output()).not.toContain(adminToken);
  });
});

describe('deny by default', () => {
  it('asks the admin token of a route that declares no access', async () => {
    api = buildTestApi();
    api.app.get('/undeclared', () => ({ reached: true }));
    api.app.get('/declared-read', { config: { access: 'read' } }, () => ({ reached: true }));
    const statuses = async (url: string) => [
      (await api.app.inject({ url })).statusCode,
      (await api.app.inject({ url, headers: readOnlyHeaders })).statusCode,
      (await api.app.inject({ url, headers: adminHeaders })).statusCode,
    ];
    expect(await statuses('/undeclared')).toEqual([401, 403, 200]);
    expect(await statuses('/declared-read')).toEqual([401, 200, 200]);
  });

  it('answers 401, never a server error, when a handler asks for a caller nobody authenticated', () => {
    const authenticator = new ApiAuthenticator(
      new TokenAuthority({ authToken: adminToken, readOnlyTokens: [] }),
      new FailedAuthLimiter(),
    );
    let thrown: unknown;
    try {
      authenticator.callerOf({ method: 'GET', url: '/health' } as FastifyRequest);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SyncError);
    expect((thrown as SyncError).code).toBe('UNAUTHORIZED');
    expect((thrown as SyncError).httpStatus).toBe(401);
  });
});

describe('replacing the tokens while running', () => {
  it('judges the next request by the new tokens: a revoked token is refused, a new one accepted', async () => {
    const tokens = new TokenAuthority({ authToken: adminToken, readOnlyTokens: [...readOnlyTokens] });
    api = buildTestApi({ tokens });
    const newReader = 'new-read-only-token-0123456789';
    const read = async (token: string) =>
      (await api.app.inject({ url: '/api/v1/sync/status', headers: bearer(token) })).statusCode;
    expect([await read(readOnlyTokens[0]), await read(readOnlyTokens[1]), await read(newReader)]).toEqual([
      200, 200, 401,
    ]);
    // The first read-only token is deleted, a new one added: the second keeps working.
    tokens.replace({ authToken: adminToken, readOnlyTokens: [readOnlyTokens[1], newReader] });
    expect([await read(readOnlyTokens[0]), await read(readOnlyTokens[1]), await read(newReader)]).toEqual([
      401, 200, 200,
    ]);
    tokens.replace({ readOnlyTokens: [newReader] });
    expect(await read(adminToken)).toBe(401);
  });
});
