/**
 * The SQL of a full-sync compare: primary-key ranges ("chunks") walked in key order, a checksum of each chunk
 * computed by each server over the same columns, and the rows of a chunk whose checksums differ.
 *
 * The checksum is pt-table-checksum's: per row, the columns joined with a separator plus a flag per column that
 * is NULL (so NULL and '' differ); a hash of that, its first 64 bits XOR-ed over the chunk, and the row count. The
 * servers do the work and send back two numbers per chunk; rows cross the network only where chunks differ.
 * - The hash is SHA2-256: every supported server has it (Oracle MySQL 9.6 moved MD5 and SHA1 into an optional
 *   component, and a full sync there failed with "execute command denied … for routine MD5"), and on this
 *   project's machines it hashes faster than MD5.
 * - FLOAT and DOUBLE columns enter the row text as their exact value (mysql/exact-columns.ts), so a difference in
 *   the last bits shows; their default text, 6 digits for a FLOAT, hid it. The rows are read exactly too.
 */
import type { ColumnValue, Row, TableSchema } from '../model/index.js';
import {
  exactSelectList,
  exactValueText,
  keyAfter,
  keyAtMost,
  qualifiedName,
  quoteIdentifier,
  type ServerFlavor,
} from '../mysql/index.js';

/** A primary-key range: after `lower` (exclusive; none = from the start) up to `upper` (inclusive; none = to the end). */
export interface KeyRange {
  readonly lower: Row | null;
  readonly upper: Row | null;
}

export interface RangeCondition {
  readonly sql: string;
  readonly values: ColumnValue[];
}

function keyValuesOf(primaryKey: readonly string[], row: Row): ColumnValue[] {
  return primaryKey.map((column) => row[column] ?? null);
}

/** `WHERE` text for a range, resolved by both servers on the primary key's index (mysql/key-bounds.ts). */
export function rangeCondition(primaryKey: readonly string[], range: KeyRange): RangeCondition {
  const parts: string[] = [];
  const values: ColumnValue[] = [];
  for (const bound of [
    range.lower === null ? null : keyAfter(primaryKey, keyValuesOf(primaryKey, range.lower)),
    range.upper === null ? null : keyAtMost(primaryKey, keyValuesOf(primaryKey, range.upper)),
  ]) {
    if (bound === null) continue;
    parts.push(bound.sql);
    values.push(...bound.values);
  }
  return { sql: parts.length === 0 ? '1 = 1' : parts.join(' AND '), values };
}

/** The key of the `chunkSize`-th row after `lower`, or null when fewer rows remain (the last chunk). */
export function chunkEndSql(
  database: string,
  schema: TableSchema,
  lower: Row | null,
  chunkSize: number,
): RangeCondition {
  const condition = rangeCondition(schema.primaryKey, { lower, upper: null });
  const keyColumns = schema.primaryKey.map((column) => quoteIdentifier(column)).join(', ');
  return {
    sql:
      `SELECT ${keyColumns} FROM ${qualifiedName(database, schema.name)} WHERE ${condition.sql} ` +
      `ORDER BY ${keyColumns} LIMIT 1 OFFSET ${Math.max(0, Math.floor(chunkSize) - 1)}`,
    values: condition.values,
  };
}

/**
 * Row count and checksum of a range over `columns` (the same list, by name, on both sides), on a server of
 * `flavor` (floating-point values enter the row text exactly, which is written differently per server).
 */
export function chunkChecksumSql(
  database: string,
  schema: TableSchema,
  columns: readonly string[],
  range: KeyRange,
  flavor: ServerFlavor,
): RangeCondition {
  const byName = new Map(schema.columns.map((column) => [column.name, column]));
  const quoted = columns.map((column) => quoteIdentifier(column));
  const values = columns.map((name) => {
    const column = byName.get(name);
    return column === undefined ? quoteIdentifier(name) : exactValueText(column, flavor);
  });
  const nullFlags = `CONCAT(${quoted.map((column) => `ISNULL(${column})`).join(', ')})`;
  const rowText = `CONCAT_WS('#', ${[...values, nullFlags].join(', ')})`;
  const condition = rangeCondition(schema.primaryKey, range);
  return {
    sql:
      `SELECT COUNT(*) AS row_count, ` +
      `COALESCE(BIT_XOR(CAST(CONV(LEFT(SHA2(${rowText}, 256), 16), 16, 10) AS UNSIGNED)), 0) AS checksum ` +
      `FROM ${qualifiedName(database, schema.name)} WHERE ${condition.sql}`,
    values: condition.values,
  };
}

/** Every row of a range, every column (invisible ones too) read exactly, in key order. */
export function chunkRowsSql(database: string, schema: TableSchema, range: KeyRange): RangeCondition {
  const condition = rangeCondition(schema.primaryKey, range);
  const keyColumns = schema.primaryKey.map((column) => quoteIdentifier(column)).join(', ');
  return {
    sql: `SELECT ${exactSelectList(schema.columns)} FROM ${qualifiedName(database, schema.name)} WHERE ${condition.sql} ORDER BY ${keyColumns}`,
    values: condition.values,
  };
}

/**
 * The server's estimate of a table's rows (its statistics; free, where `COUNT(*)` reads a whole index): a run's
 * progress shows it as the total until the compare has counted every row.
 */
export function estimatedRowsSql(database: string, schema: TableSchema): RangeCondition {
  return {
    sql: 'SELECT TABLE_ROWS AS row_count FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    values: [database, schema.name],
  };
}
