/**
 * The database driver as the rest of the service sees it: the few operations it uses, in the project's own
 * terms. mysql2 stays behind this folder: connection.ts creates its pools and connections and hands them out as
 * these interfaces, and only this folder reaches past them (`driverConnection`), for prepared statements and the
 * server connection behind a pooled one.
 */
import type mysql from 'mysql2/promise';

/** One row a query returns, by column name. */
export interface QueryRow {
  [column: string]: unknown;
}

/** What a statement that writes answers. */
export interface WriteResult {
  readonly affectedRows: number;
  readonly insertId: number;
}

/** A statement with options of its own (exact-columns.ts reads some columns as text). */
export interface StatementOptions {
  readonly sql: string;
  readonly values?: unknown;
  readonly rowsAsArray?: boolean;
  /** Reads a column's value from the wire (mysql2's `typeCast`): exact-columns.ts. */
  readonly typeCast?: unknown;
}

/** The rows a query returned, or what a statement that writes answered. */
export type QueryResult = QueryRow[] | WriteResult;

/** Anything statements run on: a pool (each statement on a free connection) or one connection. */
export interface Queryable {
  query<Result extends QueryResult = QueryRow[]>(
    statement: string | StatementOptions,
    values?: unknown,
  ): Promise<[Result, unknown]>;
  /** Runs `sql` as a prepared statement, prepared once per connection and cached. */
  execute<Result extends QueryResult = QueryRow[]>(sql: string, values?: unknown): Promise<[Result, unknown]>;
}

/** One connection of its own (not pooled): closed with `end`, or at once with `destroy`. */
export interface Connection extends Queryable {
  end(): Promise<void>;
  destroy(): void;
}

/** A connection borrowed from a pool: `release` returns it, `destroy` closes it (a failed or lost one). */
export interface PoolConnection extends Queryable {
  release(): void;
  destroy(): void;
  /** A round trip that runs nothing (COM_PING). */
  ping(): Promise<void>;
}

/** A pool of connections to one server. */
export interface Pool extends Queryable {
  getConnection(): Promise<PoolConnection>;
  end(): Promise<void>;
}

/** The server's id of a connection (`CONNECTION_ID()`, what `KILL` takes), null before it is connected. */
export function connectionIdOf(connection: PoolConnection | Connection): number | null {
  return driverConnection(connection).threadId ?? null;
}

/** The driver's connection behind a connection handed out here (prepared statements need it). */
export function driverConnection(connection: Queryable): mysql.PoolConnection | mysql.Connection {
  return connection as mysql.PoolConnection | mysql.Connection;
}

/** The driver's pool behind a pool handed out here. */
export function driverPool(pool: Pool): mysql.Pool {
  return pool as unknown as mysql.Pool;
}

/** A column value as text: a string as it is, a number in decimal, bytes as UTF-8, '' for NULL. */
export function columnText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return JSON.stringify(value);
}
