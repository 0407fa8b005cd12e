/**
 * Rows as JSON for the state store and the API: strings, numbers and NULL as they are; bytes (BINARY, BLOB, BIT)
 * as `{ "$base64": "…" }`, so a stored or edited row converts back to the exact values.
 */
import type { ColumnValue, Row } from '../model/index.js';

export type JsonColumnValue = string | number | null | { readonly $base64: string };
export type JsonRow = Record<string, JsonColumnValue>;

export function rowToJson(row: Row): JsonRow {
  const json: JsonRow = {};
  for (const [column, value] of Object.entries(row)) {
    json[column] = Buffer.isBuffer(value) ? { $base64: value.toString('base64') } : value;
  }
  return json;
}

/** The inverse of rowToJson; throws naming the column when a value is not a column value. */
export function rowFromJson(json: unknown): Row {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new TypeError('a row must be a JSON object of column values');
  }
  const row: Row = {};
  for (const [column, value] of Object.entries(json as Record<string, unknown>)) {
    row[column] = columnValueFromJson(column, value);
  }
  return row;
}

function columnValueFromJson(column: string, value: unknown): ColumnValue {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`column ${column}: ${value} is not a finite number`);
    return value;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const encoded = (value as Record<string, unknown>).$base64;
    if (typeof encoded === 'string' && Object.keys(value).length === 1) return Buffer.from(encoded, 'base64');
  }
  throw new TypeError(
    `column ${column}: expected a string, a number, null or {"$base64": "…"}, got ${JSON.stringify(value)}`,
  );
}

/** The key columns of a row, as JSON (what the store keeps as a conflict's primary key). */
export function keyToJson(row: Row, primaryKey: readonly string[]): JsonRow {
  const key: Row = {};
  for (const column of primaryKey) key[column] = row[column] ?? null;
  return rowToJson(key);
}
