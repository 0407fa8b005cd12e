/**
 * A read of a stretch of a server's binlog, by a dump of its own, for work that must end: a full sync's history of
 * rows, a preview's count of pending changes. It reads from a start position until a transaction the caller
 * recognises as the end (a marker row it committed, found by its content: a rotation of the binlog between the
 * marker and anything else cannot make the read miss it). It ends too
 * - when `signal` aborts: the dump is stopped and the read rejects at once;
 * - when it makes no progress for `noProgressTimeoutMs` (no transaction handed on, and the dump not reading events:
 *   it waits at the binlog's end without the marker);
 * - when its stream fails for good or cannot reconnect.
 * Every failure is a SyncError of `errorCode` whose message says what the read was for (`purpose`).
 */
import { SyncError, type ErrorCode } from '../errors/index.js';
import type { SourceTransaction } from '../model/index.js';
import { BinlogSource } from './binlog-source.js';
import type { BinlogHandler, BinlogSourceOptions } from './binlog-handler.js';
import { streamReadingEvents } from './stream-status.js';

/** Heartbeat periods without progress before a bounded read gives up (a silent stream restarts at 3). */
const noProgressHeartbeats = 6;

/** pino's number for `warn`. */
const warnLevel = 40;

/** How often a bounded read reconnects before it gives up. */
const maxReconnects = 3;

/**
 * How long a bounded read (or a stream's catch-up for a run) may go without progress before it fails: the longer
 * of six heartbeat periods (`sync.heartbeat_interval`) and the side's `query_timeout` (a statement on the way may
 * wait that long for its answer). 60 s with the defaults.
 */
export function noProgressTimeoutMs(heartbeatIntervalMs: number, queryTimeoutMs: number): number {
  return Math.max(noProgressHeartbeats * heartbeatIntervalMs, queryTimeoutMs);
}

export interface BoundedReadOptions {
  /** The dump's settings; the handler is the read's own. `queryTimeoutMs` is required here. */
  readonly source: Omit<BinlogSourceOptions, 'handler' | 'markerTable'> & { readonly queryTimeoutMs: number };
  /** Whether a transaction is the one that ends the read (it is handed to `onTransaction` first). */
  readonly isEnd: (transaction: SourceTransaction) => boolean;
  readonly onTransaction: (transaction: SourceTransaction) => void;
  /** The rest of the handler, when the caller wants them (schema changes, incomplete row images). */
  readonly onSchemaChange?: BinlogHandler['onSchemaChange'];
  readonly onIncompleteRowImage?: BinlogHandler['onIncompleteRowImage'];
  readonly signal: AbortSignal;
  /** What the read is for, in its errors: "reading the local binlog for <purpose> …". */
  readonly purpose: string;
  readonly errorCode: ErrorCode;
}

/** Streams the binlog from `source.startPosition` until `isEnd`; see the header for how else it ends. */
export function readUntilEnd(options: BoundedReadOptions): Promise<void> {
  const { source: settings, signal, purpose, errorCode } = options;
  const side = settings.side;
  const failure = (message: string, details: Record<string, unknown>): SyncError =>
    new SyncError(errorCode, message, { details: { side, ...details } });
  const stopped = (): SyncError =>
    failure(`the run was stopped while the ${side} binlog was read for ${purpose}`, {});
  if (signal.aborted) return Promise.reject(stopped());
  const timeoutMs = noProgressTimeoutMs(settings.heartbeatIntervalMs, settings.queryTimeoutMs);
  return new Promise<void>((resolve, reject) => {
    let finished = false;
    let lastProgressAt = Date.now();
    const wrap = (error: unknown): SyncError =>
      error instanceof SyncError
        ? error
        : new SyncError(errorCode, `reading the ${side} binlog for ${purpose} failed`, { cause: error });
    const finish = (error?: unknown): void => {
      if (finished) return;
      finished = true;
      clearInterval(progressTimer);
      signal.removeEventListener('abort', onAbort);
      void source.stop().then(
        () => (error === undefined ? resolve() : reject(wrap(error))),
        (stopError: unknown) => reject(wrap(error ?? stopError)),
      );
    };
    const onAbort = (): void => finish(stopped());
    const handler: BinlogHandler = {
      onTransaction: (transaction) => {
        if (finished) return;
        lastProgressAt = Date.now();
        options.onTransaction(transaction);
        if (options.isEnd(transaction)) finish();
      },
      onSchemaChange: (event) => options.onSchemaChange?.(event),
      onIncompleteRowImage: (event) => options.onIncompleteRowImage?.(event),
      onStatus: (status) => {
        // A read that cannot reach the binlog fails (a stream would retry for ever).
        if (status.state === 'reconnecting' && status.reconnectAttempt >= maxReconnects) {
          finish(
            failure(
              `reading the ${side} binlog for ${purpose} failed: ${status.lastError?.message ?? 'the stream broke'}`,
              { errorCode: status.lastError?.code },
            ),
          );
        }
      },
      onFatalError: (error) => finish(error),
    };
    // Its dump re-reads old events (schema changes applied long ago, reconnects): it logs warnings and errors only.
    const logger = settings.logger.child(
      {},
      { level: settings.logger.levelVal > warnLevel ? settings.logger.level : 'warn' },
    );
    const source = new BinlogSource({ ...settings, logger, handler });
    const progressTimer = setInterval(
      () => {
        const now = Date.now();
        if (streamReadingEvents(source.status, now, settings.heartbeatIntervalMs)) lastProgressAt = now;
        if (now - lastProgressAt < timeoutMs) return;
        finish(
          failure(
            `reading the ${side} binlog for ${purpose} made no progress for ${timeoutMs} ms without reaching its ` +
              `end marker (stream ${source.status.state}, at ${source.status.position?.toString() ?? 'no position'})`,
            { timeoutMs, streamState: source.status.state },
          ),
        );
      },
      Math.min(1_000, timeoutMs / 4),
    );
    signal.addEventListener('abort', onAbort, { once: true });
    source.start();
  });
}
