import type { ColumnValue, Row, TableSchema } from '../model/index.js';
import type { Connection, Pool, PoolConnection } from './connection.js';
import { columnList, quoteIdentifier } from './identifiers.js';
import { rowQuery } from './row-reads.js';

type Queryable = Pool | PoolConnection | Connection;

/** What a lookup by key needs of a table: the columns it reads and its primary key. */
export type KeyedColumns = Pick<TableSchema, 'columns' | 'primaryKey'>;

/** Keys per statement: well under MySQL's placeholder limit for any primary key width. */
export const keysPerLookup = 500;

/**
 * `SELECT <columns> FROM table WHERE key IN (…)` for `keyCount` keys; `FOR UPDATE` locks the rows found. The
 * columns are named, never `*`: `SELECT *` leaves out INVISIBLE columns, whose values must be compared and copied
 * like any other column's.
 */
export function selectByKeysSql(
  qualifiedTable: string,
  columns: readonly string[],
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
    `SELECT ${columnList(columns)} FROM ${qualifiedTable} WHERE ${keyExpression} IN (${Array.from({ length: keyCount }, () => tuple).join(', ')})` +
    (forUpdate ? ' FOR UPDATE' : '')
  );
}

/** The key columns' values of each row, flattened in statement order. */
export function keyValues(primaryKey: readonly string[], keyRows: readonly Row[]): ColumnValue[] {
  const values: ColumnValue[] = [];
  for (const keyRow of keyRows) for (const column of primaryKey) values.push(keyRow[column] ?? null);
  return values;
}

/**
 * Reads every column of the rows with these keys (any order; absent keys are simply missing), `keysPerLookup`
 * keys a statement.
 */
export async function selectRowsByKeys(
  queryable: Queryable,
  qualifiedTable: string,
  table: KeyedColumns,
  keyRows: readonly Row[],
  options: { readonly forUpdate?: boolean } = {},
): Promise<Row[]> {
  const rows: Row[] = [];
  const columns = table.columns.map((column) => column.name);
  for (let start = 0; start < keyRows.length; start += keysPerLookup) {
    const chunk = keyRows.slice(start, start + keysPerLookup);
    const statement = selectByKeysSql(
      qualifiedTable,
      columns,
      table.primaryKey,
      chunk.length,
      options.forUpdate === true,
    );
    const [selected] = await queryable.query(rowQuery(table, statement), keyValues(table.primaryKey, chunk));
    for (const row of selected as Row[]) rows.push({ ...row });
  }
  return rows;
}
