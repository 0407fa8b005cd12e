import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceEvents, type ServiceEvent } from '../events/index.js';
import { SseHub, type SseHubOptions } from './sse-hub.js';
import { attach, FakeConnection } from './testing/fake-sse-connection.js';

const listenerErrors: unknown[] = [];
const hubs: SseHub[] = [];

function hubWith(options: Partial<Omit<SseHubOptions, 'events' | 'logger'>> = {}) {
  const events = new ServiceEvents((error) => listenerErrors.push(error));
  const hub = new SseHub({ events, logger: pino({ level: 'silent' }), firstEventId: 100, ...options });
  hubs.push(hub);
  return { events, hub };
}

function lag(rowsPerSecond: number): ServiceEvent {
  return {
    type: 'lag',
    direction: 'cloud_to_local',
    lagMs: null,
    queueDepth: 1,
    rowsPerSecond,
    position: null,
  };
}

afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
  vi.useRealTimers();
  expect(listenerErrors.splice(0)).toEqual([]);
});

describe('SseHub', () => {
  it('opens with retry, numbers public events from the first id, and skips batch events', () => {
    const { events, hub } = hubWith();
    const connection = new FakeConnection();
    attach(hub, connection, undefined);
    events.publish(lag(1));
    events.publish({
      type: 'batch',
      direction: 'local_to_cloud',
      rowCountByTable: {},
      rowCount: 0,
      durationMs: 1,
    });
    events.publish({
      type: 'conflict-resolved',
      id: 'c1',
      table: 'users',
      resolvedBy: 'admin',
      resolution: 'local',
    });
    expect(connection.chunks[0]).toBe('retry: 3000\n\n');
    expect(connection.chunks[1]).toBe(`id: 101\nevent: lag\ndata: ${JSON.stringify(lag(1))}\n\n`);
    expect(connection.events().map((event) => [event.id, event.event])).toEqual([
      ['101', 'lag'],
      ['102', 'conflict-resolved'],
    ]);
    expect(hub.lastEventId).toBe(102);
  });

  it('replays exactly the events after Last-Event-ID while they are buffered', () => {
    const { events, hub } = hubWith({ bufferSize: 5 });
    for (let index = 1; index <= 7; index += 1) events.publish(lag(index)); // ids 101–107; 103–107 buffered
    const replay = (lastEventId: string) => {
      const connection = new FakeConnection();
      attach(hub, connection, lastEventId);
      return connection.events().map((event) => `${event.event}:${event.id}`);
    };
    expect(replay('105')).toEqual(['lag:106', 'lag:107']);
    expect(replay('102')).toEqual(['lag:103', 'lag:104', 'lag:105', 'lag:106', 'lag:107']);
    expect(replay('107')).toEqual([]);
    // Too old, from the future (another process), or not a number: reset, carrying the newest id.
    expect(replay('101')).toEqual(['reset:107']);
    expect(replay('999')).toEqual(['reset:107']);
    expect(replay('abc')).toEqual(['reset:107']);
  });

  it('resets a client of an earlier process before any event was published here', () => {
    const { hub } = hubWith();
    const connection = new FakeConnection();
    attach(hub, connection, '42');
    expect(connection.events()).toEqual([
      {
        id: '100',
        event: 'reset',
        data: {
          reason:
            'the events after the given Last-Event-ID are no longer buffered: reload the state through the API',
          lastEventId: '42',
          oldestBufferedId: null,
        },
      },
    ]);
  });

  it('starts ids at the current time in microseconds by default, so they grow across restarts', () => {
    const events = new ServiceEvents((error) => listenerErrors.push(error));
    const before = Date.now() * 1000;
    const hub = new SseHub({ events, logger: pino({ level: 'silent' }) });
    hubs.push(hub);
    expect(hub.lastEventId).toBeGreaterThanOrEqual(before);
    expect(hub.lastEventId).toBeLessThanOrEqual(Date.now() * 1000);
  });

  it('drops a client whose buffered bytes would pass the cap, and keeps serving the others', () => {
    const { events, hub } = hubWith({ maxClientBufferBytes: 1000 });
    const slow = new FakeConnection();
    const fast = new FakeConnection();
    attach(hub, slow, undefined);
    attach(hub, fast, undefined);
    slow.writableLength = 990;
    events.publish(lag(1));
    events.publish(lag(2));
    expect(slow.destroyed).toBe(true);
    expect(slow.events()).toEqual([]);
    expect(fast.events().map((event) => event.id)).toEqual(['101', '102']);
    expect([hub.clientCount, hub.droppedClients]).toEqual([1, 1]);
  });

  it('forgets a client when its connection closes', () => {
    const { events, hub } = hubWith();
    const connection = new FakeConnection();
    attach(hub, connection, undefined);
    connection.emit('close');
    events.publish(lag(1));
    expect([hub.clientCount, connection.events()]).toEqual([0, []]);
  });

  it('sends heartbeats to every client while there is one', () => {
    vi.useFakeTimers();
    const { hub } = hubWith({ heartbeatMs: 1000 });
    const first = new FakeConnection();
    const second = new FakeConnection();
    attach(hub, first, undefined);
    attach(hub, second, undefined);
    vi.advanceTimersByTime(2500);
    const heartbeats = (connection: FakeConnection) =>
      connection.blocks().filter((block) => block.comments.includes('heartbeat')).length;
    expect([heartbeats(first), heartbeats(second)]).toEqual([2, 2]);
    first.emit('close');
    second.emit('close');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends every stream, releases its slot and unsubscribes on close; later clients are refused or ended', () => {
    const { events, hub } = hubWith();
    const idle = new FakeConnection();
    const backedUp = new FakeConnection();
    attach(hub, idle, undefined);
    attach(hub, backedUp, undefined);
    const admittedBeforeClose = hub.admit('read-only-0');
    backedUp.writableLength = 10;
    expect(hub.admittedCount).toBe(3);
    hub.close();
    expect([idle.writableEnded, idle.destroyed, backedUp.destroyed]).toEqual([true, false, true]);
    expect(events.listenerCount).toBe(0);
    expect(() => hub.admit('admin')).toThrow(expect.objectContaining({ code: 'SERVICE_STOPPING' }));
    const late = new FakeConnection();
    hub.attach(admittedBeforeClose, late, undefined);
    expect([late.writableEnded, late.chunks, admittedBeforeClose.released]).toEqual([true, [], true]);
    expect([hub.admittedCount, hub.clientCount]).toEqual([0, 0]);
  });

  it('cuts off a client that takes nothing for the stall timeout, and keeps one that drains', () => {
    vi.useFakeTimers();
    const { events, hub } = hubWith({ heartbeatMs: 1000, stallTimeoutMs: 3000 });
    const stalled = new FakeConnection();
    const slow = new FakeConnection();
    attach(hub, stalled, undefined);
    attach(hub, slow, undefined);
    stalled.accepting = false;
    slow.accepting = false;
    events.publish(lag(1)); // both backed up from here
    vi.advanceTimersByTime(2500);
    slow.emit('drain'); // the slow one caught up
    vi.advanceTimersByTime(1000); // 3.5 s: the stalled one has taken nothing for 3 s by the beat at 3 s
    expect([stalled.destroyed, slow.destroyed]).toEqual([true, false]);
    expect([hub.clientCount, hub.admittedCount, hub.droppedClients]).toEqual([1, 1, 1]);
    // Still backed up by the heartbeat written at 3 s, and no drain since: it is cut off 3 s later.
    vi.advanceTimersByTime(3000);
    expect([slow.destroyed, hub.clientCount, hub.droppedClients]).toEqual([true, 0, 2]);
  });

  it('resets instead of replaying when the opening and what was missed would not fit in a client buffer', () => {
    const frameBytes = Buffer.byteLength(`id: 101\nevent: lag\ndata: ${JSON.stringify(lag(1))}\n\n`);
    const retryBytes = Buffer.byteLength('retry: 3000\n\n');
    const { events, hub } = hubWith({ maxClientBufferBytes: retryBytes + 3 * frameBytes });
    for (let index = 1; index <= 9; index += 1) events.publish(lag(index)); // ids 101–109, frames of one size
    const threeBehind = new FakeConnection();
    attach(hub, threeBehind, '106');
    const fourBehind = new FakeConnection();
    attach(hub, fourBehind, '105');
    expect(threeBehind.events().map((event) => `${event.event}:${event.id}`)).toEqual([
      'lag:107',
      'lag:108',
      'lag:109',
    ]);
    expect(fourBehind.events().map((event) => `${event.event}:${event.id}`)).toEqual(['reset:109']);
    expect([threeBehind.destroyed, fourBehind.destroyed, hub.clientCount]).toEqual([false, false, 2]);
    // The opening and its replay go out as one write.
    expect([threeBehind.chunks.length, fourBehind.chunks.length]).toEqual([1, 1]);

    // One byte less, and the `retry:` line beside the three frames would not fit: reset, not cut off.
    const tighter = hubWith({ maxClientBufferBytes: retryBytes + 3 * frameBytes - 1 });
    for (let index = 1; index <= 9; index += 1) tighter.events.publish(lag(index));
    const justOver = new FakeConnection();
    attach(tighter.hub, justOver, '106');
    expect([justOver.events().map((event) => event.event), justOver.destroyed]).toEqual([['reset'], false]);
  });

  it('releases a slot once when a connection fails and then closes', () => {
    const { hub } = hubWith();
    const failing = new FakeConnection();
    attach(hub, failing, undefined);
    attach(hub, new FakeConnection(), undefined);
    failing.emit('error', new Error('write EPIPE'));
    failing.emit('close');
    expect([hub.clientCount, hub.admittedCount]).toEqual([1, 1]);
  });

  it('writes bigint values as strings instead of failing', () => {
    const { events, hub } = hubWith();
    const connection = new FakeConnection();
    attach(hub, connection, undefined);
    const status = { row: { id: 12345678901234567890n } };
    events.publish({ type: 'status', direction: 'local_to_cloud', status: status as never });
    expect(connection.events()[0]?.data).toMatchObject({ status: { row: { id: '12345678901234567890' } } });
  });
});
