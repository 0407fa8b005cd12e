import type { ColumnValue, Row, TableSchema } from '../model/index.js';
import type { Connection, Pool, PoolConnection, QueryRow } from './driver-types.js';
import { asRows, exactQueryOptions, exactSelectList } from './exact-columns.js';
import { qualifiedName, quoteIdentifier } from './identifiers.js';

type Queryable = Pool | PoolConnection | Connection;

/** Keys per statement: well under MySQL's placeholder limit for any primary key width. */
export const keysPerLookup = 500;

/**
 * `SELECT <every column> FROM table WHERE key IN (…)` for `keyCount` keys; `FOR UPDATE` locks the rows found.
 * Every column is named (a `*` skips INVISIBLE columns) and read exactly (mysql/exact-columns.ts).
 */
export function selectByKeysSql(
  database: string,
  schema: TableSchema,
  keyCount: number,
  forUpdate: boolean,
): string {
  const primaryKey = schema.primaryKey;
  const keyExpression =
    primaryKey.length === 1
      ? quoteIdentifier(primaryKey[0] ?? '')
      : `(${primaryKey.map((column) => quoteIdentifier(column)).join(', ')})`;
  const tuple = primaryKey.length === 1 ? '?' : `(${primaryKey.map(() => '?').join(', ')})`;
  return (
    `SELECT ${exactSelectList(schema.columns)} FROM ${qualifiedName(database, schema.name)} WHERE ${keyExpression} IN (${Array.from({ length: keyCount }, () => tuple).join(', ')})` +
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
  database: string,
  schema: TableSchema,
  keyRows: readonly Row[],
  options: { readonly forUpdate?: boolean } = {},
): Promise<Row[]> {
  const rows: Row[] = [];
  const readOptions = exactQueryOptions(schema.columns);
  for (let start = 0; start < keyRows.length; start += keysPerLookup) {
    const chunk = keyRows.slice(start, start + keysPerLookup);
    const statement = selectByKeysSql(database, schema, chunk.length, options.forUpdate === true);
    const [selected] = await queryable.query(
      { sql: statement, ...readOptions },
      keyValues(schema.primaryKey, chunk),
    );
    rows.push(...asRows(selected));
  }
  return rows;
}

/** Whether the table holds any row. */
export async function tableHasRows(queryable: Queryable, database: string, table: string): Promise<boolean> {
  const [rows] = await queryable.query<QueryRow[]>(`SELECT 1 FROM ${qualifiedName(database, table)} LIMIT 1`);
  return rows.length > 0;
}
