import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceEvents, type ServiceEvent } from '../events/index.js';
import { SseHub, type SseConnection } from './sse-hub.js';
import { parseBlock, type SseBlock } from './testing/sse-client.js';

class FakeConnection extends EventEmitter implements SseConnection {
  readonly chunks: string[] = [];
  writableLength = 0;
  writableEnded = false;
  destroyed = false;

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }

  end(): void {
    this.writableEnded = true;
    this.emit('close');
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }

  blocks(): SseBlock[] {
    return this.chunks
      .join('')
      .split('\n\n')
      .filter((text) => text.length > 0)
      .map(parseBlock);
  }

  events(): { id: string | undefined; event: string | undefined; data: unknown }[] {
    return this.blocks()
      .filter((block) => block.event !== undefined)
      .map((block) => ({
        id: block.id,
        event: block.event,
        data: JSON.parse(block.data ?? 'null') as unknown,
      }));
  }
}

const listenerErrors: unknown[] = [];
const hubs: SseHub[] = [];

function hubWith(options: { bufferSize?: number; heartbeatMs?: number; maxClientBufferBytes?: number } = {}) {
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
    hub.attach(connection, undefined);
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
      hub.attach(connection, lastEventId);
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
    hub.attach(connection, '42');
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
    hub.attach(slow, undefined);
    hub.attach(fast, undefined);
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
    hub.attach(connection, undefined);
    connection.emit('close');
    events.publish(lag(1));
    expect([hub.clientCount, connection.events()]).toEqual([0, []]);
  });

  it('sends heartbeats to every client while there is one', () => {
    vi.useFakeTimers();
    const { hub } = hubWith({ heartbeatMs: 1000 });
    const first = new FakeConnection();
    const second = new FakeConnection();
    hub.attach(first, undefined);
    hub.attach(second, undefined);
    vi.advanceTimersByTime(2500);
    const heartbeats = (connection: FakeConnection) =>
      connection.blocks().filter((block) => block.comments.includes('heartbeat')).length;
    expect([heartbeats(first), heartbeats(second)]).toEqual([2, 2]);
    first.emit('close');
    second.emit('close');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends every stream and unsubscribes on close; a later client is ended at once', () => {
    const { events, hub } = hubWith();
    const idle = new FakeConnection();
    const backedUp = new FakeConnection();
    hub.attach(idle, undefined);
    hub.attach(backedUp, undefined);
    backedUp.writableLength = 10;
    hub.close();
    expect([idle.writableEnded, idle.destroyed, backedUp.destroyed]).toEqual([true, false, true]);
    expect(events.listenerCount).toBe(0);
    const late = new FakeConnection();
    hub.attach(late, undefined);
    expect([late.writableEnded, late.chunks]).toEqual([true, []]);
  });

  it('writes bigint values as strings instead of failing', () => {
    const { events, hub } = hubWith();
    const connection = new FakeConnection();
    hub.attach(connection, undefined);
    const status = { row: { id: 12345678901234567890n } };
    events.publish({ type: 'status', direction: 'local_to_cloud', status: status as never });
    expect(connection.events()[0]?.data).toMatchObject({ status: { row: { id: '12345678901234567890' } } });
  });
});
