/**
 * One connection through the fault proxy: its client and server sockets, what it forwarded each way and when,
 * the bytes a stall holds, and the client's first and latest bytes that the one-shot faults look at.
 */
import type { Socket } from 'node:net';

/** `toServer`: what the client (the service) sends; `toClient`: what the server answers. */
export type FlowDirection = 'toServer' | 'toClient';

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

/** How many of a client's first bytes a connection keeps (Link.clientPrefix). */
const clientPrefixBytes = 8_192;

/** Bytes (or the end of the stream) waiting to be forwarded one way. */
export type HeldItem = Buffer | 'end';

export class Link {
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

  /** Bytes forwarded in `direction` so far. */
  forwarded(direction: FlowDirection): number {
    return direction === 'toServer' ? this.bytesToServer : this.bytesToClient;
  }

  /** Keeps the client's first bytes (up to `clientPrefixBytes`): they tell what the connection is for. */
  rememberClientBytes(chunk: Buffer): void {
    if (this.clientPrefix.length < clientPrefixBytes) {
      this.clientPrefix = Buffer.concat([this.clientPrefix, chunk]).subarray(0, clientPrefixBytes);
    }
  }
}
