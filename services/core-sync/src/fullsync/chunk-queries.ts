/**
 * The SQL of a full-sync compare: primary-key ranges ("chunks") walked in key order, a checksum of each chunk
 * computed by each server over the same columns, and the rows of a chunk whose checksums differ.
 *
 * The checksum is pt-table-checksum's: per row, the columns joined with a separator plus a flag per column that
 * is NULL (so NULL and '' differ); MD5 of that, its first 64 bits XOR-ed over the chunk, and the row count. The
 * servers do the work and send back two numbers per chunk; rows cross the network only where chunks differ.
 */
import type { ColumnValue, Row, TableSchema } from '../model/index.js';
import { columnList, qualifiedName, quoteIdentifier } from '../mysql/index.js';

/** A primary-key range: after `lower` (exclusive; none = from the start) up to `upper` (inclusive; none = to the end). */
export interface KeyRange {
  readonly lower: Row | null;
  readonly upper: Row | null;
}

export interface RangeCondition {
  readonly sql: string;
  readonly values: ColumnValue[];
}

function keyTuple(primaryKey: readonly string[]): string {
  return primaryKey.length === 1
    ? quoteIdentifier(primaryKey[0] ?? '')
    : `(${primaryKey.map((column) => quoteIdentifier(column)).join(', ')})`;
}

function placeholderTuple(primaryKey: readonly string[]): string {
  return primaryKey.length === 1 ? '?' : `(${primaryKey.map(() => '?').join(', ')})`;
}

function keyValuesOf(primaryKey: readonly string[], row: Row): ColumnValue[] {
  return primaryKey.map((column) => row[column] ?? null);
}

/** `WHERE` text for a range (row-value comparison for composite keys, which both servers resolve on the index). */
export function rangeCondition(primaryKey: readonly string[], range: KeyRange): RangeCondition {
  const parts: string[] = [];
  const values: ColumnValue[] = [];
  if (range.lower !== null) {
    parts.push(`${keyTuple(primaryKey)} > ${placeholderTuple(primaryKey)}`);
    values.push(...keyValuesOf(primaryKey, range.lower));
  }
  if (range.upper !== null) {
    parts.push(`${keyTuple(primaryKey)} <= ${placeholderTuple(primaryKey)}`);
    values.push(...keyValuesOf(primaryKey, range.upper));
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

/** Row count and checksum of a range over `columns` (the same list, by name, on both sides). */
export function chunkChecksumSql(
  database: string,
  schema: TableSchema,
  columns: readonly string[],
  range: KeyRange,
): RangeCondition {
  const quoted = columns.map((column) => quoteIdentifier(column));
  const nullFlags = `CONCAT(${quoted.map((column) => `ISNULL(${column})`).join(', ')})`;
  const rowText = `CONCAT_WS('#', ${[...quoted, nullFlags].join(', ')})`;
  const condition = rangeCondition(schema.primaryKey, range);
  return {
    sql:
      `SELECT COUNT(*) AS row_count, ` +
      `COALESCE(BIT_XOR(CAST(CONV(LEFT(MD5(${rowText}), 16), 16, 10) AS UNSIGNED)), 0) AS checksum ` +
      `FROM ${qualifiedName(database, schema.name)} WHERE ${condition.sql}`,
    values: condition.values,
  };
}

/**
 * Every row of a range, in key order: the key and `columns` (the compared ones), named. `SELECT *` would leave out
 * INVISIBLE columns: drift there would go unseen, and a repaired row would get their defaults.
 */
export function chunkRowsSql(
  database: string,
  schema: TableSchema,
  columns: readonly string[],
  range: KeyRange,
): RangeCondition {
  const condition = rangeCondition(schema.primaryKey, range);
  const keyColumns = schema.primaryKey.map((column) => quoteIdentifier(column)).join(', ');
  const selected = [...new Set([...schema.primaryKey, ...columns])];
  return {
    sql:
      `SELECT ${columnList(selected)} FROM ${qualifiedName(database, schema.name)} ` +
      `WHERE ${condition.sql} ORDER BY ${keyColumns}`,
    values: condition.values,
  };
}

export function countRowsSql(database: string, schema: TableSchema): string {
  return `SELECT COUNT(*) AS row_count FROM ${qualifiedName(database, schema.name)}`;
}
