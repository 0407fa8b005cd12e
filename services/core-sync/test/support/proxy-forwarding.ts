/**
 * Moves the bytes of each fault-proxy connection both ways under the faults in force: stalled directions are
 * queued, an armed cut or client text fires on the first connection that meets it, and a side that closes or
 * resets is passed on to the other side.
 */
import { Socket } from 'node:net';
import { bytesBeforeCut, clientSentText, type ByteCut, type TextTrigger } from './fault-triggers.js';
import { Link, type FlowDirection, type HeldItem } from './proxy-link.js';

/** How long a reset after a write waits for the peer to read those bytes (see resetSoon). */
const resetDelayMs = 20;

/** The faults the forwarding obeys, set by the proxy's fault methods. */
export interface FaultState {
  stalledDirections: Set<FlowDirection>;
  byteCut: ByteCut | undefined;
  textTrigger: TextTrigger | undefined;
}

export class ProxyForwarding {
  /** The connections by id, while open. */
  readonly links = new Map<number, Link>();
  readonly counters = { accepted: 0, reset: 0, bytesToServer: 0, bytesToClient: 0 };
  readonly faults: FaultState = { stalledDirections: new Set(), byteCut: undefined, textTrigger: undefined };

  /** Accepted by "the network" but never reaching the server: silence until the client gives up. */
  addSilent(id: number, client: Socket): void {
    const link = new Link(id, client, undefined);
    link.silent = true;
    this.links.set(id, link);
    client.on('data', () => undefined);
    client.on('close', () => this.#closed(link));
  }

  /** Opens the connection's way to the server and forwards between the two. */
  connect(id: number, client: Socket, target: { readonly host: string; readonly port: number }): void {
    const upstream = new Socket({ allowHalfOpen: true });
    const link = new Link(id, client, upstream);
    this.links.set(id, link);
    upstream.on('error', () => undefined);
    client.on('data', (chunk: Buffer) => this.#receive(link, 'toServer', chunk));
    upstream.on('data', (chunk: Buffer) => this.#receive(link, 'toClient', chunk));
    client.on('end', () => this.#receive(link, 'toServer', 'end'));
    upstream.on('end', () => this.#receive(link, 'toClient', 'end'));
    // A reset or error on one side resets the other (a clean close was handled by 'end' above).
    client.on('close', (hadError) => this.#sideClosed(link, 'client', hadError));
    upstream.on('close', (hadError) => this.#sideClosed(link, 'upstream', hadError));
    upstream.connect(target.port, target.host);
  }

  #receive(link: Link, direction: FlowDirection, item: HeldItem): void {
    if (link.silent || !link.open) return;
    if (item !== 'end' && direction === 'toServer') link.rememberClientBytes(item);
    if (item !== 'end' && direction === 'toServer' && this.faults.textTrigger !== undefined) {
      if (this.#applyTextTrigger(link, item)) return;
    }
    if (link.held || this.faults.stalledDirections.has(direction) || link.queued[direction].length > 0) {
      link.queued[direction].push(item);
      return;
    }
    this.#forward(link, direction, item);
  }

  /** True when the trigger took the chunk (the connection was reset before it, or is now held with it). */
  #applyTextTrigger(link: Link, chunk: Buffer): boolean {
    const trigger = this.faults.textTrigger;
    if (trigger === undefined || !clientSentText(link, chunk, trigger)) return false;
    this.faults.textTrigger = undefined;
    switch (trigger.action) {
      case 'reset-before':
        trigger.resolve(link.snapshot());
        this.reset(link);
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
    const cut = this.faults.byteCut;
    const allowed = cut === undefined ? null : bytesBeforeCut(cut, link, direction, item.length);
    const cutHere = allowed !== null;
    const chunk = allowed === null ? item : item.subarray(0, allowed);
    const now = Date.now();
    if (direction === 'toServer') {
      link.bytesToServer += chunk.length;
      link.lastToServerAt = now;
      this.counters.bytesToServer += chunk.length;
    } else {
      link.bytesToClient += chunk.length;
      link.lastToClientAt = now;
      this.counters.bytesToClient += chunk.length;
    }
    if (!cutHere) {
      destination.write(chunk);
      return;
    }
    this.faults.byteCut = undefined;
    const snapshot = link.snapshot();
    link.silent = true;
    destination.write(chunk, () => this.#resetSoon(link));
    cut?.resolve(snapshot);
  }

  /** Delivers what a stall held, in order; a side that left meanwhile is then closed on the other side too. */
  flush(link: Link): void {
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
      if (side === 'client') this.destroy(link);
      return;
    }
    const pending = link.queued.toServer.length > 0 || link.queued.toClient.length > 0;
    // Bytes a stall holds are still delivered (a network delivers what it accepted before the sender left).
    if (pending && (link.held || this.faults.stalledDirections.size > 0)) return;
    if (hadError) this.reset(link);
    else this.#closeIfDone(link);
  }

  #closeIfDone(link: Link): void {
    if (link.client.destroyed && (link.upstream?.destroyed ?? true)) this.#closed(link);
  }

  /** Resets (RST) both sides of the connection and forgets it; counted as a reset. */
  reset(link: Link): void {
    if (!link.open) return;
    this.counters.reset += 1;
    if (!link.client.destroyed) link.client.resetAndDestroy();
    if (link.upstream !== undefined && !link.upstream.destroyed) link.upstream.resetAndDestroy();
    this.#closed(link);
  }

  /**
   * Resets a connection just after bytes were written to it: a reset that reaches the peer while those bytes are
   * still unread makes it see a clean end instead of a reset, so the peer gets a moment to read them first.
   */
  #resetSoon(link: Link): void {
    setTimeout(() => this.reset(link), resetDelayMs);
  }

  /** Closes both sides of the connection at once, without a reset, and forgets it. */
  destroy(link: Link): void {
    link.client.destroy();
    link.upstream?.destroy();
    this.#closed(link);
  }

  #closed(link: Link): void {
    link.open = false;
    link.queued.toServer = [];
    link.queued.toClient = [];
    this.links.delete(link.id);
  }
}
