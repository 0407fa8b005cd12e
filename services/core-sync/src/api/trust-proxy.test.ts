import { afterEach, describe, expect, it } from 'vitest';
import type { TrustProxy } from '../config/types.js';
import { adminHeaders, bearer, buildTestApi, type TestApi } from './testing/api-test-kit.js';

/**
 * server.trust_proxy decides which address the failed-auth limit counts (20 wrong tokens a minute block the
 * address for a minute): behind a reverse proxy it should be the client's, yet a client must not be able to pick
 * its own address by sending X-Forwarded-For.
 */

const proxyAddress = '10.0.0.5';
let api: TestApi;

afterEach(async () => {
  await api.app.close();
});

function buildApi(trustProxy: TrustProxy): TestApi {
  return buildTestApi({
    server: { authToken: 'admin-token-0123456789abcdef', readOnlyTokens: [], corsOrigins: [], trustProxy },
  });
}

interface Caller {
  readonly remoteAddress: string;
  readonly forwardedFor?: string;
}

async function statusFor(caller: Caller, token: string): Promise<number> {
  const response = await api.app.inject({
    url: '/api/v1/sync/status',
    headers: {
      ...bearer(token),
      ...(caller.forwardedFor === undefined ? {} : { 'x-forwarded-for': caller.forwardedFor }),
    },
    remoteAddress: caller.remoteAddress,
  });
  return response.statusCode;
}

/** 20 wrong tokens, each from `callerOf(attempt)`. */
async function guessWrongTokens(callerOf: (attempt: number) => Caller): Promise<number[]> {
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 20; attempt += 1) {
    statuses.push(await statusFor(callerOf(attempt), `wrong-token-${attempt}-0123456789`));
  }
  return statuses;
}

const rightToken = adminHeaders.authorization.slice('Bearer '.length);
/**
 * One more wrong token tells whether an address is blocked (429) or not (401): a right token is never refused
 * (auth.test.ts), so it cannot.
 */
const probeToken = 'probe-wrong-token-0123456789';

describe('server.trust_proxy and the failed-auth limit', () => {
  it('off (the default): a spoofed X-Forwarded-For does not dodge the limit of its TCP address', async () => {
    api = buildApi(false);
    const statuses = await guessWrongTokens((attempt) => ({
      remoteAddress: '203.0.113.9',
      forwardedFor: `198.51.100.${attempt}`,
    }));
    expect(statuses).toEqual(new Array(20).fill(401));
    expect(
      await statusFor({ remoteAddress: '203.0.113.9', forwardedFor: '198.51.100.200' }, probeToken),
    ).toBe(429);
    expect(await statusFor({ remoteAddress: '203.0.113.10' }, probeToken)).toBe(401);
  });

  it('off: behind a proxy every client is the proxy, so one client blocks the guesses of another, not its right token', async () => {
    api = buildApi(false);
    await guessWrongTokens(() => ({ remoteAddress: proxyAddress, forwardedFor: '198.51.100.1' }));
    expect(await statusFor({ remoteAddress: proxyAddress, forwardedFor: '198.51.100.2' }, rightToken)).toBe(
      200,
    );
    expect(await statusFor({ remoteAddress: proxyAddress, forwardedFor: '198.51.100.2' }, probeToken)).toBe(
      429,
    );
  });

  it('trusting the proxy address: two clients behind it are limited separately', async () => {
    api = buildApi([proxyAddress]);
    const statuses = await guessWrongTokens(() => ({
      remoteAddress: proxyAddress,
      forwardedFor: '198.51.100.1',
    }));
    expect(statuses).toEqual(new Array(20).fill(401));
    expect(await statusFor({ remoteAddress: proxyAddress, forwardedFor: '198.51.100.1' }, probeToken)).toBe(
      429,
    );
    expect(await statusFor({ remoteAddress: proxyAddress, forwardedFor: '198.51.100.2' }, probeToken)).toBe(
      401,
    );
    // The proxy itself is not blocked: its own requests (no header) still pass.
    expect(await statusFor({ remoteAddress: proxyAddress }, probeToken)).toBe(401);
    // The 20 guesses were logged with the client's address, not the proxy's.
    const refusals = api.logs.records().filter((line) => line.msg === 'refused an unknown API token');
    expect(new Set(refusals.slice(0, 20).map((line) => line.clientAddress))).toEqual(
      new Set(['198.51.100.1']),
    );
  });

  it('trusting the proxy address: a client that reaches the service directly cannot pick its address', async () => {
    api = buildApi(['10.0.0.0/24']);
    const statuses = await guessWrongTokens((attempt) => ({
      remoteAddress: '203.0.113.9',
      forwardedFor: `198.51.100.${attempt}`,
    }));
    expect(statuses).toEqual(new Array(20).fill(401));
    expect(await statusFor({ remoteAddress: '203.0.113.9', forwardedFor: '198.51.100.99' }, probeToken)).toBe(
      429,
    );
  });

  it('trusting the proxy address: addresses a client adds in front of its own are ignored', async () => {
    api = buildApi([proxyAddress]);
    // The proxy appends the address it saw; whatever the client sent stays to the left and is not believed.
    await guessWrongTokens((attempt) => ({
      remoteAddress: proxyAddress,
      forwardedFor: `192.0.2.${attempt}, 198.51.100.1`,
    }));
    expect(await statusFor({ remoteAddress: proxyAddress, forwardedFor: '198.51.100.1' }, probeToken)).toBe(
      429,
    );
  });

  it('a hop count trusts that many proxies in front, whoever they are', async () => {
    api = buildApi(1);
    await guessWrongTokens((attempt) => ({
      remoteAddress: proxyAddress,
      forwardedFor: `192.0.2.${attempt}, 198.51.100.1`,
    }));
    expect(await statusFor({ remoteAddress: proxyAddress, forwardedFor: '198.51.100.1' }, probeToken)).toBe(
      429,
    );
    expect(await statusFor({ remoteAddress: proxyAddress, forwardedFor: '198.51.100.2' }, probeToken)).toBe(
      401,
    );
  });

  it('behind a real listening server, the forwarded address from a trusted loopback proxy is the client', async () => {
    api = buildApi(['loopback']);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const address = api.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const call = (forwardedFor: string, token: string) =>
      fetch(`http://127.0.0.1:${address.port}/api/v1/sync/status`, {
        headers: { ...bearer(token), 'x-forwarded-for': forwardedFor },
      }).then((response) => response.status);
    for (let attempt = 0; attempt < 20; attempt += 1) {
      expect(await call('198.51.100.7', `wrong-token-${attempt}-0123456789`)).toBe(401);
    }
    expect(await call('198.51.100.7', probeToken)).toBe(429);
    expect(await call('198.51.100.8', probeToken)).toBe(401);
    expect(await call('198.51.100.7', rightToken)).toBe(200);
  });
});
