/**
 * The caps on event streams through a real listening server: refusals in the error shape, and a slot freed
 * whichever way a stream ends (the client closes, it stalls and is cut off, the service stops).
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ServiceEvents } from '../events/index.js';
import { createServiceMetrics } from '../metrics/index.js';
import type { AppDependencies } from './api-context.js';
import type { StreamCap, StreamClientObserver } from './stream-admission.js';
import {
  adminToken,
  buildTestApi,
  metricsContentType,
  metricsText,
  readOnlyTokens,
  lagEvent,
} from './testing/api-test-kit.js';
import { SseTestClient } from './testing/sse-client.js';
import { StreamTestBench } from './testing/stream-test-bench.js';

/** Follows the hub's counts as the metrics do, and lets a test wait for one. */
class StreamCountWatcher implements StreamClientObserver {
  count = 0;
  readonly refusals: StreamCap[] = [];
  readonly drops: string[] = [];
  readonly #waiters = new Set<() => void>();

  connected(count: number): void {
    this.count = count;
    for (const waiter of this.#waiters) waiter();
  }

  refused(cap: StreamCap): void {
    this.refusals.push(cap);
  }

  dropped(reason: 'buffer_full' | 'stalled'): void {
    this.drops.push(reason);
  }

  async until(count: number): Promise<void> {
    const deadline = Date.now() + 5000;
    while (this.count !== count) {
      if (Date.now() > deadline) throw new Error(`${this.count} streams counted, not ${count}, after 5 s`);
      await new Promise<void>((resolve) => {
        this.#waiters.add(resolve);
        setTimeout(resolve, 50);
      }).finally(() => this.#waiters.clear());
    }
  }
}

const bench = new StreamTestBench();

afterEach(async () => {
  expect(await bench.close()).toEqual([]);
});

interface Caps {
  readonly maxClients: number;
  readonly perToken: number;
}

async function startServer(caps: Caps, overrides: Partial<AppDependencies> = {}) {
  const watcher = new StreamCountWatcher();
  const api = buildTestApi({
    server: {
      authToken: adminToken,
      readOnlyTokens: [...readOnlyTokens],
      corsOrigins: [],
      eventStreamMaxClients: caps.maxClients,
      eventStreamMaxClientsPerToken: caps.perToken,
    },
    metrics: {
      contentType: metricsContentType,
      render: () => Promise.resolve(metricsText),
      streamClients: watcher,
    },
    ...overrides,
  });
  return { api, watcher, url: await bench.listen(api) };
}

/** Opens a stream and reads its `retry:` block when it was accepted. */
async function open(url: string, token: string): Promise<SseTestClient> {
  const client = await SseTestClient.open(url, { token });
  bench.clients.push(client);
  if (client.response.status === 200) expect(await client.next()).toEqual({ retry: 3000, comments: [] });
  return client;
}

/** A client that sends its request, reads the answer's head, and never reads again. */
async function openStalled(url: string, token: string): Promise<Socket> {
  const streamUrl = new URL(url);
  const socket = connect(Number(streamUrl.port), streamUrl.hostname);
  bench.sockets.push(socket);
  await once(socket, 'connect');
  socket.write(
    `GET ${streamUrl.pathname} HTTP/1.1\r\nHost: ${streamUrl.host}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
  );
  const [head] = (await once(socket, 'data')) as [Buffer];
  expect(head.toString()).toContain('HTTP/1.1 200 OK');
  socket.pause();
  return socket;
}

async function refusal(client: SseTestClient) {
  return {
    status: client.response.status,
    retryAfter: client.response.headers.get('retry-after'),
    body: (await client.response.json()) as { error: { code: string; message: string; details: unknown } },
  };
}

describe('caps on GET /api/v1/sync/stream', () => {
  it('refuses a stream over the global cap with 429 TOO_MANY_STREAMS, and keeps serving the open ones', async () => {
    const { api: server, watcher, url } = await startServer({ maxClients: 3, perToken: 2 });
    const opened = [
      await open(url, adminToken),
      await open(url, adminToken),
      await open(url, readOnlyTokens[0]),
    ];
    const over = await open(url, readOnlyTokens[1]);
    expect(await refusal(over)).toEqual({
      status: 429,
      retryAfter: '10',
      body: {
        error: {
          code: 'TOO_MANY_STREAMS',
          message:
            'too many event streams: the service serves 3 at once (server.event_stream_max_clients); retry in 10 s',
          traceId: over.response.headers.get('x-request-id'),
          details: { cap: 'global', limit: 3, retryAfterSeconds: 10 },
        },
      },
    });
    server.events.publish(lagEvent(7));
    const received = await Promise.all(opened.map(async (client) => (await client.nextEvent()).event));
    expect(received).toEqual(['lag', 'lag', 'lag']);
    expect([watcher.count, watcher.refusals]).toEqual([3, ['global']]);
  });

  it('refuses a token past its own cap while another token still connects', async () => {
    const { watcher, url } = await startServer({ maxClients: 10, perToken: 2 });
    await open(url, readOnlyTokens[0]);
    await open(url, readOnlyTokens[0]);
    const third = await open(url, readOnlyTokens[0]);
    const refused = await refusal(third);
    expect([refused.status, refused.retryAfter, refused.body.error.code]).toEqual([
      429,
      '10',
      'TOO_MANY_STREAMS',
    ]);
    expect(refused.body.error.message).toBe(
      'too many event streams for the token read-only-0: it may have 2 open at once ' +
        '(server.event_stream_max_clients_per_token); close one, or retry in 10 s',
    );
    expect((await open(url, adminToken)).response.status).toBe(200);
    expect((await open(url, readOnlyTokens[1])).response.status).toBe(200);
    expect([watcher.count, watcher.refusals]).toEqual([4, ['per_token']]);
  });

  it('frees the slot when a client closes, so the next one connects', async () => {
    const { watcher, url } = await startServer({ maxClients: 10, perToken: 1 });
    const first = await open(url, adminToken);
    expect((await open(url, adminToken)).response.status).toBe(429);
    first.close();
    await watcher.until(0);
    const next = await open(url, adminToken);
    expect([next.response.status, watcher.count]).toEqual([200, 1]);
  });

  it('frees the slot when a connection is reset', async () => {
    const { api: server, watcher, url } = await startServer({ maxClients: 10, perToken: 1 });
    const reset = await openStalled(url, readOnlyTokens[0]);
    reset.resetAndDestroy(); // an RST: the service's next write to it fails
    server.events.publish(lagEvent(1));
    await watcher.until(0);
    expect((await open(url, readOnlyTokens[0])).response.status).toBe(200);
  });

  it('cuts a stalled client off at its buffer bound and frees its slot', async () => {
    const bound = 64 * 1024;
    const {
      api: server,
      watcher,
      url,
    } = await startServer({ maxClients: 10, perToken: 1 }, { sseClientBufferBytes: bound });
    await openStalled(url, adminToken);
    expect((await open(url, adminToken)).response.status).toBe(429);
    const bigPosition = 'p'.repeat(32 * 1024);
    let published = 0;
    // Paced, as the service publishes: the kernel's socket buffers fill first, then the connection's.
    while (watcher.drops.length === 0 && published < 5000) {
      published += 1;
      server.events.publish(lagEvent(published, bigPosition));
      await sleep(1);
    }
    expect(watcher.drops).toEqual(['buffer_full']);
    await watcher.until(0);
    expect(server.logs.records()).toContainEqual(
      expect.objectContaining({
        msg: 'dropped an event-stream client that could not keep up',
        callerLabel: 'admin',
        limitBytes: bound,
      }),
    );
    expect((await open(url, adminToken)).response.status).toBe(200);
  });

  it('cuts off a client that takes nothing for the stall timeout, before its buffer is full', async () => {
    const {
      api: server,
      watcher,
      url,
    } = await startServer(
      { maxClients: 10, perToken: 1 },
      { sseClientBufferBytes: 256 * 1024 * 1024, sseStallTimeoutMs: 300, sseHeartbeatMs: 100 },
    );
    await openStalled(url, adminToken);
    const bigPosition = 'p'.repeat(32 * 1024);
    let published = 0;
    while (watcher.drops.length === 0 && published < 3000) {
      published += 1;
      server.events.publish(lagEvent(published, bigPosition));
      await sleep(5);
    }
    expect(watcher.drops).toEqual(['stalled']);
    await watcher.until(0);
    const cutOff = server.logs
      .records()
      .find((record) => record.msg === 'dropped an event-stream client that stopped reading');
    expect(cutOff).toMatchObject({ callerLabel: 'admin' });
    expect(cutOff?.bufferedBytes).toBeLessThan(256 * 1024 * 1024);
    expect((await open(url, adminToken)).response.status).toBe(200);
  });

  it('reports clients and refusals to the service metrics (GET /api/v1/metrics)', async () => {
    const metrics = createServiceMetrics({
      events: new ServiceEvents((error) => {
        throw error;
      }),
      status: () => ({ mode: 'local_to_cloud', directions: [] }),
      tables: () => [],
      logger: pino({ level: 'silent' }),
      processMetrics: false,
    });
    const { url } = await startServer({ maxClients: 10, perToken: 1 }, { metrics });
    await open(url, adminToken);
    expect((await open(url, adminToken)).response.status).toBe(429);
    const scrape = await fetch(new URL('/api/v1/metrics', url), {
      headers: { authorization: `Bearer ${readOnlyTokens[0]}` },
    });
    const text = await scrape.text();
    expect(text.split('\n').filter((line) => line.startsWith('mysql_sync_event_stream_'))).toEqual([
      'mysql_sync_event_stream_clients 1',
      'mysql_sync_event_stream_refused_total{cap="global"} 0',
      'mysql_sync_event_stream_refused_total{cap="per_token"} 1',
      'mysql_sync_event_stream_dropped_total{reason="buffer_full"} 0',
      'mysql_sync_event_stream_dropped_total{reason="stalled"} 0',
    ]);
  });

  it('frees every slot when the service stops', async () => {
    const { api: server, watcher, url } = await startServer({ maxClients: 10, perToken: 10 });
    const streams = await Promise.all([
      open(url, adminToken),
      open(url, adminToken),
      open(url, readOnlyTokens[0]),
    ]);
    expect(watcher.count).toBe(3);
    await server.app.close();
    await Promise.all(streams.map((client) => client.endOfStream()));
    expect(watcher.count).toBe(0);
  });
});
