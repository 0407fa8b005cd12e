/**
 * A row's content hash for conflict detection: the same for the same values whatever the column order and
 * whether a value arrived as a number or as its exact text (binlog and SELECT agree on the canonical form, see
 * model/row-change.ts); NULL differs from ''; timestamp columns (the table's `timestamp_column` and columns the
 * server updates on every write) are left out, so a change that only touched them is not a conflict.
 */
import { createHash } from 'node:crypto';
import type { ColumnValue, Row, TableSchema } from '../model/index.js';

/** The columns a table's row hash leaves out. */
export function excludedHashColumns(schema: TableSchema, timestampColumn: string | undefined): Set<string> {
  const excluded = new Set<string>();
  if (timestampColumn !== undefined) excluded.add(timestampColumn);
  for (const column of schema.columns) {
    if (column.autoUpdatedTimestamp || column.generated) excluded.add(column.name);
  }
  return excluded;
}

function encodeValue(value: ColumnValue): string {
  if (value === null) return 'N';
  if (Buffer.isBuffer(value)) return `B${value.length}:${value.toString('hex')}`;
  const text = typeof value === 'number' ? numberText(value) : value;
  return `V${text.length}:${text}`;
}

/** A number's exact text, as the server would print it (no exponent for integers). */
function numberText(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) >= 1e21) return BigInt(value).toString();
  return String(value);
}

/** Hex SHA-256 of the row without the excluded columns. */
export function rowHash(row: Row, excluded: ReadonlySet<string> = new Set()): string {
  const hash = createHash('sha256');
  const columns = Object.keys(row)
    .filter((column) => !excluded.has(column))
    .sort();
  for (const column of columns) {
    hash.update(`${column.length}:${column}=`);
    hash.update(encodeValue(row[column] ?? null));
    hash.update(';');
  }
  return hash.digest('hex');
}

/**
 * Whether two versions of a row hold the same content (both absent counts as equal): exactly when their row
 * hashes are equal, decided without hashing (the conflict check compares every changed row).
 */
export function sameRowContent(
  left: Row | null,
  right: Row | null,
  excluded: ReadonlySet<string> = new Set(),
): boolean {
  if (left === null || right === null) return left === right;
  let leftCount = 0;
  for (const column in left) {
    if (excluded.has(column)) continue;
    leftCount += 1;
    if (!Object.hasOwn(right, column) || !sameValue(left[column] ?? null, right[column] ?? null))
      return false;
  }
  let rightCount = 0;
  for (const column in right) if (!excluded.has(column)) rightCount += 1;
  return leftCount === rightCount;
}

function sameValue(left: ColumnValue, right: ColumnValue): boolean {
  if (left === null || right === null) return left === right;
  const leftIsBytes = Buffer.isBuffer(left);
  const rightIsBytes = Buffer.isBuffer(right);
  if (leftIsBytes || rightIsBytes) return leftIsBytes && rightIsBytes && left.equals(right);
  if (typeof left === typeof right)
    return typeof left === 'number' ? numberText(left) === numberText(right as number) : left === right;
  return valueText(left) === valueText(right);
}

function valueText(value: string | number): string {
  return typeof value === 'number' ? numberText(value) : value;
}
