/**
 * Who may open an event stream: at most `maxClients` streams at once for the whole service, and at most
 * `maxClientsPerCaller` for one caller (a token's label: `admin`, `read-only-0`…, or `anonymous` on an open API).
 *
 *   admit(label) ── a cap reached? ──yes──► SyncError TOO_MANY_STREAMS (429, Retry-After); nothing counted
 *        │ no
 *        ▼
 *   StreamSlot (counted) ──release()──► uncounted; later calls do nothing
 *
 * A stream is counted from `admit` until its slot is released, once, whichever way it ends. An existing stream
 * is never dropped to make room for a new one: the newcomer is refused.
 */
import { SyncError } from '../errors/index.js';

export interface StreamLimits {
  /** Streams open at once, all callers together. */
  readonly maxClients: number;
  /** Streams open at once for one caller (one token). */
  readonly maxClientsPerCaller: number;
}

/**
 * 100 streams in all: a handful of dashboards and operators' terminals use a few, and at the 4 MiB a client may be
 * owed, stalled clients are owed 400 MiB at most (they cost about 40 MiB of RSS: bench/sse-memory.bench.ts).
 * 10 per token: one dashboard tab opens one stream (browsers allow six HTTP/1.1 connections per host), so 10
 * leaves room for several tabs or people sharing a token and for a reconnect that arrives before the old
 * connection's close was seen, while one leaked token or runaway script can hold at most a tenth of the total.
 */
export const defaultStreamLimits: StreamLimits = { maxClients: 100, maxClientsPerCaller: 10 };

/** Which cap refused a stream (the `cap` of the error's details and of the metric). */
export type StreamCap = 'global' | 'per_token';

/** What a refused client is told to wait: a slot frees only when another stream ends. */
export const streamRetryAfterSeconds = 10;

/** What the hub tells the metrics about its clients. */
export interface StreamClientObserver {
  /** The number of streams open, after every change. */
  connected(count: number): void;
  refused(cap: StreamCap): void;
  /** A client cut off by the service: its buffer was full, or it took nothing for the stall timeout. */
  dropped(reason: 'buffer_full' | 'stalled'): void;
}

/** One admitted stream's place in the counts. */
export class StreamSlot {
  readonly callerLabel: string;
  readonly #onRelease: () => void;
  #released = false;

  constructor(callerLabel: string, onRelease: () => void) {
    this.callerLabel = callerLabel;
    this.#onRelease = onRelease;
  }

  get released(): boolean {
    return this.#released;
  }

  /** Gives the slot back; only the first call counts. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#onRelease();
  }
}

export class StreamAdmission {
  readonly #limits: StreamLimits;
  readonly #observer: StreamClientObserver | undefined;
  readonly #byCaller = new Map<string, number>();
  #connected = 0;

  constructor(limits: StreamLimits, observer?: StreamClientObserver) {
    this.#limits = limits;
    this.#observer = observer;
  }

  /** Streams counted now. */
  get connected(): number {
    return this.#connected;
  }

  /** Streams counted now for one caller. */
  connectedOf(callerLabel: string): number {
    return this.#byCaller.get(callerLabel) ?? 0;
  }

  /** Counts a new stream of the caller, or throws TOO_MANY_STREAMS naming the cap it would pass. */
  admit(callerLabel: string): StreamSlot {
    const { maxClients, maxClientsPerCaller } = this.#limits;
    // The caller's own cap first: when both are reached, closing one of its own streams is what helps.
    if (this.connectedOf(callerLabel) >= maxClientsPerCaller) {
      throw this.#refusal(
        'per_token',
        maxClientsPerCaller,
        `too many event streams for the token ${callerLabel}: it may have ${maxClientsPerCaller} open at once ` +
          `(server.event_stream_max_clients_per_token); close one, or retry in ${streamRetryAfterSeconds} s`,
      );
    }
    if (this.#connected >= maxClients) {
      throw this.#refusal(
        'global',
        maxClients,
        `too many event streams: the service serves ${maxClients} at once (server.event_stream_max_clients); ` +
          `retry in ${streamRetryAfterSeconds} s`,
      );
    }
    this.#count(callerLabel, 1);
    return new StreamSlot(callerLabel, () => this.#count(callerLabel, -1));
  }

  #count(callerLabel: string, change: 1 | -1): void {
    const count = this.connectedOf(callerLabel) + change;
    if (count === 0) this.#byCaller.delete(callerLabel);
    else this.#byCaller.set(callerLabel, count);
    this.#connected += change;
    this.#observer?.connected(this.#connected);
  }

  #refusal(cap: StreamCap, limit: number, message: string): SyncError {
    this.#observer?.refused(cap);
    return new SyncError('TOO_MANY_STREAMS', message, {
      details: { cap, limit, retryAfterSeconds: streamRetryAfterSeconds },
    });
  }
}
