/**
 * Multi-row statements through prepared statements, kept small in memory.
 *
 * mysql2 prepares a statement once per connection and caches it (the pools bound the cache: `maxPreparedStatements`
 * in connection.ts, least recently used closed first, on the server too). With each cached statement it keeps one
 * parameter-definition object per placeholder, about 200 bytes of heap plus the packet they were read from: a
 * 1,000-row upsert of 12 columns held 1.8 MB, and with many tables the service's heap reached gigabytes
 * (docs/BENCHMARKS.md, many-tables). Those definitions only serve as type hints for integer columns on MySQL 8
 * (MariaDB reports every parameter as untyped); the service's canonical values need none (integers beyond 2^53
 * are strings, which the server converts exactly), so they are dropped once the statement is prepared.
 */
import type { PoolConnection } from './connection.js';

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
  const prepared = await connection.prepare(sql);
  dropParameterDefinitions(prepared);
  const [result] = await prepared.execute(values);
  return 'affectedRows' in result ? result.affectedRows : 0;
}
