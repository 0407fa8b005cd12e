import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.js';

/** A server that echoes what it receives, and answers `big` with 64 KiB; it remembers what each connection sent. */
class EchoServer {
  readonly received: string[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor() {
    this.#server = createServer((socket) => {
      const index = this.received.push('') - 1;
      this.#sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('data', (chunk: Buffer) => {
        this.received[index] += chunk.toString();
        socket.write(chunk.toString() === 'big' ? Buffer.alloc(65_536, 7) : chunk);
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A client connection that collects what it receives and how it ended. */
class Client {
  readonly socket: Socket;
  received = Buffer.alloc(0);
  error: NodeJS.ErrnoException | undefined;
  closed = false;

  constructor(port: number) {
    this.socket = createConnection(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    this.socket.on('error', (error) => (this.error = error));
    this.socket.on('close', () => (this.closed = true));
  }

  text(): string {
    return this.received.toString();
  }
}

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await sleep(10);
  }
}

describe('FaultProxy', () => {
  let server: EchoServer;
  let proxy: FaultProxy;
  const clients: Client[] = [];
  const connect = (): Client => {
    const client = new Client(proxy.port);
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    server = new EchoServer();
    proxy = await FaultProxy.start({ host: '127.0.0.1', port: await server.listen() });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy();
    await proxy.close();
    await server.close();
  });

  it('forwards both ways and counts the bytes of each connection', async () => {
    const client = connect();
    client.socket.write('hello');
    await waitFor(() => client.text() === 'hello');
    expect(proxy.connections()).toMatchObject([{ id: 1, open: true, bytesToServer: 5, bytesToClient: 5 }]);
    expect(proxy.counters).toMatchObject({ accepted: 1, reset: 0, bytesToServer: 5, bytesToClient: 5 });
  });

  it('holds bytes while stalled and delivers all of them on heal, also from a client that left', async () => {
    const client = connect();
    client.socket.write('one');
    await waitFor(() => client.text() === 'one');
    proxy.stall();
    client.socket.write('two');
    await sleep(100);
    expect(server.received).toEqual(['one']);
    expect(client.text()).toBe('one');
    proxy.heal();
    await waitFor(() => client.text() === 'onetwo');

    proxy.stall({ direction: 'toServer' });
    const leaving = connect();
    leaving.socket.write('late');
    await sleep(100);
    leaving.socket.destroy();
    await sleep(50);
    expect(server.received[1] ?? '').toBe('');
    proxy.heal();
    await waitFor(() => server.received[1] === 'late');
  });

  it('answers nothing in a black hole; after heal new connections work and the old ones stay silent', async () => {
    const old = connect();
    old.socket.write('before');
    await waitFor(() => old.text() === 'before');
    proxy.blackHole();
    old.socket.write('lost');
    const fresh = connect();
    fresh.socket.write('nobody');
    await sleep(150);
    expect(old.text()).toBe('before');
    expect(fresh.received.length).toBe(0);
    expect(server.received).toEqual(['before']);
    proxy.heal();
    old.socket.write('still lost');
    const after = connect();
    after.socket.write('back');
    await waitFor(() => after.text() === 'back');
    expect(old.text()).toBe('before');
    expect(old.closed).toBe(false);
  });

  it('resets open connections when down, resets new ones until healed', async () => {
    const open = connect();
    open.socket.write('x');
    await waitFor(() => open.text() === 'x');
    const reset = proxy.down();
    expect(reset).toMatchObject([{ bytesToServer: 1, bytesToClient: 1 }]);
    await waitFor(() => open.closed);
    expect(open.error?.code).toBe('ECONNRESET');
    const refused = connect();
    await waitFor(() => refused.closed);
    expect(refused.error?.code).toBe('ECONNRESET');
    proxy.heal();
    const again = connect();
    again.socket.write('y');
    await waitFor(() => again.text() === 'y');
    expect(proxy.counters.reset).toBe(2);
  });

  it('cuts a connection exactly after the given number of further bytes', async () => {
    const client = connect();
    client.socket.write('warm');
    await waitFor(() => client.text() === 'warm');
    const cut = proxy.cutAfter(1_000);
    client.socket.write('big');
    const snapshot = await cut;
    expect(snapshot).toMatchObject({ id: 1, bytesToClient: 1_004 });
    await waitFor(() => client.closed);
    expect(client.error?.code).toBe('ECONNRESET');
    expect(client.received.length).toBe(1_004);
  });

  it('cuts only a connection whose client sent a given text first', async () => {
    const other = connect();
    const dump = connect();
    dump.socket.write('dump');
    await waitFor(() => dump.text() === 'dump');
    const cut = proxy.cutAfter(500, { clientSent: 'dump' });
    other.socket.write('big');
    await waitFor(() => other.received.length === 65_536);
    dump.socket.write('big');
    expect(await cut).toMatchObject({ id: 2, bytesToClient: 504 });
    await waitFor(() => dump.closed);
    expect(other.closed).toBe(false);
  });

  it('resets a connection right after it sent a text: the server got it, the client no answer', async () => {
    const client = connect();
    const triggered = proxy.onClientText('COMMIT', 'reset-after');
    client.socket.write('SELECT 1');
    await waitFor(() => client.text() === 'SELECT 1');
    client.socket.write('COMM');
    client.socket.write('IT');
    expect(await triggered).toMatchObject({ id: 1 });
    await waitFor(() => client.closed);
    expect(client.error?.code).toBe('ECONNRESET');
    await waitFor(() => server.received[0] === 'SELECT 1COMMIT');
  });

  it('holds a connection from the text on until healed', async () => {
    const client = connect();
    const other = connect();
    const triggered = proxy.onClientText('COMMIT', 'hold');
    client.socket.write('COMMIT');
    await triggered;
    other.socket.write('free');
    await waitFor(() => other.text() === 'free');
    await sleep(100);
    expect(server.received[0] ?? '').toBe('');
    proxy.heal();
    await waitFor(() => client.text() === 'COMMIT');
  });
});
