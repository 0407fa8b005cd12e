/** The binlog source's public contract: its options, the handler it calls, and its status. */
import type { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { BinlogPosition, SideName, SourceTransaction } from '../model/index.js';
import type { MysqlEndpoint } from '../mysql/index.js';
import type { PreparedXaStatus } from './prepared-xa-monitor.js';

/**
 * - starting: connecting and checking the server, no event yet
 * - streaming: events (or heartbeats) arrive
 * - reconnecting: the stream broke (`lastError` says why); a new one starts after a backoff
 * - stopped: `stop()` was called, or `start()` not yet
 * - failed: stopped for good (`onFatalError` was called)
 */
export type StreamState = 'starting' | 'streaming' | 'reconnecting' | 'stopped' | 'failed';

export interface StreamStatus {
  state: StreamState;
  /** The commit position of the last transaction handed on (where a restart resumes), or the start position. */
  position: BinlogPosition | null;
  /** When the last event or heartbeat arrived (ms since epoch). */
  lastEventAt: number | null;
  /**
   * Now minus the source timestamp of the last event; 0 when caught up (heartbeats arrive); null before any. While
   * an XA transaction is prepared and undecided, at least its age: its changes are held, not applied.
   */
  lagMs: number | null;
  /** XA transactions prepared on the source and not yet committed or rolled back (their changes are held). */
  preparedXa: PreparedXaStatus;
  /** Reconnects since the stream last made progress. */
  reconnectAttempt: number;
  lastError: { code: string; message: string } | null;
}

export interface SchemaChangeEvent {
  /** A configured table the statement changes. */
  table: string;
  /**
   * Set when the statement changes a shadow table of `table` (an online schema change tool's copy, named
   * `_<table>_new` or `_<table>_gho`), not `table` itself: its ALTER is what the tool's swap will bring.
   */
  shadowTable?: string;
  statement: string;
  /** The position after the statement. */
  position: BinlogPosition;
  /** When the statement ran on the source (ms since epoch, second precision). */
  timestamp: number;
}

export interface IncompleteRowImageEvent {
  /** A configured table whose change was logged without some columns. */
  table: string;
  missingColumns: readonly string[];
  /** The commit position of the transaction holding it (its other tables' changes are handed on). */
  position: BinlogPosition;
}

export interface BinlogHandler {
  /** Called in binlog order with each committed transaction (also ones with no changes to configured tables, with changes: [] — so positions advance). */
  onTransaction(transaction: SourceTransaction): void;
  /** A DDL statement (QUERY event) touching a configured table, in stream order relative to transactions. */
  onSchemaChange(event: SchemaChangeEvent): void;
  /**
   * A change of a configured table was logged without some columns (the writing session's binlog_row_image was
   * NOBLOB or MINIMAL): it is not in the transaction handed on next, and the table must not go on as if it were.
   */
  onIncompleteRowImage(event: IncompleteRowImageEvent): void;
  onStatus(status: StreamStatus): void;
  /** The stream stopped for good (purged binlog, settings/privilege problems): not retried. */
  onFatalError(error: SyncError): void;
}

export interface BinlogSourceOptions {
  side: SideName;
  /** The replication user (REPLICATION SLAVE, REPLICATION CLIENT / BINLOG MONITOR, SELECT on `database`). */
  endpoint: MysqlEndpoint;
  database: string;
  tables: readonly string[];
  /** The server id the dump presents; unique among the server's replicas. */
  serverId: number;
  /** A transaction boundary: a commit position handed on earlier, or `readCurrentPosition()`. */
  startPosition: BinlogPosition;
  /**
   * The identity of the server `startPosition` was read from (`source-server.ts`): every connection checks that it
   * reached that server and stops for good with SOURCE_SERVER_CHANGED when not. Unchecked when absent.
   */
  sourceServer?: string;
  /** The server sends a heartbeat after this much idle time; 3× without event or heartbeat restarts the stream. */
  heartbeatIntervalMs: number;
  reconnectInitialDelayMs: number;
  reconnectMaxDelayMs: number;
  /**
   * The control connection's statements (server checks, column look-ups) give up after this long without an
   * answer (mysql/connection.ts `watchStatementSilence`); no limit when absent. The dump itself has the watchdog.
   */
  queryTimeoutMs?: number;
  /** Transactions that write a row to this table (in `database`) are dropped whole: they are the service's own applied writes (loop prevention, used later). */
  markerTable?: string;
  /**
   * A prepared XA transaction undecided for this long is warned about (default 5 minutes), and again every
   * `preparedXaWarnEveryMs` (default 15 minutes) until it is decided.
   */
  preparedXaWarnAfterMs?: number;
  preparedXaWarnEveryMs?: number;
  handler: BinlogHandler;
  logger: Logger;
}
