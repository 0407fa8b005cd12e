/**
 * Fans the public events of the service bus out to Server-Sent-Events clients.
 *
 *   ServiceEvents ──publish──► SseHub: keep public types, number them, frame once
 *                                 ├─► ring buffer (last `bufferSize` frames, for Last-Event-ID replay)
 *                                 └─► every client (stream-client.ts): written to its connection, or queued while
 *                                     it is backed up; the bytes it is owed capped (over the cap → dropped)
 *
 * Publishing never waits for a client: a frame is handed to each connection's buffer and the publisher moves on.
 * A client whose buffer grows past `maxClientBufferBytes`, or that takes nothing for `stallTimeoutMs` while
 * bytes wait for it, is disconnected; it reconnects with `Last-Event-ID` and gets what it missed from the ring
 * buffer, or a `reset` event when that fell out of the buffer or would not fit in a client's buffer.
 *
 * How many clients there are is capped (stream-admission.ts): the route asks `admit` for a slot before it takes
 * the connection over, and the hub releases the slot when the client goes, whichever way: it closed, its
 * connection failed, it was cut off, or the hub closed.
 *
 * Event ids are integers that only grow, also across restarts of the service: they start at the start time in
 * microseconds, so a client that reconnects to a restarted service with an old id gets `reset`, never another
 * run's events under ids it already saw.
 */
import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import { publicEventTypes, type ServiceEvent, type ServiceEvents } from '../events/index.js';
import {
  defaultStreamLimits,
  StreamAdmission,
  type StreamClientObserver,
  type StreamLimits,
  type StreamSlot,
} from './stream-admission.js';
import { StreamClient, type SseConnection } from './stream-client.js';

export type { SseConnection } from './stream-client.js';

export interface SseHubOptions {
  readonly events: ServiceEvents;
  readonly logger: Logger;
  /** Events kept for replay (default 1,000). */
  readonly bufferSize?: number;
  /** Interval of `: heartbeat` comments (default 15 s). */
  readonly heartbeatMs?: number;
  /** Bytes a client may have waiting before it is dropped (default 4 MiB). */
  readonly maxClientBufferBytes?: number;
  /**
   * How long a client may stay backed up (a `write` to it returned false and no `drain` followed: it takes
   * nothing while data waits) before it is dropped (default 60 s). Checked at heartbeats.
   */
  readonly stallTimeoutMs?: number;
  /** Streams open at once, in all and per caller (default 100 and 10). */
  readonly limits?: StreamLimits;
  /** Told of every change in the number of clients, refusal and drop (the metrics). */
  readonly observer?: StreamClientObserver;
  /** The id before the first event's (default: the current time in microseconds). */
  readonly firstEventId?: number;
}

/** What the client's `retry:` field tells the browser to wait before reconnecting. */
export const sseRetryMs = 3000;

interface BufferedFrame {
  readonly id: number;
  readonly frame: string;
  readonly bytes: number;
}

/** A fixed-capacity ring of the newest frames, oldest first. */
class FrameRing {
  readonly #slots: (BufferedFrame | undefined)[];
  #start = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#slots = new Array<BufferedFrame | undefined>(capacity);
  }

  push(frame: BufferedFrame): void {
    const capacity = this.#slots.length;
    if (capacity === 0) return;
    this.#slots[(this.#start + this.#size) % capacity] = frame;
    if (this.#size < capacity) this.#size += 1;
    else this.#start = (this.#start + 1) % capacity;
  }

  get oldestId(): number | undefined {
    return this.#size === 0 ? undefined : this.#slots[this.#start]?.id;
  }

  /** Frames with an id greater than `afterId`, oldest first. */
  framesAfter(afterId: number): BufferedFrame[] {
    const frames: BufferedFrame[] = [];
    for (let offset = 0; offset < this.#size; offset += 1) {
      const frame = this.#slots[(this.#start + offset) % this.#slots.length];
      if (frame !== undefined && frame.id > afterId) frames.push(frame);
    }
    return frames;
  }
}

/** Keeps bigint values (row data can hold them) from breaking JSON.stringify. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

const heartbeatFrame = ': heartbeat\n\n';

export class SseHub {
  readonly #logger: Logger;
  readonly #ring: FrameRing;
  readonly #clients = new Set<StreamClient>();
  readonly #heartbeatMs: number;
  readonly #maxClientBufferBytes: number;
  readonly #stallTimeoutMs: number;
  readonly #admission: StreamAdmission;
  readonly #observer: StreamClientObserver | undefined;
  readonly #unsubscribe: () => void;
  #lastId: number;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;
  #droppedClients = 0;

  constructor(options: SseHubOptions) {
    this.#logger = options.logger;
    this.#ring = new FrameRing(options.bufferSize ?? 1000);
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
    this.#maxClientBufferBytes = options.maxClientBufferBytes ?? 4 * 1024 * 1024;
    this.#stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
    this.#observer = options.observer;
    this.#admission = new StreamAdmission(options.limits ?? defaultStreamLimits, options.observer);
    this.#lastId = options.firstEventId ?? Date.now() * 1000;
    this.#unsubscribe = options.events.subscribe((event) => this.#publish(event));
  }

  /** The id of the newest event (the first id minus one before any). */
  get lastEventId(): number {
    return this.#lastId;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Streams counted against the caps: admitted and not yet released. */
  get admittedCount(): number {
    return this.#admission.connected;
  }

  /** Clients disconnected because they could not keep up, since the start. */
  get droppedClients(): number {
    return this.#droppedClients;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Counts a new stream of the caller; throws TOO_MANY_STREAMS (429) when a cap is reached, SERVICE_STOPPING
   * once the hub is closed.
   */
  admit(callerLabel: string): StreamSlot {
    if (this.#closed) throw new SyncError('SERVICE_STOPPING', 'the service is shutting down');
    return this.#admission.admit(callerLabel);
  }

  /**
   * Starts streaming to a connection whose head is written: `retry:`, then what it missed after
   * `lastEventIdHeader` (or `reset` when that is no longer buffered), then live events until it closes. The
   * slot (from `admit`) is released when the client goes.
   */
  attach(slot: StreamSlot, connection: SseConnection, lastEventIdHeader: string | undefined): void {
    if (this.#closed || slot.released) {
      slot.release();
      connection.end();
      return;
    }
    const client = new StreamClient(connection, slot, this.#maxClientBufferBytes);
    connection.once('close', () => this.#remove(client));
    connection.on('error', (error) => {
      this.#logger.debug({ error: error }, 'event-stream connection failed');
      this.#remove(client);
    });
    this.#clients.add(client);
    const retryFrame = `retry: ${sseRetryMs}\n\n`;
    const room = this.#maxClientBufferBytes - Buffer.byteLength(retryFrame);
    // One write for the opening and the replay: a write per frame would cost the socket four entries each.
    const opening = [retryFrame, ...this.#catchUp(lastEventIdHeader, room)].join('');
    if (!this.#deliver(client, opening, Buffer.byteLength(opening))) return;
    this.#startHeartbeat();
  }

  /** Ends every stream and stops listening to the bus; later clients are ended at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#stopHeartbeat();
    for (const client of this.#clients) {
      client.slot.release();
      // A client with unsent bytes could hold the shutdown until it reads them: cut it off instead.
      if (client.unsentBytes > 0) client.connection.destroy();
      else client.connection.end();
    }
    this.#clients.clear();
  }

  /** The frames a reconnecting client missed, or a `reset` event when they are gone or take more than `room`. */
  #catchUp(lastEventIdHeader: string | undefined, room: number): string[] {
    if (lastEventIdHeader === undefined) return [];
    const text = lastEventIdHeader.trim();
    const lastSeen = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
    if (lastSeen === this.#lastId) return [];
    const oldestId = this.#ring.oldestId;
    const replayable =
      Number.isSafeInteger(lastSeen) &&
      oldestId !== undefined &&
      lastSeen >= oldestId - 1 &&
      lastSeen < this.#lastId;
    if (replayable) {
      const missed = this.#ring.framesAfter(lastSeen);
      const missedBytes = missed.reduce((total, buffered) => total + buffered.bytes, 0);
      // More than a client may hold would cut it off mid-replay, and its reconnect would ask for the same again.
      if (missedBytes <= room) return missed.map((buffered) => buffered.frame);
    }
    const reset = {
      reason:
        'the events after the given Last-Event-ID are no longer buffered: reload the state through the API',
      lastEventId: text,
      oldestBufferedId: oldestId ?? null,
    };
    // The reset carries the newest id, so the next reconnect resumes from here rather than resetting again.
    return [`id: ${this.#lastId}\nevent: reset\ndata: ${JSON.stringify(reset)}\n\n`];
  }

  #publish(event: ServiceEvent): void {
    if (!publicEventTypes.has(event.type)) return;
    let data: string;
    try {
      data = JSON.stringify(event, jsonReplacer);
    } catch (error) {
      this.#logger.error(
        { error: error, eventType: event.type },
        'could not serialise an event for the stream',
      );
      return;
    }
    this.#lastId += 1;
    const frame = `id: ${this.#lastId}\nevent: ${event.type}\ndata: ${data}\n\n`;
    const buffered = { id: this.#lastId, frame, bytes: Buffer.byteLength(frame) };
    this.#ring.push(buffered);
    for (const client of this.#clients) this.#deliver(client, frame, buffered.bytes);
  }

  /** Sends to one client, dropping it when it cannot keep up; false when it is gone. */
  #deliver(client: StreamClient, chunk: string, bytes: number): boolean {
    if (!client.open) {
      this.#remove(client);
      return false;
    }
    if (client.send(chunk, bytes)) return true;
    this.#logger.warn(
      {
        callerLabel: client.slot.callerLabel,
        bufferedBytes: client.unsentBytes,
        limitBytes: this.#maxClientBufferBytes,
      },
      'dropped an event-stream client that could not keep up',
    );
    this.#cutOff(client, 'buffer_full');
    return false;
  }

  #cutOff(client: StreamClient, reason: 'buffer_full' | 'stalled'): void {
    this.#droppedClients += 1;
    this.#observer?.dropped(reason);
    this.#remove(client);
    client.connection.destroy();
  }

  #remove(client: StreamClient): void {
    this.#clients.delete(client);
    client.slot.release();
    if (this.#clients.size === 0) this.#stopHeartbeat();
  }

  /**
   * Cuts off the clients that took nothing for the stall timeout, and sends a heartbeat to those not backed up
   * (one that is has data waiting already).
   */
  #beat(): void {
    const now = Date.now();
    const bytes = Buffer.byteLength(heartbeatFrame);
    for (const client of this.#clients) {
      const stalledForMs = client.stalledForMs(now);
      if (stalledForMs < this.#stallTimeoutMs) {
        if (!client.backedUp) this.#deliver(client, heartbeatFrame, bytes);
        continue;
      }
      this.#logger.warn(
        {
          callerLabel: client.slot.callerLabel,
          bufferedBytes: client.unsentBytes,
          stalledForMs,
        },
        'dropped an event-stream client that stopped reading',
      );
      this.#cutOff(client, 'stalled');
    }
  }

  #startHeartbeat(): void {
    if (this.#heartbeat !== undefined || this.#closed) return;
    this.#heartbeat = setInterval(() => this.#beat(), this.#heartbeatMs);
    this.#heartbeat.unref();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat === undefined) return;
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}
