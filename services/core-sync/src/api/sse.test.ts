/**
 * The event stream through a real listening server (inject cannot stream): fetch clients as a dashboard uses.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  adminToken,
  buildTestApi,
  readOnlyTokens,
  runProgress,
  type TestApi,
  type TestApiOverrides,
  lagEvent,
} from './testing/api-test-kit.js';
import { SseTestClient } from './testing/sse-client.js';
import { StreamTestBench } from './testing/stream-test-bench.js';

const bench = new StreamTestBench();

afterEach(async () => {
  expect(await bench.close()).toEqual([]);
});

async function startServer(overrides: TestApiOverrides = {}): Promise<{ api: TestApi; url: string }> {
  const api = buildTestApi(overrides);
  return { api, url: await bench.listen(api) };
}

async function openStream(url: string, options: { token?: string; lastEventId?: string } = {}) {
  const client = await SseTestClient.open(url, { token: adminToken, ...options });
  bench.clients.push(client);
  expect(client.response.status).toBe(200);
  // `retry:` opens every stream; once read, the client is registered with the hub.
  expect(await client.next()).toEqual({ retry: 3000, comments: [] });
  return client;
}

describe('GET /api/v1/sync/stream', () => {
  it('streams public events in order, with increasing ids, and leaves internal ones out', async () => {
    const { api: server, url } = await startServer();
    const client = await openStream(url);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(client.response.headers.get('cache-control')).toBe('no-cache');
    expect(client.response.headers.get('x-accel-buffering')).toBe('no');
    expect(client.response.headers.get('x-request-id')).toMatch(/^[\da-f]{32}$/);

    server.events.publish(lagEvent(1));
    server.events.publish({
      type: 'batch',
      direction: 'local_to_cloud',
      rowCountByTable: { users: 1 },
      rowCount: 1,
      durationMs: 2,
    });
    server.events.publish({ type: 'run', progress: runProgress() });
    server.events.publish({
      type: 'conflict-detected',
      id: 'conflict-9',
      table: 'users',
      conflictType: 'update_update',
      strategy: 'manual',
      winner: null,
    });
    const events = await client.events(3);
    expect(events.map((event) => event.event)).toEqual(['lag', 'run', 'conflict-detected']);
    const ids = events.map((event) => Number(event.id));
    expect(ids[1]).toBe((ids[0] ?? 0) + 1);
    expect(ids[2]).toBe((ids[0] ?? 0) + 2);
    expect(JSON.parse(events[0]?.data ?? '')).toEqual(lagEvent(1));
    expect(JSON.parse(events[1]?.data ?? '')).toEqual({ type: 'run', progress: runProgress() });
  });

  it('sends heartbeat comments', async () => {
    const { url } = await startServer({ sseHeartbeatMs: 20 });
    const client = await openStream(url);
    expect(await client.next()).toEqual({ comments: ['heartbeat'] });
    expect(await client.next()).toEqual({ comments: ['heartbeat'] });
  });

  it('replays what a reconnecting client missed after its Last-Event-ID, then goes on live', async () => {
    const { api: server, url } = await startServer();
    const first = await openStream(url, { token: readOnlyTokens[0] });
    server.events.publish(lagEvent(1));
    server.events.publish(lagEvent(2));
    const seen = await first.events(2);
    first.close();
    server.events.publish(lagEvent(3));
    server.events.publish(lagEvent(4));

    const again = await openStream(url, { token: readOnlyTokens[0], lastEventId: seen[1]?.id ?? '' });
    const replayed = await again.events(2);
    server.events.publish(lagEvent(5));
    const live = await again.nextEvent();
    expect(
      [...replayed, live].map((event) => (JSON.parse(event.data) as { rowsPerSecond: number }).rowsPerSecond),
    ).toEqual([3, 4, 5]);
    expect([...replayed, live].map((event) => Number(event.id) - Number(seen[1]?.id))).toEqual([1, 2, 3]);
  });

  it('sends `reset` first when the Last-Event-ID fell out of the buffer, then live events', async () => {
    const { api: server, url } = await startServer({ sseBufferSize: 3 });
    const watcher = await openStream(url);
    for (let index = 1; index <= 6; index += 1) server.events.publish(lagEvent(index));
    const published = await watcher.events(6);

    const late = await openStream(url, { lastEventId: published[0]?.id ?? '' });
    const reset = await late.nextEvent();
    expect(reset.event).toBe('reset');
    expect(reset.id).toBe(published[5]?.id);
    expect(JSON.parse(reset.data)).toMatchObject({
      lastEventId: published[0]?.id,
      oldestBufferedId: Number(published[3]?.id),
    });
    server.events.publish(lagEvent(7));
    const live = await late.nextEvent();
    expect([live.event, Number(live.id) - Number(reset.id)]).toEqual(['lag', 1]);
  });

  it('serves 50 clients at once, each getting every event in order', async () => {
    const { api: server, url } = await startServer({
      server: {
        authToken: adminToken,
        readOnlyTokens: [...readOnlyTokens],
        corsOrigins: [],
        eventStreamMaxClientsPerToken: 50,
      },
    });
    const many = await Promise.all(Array.from({ length: 50 }, () => openStream(url)));
    for (let index = 1; index <= 20; index += 1) server.events.publish(lagEvent(index));
    const received = await Promise.all(
      many.map(async (client) =>
        (await client.events(20)).map(
          (event) => (JSON.parse(event.data) as { rowsPerSecond: number }).rowsPerSecond,
        ),
      ),
    );
    const expected = Array.from({ length: 20 }, (_unused, index) => index + 1);
    expect(received).toEqual(many.map(() => expected));
  });

  it('drops a client that stops reading, without holding up the others', async () => {
    const { api: server, url } = await startServer({ sseClientBufferBytes: 64 * 1024 });
    const serverSockets: Socket[] = [];
    server.app.server.on('connection', (socket: Socket) => serverSockets.push(socket));
    const streamUrl = new URL(url);
    const stalled = connect(Number(streamUrl.port), streamUrl.hostname);
    bench.sockets.push(stalled);
    await once(stalled, 'connect');
    stalled.write(
      `GET ${streamUrl.pathname} HTTP/1.1\r\nHost: ${streamUrl.host}\r\nAuthorization: Bearer ${adminToken}\r\n\r\n`,
    );
    const [head] = (await once(stalled, 'data')) as [Buffer];
    expect(head.toString()).toContain('HTTP/1.1 200 OK');
    stalled.pause(); // never reads again: the kernel's buffers fill, then the server's
    const stalledOnServer = serverSockets[0];
    if (stalledOnServer === undefined) throw new Error('the server did not see the stalled connection');
    let dropped = false;
    const droppedSignal = once(stalledOnServer, 'close').then(() => (dropped = true));

    const reader = await openStream(url);
    const bigPosition = 'p'.repeat(32 * 1024);
    let published = 0;
    // Events spread over time, as the service publishes them; the reading client takes each one as it comes.
    while (!dropped && published < 3000) {
      published += 1;
      server.events.publish(lagEvent(published, bigPosition));
      const event = await reader.nextEvent();
      expect((JSON.parse(event.data) as { rowsPerSecond: number }).rowsPerSecond).toBe(published);
    }
    await droppedSignal;
    expect(published).toBeLessThan(3000);
    server.events.publish(lagEvent(published + 1));
    const after = await reader.nextEvent();
    expect((JSON.parse(after.data) as { rowsPerSecond: number }).rowsPerSecond).toBe(published + 1);
    expect(server.logs.records()).toContainEqual(
      expect.objectContaining({
        msg: 'dropped an event-stream client that could not keep up',
        limitBytes: 65536,
      }),
    );
  });

  it('answers 401 in the error shape without a token, and never reads one from the URL', async () => {
    const { url } = await startServer();
    const withoutToken = await SseTestClient.open(url);
    bench.clients.push(withoutToken);
    expect(withoutToken.response.status).toBe(401);
    expect(withoutToken.response.headers.get('www-authenticate')).toBe('Bearer realm="mysql-sync"');
    expect(await withoutToken.response.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });

    const inUrl = await SseTestClient.open(`${url}?token=${adminToken}&access_token=${adminToken}`);
    bench.clients.push(inUrl);
    expect(inUrl.response.status).toBe(401);
  });

  it('ends every stream when the app closes, so shutdown is not held up', async () => {
    const { api: server, url } = await startServer();
    const connected = await Promise.all(Array.from({ length: 5 }, () => openStream(url)));
    // A connection that never sends a request (a browser's preconnect) would hold Node's server.close().
    const streamUrl = new URL(url);
    const unused = connect(Number(streamUrl.port), streamUrl.hostname);
    bench.sockets.push(unused);
    await once(unused, 'connect');
    const started = performance.now();
    await server.app.close();
    expect(performance.now() - started).toBeLessThan(2000);
    await Promise.all(connected.map((client) => client.endOfStream()));
    expect(connected.map((client) => client.ended)).toEqual([true, true, true, true, true]);
    expect(server.events.listenerCount).toBe(0);
  });
});
