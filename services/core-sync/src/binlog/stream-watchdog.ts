/**
 * The binlog source's heartbeat watchdog: tells when a dump stream has been silent too long (no event, heartbeat
 * or byte read within 3× the heartbeat interval; a connect attempt at least 10 s), so the source restarts it.
 */
import { SyncError } from '../errors/index.js';

/** No event or heartbeat within this many heartbeat intervals restarts the stream. */
const watchdogIntervals = 3;
/** Connecting and checking the server may take this long before the watchdog gives up on the attempt. */
const minimumConnectTimeoutMs = 10_000;

export class StreamWatchdog {
  readonly #heartbeatIntervalMs: number;
  readonly #serverLabel: string;
  #lastActivityAt = 0;
  #lastBytesRead = 0;

  constructor(heartbeatIntervalMs: number, serverLabel: string) {
    this.#heartbeatIntervalMs = heartbeatIntervalMs;
    this.#serverLabel = serverLabel;
  }

  /** How often the source asks `check`. */
  get checkEveryMs(): number {
    return Math.max(20, Math.min(this.#heartbeatIntervalMs / 2, 1_000));
  }

  /** A connect attempt starts: silence counts from now, and its stream has read nothing yet. */
  restart(now: number): void {
    this.#lastActivityAt = now;
    this.#lastBytesRead = 0;
  }

  /** An event arrived, or reading resumed after a pause. */
  noteActivity(now: number): void {
    this.#lastActivityAt = now;
  }

  /**
   * The error that restarts the stream when it has been silent too long, null otherwise. Bytes read count as a
   * sign of life whatever they are (`bytesRead` is the stream's count so far).
   */
  check(now: number, bytesRead: number, connecting: boolean): SyncError | null {
    if (bytesRead !== this.#lastBytesRead) {
      this.#lastBytesRead = bytesRead;
      this.#lastActivityAt = now;
    }
    const silenceLimitMs = this.#heartbeatIntervalMs * watchdogIntervals;
    const limitMs = connecting ? Math.max(silenceLimitMs, minimumConnectTimeoutMs) : silenceLimitMs;
    const silentForMs = now - this.#lastActivityAt;
    if (silentForMs <= limitMs) return null;
    return new SyncError(
      'BINLOG_STREAM_FAILED',
      connecting
        ? `connecting to ${this.#serverLabel} took longer than ${limitMs} ms`
        : `no binlog event or heartbeat from ${this.#serverLabel} for ${silentForMs} ms (limit ${limitMs} ms)`,
      { details: { silentForMs, limitMs } },
    );
  }
}
