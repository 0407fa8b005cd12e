import type { ColumnValue, Row } from '../model/index.js';
import type { Connection, Pool, PoolConnection } from './connection.js';
import { quoteIdentifier } from './identifiers.js';

type Queryable = Pool | PoolConnection | Connection;

/** Keys per statement: well under MySQL's placeholder limit for any primary key width. */
export const keysPerLookup = 500;

/** `SELECT * FROM table WHERE key IN (…)` for `keyCount` keys; `FOR UPDATE` locks the rows found. */
export function selectByKeysSql(
  qualifiedTable: string,
  primaryKey: readonly string[],
  keyCount: number,
  forUpdate: boolean,
): string {
  const keyExpression =
    primaryKey.length === 1
      ? quoteIdentifier(primaryKey[0] ?? '')
      : `(${primaryKey.map((column) => quoteIdentifier(column)).join(', ')})`;
  const tuple = primaryKey.length === 1 ? '?' : `(${primaryKey.map(() => '?').join(', ')})`;
  return (
    `SELECT * FROM ${qualifiedTable} WHERE ${keyExpression} IN (${Array.from({ length: keyCount }, () => tuple).join(', ')})` +
    (forUpdate ? ' FOR UPDATE' : '')
  );
}

/** The key columns' values of each row, flattened in statement order. */
export function keyValues(primaryKey: readonly string[], keyRows: readonly Row[]): ColumnValue[] {
  const values: ColumnValue[] = [];
  for (const keyRow of keyRows) for (const column of primaryKey) values.push(keyRow[column] ?? null);
  return values;
}

/** Reads the rows with these keys (any order; absent keys are simply missing), `keysPerLookup` keys a statement. */
export async function selectRowsByKeys(
  queryable: Queryable,
  qualifiedTable: string,
  primaryKey: readonly string[],
  keyRows: readonly Row[],
  options: { readonly forUpdate?: boolean } = {},
): Promise<Row[]> {
  const rows: Row[] = [];
  for (let start = 0; start < keyRows.length; start += keysPerLookup) {
    const chunk = keyRows.slice(start, start + keysPerLookup);
    const statement = selectByKeysSql(qualifiedTable, primaryKey, chunk.length, options.forUpdate === true);
    const [selected] = await queryable.query(statement, keyValues(primaryKey, chunk));
    for (const row of selected as Row[]) rows.push({ ...row });
  }
  return rows;
}
