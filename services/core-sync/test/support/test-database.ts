/**
 * A database of its own for one test, on one of the shared servers, dropped when the test is done
 * (`await using scratch = await createTestDatabase(...)`). Queries go through a small pool, so the database stays
 * usable after its server restarts.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { canonicalValueOptions, quoteIdentifier } from '../../src/mysql/index.js';
import { parseServerUrl, type ServerUrlParts } from './server-url.js';

/**
 * What a test's own sessions run first: UTC, like the service's, but the server's own sql_mode, as an
 * application's sessions have (the service sets its own, mysql/connection.ts).
 */
export const applicationSessionSetup = "SET time_zone = '+00:00'";

export interface TestDatabase extends AsyncDisposable {
  readonly name: string;
  readonly server: ServerUrlParts;
  /** Connections to the database (multiple statements allowed, strings for dates and big numbers). */
  readonly pool: mysql.Pool;
  query<Row = mysql.RowDataPacket>(sql: string, values?: unknown[]): Promise<Row[]>;
}

export async function createTestDatabase(serverUrl: string, label: string): Promise<TestDatabase> {
  const server = parseServerUrl(serverUrl);
  const name = `${label}_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection({ ...server });
  await admin.query(
    `CREATE DATABASE ${quoteIdentifier(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  );
  await admin.end();
  const database = openTestDatabase(serverUrl, name);
  return {
    ...database,
    async [Symbol.asyncDispose](): Promise<void> {
      await database.pool.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`);
      await database.pool.end();
    },
  };
}

/** An existing database (a replica's copy of a test's database, say); disposing it only closes the pool. */
export function openTestDatabase(serverUrl: string, name: string): TestDatabase {
  const server = parseServerUrl(serverUrl);
  const pool = mysql.createPool({
    ...server,
    database: name,
    multipleStatements: true,
    connectionLimit: 4,
    ...canonicalValueOptions,
  });
  pool.pool.on('connection', (connection) => {
    connection.query(applicationSessionSetup);
  });
  return {
    name,
    server,
    pool,
    async query<Row>(sql: string, values?: unknown[]): Promise<Row[]> {
      const [rows] = await pool.query(sql, values);
      return rows as Row[];
    },
    async [Symbol.asyncDispose](): Promise<void> {
      await pool.end();
    },
  };
}
