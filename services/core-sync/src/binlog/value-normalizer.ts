/**
 * Brings row values decoded from the binlog into the canonical form of model/row-change.ts: exactly what mysql2
 * returns from a SELECT on a pool made by `createMysqlPool` (proven per type by binlog-values.db.test.ts).
 *
 * FLOAT and DOUBLE values are the stored IEEE value as a JavaScript number (a FLOAT's float32 widened exactly),
 * which is what the binlog carries; the reads select them exactly too (mysql/exact-columns.ts). (They used to
 * take the server's printed text, 6 significant digits for a FLOAT, and lost bits on the way.)
 *
 * The binlog library (configured with the same driver options) already gives the canonical form for almost every
 * type; what differs, and is fixed here:
 * - YEAR: the stored byte 0 (year 0000) decodes as 1900; the server prints 0.
 * - ENUM: the invalid-value index 0 (stored under a relaxed sql_mode) decodes as undefined; the server prints ''.
 * - Spatial values decode as point objects: they have no canonical form and are passed on as their JSON text.
 */
import type { ColumnValue, Row } from '../model/index.js';

/** MySQL protocol type codes of the binlog's table map (the ones the normalizer looks at). */
export const binlogColumnType = {
  year: 13,
  enum: 247,
  set: 248,
  geometry: 255,
} as const;

/** What the normalizer needs to know about one column. */
export interface ColumnDescription {
  readonly name: string;
  /** The binlog type code (ENUM and SET with their real codes, not STRING). */
  readonly typeCode: number;
}

/** Canonical form of a YEAR column's value: the binlog's year 0000 decodes as 1900, which YEAR cannot hold. */
export function canonicalYear(value: number): number {
  return value === 1900 ? 0 : value;
}

type ValueFixer = (value: unknown) => ColumnValue;

function fixerFor(column: ColumnDescription): ValueFixer | undefined {
  switch (column.typeCode) {
    case binlogColumnType.year:
      return (value) => (typeof value === 'number' ? canonicalYear(value) : toColumnValue(value));
    case binlogColumnType.enum:
      return (value) => (value === undefined ? '' : toColumnValue(value));
    case binlogColumnType.geometry:
      return (value) => (value === null || value === undefined ? null : JSON.stringify(value));
    default:
      return undefined;
  }
}

/** Anything the decoder may produce, as a ColumnValue (undefined → null; unexpected shapes → text). */
export function toColumnValue(value: unknown): ColumnValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || Buffer.isBuffer(value)) return value;
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

/** Turns a decoded row (keyed by column name) into a canonical Row, in place. */
export type RowNormalizer = (row: Record<string, unknown>) => Row;

/** Builds the normalizer for one table layout; only the columns that need a fix cost anything per row. */
export function createRowNormalizer(columns: readonly ColumnDescription[]): RowNormalizer {
  const fixes: { name: string; fix: ValueFixer }[] = [];
  for (const column of columns) {
    const fix = fixerFor(column);
    if (fix !== undefined) fixes.push({ name: column.name, fix });
  }
  return (row) => {
    for (const { name, fix } of fixes) row[name] = fix(row[name]);
    return row as Row;
  };
}
