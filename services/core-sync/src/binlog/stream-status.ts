/**
 * Keeps the binlog source's status — its state, when the last event arrived, the lag behind the source (at least
 * a held XA transaction's age), reconnects since the last progress, the last error — and tells each state change
 * to the handler.
 */
import { describeError, type SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { BinlogPosition } from '../model/index.js';
import type { BinlogHandler, StreamState, StreamStatus } from './binlog-handler.js';
import type { PreparedXaMonitor } from './prepared-xa-monitor.js';
import type { StreamEvent } from './stream-event.js';

/**
 * The dump is reading events: one arrived within the last two heartbeat periods, and it is not waiting at the
 * binlog's end (where only heartbeats arrive, and they put its lag at 0). A reader that waits for something this
 * says nothing of can tell a long transaction being read from a stream with nothing more to read.
 */
export function streamReadingEvents(status: StreamStatus, now: number, heartbeatIntervalMs: number): boolean {
  return (
    status.state === 'streaming' &&
    status.lagMs !== null &&
    status.lagMs > 0 &&
    status.lastEventAt !== null &&
    now - status.lastEventAt < 2 * heartbeatIntervalMs
  );
}

export interface StreamStatusSources {
  readonly handler: BinlogHandler;
  readonly log: Logger;
  readonly preparedXa: PreparedXaMonitor;
  /** Where a restart resumes: the commit position of the last transaction handed on, or the start position. */
  readonly position: () => BinlogPosition;
}

export class StreamStatusTracker {
  readonly #sources: StreamStatusSources;
  #state: StreamState = 'stopped';
  #lastEventAt: number | null = null;
  #lastEventTimestamp: number | null = null;
  #caughtUp = false;
  #reconnectAttempt = 0;
  #lastError: { code: string; message: string } | null = null;

  constructor(sources: StreamStatusSources) {
    this.#sources = sources;
  }

  get state(): StreamState {
    return this.#state;
  }

  /** Reconnects since the stream last made progress. */
  get reconnectAttempt(): number {
    return this.#reconnectAttempt;
  }

  get current(): StreamStatus {
    const now = Date.now();
    const preparedXa = this.#sources.preparedXa.status;
    const streamLagMs =
      this.#lastEventTimestamp === null
        ? null
        : this.#caughtUp
          ? 0
          : Math.max(0, now - this.#lastEventTimestamp);
    // A prepared transaction's changes wait to be applied: the lag is at least its age.
    const heldLagMs =
      preparedXa.oldestPreparedAt === null ? null : Math.max(0, now - preparedXa.oldestPreparedAt);
    return {
      state: this.#state,
      position: this.#sources.position(),
      lastEventAt: this.#lastEventAt,
      lagMs: heldLagMs === null ? streamLagMs : Math.max(streamLagMs ?? 0, heldLagMs),
      preparedXa,
      reconnectAttempt: this.#reconnectAttempt,
      lastError: this.#lastError,
    };
  }

  /** An event or heartbeat arrived at `now`. */
  noteArrival(now: number): void {
    this.#lastEventAt = now;
  }

  /** The source's clock as the event tells it: caught up at a heartbeat, else the event's own timestamp. */
  noteSourceTime(event: StreamEvent, now: number): void {
    if (event.kind === 'heartbeat') {
      this.#caughtUp = true;
      this.#lastEventTimestamp ??= now;
    } else if (event.kind !== 'rotate' && event.timestamp > 0) {
      this.#caughtUp = false;
      this.#lastEventTimestamp = event.timestamp;
    }
  }

  /** The stream made progress: reconnects count from zero again. */
  resetReconnects(): void {
    this.#reconnectAttempt = 0;
  }

  /** A retryable failure: one more reconnect attempt (returned), for this reason. */
  noteReconnect(failure: SyncError): number {
    this.#reconnectAttempt += 1;
    this.#lastError = { code: failure.code, message: describeError(failure) };
    return this.#reconnectAttempt;
  }

  /** The error the stream stopped for good with. */
  noteFatal(error: SyncError): void {
    this.#lastError = { code: error.code, message: describeError(error) };
  }

  /** Changes the state and tells the handler; `always` tells it also when the state stays (another reconnect). */
  setState(state: StreamState, always = false): void {
    if (state === this.#state && !always) return;
    this.#state = state;
    const { handler, log } = this.#sources;
    log.debug({ state, reconnectAttempt: this.#reconnectAttempt }, 'binlog stream state changed');
    try {
      handler.onStatus(this.current);
    } catch (error) {
      log.error({ error: error }, 'the binlog handler threw on a status update');
    }
  }
}
