/**
 * One event-stream client as the hub sees it: its connection, its slot in the caps, and the frames waiting for it.
 *
 *   flowing ──write() returned false──► backed up: frames are queued here (references to the hub's frames)
 *      ▲                                    │
 *      └──── drain: the queue goes out as one write ◄┘
 *
 * While a client is backed up the hub's frames are not written to its connection one by one: each write to an
 * HTTP response is four writes to the socket (chunk size, CRLF, data, CRLF), and a socket keeps an entry for
 * each, so a client that stopped reading would hold far more memory than the bytes it is owed. Queued here, a
 * frame costs the client one reference: the frame's text is shared by every client. The bytes owed (what the
 * connection holds plus the queue) are what the hub bounds.
 */
import type { StreamSlot } from './stream-admission.js';

/** What the hub needs of a client connection (a `ServerResponse` after its head was written). */
export interface SseConnection {
  write(chunk: string): boolean;
  end(): void;
  destroy(): void;
  /** Bytes handed to the connection and not yet sent to the client. */
  readonly writableLength: number;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  once(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** After `write` returned false: the buffer was sent. */
  on(event: 'drain', listener: () => void): unknown;
}

export class StreamClient {
  readonly connection: SseConnection;
  readonly slot: StreamSlot;
  readonly #maxUnsentBytes: number;
  #queue: string[] = [];
  #queuedBytes = 0;
  /** When `write` last returned false with no `drain` since (Date.now()), else undefined. */
  #backedUpSince: number | undefined;

  constructor(connection: SseConnection, slot: StreamSlot, maxUnsentBytes: number) {
    this.connection = connection;
    this.slot = slot;
    this.#maxUnsentBytes = maxUnsentBytes;
    connection.on('drain', () => this.#drained());
  }

  get open(): boolean {
    return !this.connection.destroyed && !this.connection.writableEnded;
  }

  /** Bytes owed to the client: in the connection's buffer and queued here. */
  get unsentBytes(): number {
    return this.connection.writableLength + this.#queuedBytes;
  }

  get backedUp(): boolean {
    return this.#backedUpSince !== undefined;
  }

  /** Milliseconds the client has been backed up without taking anything, 0 when it is not. */
  stalledForMs(now: number): number {
    return this.#backedUpSince === undefined ? 0 : now - this.#backedUpSince;
  }

  /** Writes the chunk, or queues it while backed up; false when it would owe the client more than the bound. */
  send(chunk: string, bytes: number): boolean {
    if (this.unsentBytes + bytes > this.#maxUnsentBytes) return false;
    if (this.#backedUpSince === undefined) {
      this.#write(chunk);
    } else {
      this.#queue.push(chunk);
      this.#queuedBytes += bytes;
    }
    return true;
  }

  #write(chunk: string): void {
    if (!this.connection.write(chunk)) this.#backedUpSince ??= Date.now();
  }

  #drained(): void {
    this.#backedUpSince = undefined;
    if (this.#queue.length === 0 || !this.open) return;
    const queued = this.#queue.join('');
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#write(queued);
  }
}
