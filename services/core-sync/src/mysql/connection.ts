import type { Socket } from 'node:net';
import mysql from 'mysql2/promise';
import type { ConnectionTls } from './tls.js';

import type { Connection, Pool, PoolConnection } from './driver-types.js';

/** Where and as whom to connect. */
export interface MysqlEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database?: string;
  /** Encryption of its connections (tls.ts); unencrypted when absent. */
  readonly tls?: ConnectionTls;
}

export interface PoolOptions {
  readonly connectionLimit?: number;
  /** A name for the pool's connections, visible in the server's processlist through `program_name`. */
  readonly purpose?: string;
  /** See `watchStatementSilence`; no limit when absent. */
  readonly queryTimeoutMs?: number;
  /** Names the setting behind `queryTimeoutMs` in the error (e.g. `databases.cloud.query_timeout`). */
  readonly queryTimeoutSetting?: string;
}

/** The parts of a mysql2 core connection the statement watchdog reads. */
interface WatchedConnection {
  readonly stream: Socket;
  /** mysql2's command in progress (null or undefined when the connection is idle). mysql2 is pinned exactly. */
  readonly _command?: unknown;
}

/** The error a connection is ended with when its server fell silent in the middle of a statement. */
export const statementSilenceCode = 'ETIMEDOUT';

/**
 * Ends a connection whose server has sent nothing for `timeoutMs` while a statement waits for its answer: a
 * stalled network, a pulled cable or a hung server would otherwise keep the statement (and the worker waiting on
 * it) forever — TCP keepalive does not help while a middlebox still acknowledges, and takes many minutes when
 * it does. The statement fails with a connection error (code ETIMEDOUT), the pool drops the connection and the
 * caller retries on a new one. Idle pooled connections are left alone.
 */
export function watchStatementSilence(pool: mysql.Pool, timeoutMs: number, setting: string): void {
  pool.pool.on('connection', (connection) => {
    const watched = connection as unknown as WatchedConnection;
    const socket = watched.stream;
    socket.setTimeout(timeoutMs);
    socket.on('timeout', () => {
      if (watched._command === null || watched._command === undefined || socket.destroyed) return;
      const error = new Error(
        `the server sent nothing for ${timeoutMs} ms while a statement waited for its answer (${setting}); the connection was given up`,
      ) as NodeJS.ErrnoException;
      error.code = statementSilenceCode;
      socket.destroy(error);
    });
  });
}

/**
 * Runs one statement that may rightly keep the server silent for longer than the statement silence limit (a DDL
 * statement rebuilding a large table sends nothing until it ends), with the limit lifted on this connection for
 * its duration. A connection lost meanwhile still fails it (TCP keepalive, the server going away).
 */
export async function runWithoutSilenceLimit(connection: PoolConnection, statement: string): Promise<void> {
  // The promise wrapper's connection holds the driver's connection, whose socket the silence watch set up.
  const socket = (connection as unknown as { connection: WatchedConnection }).connection.stream;
  const limit = socket.timeout ?? 0;
  socket.setTimeout(0);
  try {
    await connection.query(statement);
  } finally {
    if (!socket.destroyed) socket.setTimeout(limit);
  }
}

/**
 * The driver options every connection of the service uses, so values read from a table (snapshot, conflict
 * checks) have the same canonical form as values decoded from the binlog and write back byte for byte:
 * JSON as text (else `[object Object]` is written back), dates as text (else DATETIME(6) loses microseconds and
 * zero dates break), big integers and DECIMAL as exact strings, UTC.
 */
export const canonicalValueOptions = {
  dateStrings: true,
  jsonStrings: true,
  supportBigNumbers: true,
  bigNumberStrings: false,
  decimalNumbers: false,
  timezone: 'Z',
  charset: 'utf8mb4_unicode_ci',
} as const;

/**
 * The sql_mode of every session the service opens, whatever the server's global mode: strict, so a value the
 * target cannot hold is refused instead of silently changed; explicit zero values kept in AUTO_INCREMENT columns;
 * no silent engine substitution. The modes that change what the service's SQL means are left out on purpose:
 * - NO_BACKSLASH_ESCAPES. Statements that carry values (snapshot chunks, compare ranges, refresh and conflict
 *   lookups, keyset deletes, checkpoint and schema queries) go through mysql2's `query(sql, values)`, which
 *   escapes on the client with backslashes. Under that mode the server reads a backslash as a plain character:
 *   a key holding `\` would compare as another key, one holding `'` would end the literal early (a syntax error,
 *   or a different statement). Server-side prepared statements would not depend on the mode, but mysql2 returns
 *   their results through the binary protocol, which types values differently from the text protocol (FLOAT as
 *   the stored float32, for one); rows read here must equal the binlog's rows in the canonical form of
 *   model/row-change.ts, which is the text protocol's. So reads stay text, in a session whose escaping is known.
 * - ANSI_QUOTES, PIPES_AS_CONCAT, PAD_CHAR_TO_FULL_LENGTH, EMPTY_STRING_IS_NULL and MariaDB's ORACLE: they
 *   change how the service's statements parse or what values read back.
 * - NO_ZERO_DATE and NO_ZERO_IN_DATE: a source may hold zero dates, and the target must take them as they are.
 */
export const serviceSqlMode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION';

/**
 * Run first on every connection the service queries the databases or the MySQL state store through
 * (setUpEverySession, createMysqlConnection): the known sql_mode above, and UTC, so TIMESTAMP values read as text
 * (and written back from text) mean the same instant on both servers whatever their system time zones. The
 * only other connections send no values: the login check, the state store's CREATE DATABASE, and the binlog
 * library's dump and control connections.
 */
export const sessionSetupStatement = `SET SESSION time_zone = '+00:00', sql_mode = '${serviceSqlMode}'`;

/** Prepared statements each connection keeps (see prepared-statements.ts). */
export const preparedStatementsPerConnection = 128;

function programName(purpose: string | undefined): string {
  return `mysql-sync${purpose === undefined ? '' : `:${purpose}`}`;
}

/**
 * The server connection behind a pooled connection: mysql2 wraps it in a new promise object at every
 * getConnection(), so what is remembered per connection is keyed by this.
 */
export function serverConnectionOf(connection: PoolConnection): object {
  return (connection as { connection?: object }).connection ?? connection;
}

/** Where, as whom and how securely: the options every connection to an endpoint starts from. */
export function endpointOptions(endpoint: MysqlEndpoint) {
  const ssl = endpoint.tls?.driverOptions;
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password: endpoint.password,
    ...(endpoint.database === undefined ? {} : { database: endpoint.database }),
    // One options object per endpoint: mysql2 builds one TLS context for all the connections that share it.
    ...(ssl === undefined ? {} : { ssl }),
  };
}

/**
 * Runs sessionSetupStatement on every connection the pool opens — the first ones and every replacement after a
 * connection was lost — before the pool hands it out; statements on one connection execute in order, so it
 * precedes the caller's first. Should it fail, mysql2 takes the error as fatal for that connection: the caller's
 * statement fails with it and the pool drops the connection, so no statement runs in a session not set up.
 */
export function setUpEverySession(pool: mysql.Pool): void {
  pool.pool.on('connection', (connection) => {
    connection.query(sessionSetupStatement);
  });
}

export function createMysqlPool(endpoint: MysqlEndpoint, options: PoolOptions = {}): Pool {
  const pool = mysql.createPool({
    ...endpointOptions(endpoint),
    ...canonicalValueOptions,
    connectionLimit: options.connectionLimit ?? 10,
    maxIdle: options.connectionLimit ?? 10,
    idleTimeout: 60_000,
    enableKeepAlive: true,
    keepAliveInitialDelay: 10_000,
    connectTimeout: 10_000,
    waitForConnections: true,
    queueLimit: 0,
    connectAttributes: { program_name: programName(options.purpose) },
    // Statements prepared per connection (the least recently used is closed): bounds the memory of the
    // statement caches here and on the server (max_prepared_stmt_count is 16,382 for the whole server).
    maxPreparedStatements: preparedStatementsPerConnection,
  });
  setUpEverySession(pool);
  if (options.queryTimeoutMs !== undefined) {
    watchStatementSilence(
      pool,
      options.queryTimeoutMs,
      options.queryTimeoutSetting ?? `${options.purpose ?? 'database'} query_timeout`,
    );
  }
  return pool;
}

export async function createMysqlConnection(endpoint: MysqlEndpoint, purpose?: string): Promise<Connection> {
  const connection = await mysql.createConnection({
    ...endpointOptions(endpoint),
    ...canonicalValueOptions,
    connectTimeout: 10_000,
    connectAttributes: { program_name: programName(purpose) },
  });
  await connection.query(sessionSetupStatement);
  return connection;
}
