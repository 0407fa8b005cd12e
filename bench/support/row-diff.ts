/**
 * Which rows differ between two copies of a table, when a checksum said they do: every row's key and the MD5 of
 * its values (in column order, each with its ISNULL flag) are read from both sides in key order and compared;
 * the first few differing rows are then read in full from both sides, to say what differed.
 */
import type { Connection, QueryRow } from '../../services/core-sync/src/mysql/index.js';
import { queryRows } from './servers.js';

export interface DiffSide {
  readonly connection: Connection;
  readonly database: string;
}

export interface DifferingRow {
  readonly key: string;
  /** The row on each side (undefined: absent there). */
  readonly left: Record<string, unknown> | undefined;
  readonly right: Record<string, unknown> | undefined;
}

export interface RowDiff {
  readonly table: string;
  /** Keys present on the left only, on the right only, and on both with other values. */
  readonly leftOnly: number;
  readonly rightOnly: number;
  readonly changed: number;
  /** Of the changed rows, those equal once `ignoredColumns` are left out. */
  readonly changedOnlyIn: { readonly columns: readonly string[]; readonly rows: number };
  /** The first `limit` differing rows in key order, in full. */
  readonly examples: readonly DifferingRow[];
}

function quote(identifier: string): string {
  return `\`${identifier.replaceAll('`', '``')}\``;
}

async function rowHashes(
  side: DiffSide,
  table: string,
  keyColumn: string,
  columns: readonly string[],
): Promise<Map<string, string>> {
  const quoted = columns.map(quote);
  const nullFlags = `CONCAT(${quoted.map((column) => `ISNULL(${column})`).join(', ')})`;
  const rows = await queryRows(
    side.connection,
    `SELECT ${quote(keyColumn)} AS row_key, MD5(CONCAT_WS('#', ${[...quoted, nullFlags].join(', ')})) AS row_hash ` +
      `FROM ${quote(side.database)}.${quote(table)} ORDER BY ${quote(keyColumn)}`,
  );
  return new Map(rows.map((row) => [String(row.row_key), String(row.row_hash)]));
}

async function fullRow(
  side: DiffSide,
  table: string,
  keyColumn: string,
  key: string,
): Promise<Record<string, unknown> | undefined> {
  const rows: QueryRow[] = await queryRows(
    side.connection,
    `SELECT * FROM ${quote(side.database)}.${quote(table)} WHERE ${quote(keyColumn)} = ?`,
    [key],
  );
  const row = rows[0];
  return row === undefined ? undefined : { ...row };
}

/** How many rows present on both sides with other values are equal once `ignoredColumns` are left out. */
async function changedOnlyIn(
  left: DiffSide,
  right: DiffSide,
  table: string,
  keyColumn: string,
  columns: readonly string[],
  ignoredColumns: readonly string[],
  full: { readonly leftHashes: Map<string, string>; readonly rightHashes: Map<string, string> },
): Promise<number> {
  if (ignoredColumns.length === 0) return 0;
  const kept = columns.filter((column) => !ignoredColumns.includes(column));
  const [leftKept, rightKept] = await Promise.all([
    rowHashes(left, table, keyColumn, kept),
    rowHashes(right, table, keyColumn, kept),
  ]);
  let rows = 0;
  for (const [key, hash] of full.leftHashes) {
    const other = full.rightHashes.get(key);
    if (other === undefined || other === hash) continue;
    if (leftKept.get(key) === rightKept.get(key)) rows += 1;
  }
  return rows;
}

/** Compares `table` on both sides row by row over `columns`; `keyColumn` is its (single-column) primary key. */
export async function diffRows(
  left: DiffSide,
  right: DiffSide,
  table: string,
  keyColumn: string,
  columns: readonly string[],
  options: { readonly ignoredColumns?: readonly string[]; readonly limit?: number } = {},
): Promise<RowDiff> {
  const ignoredColumns = options.ignoredColumns ?? [];
  const [leftHashes, rightHashes] = await Promise.all([
    rowHashes(left, table, keyColumn, columns),
    rowHashes(right, table, keyColumn, columns),
  ]);
  let leftOnly = 0;
  let rightOnly = 0;
  let changed = 0;
  const differingKeys: string[] = [];
  for (const [key, hash] of leftHashes) {
    const other = rightHashes.get(key);
    if (other === hash) continue;
    if (other === undefined) leftOnly += 1;
    else changed += 1;
    differingKeys.push(key);
  }
  for (const key of rightHashes.keys()) {
    if (leftHashes.has(key)) continue;
    rightOnly += 1;
    differingKeys.push(key);
  }
  differingKeys.sort((first, second) => Number(first) - Number(second) || first.localeCompare(second));
  const examples: DifferingRow[] = [];
  const changedOnly = await changedOnlyIn(left, right, table, keyColumn, columns, ignoredColumns, {
    leftHashes,
    rightHashes,
  });
  for (const key of differingKeys.slice(0, options.limit ?? 10)) {
    examples.push({
      key,
      left: await fullRow(left, table, keyColumn, key),
      right: await fullRow(right, table, keyColumn, key),
    });
  }
  return {
    table,
    leftOnly,
    rightOnly,
    changed,
    changedOnlyIn: { columns: ignoredColumns, rows: changedOnly },
    examples,
  };
}
