/**
 * The driver settings of the MySQL state store (store/mysql-state-store.ts): timestamps travel as text both ways
 * (`dateStrings`, sessions in UTC), so no driver time-zone conversion is involved; BIGINTs come back as strings;
 * JSON as text (MariaDB reports a LONGTEXT column with CHECK (JSON_VALID(column)) as JSON).
 */
import mysql from 'mysql2/promise';
import {
  endpointOptions,
  setUpEverySession,
  watchStatementSilence,
  type MysqlEndpoint,
} from './connection.js';
import type { Connection, Pool } from './driver-types.js';

export interface StateStorePoolOptions {
  readonly connectionLimit: number;
  readonly connectTimeoutMs: number;
  /** A statement unanswered for this long fails (connection.ts `watchStatementSilence`). */
  readonly statementTimeoutMs: number;
}

export function createStateStorePool(endpoint: MysqlEndpoint, options: StateStorePoolOptions): Pool {
  const pool = mysql.createPool({
    ...endpointOptions(endpoint),
    connectionLimit: options.connectionLimit,
    waitForConnections: true,
    enableKeepAlive: true,
    connectTimeout: options.connectTimeoutMs,
    charset: 'UTF8MB4_UNICODE_CI',
    timezone: 'Z',
    dateStrings: true,
    jsonStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  watchStatementSilence(pool, options.statementTimeoutMs, 'the MySQL state store');
  // UTC and the service's sql_mode on every session: the migrations' SQL text (and its splitter) assumes
  // backslash escapes, whatever the server's global mode.
  setUpEverySession(pool);
  return pool;
}

/** One connection with the state store's settings, for what precedes the pool (creating its database). */
export async function createStateStoreConnection(
  endpoint: MysqlEndpoint,
  connectTimeoutMs: number,
): Promise<Connection> {
  return mysql.createConnection({ ...endpointOptions(endpoint), connectTimeout: connectTimeoutMs });
}
