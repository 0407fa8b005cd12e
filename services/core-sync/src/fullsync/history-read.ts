/**
 * One read of a side's binlog for the history of some keys (key-history.ts): a bounded read (binlog/bounded-read.ts)
 * from a start position to an end marker, handing each transaction and each statement that replaces the table's
 * rows to a `LastChanges`. The end is the transaction that wrote the marker row with this read's token
 * (`writeEndMarker`): the reader sees the checkpoint table's rows, so it finds the marker by its content, not by a
 * position, and a rotation (FLUSH LOGS, max_binlog_size) between the marker and anything else cannot make it miss
 * the end.
 */
import { readUntilEnd, replacesTableContents } from '../binlog/index.js';
import type { Logger } from '../logging/index.js';
import type { BinlogPosition, SideName, TableSchema } from '../model/index.js';
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
  const { settings, side, schema, collector, endMarker } = options;
  return readUntilEnd({
    source: {
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
    },
    isEnd: (transaction) =>
      transaction.changes.some((change) =>
        isEndMarker(change, settings.markerSource, endMarker.slot, endMarker.token),
      ),
    onTransaction: (transaction) => collector.add(transaction),
    onSchemaChange: (event) => {
      if (event.table !== schema.name || !replacesTableContents(event.statement)) return;
      collector.replaced({ at: event.timestamp, statement: event.statement });
    },
    onIncompleteRowImage: () => collector.markIncomplete(),
    signal: options.signal,
    purpose: 'the history of rows on one side only',
    errorCode: 'FULL_SYNC_FAILED',
  });
}
