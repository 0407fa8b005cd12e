/**
 * Brings row values decoded from the binlog into the canonical form of model/row-change.ts: exactly what mysql2
 * returns from a SELECT on a pool made by `createMysqlPool` (proven per type by binlog-values.db.test.ts).
 *
 * The binlog library (configured with the same driver options) already gives that form for almost every type;
 * what differs, and is fixed here:
 * - FLOAT: the binlog carries the stored float32, the server prints it with 6 significant digits (or with the
 *   column's declared decimals for FLOAT(precision,scale)) and mysql2 parses that text: 3.1415927410125732 → 3.14159.
 * - DOUBLE(precision,scale): the server prints the stored double with `scale` decimals: -0.00009999999999998899 → -0.0001.
 * - YEAR: the stored byte 0 (year 0000) decodes as 1900; the server prints 0.
 * - ENUM: the invalid-value index 0 (stored under a relaxed sql_mode) decodes as undefined; the server prints ''.
 * - Spatial values: their canonical form is the stored bytes (SRID, then WKB), which zongji hands over as a Buffer
 *   (zongji/spatial-bytes.ts); a value decoded any other way (into points: the SRID is lost) is refused.
 */
import type { ColumnValue, Row } from '../model/index.js';

/** MySQL protocol type codes of the binlog's table map (the ones the normalizer looks at). */
export const binlogColumnType = {
  float: 4,
  double: 5,
  year: 13,
  enum: 247,
  set: 248,
  geometry: 255,
} as const;

/** Significant digits the server prints a FLOAT (float32) value with (MariaDB's FLT_DIG). */
export const floatSignificantDigits = 6;

/** What the normalizer needs to know about one column. */
export interface ColumnDescription {
  readonly name: string;
  /** The binlog type code (ENUM and SET with their real codes, not STRING). */
  readonly typeCode: number;
  /** Declared decimals of a FLOAT(precision,scale) or DOUBLE(precision,scale) column (from information_schema); null when not declared. */
  readonly floatScale: number | null;
}

/** Canonical form of a FLOAT column's value. Zeros keep their sign. */
export function canonicalFloat(value: number, floatScale: number | null): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const text = floatScale === null ? value.toPrecision(floatSignificantDigits) : value.toFixed(floatScale);
  return Number(text);
}

/** Canonical form of a DOUBLE(precision,scale) column's value (a plain DOUBLE prints its shortest round-trip form). */
export function canonicalScaledDouble(value: number, scale: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toFixed(scale));
}

/** Canonical form of a YEAR column's value: the binlog's year 0000 decodes as 1900, which YEAR cannot hold. */
export function canonicalYear(value: number): number {
  return value === 1900 ? 0 : value;
}

type ValueFixer = (value: unknown) => ColumnValue;

function fixerFor(column: ColumnDescription): ValueFixer | undefined {
  switch (column.typeCode) {
    case binlogColumnType.float: {
      const scale = column.floatScale;
      return (value) => (typeof value === 'number' ? canonicalFloat(value, scale) : toColumnValue(value));
    }
    case binlogColumnType.double: {
      const scale = column.floatScale;
      if (scale === null) return undefined;
      return (value) =>
        typeof value === 'number' ? canonicalScaledDouble(value, scale) : toColumnValue(value);
    }
    case binlogColumnType.year:
      return (value) => (typeof value === 'number' ? canonicalYear(value) : toColumnValue(value));
    case binlogColumnType.enum:
      return (value) => (value === undefined ? '' : toColumnValue(value));
    case binlogColumnType.geometry:
      return (value) => {
        if (value === null || value === undefined || Buffer.isBuffer(value)) return toColumnValue(value);
        throw new Error(
          `the spatial value of column ${column.name} was decoded into points, which lose its SRID: it cannot be written exactly`,
        );
      };
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

/** The declared decimals of a `float(precision,scale)` / `double(precision,scale)` column type, or null (`float`, `double`, `int`…). */
export function floatScaleOfColumnType(columnType: string): number | null {
  const match = /^(?:float|double|real)\(\s*\d+\s*,\s*(\d+)\s*\)/i.exec(columnType.trim());
  return match?.[1] === undefined ? null : Number(match[1]);
}
