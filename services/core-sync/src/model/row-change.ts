import type { BinlogPosition } from './binlog-position.js';

/** The side of a database pair. */
export type SideName = 'local' | 'cloud';

export function otherSide(side: SideName): SideName {
  return side === 'local' ? 'cloud' : 'local';
}

/** A direction of sync, named by its source: it always goes to the other side. */
export type DirectionName = 'local_to_cloud' | 'cloud_to_local';

export function directionName(source: SideName): DirectionName {
  return source === 'local' ? 'local_to_cloud' : 'cloud_to_local';
}

/**
 * One column value in the pipeline's canonical form — exactly what mysql2 returns from a SELECT on a pool created
 * by `createMysqlPool` (dateStrings, jsonStrings, supportBigNumbers, bigNumberStrings), so snapshot rows and binlog
 * rows compare equal and write back byte for byte:
 * - integers: number when safe, else a decimal string (BIGINT UNSIGNED beyond 2^53); DECIMAL: exact string
 * - FLOAT/DOUBLE: number; YEAR: number
 * - DATE/TIME/DATETIME/TIMESTAMP: the server's text form ('2024-01-31 12:00:00.123456')
 * - CHAR/VARCHAR/TEXT/ENUM/SET/JSON: string (SET as 'a,b'; JSON as its text)
 * - BINARY/VARBINARY/BLOB/BIT: Buffer
 * - GEOMETRY and its subtypes: Buffer of the stored bytes, the SRID (4 bytes, little-endian) then the WKB; read
 *   through mysql/row-reads.ts (mysql2 would parse it into points), decoded by binlog/zongji/spatial-bytes.ts
 * - NULL: null
 */
export type ColumnValue = string | number | Buffer | null;

/** A row keyed by column name. */
export type Row = Record<string, ColumnValue>;

export type ChangeKind = 'insert' | 'update' | 'delete';

/** One row change of a source transaction. `before` is absent for inserts, `after` for deletes. */
export interface RowChange {
  readonly kind: ChangeKind;
  /** The table name on the source (and on the target: tables keep their names). */
  readonly table: string;
  readonly before: Row | null;
  readonly after: Row | null;
}

/**
 * A committed source transaction with the changes to configured tables, in binlog order. `commitPosition` is the
 * position just after its commit (XID/COMMIT) event: resuming there reads the next transaction.
 */
export interface SourceTransaction {
  readonly source: SideName;
  readonly commitPosition: BinlogPosition;
  /** Commit time on the source (ms since epoch, from the event header; second precision). */
  readonly commitTimestamp: number;
  readonly changes: readonly RowChange[];
}
