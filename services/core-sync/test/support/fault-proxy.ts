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
 */
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { listenOnFreeLoopbackPort } from './loopback-listen.js';

/** `toServer`: what the client (the service) sends; `toClient`: what the server answers. */
export type FlowDirection = 'toServer' | 'toClient';

export type ProxyMode = 'pass' | 'stalled' | 'black-hole' | 'down';

/** One proxied connection as the proxy saw it. */
export interface ConnectionSnapshot {
  readonly id: number;
  readonly openedAt: number;
  readonly open: boolean;
  readonly bytesToServer: number;
  readonly bytesToClient: number;
  /** When bytes last went each way (ms since epoch), null when none did. */
  readonly lastToServerAt: number | null;
  readonly lastToClientAt: number | null;
}

export interface ProxyCounters {
  readonly accepted: number;
  /** Connections reset by a fault (existing and refused new ones). */
  readonly reset: number;
  readonly bytesToServer: number;
  readonly bytesToClient: number;
}

/** What `onClientText` does to the connection that sent the text. */
export type TextAction = 'reset-before' | 'reset-after' | 'hold';

interface ByteCut {
  readonly direction: FlowDirection;
  readonly bytes: number;
  /** Only connections whose client's first bytes contain this (see Link.clientPrefix). */
  readonly clientSent: Buffer | undefined;
  /** Bytes each connection had forwarded in `direction` when the cut was armed. */
  readonly baseline: Map<number, number>;
  readonly resolve: (snapshot: ConnectionSnapshot) => void;
}

interface TextTrigger {
  readonly text: Buffer;
  readonly action: TextAction;
  readonly resolve: (snapshot: ConnectionSnapshot) => void;
}

/** How many of a client's first bytes a connection keeps (Link.clientPrefix). */
const clientPrefixBytes = 8_192;

/** How long a reset after a write waits for the peer to read those bytes (see #resetSoon). */
const resetDelayMs = 20;

/** Bytes (or the end of the stream) waiting to be forwarded one way. */
type HeldItem = Buffer | 'end';

class Link {
  readonly id: number;
  readonly openedAt = Date.now();
  readonly client: Socket;
  readonly upstream: Socket | undefined;
  bytesToServer = 0;
  bytesToClient = 0;
  lastToServerAt: number | null = null;
  lastToClientAt: number | null = null;
  open = true;
  /** Black-holed, or being cut: everything is dropped from now on, for good. */
  silent = false;
  /** Stalled on its own (by a text trigger), whatever the proxy's mode. */
  held = false;
  readonly queued: Record<FlowDirection, HeldItem[]> = { toServer: [], toClient: [] };
  /** The last bytes the client sent, so a text split over two chunks is still found. */
  clientTail = Buffer.alloc(0);
  /** The first bytes the client sent (its log-in and set-up statements): tell what a connection is for. */
  clientPrefix = Buffer.alloc(0);

  constructor(id: number, client: Socket, upstream: Socket | undefined) {
    this.id = id;
    this.client = client;
    this.upstream = upstream;
  }

  snapshot(): ConnectionSnapshot {
    return {
      id: this.id,
      openedAt: this.openedAt,
      open: this.open,
      bytesToServer: this.bytesToServer,
      bytesToClient: this.bytesToClient,
      lastToServerAt: this.lastToServerAt,
      lastToClientAt: this.lastToClientAt,
    };
  }
}

export class FaultProxy implements AsyncDisposable {
  readonly host = '127.0.0.1';
  readonly #server: Server;
  #target: { readonly host: string; readonly port: number };
  readonly #links = new Map<number, Link>();
  #nextId = 1;
  #mode: ProxyMode = 'pass';
  #stalledDirections = new Set<FlowDirection>();
  #healTimer: NodeJS.Timeout | undefined;
  #byteCut: ByteCut | undefined;
  #textTrigger: TextTrigger | undefined;
  #counters = { accepted: 0, reset: 0, bytesToServer: 0, bytesToClient: 0 };

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
    return { ...this.#counters };
  }

  /** The connections open now. */
  connections(): ConnectionSnapshot[] {
    return [...this.#links.values()].filter((link) => link.open).map((link) => link.snapshot());
  }

  /**
   * Stops forwarding in `direction` (default both) on every connection, open and new, until `heal()` or for
   * `forMs`. Nothing is closed and nothing is lost: held bytes are delivered when the stall ends.
   */
  stall(options: { readonly direction?: FlowDirection | 'both'; readonly forMs?: number } = {}): void {
    const direction = options.direction ?? 'both';
    this.#setMode('stalled');
    this.#stalledDirections = new Set(direction === 'both' ? ['toServer', 'toClient'] : [direction]);
    if (options.forMs !== undefined) this.#healTimer = setTimeout(() => this.heal(), options.forMs);
  }

  /**
   * Forwards nothing and answers nothing until `heal()`: bytes are dropped, new connections are accepted and
   * ignored, and the connections open now stay silent for good (their bytes in flight are gone).
   */
  blackHole(): void {
    this.#setMode('black-hole');
    for (const link of this.#links.values()) link.silent = true;
  }

  /** Resets every open connection and resets new ones as soon as they are accepted, until `heal()`. */
  down(): ConnectionSnapshot[] {
    this.#setMode('down');
    return this.resetAll();
  }

  /** Back to forwarding: a stall delivers what it held, new connections work again. */
  heal(): void {
    this.#setMode('pass');
    this.#stalledDirections = new Set();
    for (const link of this.#links.values()) {
      link.held = false;
      this.#flush(link);
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
    for (const link of this.#links.values()) {
      if (!link.open) continue;
      reset.push(link.snapshot());
      this.#reset(link);
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
      for (const link of this.#links.values()) baseline.set(link.id, this.#forwarded(link, direction));
      this.#byteCut = { direction, bytes, clientSent, baseline, resolve };
    });
  }

  /**
   * The first connection whose client sends `text` is reset before the bytes carrying it are forwarded
   * (`reset-before`), right after (`reset-after`: the server received it, the client never hears the answer),
   * or stalled there in both directions until `heal()` (`hold`). Resolves with the connection at that moment.
   */
  onClientText(text: string, action: TextAction): Promise<ConnectionSnapshot> {
    return new Promise((resolve) => {
      this.#textTrigger = { text: Buffer.from(text), action, resolve };
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.#healTimer);
    for (const link of this.#links.values()) this.#destroy(link);
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
    this.#counters.accepted += 1;
    client.on('error', () => undefined);
    if (this.#mode === 'down') {
      this.#counters.reset += 1;
      client.resetAndDestroy();
      return;
    }
    const id = this.#nextId;
    this.#nextId += 1;
    if (this.#mode === 'black-hole') {
      // Accepted by "the network" but never reaching the server: silence until the client gives up.
      const link = new Link(id, client, undefined);
      link.silent = true;
      this.#links.set(id, link);
      client.on('data', () => undefined);
      client.on('close', () => this.#closed(link));
      return;
    }
    const upstream = new Socket({ allowHalfOpen: true });
    const link = new Link(id, client, upstream);
    this.#links.set(id, link);
    upstream.on('error', () => undefined);
    client.on('data', (chunk: Buffer) => this.#receive(link, 'toServer', chunk));
    upstream.on('data', (chunk: Buffer) => this.#receive(link, 'toClient', chunk));
    client.on('end', () => this.#receive(link, 'toServer', 'end'));
    upstream.on('end', () => this.#receive(link, 'toClient', 'end'));
    // A reset or error on one side resets the other (a clean close was handled by 'end' above).
    client.on('close', (hadError) => this.#sideClosed(link, 'client', hadError));
    upstream.on('close', (hadError) => this.#sideClosed(link, 'upstream', hadError));
    upstream.connect(this.#target.port, this.#target.host);
  }

  #receive(link: Link, direction: FlowDirection, item: HeldItem): void {
    if (link.silent || !link.open) return;
    if (item !== 'end' && direction === 'toServer' && link.clientPrefix.length < clientPrefixBytes) {
      link.clientPrefix = Buffer.concat([link.clientPrefix, item]).subarray(0, clientPrefixBytes);
    }
    if (item !== 'end' && direction === 'toServer' && this.#textTrigger !== undefined) {
      if (this.#applyTextTrigger(link, item)) return;
    }
    if (link.held || this.#stalledDirections.has(direction) || link.queued[direction].length > 0) {
      link.queued[direction].push(item);
      return;
    }
    this.#forward(link, direction, item);
  }

  /** True when the trigger took the chunk (the connection was reset before it, or is now held with it). */
  #applyTextTrigger(link: Link, chunk: Buffer): boolean {
    const trigger = this.#textTrigger;
    if (trigger === undefined) return false;
    const window = Buffer.concat([link.clientTail, chunk]);
    link.clientTail = window.subarray(Math.max(0, window.length - trigger.text.length + 1));
    if (!window.includes(trigger.text)) return false;
    this.#textTrigger = undefined;
    switch (trigger.action) {
      case 'reset-before':
        trigger.resolve(link.snapshot());
        this.#reset(link);
        return true;
      case 'reset-after':
        this.#forward(link, 'toServer', chunk);
        link.silent = true;
        trigger.resolve(link.snapshot());
        // RST once the bytes are handed to the kernel: the server receives them, then the reset.
        link.upstream?.write(Buffer.alloc(0), () => this.#resetSoon(link));
        return true;
      case 'hold':
        link.held = true;
        link.queued.toServer.push(chunk);
        trigger.resolve(link.snapshot());
        return true;
    }
  }

  #forward(link: Link, direction: FlowDirection, item: HeldItem): void {
    const destination = direction === 'toServer' ? link.upstream : link.client;
    if (destination === undefined || destination.destroyed) return;
    if (item === 'end') {
      destination.end();
      return;
    }
    const cut = this.#byteCut;
    let chunk = item;
    let cutHere = false;
    if (
      cut !== undefined &&
      cut.direction === direction &&
      (cut.clientSent === undefined || link.clientPrefix.includes(cut.clientSent))
    ) {
      const already = this.#forwarded(link, direction) - (cut.baseline.get(link.id) ?? 0);
      const allowed = cut.bytes - already;
      if (allowed <= chunk.length) {
        chunk = chunk.subarray(0, allowed);
        cutHere = true;
      }
    }
    const now = Date.now();
    if (direction === 'toServer') {
      link.bytesToServer += chunk.length;
      link.lastToServerAt = now;
      this.#counters.bytesToServer += chunk.length;
    } else {
      link.bytesToClient += chunk.length;
      link.lastToClientAt = now;
      this.#counters.bytesToClient += chunk.length;
    }
    if (!cutHere) {
      destination.write(chunk);
      return;
    }
    this.#byteCut = undefined;
    const snapshot = link.snapshot();
    link.silent = true;
    destination.write(chunk, () => this.#resetSoon(link));
    cut?.resolve(snapshot);
  }

  #forwarded(link: Link, direction: FlowDirection): number {
    return direction === 'toServer' ? link.bytesToServer : link.bytesToClient;
  }

  /** Delivers what a stall held, in order; a side that left meanwhile is then closed on the other side too. */
  #flush(link: Link): void {
    if (!link.open || link.silent) return;
    for (const direction of ['toServer', 'toClient'] as const) {
      const queue = link.queued[direction];
      link.queued[direction] = [];
      for (const item of queue) this.#forward(link, direction, item);
    }
    // end(), not destroy(): the bytes just written are delivered before the FIN.
    if (link.client.destroyed) link.upstream?.end();
    if (link.upstream?.destroyed === true) link.client.end();
    this.#closeIfDone(link);
  }

  #sideClosed(link: Link, side: 'client' | 'upstream', hadError: boolean): void {
    if (!link.open) return;
    if (link.silent) {
      // A black hole tells the client nothing; a client that gave up is gone for the server too.
      if (side === 'client') this.#destroy(link);
      return;
    }
    const pending = link.queued.toServer.length > 0 || link.queued.toClient.length > 0;
    // Bytes a stall holds are still delivered (a network delivers what it accepted before the sender left).
    if (pending && (link.held || this.#stalledDirections.size > 0)) return;
    if (hadError) this.#reset(link);
    else this.#closeIfDone(link);
  }

  #closeIfDone(link: Link): void {
    if (link.client.destroyed && (link.upstream?.destroyed ?? true)) this.#closed(link);
  }

  #reset(link: Link): void {
    if (!link.open) return;
    this.#counters.reset += 1;
    if (!link.client.destroyed) link.client.resetAndDestroy();
    if (link.upstream !== undefined && !link.upstream.destroyed) link.upstream.resetAndDestroy();
    this.#closed(link);
  }

  /**
   * Resets a connection just after bytes were written to it: a reset that reaches the peer while those bytes are
   * still unread makes it see a clean end instead of a reset, so the peer gets a moment to read them first.
   */
  #resetSoon(link: Link): void {
    setTimeout(() => this.#reset(link), resetDelayMs);
  }

  #destroy(link: Link): void {
    link.client.destroy();
    link.upstream?.destroy();
    this.#closed(link);
  }

  #closed(link: Link): void {
    link.open = false;
    link.queued.toServer = [];
    link.queued.toClient = [];
    this.#links.delete(link.id);
  }
}
