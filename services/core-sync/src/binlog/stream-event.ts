/**
 * The binlog events the transaction assembler understands: the decoder (decoder/event-decoder.ts) produces them,
 * with row values already in the canonical form of model/row-change.ts.
 */
import type { RowChange } from '../model/index.js';
import type { XidText } from './xa-statement.js';

/** The stream moved to another binlog file (also sent once, artificially, when a dump starts). */
export interface RotateStreamEvent {
  readonly kind: 'rotate';
  readonly file: string;
}

/**
 * A transaction or statement group begins (MariaDB GTID event, MySQL GTID/anonymous GTID event). `standalone` is
 * known on MariaDB (a DDL or other statement group with no commit event) and null on MySQL, where the next QUERY
 * event tells (`BEGIN` or not).
 */
export interface GroupStartStreamEvent {
  readonly kind: 'group-start';
  readonly gtid: string | null;
  readonly standalone: boolean | null;
  readonly timestamp: number;
}

/**
 * A QUERY event: `BEGIN`, `COMMIT`, `ROLLBACK`, an XA statement (`XA START`/`END`/`COMMIT`/`ROLLBACK`), or a
 * statement (DDL…) run in `schema` (the session database).
 */
export interface QueryStreamEvent {
  readonly kind: 'query';
  readonly statement: string;
  readonly schema: string;
  readonly nextPosition: number;
  readonly timestamp: number;
}

/** The commit of the open group (XID event). */
export interface CommitStreamEvent {
  readonly kind: 'commit';
  readonly nextPosition: number;
  readonly timestamp: number;
}

/**
 * An XA_PREPARE event: ends the group of an XA transaction, which is now prepared and decided later by an
 * `XA COMMIT`/`XA ROLLBACK` QUERY event in a group of its own. With `onePhase` (MySQL's `XA COMMIT … ONE PHASE`;
 * MariaDB logs that as an ordinary transaction) it is committed right here.
 */
export interface XaPrepareStreamEvent {
  readonly kind: 'xa-prepare';
  /** The canonical xid (xa-statement.ts). */
  readonly xid: XidText;
  readonly onePhase: boolean;
  readonly nextPosition: number;
  readonly timestamp: number;
}

/** The rows of one rows event (INSERT/UPDATE/DELETE) of one table, in event order. */
export interface RowsStreamEvent {
  readonly kind: 'rows';
  readonly database: string;
  readonly table: string;
  readonly changes: RowChange[];
  readonly timestamp: number;
  /**
   * Columns the event's row images lack: the writing session's `binlog_row_image` was not FULL. Such changes
   * cannot be applied as if they were whole.
   */
  readonly missingColumns?: readonly string[];
}

/** The server is idle and alive (sent every heartbeat period when there is nothing else to send). */
export interface HeartbeatStreamEvent {
  readonly kind: 'heartbeat';
}

/**
 * An event of a table the stream does not follow (its table map, its rows), read and passed over. Nothing is
 * handed on, but the stream is reading: a long transaction of other tables, or a stretch of another database's
 * binlog, keeps the watchdog and every progress check fed (the server sends no heartbeat while it sends events).
 */
export interface SkippedStreamEvent {
  readonly kind: 'skipped';
  readonly timestamp: number;
}

export type StreamEvent =
  | RotateStreamEvent
  | GroupStartStreamEvent
  | QueryStreamEvent
  | CommitStreamEvent
  | XaPrepareStreamEvent
  | RowsStreamEvent
  | HeartbeatStreamEvent
  | SkippedStreamEvent;

/** A configured table whose row images in a transaction lacked columns, and those columns. */
export interface IncompleteTable {
  readonly table: string;
  readonly missingColumns: readonly string[];
}
