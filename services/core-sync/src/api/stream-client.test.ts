import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamAdmission } from './stream-admission.js';
import { StreamClient } from './stream-client.js';
import { FakeConnection } from './testing/fake-sse-connection.js';

function clientWith(maxUnsentBytes: number) {
  const connection = new FakeConnection();
  const slot = new StreamAdmission({ maxClients: 1, maxClientsPerCaller: 1 }).admit('admin');
  return { connection, client: new StreamClient(connection, slot, maxUnsentBytes) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('StreamClient', () => {
  it('queues frames while backed up and sends them as one write, in order, on drain', () => {
    const { connection, client } = clientWith(1000);
    connection.accepting = false;
    expect(client.send('a\n\n', 3)).toBe(true); // written: the connection answers false, so backed up
    expect(client.send('b\n\n', 3)).toBe(true);
    expect(client.send('c\n\n', 3)).toBe(true);
    expect([connection.chunks, client.backedUp, client.unsentBytes]).toEqual([['a\n\n'], true, 6]);
    connection.accepting = true;
    connection.emit('drain');
    expect([connection.chunks, client.backedUp, client.unsentBytes]).toEqual([
      ['a\n\n', 'b\n\nc\n\n'],
      false,
      0,
    ]);
    client.send('d\n\n', 3);
    expect(connection.chunks).toEqual(['a\n\n', 'b\n\nc\n\n', 'd\n\n']);
  });

  it('counts what the connection holds and what is queued against the bound', () => {
    const { connection, client } = clientWith(100);
    connection.accepting = false;
    client.send('x'.repeat(10), 10);
    connection.writableLength = 60;
    expect(client.send('y'.repeat(30), 30)).toBe(true);
    expect(client.unsentBytes).toBe(90);
    expect(client.send('z'.repeat(11), 11)).toBe(false);
    expect(client.send('z'.repeat(10), 10)).toBe(true);
  });

  it('measures how long it has been backed up, from the first refused write to the drain', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { connection, client } = clientWith(1000);
    expect(client.stalledForMs(Date.now())).toBe(0);
    connection.accepting = false;
    client.send('a', 1);
    vi.advanceTimersByTime(500);
    client.send('b', 1); // still backed up since the first one
    vi.advanceTimersByTime(500);
    expect(client.stalledForMs(Date.now())).toBe(1000);
    connection.emit('drain'); // 'b' goes out and is refused again: backed up anew
    expect(client.stalledForMs(Date.now())).toBe(0);
    vi.advanceTimersByTime(200);
    expect(client.stalledForMs(Date.now())).toBe(200);
  });
});
