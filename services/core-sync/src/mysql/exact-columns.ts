/**
 * Reading rows in the canonical value form (model/row-change.ts), exactly: FLOAT and DOUBLE values are the
 * stored IEEE value as a JavaScript number (a FLOAT's float32 widened exactly), as the binlog carries them.
 *
 * A plain `SELECT col` loses bits on the way:
 * - the server prints a FLOAT with 6 significant digits (782.8125 arrived as 782.813);
 * - mysql2 parses DOUBLE text of up to 17 characters with its own digit loop, 1-2 ulp off for about 0.7 % of
 *   values (9.008992653589793 arrived as 9.008992653589791).
 *
 * So floating-point columns are selected as `CAST(col AS DOUBLE)`: the server sends the widened value in its
 * shortest round-trip text (both MariaDB and MySQL do, in the protocol), and a per-query typeCast parses it with
 * JavaScript's `Number`, which is exact. A query of a table without such columns is left as it was.
 *
 * Text in a character set other than UTF-8 is read as its bytes (`isByteText`).
 *
 * Inside SQL (a checksum's row text) the conversion to text differs by server: MariaDB's `CAST(… AS CHAR)` is
 * shortest round-trip, Oracle MySQL's keeps 16 digits, and its JSON text keeps all of them (see `exactValueText`).
 */
import type { ColumnSchema, Row } from '../model/index.js';
import type { ServerFlavor } from './server-checks.js';
import { quoteIdentifier } from './identifiers.js';

const floatingPointTypes = new Set(['float', 'double', 'real', 'double precision']);

export function isFloatingPoint(column: ColumnSchema): boolean {
  return floatingPointTypes.has(column.dataType);
}

const unicodeCharsets = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ascii']);

/**
 * Text in a character set other than UTF-8 (latin1, sjis, cp932, big5…): carried as the bytes the server stores,
 * as the binlog carries it (binlog/decoder/column-values.ts). A conversion to UTF-8 and back through another
 * program's tables changed bytes.
 */
export function isByteText(column: ColumnSchema): boolean {
  const charset = charsetOf(column);
  return charset !== null && !unicodeCharsets.has(charset) && charset !== 'binary';
}

/** A text column's character set, from its collation (null for a column without one). */
export function charsetOf(column: ColumnSchema): string | null {
  return column.collation === null ? null : (column.collation.toLowerCase().split('_')[0] ?? null);
}

/** One column's expression in a select list, named after the column. */
export function exactColumnExpression(column: ColumnSchema): string {
  const quoted = quoteIdentifier(column.name);
  if (isFloatingPoint(column)) return `CAST(${quoted} AS DOUBLE) AS ${quoted}`;
  if (isByteText(column)) return `CAST(${quoted} AS BINARY) AS ${quoted}`;
  return quoted;
}

/** The select list that reads `columns` exactly, in their order. */
export function exactSelectList(columns: readonly ColumnSchema[]): string {
  return columns.map((column) => exactColumnExpression(column)).join(', ');
}

/** The fields of mysql2's typeCast callback that this module reads. */
export interface CastField {
  readonly type: string;
  string(): string | null;
  buffer(): Buffer | null;
}

/**
 * A DOUBLE or FLOAT result column's text as the number it stands for; a spatial value as the bytes the server
 * stores (the SRID, 4 bytes little-endian, then the WKB), which it takes back as they are: mysql2 would parse it
 * into points, losing the SRID and the exact type (a LINESTRING and a MULTIPOINT parse alike). Every other column
 * as mysql2 reads it.
 */
function exactCast(field: CastField, next: () => unknown): unknown {
  if (field.type === 'GEOMETRY') return field.buffer();
  if (field.type !== 'DOUBLE' && field.type !== 'FLOAT') return next();
  const text = field.string();
  if (text === null) return null;
  const number = Number(text);
  if (Number.isNaN(number)) throw new Error(`a floating-point column read as ${JSON.stringify(text)}`);
  return number;
}

/** Options of a `query({ sql, ...options }, values)`. */
export interface ExactReadOptions {
  readonly typeCast?: (field: CastField, next: () => unknown) => unknown;
}

/** information_schema DATA_TYPE of the spatial types (MySQL spells the collection `geomcollection`). */
const spatialTypes: ReadonlySet<string> = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

export function isSpatial(column: ColumnSchema): boolean {
  return spatialTypes.has(column.dataType);
}

/**
 * The options of a `query({ sql, ...options }, values)` reading `columns` with `exactSelectList`: the exact
 * parsing of floats and spatial values for a table with such columns, nothing otherwise (a typeCast costs a call
 * for every value read, 15-30 % of a read's time; mysql2's generated parser stays as fast without one).
 */
export function exactQueryOptions(columns: readonly ColumnSchema[]): ExactReadOptions {
  return columns.some((column) => isFloatingPoint(column) || isSpatial(column))
    ? { typeCast: exactCast }
    : {};
}

/** The rows a query returned, as canonical rows (copied out of mysql2's row objects). */
export function asRows(selected: unknown): Row[] {
  return (selected as Record<string, unknown>[]).map((row) => ({ ...row }) as Row);
}

/**
 * SQL text of a column's value, exact (distinct values give distinct text): a floating-point value in its
 * shortest round-trip form. On MySQL that is its JSON text, whose integral values end in `.0` (trimmed, so the
 * same value reads alike on both servers); on MariaDB, `CAST(… AS CHAR)`.
 */
export function exactValueText(column: ColumnSchema, flavor: ServerFlavor): string {
  const quoted = quoteIdentifier(column.name);
  if (!isFloatingPoint(column)) return quoted;
  return flavor === 'mysql'
    ? `TRIM(TRAILING '.0' FROM CAST(CAST(CAST(${quoted} AS DOUBLE) AS JSON) AS CHAR))`
    : `CAST(CAST(${quoted} AS DOUBLE) AS CHAR)`;
}
