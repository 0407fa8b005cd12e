/**
 * One read of a side's binlog for the history of some keys (key-history.ts): a dump of its own, from a start
 * position to an end marker, handing each transaction and each statement that replaces the table's rows to a
 * `LastChanges`. It ends
 * - on the end marker: the transaction that wrote the marker row with this read's token (`writeEndMarker`). The
 *   reader sees the checkpoint table's rows for it, so it finds the marker by its content, not by a position: a
 *   rotation (FLUSH LOGS, max_binlog_size) between the marker and anything else cannot make it miss the end;
 * - when the run stops (`signal`): the dump is stopped and the read rejects at once;
 * - when it makes no progress for `noProgressTimeoutMs` (no transaction handed on, and the dump not reading
 *   events: it waits at the binlog's end without the marker), or its stream fails for good or cannot reconnect.
 */
import {
  BinlogSource,
  replacesTableContents,
  type BinlogHandler,
  streamReadingEvents,
} from '../binlog/index.js';
import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { BinlogPosition, SideName, SourceTransaction, TableSchema } from '../model/index.js';
import type { MysqlEndpoint, Pool } from '../mysql/index.js';
import { checkpointTableName, isEndMarker } from '../target/index.js';
import type { LastChanges } from './last-changes.js';

/** How the reader reaches one side. */
export interface HistorySide {
  /** The replication account (it reads the binlog). */
  readonly replication: MysqlEndpoint;
  /** The service's pool on the side (it writes the end marker in the checkpoint table). */
  readonly pool: Pool;
  readonly database: string;
  /** The replica id of the reading dump: unique among the side's replicas, not the streaming one's. */
  readonly serverId: number;
  /** The direction that writes into this side, named by its source (the marker row's `source_name`). */
  readonly markerSource: SideName;
  readonly heartbeatIntervalMs: number;
  readonly reconnectInitialDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly queryTimeoutMs: number;
}

/** Heartbeat periods without progress before a full sync's binlog read gives up (a silent stream restarts at 3). */
const noProgressHeartbeats = 6;

/**
 * How long a binlog read of a full sync (the history read, a stream's catch-up) may go without progress before it
 * fails: the longer of six heartbeat periods (`sync.heartbeat_interval`) and the side's `query_timeout` (a
 * statement on the way may wait that long for its answer). 60 s with the defaults.
 */
export function noProgressTimeoutMs(heartbeatIntervalMs: number, queryTimeoutMs: number): number {
  return Math.max(noProgressHeartbeats * heartbeatIntervalMs, queryTimeoutMs);
}

/** How often the history read reconnects before it gives up. */
const maxReconnects = 3;

export interface HistoryReadOptions {
  readonly settings: HistorySide;
  readonly side: SideName;
  readonly schema: TableSchema;
  readonly startPosition: BinlogPosition;
  /** The marker row (`writeEndMarker`) that ends the read: its slot and this read's token. */
  readonly endMarker: { readonly slot: string; readonly token: string };
  readonly collector: LastChanges;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** Streams the side's binlog from `startPosition` into the collector until the end marker's transaction. */
export function readUntilEndMarker(options: HistoryReadOptions): Promise<void> {
  const { settings, side, schema, collector, signal } = options;
  if (signal.aborted) return Promise.reject(stoppedError(side));
  const timeoutMs = noProgressTimeoutMs(settings.heartbeatIntervalMs, settings.queryTimeoutMs);
  return new Promise<void>((resolve, reject) => {
    let finished = false;
    let lastProgressAt = Date.now();
    const isEnd = (transaction: SourceTransaction): boolean =>
      transaction.changes.some((change) =>
        isEndMarker(change, settings.markerSource, options.endMarker.slot, options.endMarker.token),
      );
    const finish = (error?: unknown): void => {
      if (finished) return;
      finished = true;
      clearInterval(progressTimer);
      signal.removeEventListener('abort', onAbort);
      void source.stop().then(
        () => (error === undefined ? resolve() : reject(wrapReadError(error, side))),
        (stopError: unknown) => reject(wrapReadError(error ?? stopError, side)),
      );
    };
    const onAbort = (): void => finish(stoppedError(side));
    const handler: BinlogHandler = {
      onTransaction: (transaction) => {
        if (finished) return;
        lastProgressAt = Date.now();
        collector.add(transaction);
        if (isEnd(transaction)) finish();
      },
      onSchemaChange: (event) => {
        if (event.table !== schema.name || !replacesTableContents(event.statement)) return;
        collector.replaced({ at: event.timestamp, statement: event.statement });
      },
      onIncompleteRowImage: () => collector.markIncomplete(),
      onStatus: (status) => {
        // A read that cannot reach the binlog fails the run's table (the stream would retry for ever).
        if (status.state === 'reconnecting' && status.reconnectAttempt >= maxReconnects) {
          finish(
            new SyncError(
              'FULL_SYNC_FAILED',
              `reading the ${side} binlog for the history of rows failed: ${status.lastError?.message ?? 'the stream broke'}`,
              { details: { side, errorCode: status.lastError?.code } },
            ),
          );
        }
      },
      onFatalError: (error) => finish(error),
    };
    const source = new BinlogSource({
      side,
      endpoint: settings.replication,
      database: settings.database,
      // The checkpoint table too: the end marker is found by its row (its transactions are not dropped as echoes).
      tables: [schema.name, checkpointTableName],
      serverId: settings.serverId,
      startPosition: options.startPosition,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      reconnectInitialDelayMs: settings.reconnectInitialDelayMs,
      reconnectMaxDelayMs: settings.reconnectMaxDelayMs,
      queryTimeoutMs: settings.queryTimeoutMs,
      logger: options.logger,
      handler,
    });
    const progressTimer = setInterval(
      () => {
        const now = Date.now();
        if (streamReadingEvents(source.status, now, settings.heartbeatIntervalMs)) lastProgressAt = now;
        if (now - lastProgressAt < timeoutMs) return;
        finish(
          new SyncError(
            'FULL_SYNC_FAILED',
            `reading the ${side} binlog for the history of rows made no progress for ${timeoutMs} ms without ` +
              `reaching its end marker (stream ${source.status.state}, at ${source.status.position?.toString() ?? 'no position'})`,
            { details: { side, timeoutMs, streamState: source.status.state } },
          ),
        );
      },
      Math.min(1_000, timeoutMs / 4),
    );
    signal.addEventListener('abort', onAbort, { once: true });
    source.start();
  });
}

function stoppedError(side: SideName): SyncError {
  return new SyncError(
    'FULL_SYNC_FAILED',
    `the run was stopped while the ${side} binlog was read for the history of rows on one side only`,
    { details: { side } },
  );
}

function wrapReadError(error: unknown, side: SideName): SyncError {
  if (error instanceof SyncError) return error;
  return new SyncError('FULL_SYNC_FAILED', `reading the ${side} binlog for the history of rows failed`, {
    cause: error,
  });
}
