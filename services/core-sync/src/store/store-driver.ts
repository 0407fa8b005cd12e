/**
 * The small driver each state-store backend provides (how to run a statement or a transaction, and the few SQL
 * fragments that differ between dialects), and the SQL helpers the shared queries build on it.
 */
import { invalidArgument, type SqlParameter, type SqlRow, type TimestampCodec } from './row-mapping.js';
import type { PageRequest, StateStoreDialect } from './state-store.js';

export interface SqlStatement {
  readonly sql: string;
  readonly parameters: readonly SqlParameter[];
}

/** What a backend provides to the shared store. */
export interface StoreDriver {
  readonly dialect: StateStoreDialect;
  readonly timestamps: TimestampCodec;
  /** Rows of a SELECT. */
  select(sql: string, parameters: readonly SqlParameter[]): Promise<SqlRow[]>;
  /** Runs an INSERT/UPDATE/DELETE and returns the number of rows it changed. */
  execute(sql: string, parameters: readonly SqlParameter[]): Promise<number>;
  /** Runs the statements in one transaction: all of them or none. */
  executeInTransaction(statements: readonly SqlStatement[]): Promise<void>;
  /** An INSERT that replaces the non-key columns of the row when its key exists. */
  upsertSql(table: string, columns: readonly string[], keyColumns: readonly string[]): string;
  /** The store's clock in milliseconds since the epoch, as an SQL expression (leases use the store's time). */
  readonly nowMillisecondsSql: string;
  /** `INSERT` that does nothing when the row's key exists. */
  readonly insertIgnoreSql: string;
  /** A case-sensitive "column starts with prefix" condition and its parameters. */
  startsWith(column: string, prefix: string): SqlStatement;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** True when the error means the store cannot be reached or used at all (not a refused statement). */
  isUnavailable(error: unknown): boolean;
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

export function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders(columns.length)})`;
}

/**
 * LIMIT/OFFSET values, validated and passed as decimal strings: MySQL 8.0.22+ rejects a LIMIT placeholder
 * bound as a double (which is how mysql2 sends JS numbers), and every engine here accepts the string.
 */
export function pageParameters(page: PageRequest): string[] {
  for (const [name, value] of [
    ['limit', page.limit],
    ['offset', page.offset],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalidArgument(`${name} must be a non-negative integer, got ${value}`);
    }
  }
  return [String(page.limit), String(page.offset)];
}
