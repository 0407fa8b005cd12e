/**
 * An event stream outlives the request that opened it: when a configuration change removes its token, the
 * stream ends, so a revoked reader stops receiving conflicts (with their rows) at once, not at its next request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TokenAuthority } from './auth.js';
import { adminToken, buildTestApi, lagEvent, readOnlyTokens, type TestApi } from './testing/api-test-kit.js';
import { SseTestClient } from './testing/sse-client.js';
import { StreamTestBench } from './testing/stream-test-bench.js';

const bench = new StreamTestBench();

afterEach(async () => {
  expect(await bench.close()).toEqual([]);
});

let api: TestApi;

async function start(tokens: TokenAuthority): Promise<string> {
  api = buildTestApi({ tokens });
  return bench.listen(api);
}

async function open(url: string, token?: string): Promise<SseTestClient> {
  const client = await SseTestClient.open(
    url,
    token === undefined ? { headers: { host: '127.0.0.1' } } : { token },
  );
  bench.clients.push(client);
  expect(client.response.status).toBe(200);
  expect(await client.next()).toEqual({ retry: 3000, comments: [] });
  return client;
}

function publishLag(rowsPerSecond: number): void {
  api.events.publish(lagEvent(rowsPerSecond));
}

describe('event streams and token changes', () => {
  it('end the streams of a removed token; the others go on receiving, and the removed token cannot reconnect', async () => {
    const tokens = new TokenAuthority({ authToken: adminToken, readOnlyTokens: [...readOnlyTokens] });
    const url = await start(tokens);
    const revoked = await open(url, readOnlyTokens[0]);
    const kept = await open(url, readOnlyTokens[1]);
    const admin = await open(url, adminToken);
    tokens.replace({ authToken: adminToken, readOnlyTokens: [readOnlyTokens[1]] });
    expect(await revoked.next()).toBeNull();
    publishLag(5);
    for (const client of [kept, admin]) expect((await client.nextEvent()).event).toBe('lag');
    const again = await SseTestClient.open(url, { token: readOnlyTokens[0] });
    bench.clients.push(again);
    expect(again.response.status).toBe(401);
    // The ended stream gave its slot back: the token that was kept can open as many as before.
    expect(api.logs.output()).toContain('event stream ended: its token was revoked');
  });

  it('end the streams of an open API once tokens are configured', async () => {
    const tokens = new TokenAuthority({ readOnlyTokens: [] });
    const url = await start(tokens);
    const anonymous = await open(url);
    tokens.replace({ authToken: adminToken, readOnlyTokens: [] });
    expect(await anonymous.next()).toBeNull();
  });

  it('keep a stream whose token stays, whatever else changes', async () => {
    const tokens = new TokenAuthority({ authToken: adminToken, readOnlyTokens: [...readOnlyTokens] });
    const url = await start(tokens);
    const reader = await open(url, readOnlyTokens[1]);
    tokens.replace({ readOnlyTokens: ['a-new-reader-token-0123456789', readOnlyTokens[1]] });
    publishLag(9);
    expect(await reader.nextEvent()).toMatchObject({ event: 'lag' });
  });
});
