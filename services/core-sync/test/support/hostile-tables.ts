/**
 * Hostile identifiers against two real MariaDB servers: databases, tables and columns named with backticks, both
 * quote characters, spaces, dots, commas, backslashes, parentheses, accented and CJK letters and reserved words
 * (MariaDB 10.11 keeps identifiers in utf8mb3, so an emoji is refused by the server itself:
 * ER_INVALID_CHARACTER_STRING). What test/e2e/hostile-identifiers-*.db.test.ts share: the database label, a table
 * named by a reserved word, and reading, comparing and silently changing such tables.
 */
import { expect } from 'vitest';
import { quoteIdentifier } from '../../src/mysql/index.js';
import type { SyncFixture } from './sync-fixture.js';
import type { TestDatabase } from './test-database.js';

/** Every character class at once; also the label of the test databases (so their names are hostile too). */
export const hostileDatabaseLabel = 'host`ile \'db\' "q".é';

/** One-way table named by a reserved word, keyed by a reserved word. */
export const reservedTable = 'select';

export const quoted = quoteIdentifier;

export function createStatement(
  table: string,
  columns: Record<string, string>,
  key: readonly string[],
): string {
  const definitions = Object.entries(columns).map(([name, type]) => `${quoted(name)} ${type}`);
  return `CREATE TABLE ${quoted(table)} (${definitions.join(', ')}, PRIMARY KEY (${key.map(quoted).join(', ')}))`;
}

export const reservedTableDdl = createStatement(
  reservedTable,
  { key: 'INT NOT NULL', group: 'VARCHAR(20)' },
  ['key'],
);

/** Rows of a table, ordered by its key, compared whole between the two sides. */
async function rowsOf(database: TestDatabase, table: string, key: readonly string[]): Promise<unknown[]> {
  return database.query(`SELECT * FROM ${quoted(table)} ORDER BY ${key.map(quoted).join(', ')}`);
}

export async function expectSameRows(
  fixture: SyncFixture,
  table: string,
  key: readonly string[],
): Promise<void> {
  const [sourceRows, targetRows] = await Promise.all([
    rowsOf(fixture.source, table, key),
    rowsOf(fixture.target, table, key),
  ]);
  expect(targetRows, table).toEqual(sourceRows);
}

/** Changes rows without writing the binlog: only a full sync can see these. */
export async function divergeSilently(database: TestDatabase, statements: string): Promise<void> {
  await database.query(`SET SESSION sql_log_bin = 0; ${statements}; SET SESSION sql_log_bin = 1`);
}

export async function countOf(database: TestDatabase, table: string): Promise<number> {
  const [row] = await database.query<{ total: number }>(`SELECT COUNT(*) AS total FROM ${quoted(table)}`);
  return Number(row?.total);
}
