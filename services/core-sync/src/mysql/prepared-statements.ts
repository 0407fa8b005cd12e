/**
 * Multi-row statements through prepared statements, kept small in memory.
 *
 * mysql2 prepares a statement once per connection and caches it (the pools bound the cache: `maxPreparedStatements`
 * in connection.ts, least recently used closed first, on the server too). With each cached statement it keeps one
 * parameter-definition object per placeholder, about 200 bytes of heap plus the packet they were read from: a
 * 1,000-row upsert of 12 columns held 1.8 MB, and with many tables the service's heap reached gigabytes
 * (docs/BENCHMARKS.md, many-tables). Those definitions only serve mysql2 as type hints for integer columns on
 * Oracle MySQL (MariaDB reports every parameter as untyped), so they are dropped once the statement is prepared,
 * and integer values carry their type themselves (`columnParameter`).
 *
 * Why integers must: mysql2 sends a JavaScript number as a DOUBLE and a string as a VAR_STRING. Oracle MySQL
 * resolves a statement's parameter types at its first execution and converts later values to them, so after a
 * small integer (a DOUBLE) had gone through a cached statement, a later BIGINT past 2^53 (a string) was rounded
 * through a double or refused as out of range. Every integer is now sent as its decimal text: one type per column,
 * whatever the value, which every server converts to the column's integer exactly. (Typed 8-byte LONGLONGs did the
 * same, at a BigInt and a parameter object per value: about a fifth of the service's CPU at catch-up.)
 */
import type { ColumnSchema, ColumnValue, TableSchema } from '../model/index.js';
import { driverConnection, type PoolConnection } from './driver-types.js';

const integerTypes = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

/** What to bind for `value` in `column`: integers as their decimal text, everything else as it is. */
export type ParameterBinder = (value: ColumnValue) => unknown;

const asIs: ParameterBinder = (value) => value;

/** The binders for `columns` of `schema`, in that order. */
export function columnBinders(schema: TableSchema, columns: readonly string[]): ParameterBinder[] {
  const byName = new Map(schema.columns.map((column) => [column.name, column]));
  return columns.map((name) => columnParameter(byName.get(name)));
}

/** The binder for a column (a column the schema does not know is bound as it is). */
export function columnParameter(column: ColumnSchema | undefined): ParameterBinder {
  if (column === undefined || !integerTypes.has(column.dataType)) return asIs;
  return (value) => {
    if (value === null || typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    throw new TypeError(`an integer column (${column.name}) got the value ${String(value)}`);
  };
}

/** The part of mysql2's prepared-statement object this module touches (not part of mysql2's typed API). */
interface StatementInternals {
  parameters?: unknown;
}

/**
 * Drops a prepared statement's parameter definitions; returns how many there were. Throws when mysql2's shape
 * changed, so an upgrade that breaks this is noticed by the tests rather than silently keeping the memory.
 */
export function dropParameterDefinitions(prepared: object): number {
  const statement = (prepared as { statement?: StatementInternals }).statement;
  if (statement === undefined || !('parameters' in statement)) {
    throw new Error('mysql2 prepared statements no longer expose their parameter definitions');
  }
  const count = Array.isArray(statement.parameters) ? statement.parameters.length : 0;
  if (count > 0) statement.parameters = [];
  return count;
}

/**
 * Executes `sql` with `values` on a statement prepared once per connection (cached by mysql2); resolves to the
 * rows it affected (0 for a statement that reads).
 */
export async function executePrepared(
  connection: PoolConnection,
  sql: string,
  values: readonly unknown[],
): Promise<number> {
  // Answered from the connection's cache without a round trip once the statement is prepared.
  const prepared = await driverConnection(connection).prepare(sql);
  dropParameterDefinitions(prepared);
  const [result] = await prepared.execute(values);
  return 'affectedRows' in result ? result.affectedRows : 0;
}
