/**
 * A TCP proxy between the service and one database server, for fault tests: it forwards bytes both ways until the
 * test injects a fault, and counts what it forwarded per connection so a test can check a fault hit a connection
 * that was carrying data.
 *
 * Faults that last until `heal()`:
 * - `stall()`: connections stay open but nothing is forwarded (one or both directions); held bytes are delivered
 *   on `heal()`, including what a client sent before it gave up and closed (as a real network delivers what it
 *   had accepted);
 * - `blackHole()`: nothing is forwarded and nothing answered, like a pulled cable — bytes are dropped, and the
 *   connections open at that moment stay silent for good (after `heal()` only new connections work);
 * - `down()`: every connection is reset (RST) and new ones are reset as soon as they are accepted.
 * One-shot faults: `resetAll()` resets the open connections; `cutAfter()` cuts the first connection that forwards
 * a given number of further bytes exactly there (mid-packet); `onClientText()` resets or stalls the first
 * connection whose client sends a given text (a statement), before or after forwarding it.
 * This class holds the faults; proxy-forwarding.ts moves the bytes under them, proxy-link.ts is one connection and
 * fault-triggers.ts the one-shot faults' matching.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { TextAction } from './fault-triggers.js';
import { listenOnFreeLoopbackPort } from './loopback-listen.js';
import { ProxyForwarding } from './proxy-forwarding.js';
import type { ConnectionSnapshot, FlowDirection } from './proxy-link.js';

export type { ConnectionSnapshot, FlowDirection } from './proxy-link.js';
export type { TextAction } from './fault-triggers.js';

export type ProxyMode = 'pass' | 'stalled' | 'black-hole' | 'down';

export interface ProxyCounters {
  readonly accepted: number;
  /** Connections reset by a fault (existing and refused new ones). */
  readonly reset: number;
  readonly bytesToServer: number;
  readonly bytesToClient: number;
}

export class FaultProxy implements AsyncDisposable {
  readonly host = '127.0.0.1';
  readonly #server: Server;
  #target: { readonly host: string; readonly port: number };
  readonly #forwarding = new ProxyForwarding();
  #nextId = 1;
  #mode: ProxyMode = 'pass';
  #healTimer: NodeJS.Timeout | undefined;

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
  }

  /** Listens on a free port of 127.0.0.1 and forwards to `target`. */
  static async start(target: { readonly host: string; readonly port: number }): Promise<FaultProxy> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: false });
    const proxy = new FaultProxy(server, { host: target.host, port: target.port });
    server.on('connection', (client) => proxy.#accept(client));
    await listenOnFreeLoopbackPort(server);
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  get counters(): ProxyCounters {
    return { ...this.#forwarding.counters };
  }

  /** The connections open now. */
  connections(): ConnectionSnapshot[] {
    return [...this.#forwarding.links.values()].filter((link) => link.open).map((link) => link.snapshot());
  }

  /**
   * Stops forwarding in `direction` (default both) on every connection, open and new, until `heal()` or for
   * `forMs`. Nothing is closed and nothing is lost: held bytes are delivered when the stall ends.
   */
  stall(options: { readonly direction?: FlowDirection | 'both'; readonly forMs?: number } = {}): void {
    const direction = options.direction ?? 'both';
    this.#setMode('stalled');
    this.#forwarding.faults.stalledDirections = new Set(
      direction === 'both' ? ['toServer', 'toClient'] : [direction],
    );
    if (options.forMs !== undefined) this.#healTimer = setTimeout(() => this.heal(), options.forMs);
  }

  /**
   * Forwards nothing and answers nothing until `heal()`: bytes are dropped, new connections are accepted and
   * ignored, and the connections open now stay silent for good (their bytes in flight are gone).
   */
  blackHole(): void {
    this.#setMode('black-hole');
    for (const link of this.#forwarding.links.values()) link.silent = true;
  }

  /** Resets every open connection and resets new ones as soon as they are accepted, until `heal()`. */
  down(): ConnectionSnapshot[] {
    this.#setMode('down');
    return this.resetAll();
  }

  /** Back to forwarding: a stall delivers what it held, new connections work again. */
  heal(): void {
    this.#setMode('pass');
    this.#forwarding.faults.stalledDirections = new Set();
    for (const link of this.#forwarding.links.values()) {
      link.held = false;
      this.#forwarding.flush(link);
    }
  }

  /**
   * Sends new connections to another server from now on, as a DNS name or a load balancer does after a failover
   * (open connections keep their server until they end).
   */
  retarget(target: { readonly host: string; readonly port: number }): void {
    this.#target = { host: target.host, port: target.port };
  }

  /** Resets (RST) every open connection now; returns them as they were just before. */
  resetAll(): ConnectionSnapshot[] {
    const reset: ConnectionSnapshot[] = [];
    for (const link of this.#forwarding.links.values()) {
      if (!link.open) continue;
      reset.push(link.snapshot());
      this.#forwarding.reset(link);
    }
    return reset;
  }

  /**
   * Cuts (RST both ways) the first connection that forwards `bytes` more bytes in `direction` (default
   * `toClient`), exactly after the `bytes`-th one — in the middle of whatever packet it carries. With
   * `clientSent`, only a connection whose client sent that text among its first bytes (a binlog dump connection
   * sets `@master_heartbeat_period`). Resolves with the connection as it was cut.
   */
  cutAfter(
    bytes: number,
    options: { readonly direction?: FlowDirection; readonly clientSent?: string } = {},
  ): Promise<ConnectionSnapshot> {
    if (!Number.isSafeInteger(bytes) || bytes < 1) throw new RangeError(`cannot cut after ${bytes} bytes`);
    const direction = options.direction ?? 'toClient';
    const clientSent = options.clientSent === undefined ? undefined : Buffer.from(options.clientSent);
    return new Promise((resolve) => {
      const baseline = new Map<number, number>();
      for (const link of this.#forwarding.links.values()) baseline.set(link.id, link.forwarded(direction));
      this.#forwarding.faults.byteCut = { direction, bytes, clientSent, baseline, resolve };
    });
  }

  /**
   * The first connection whose client sends `text` is reset before the bytes carrying it are forwarded
   * (`reset-before`), right after (`reset-after`: the server received it, the client never hears the answer),
   * or stalled there in both directions until `heal()` (`hold`). Resolves with the connection at that moment.
   */
  onClientText(text: string, action: TextAction): Promise<ConnectionSnapshot> {
    return new Promise((resolve) => {
      this.#forwarding.faults.textTrigger = { text: Buffer.from(text), action, resolve };
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.#healTimer);
    for (const link of this.#forwarding.links.values()) this.#forwarding.destroy(link);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #setMode(mode: ProxyMode): void {
    clearTimeout(this.#healTimer);
    this.#healTimer = undefined;
    this.#mode = mode;
  }

  #accept(client: Socket): void {
    const counters = this.#forwarding.counters;
    counters.accepted += 1;
    client.on('error', () => undefined);
    if (this.#mode === 'down') {
      counters.reset += 1;
      client.resetAndDestroy();
      return;
    }
    const id = this.#nextId;
    this.#nextId += 1;
    if (this.#mode === 'black-hole') {
      this.#forwarding.addSilent(id, client);
      return;
    }
    this.#forwarding.connect(id, client, this.#target);
  }
}
