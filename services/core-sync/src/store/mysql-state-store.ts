/**
 * The MySQL backend: a pool of 4 connections to a database of its own (created when missing and the
 * user may), every statement prepared (`execute`, cached per connection). Sessions run in UTC and in
 * the service's sql_mode (mysql/connection.ts); timestamps travel as `YYYY-MM-DD HH:MM:SS.mmm` text both ways
 * (`dateStrings`), so no driver time-zone conversion is involved, and BIGINTs come back as strings and are
 * range-checked.
 */
import { SyncError, driverErrorCode, isSyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import {
  checkConnection,
  isConnectionLost,
  quoteIdentifier,
  createStateStoreConnection,
  createStateStorePool,
  type Pool,
  type PoolConnection,
  type QueryRow,
  type WriteResult,
  loadTls,
  logLoginCheck,
  type SecuredEndpoint,
  type TlsSettings,
} from '../mysql/index.js';
import {
  runMigrations,
  type AppliedMigration,
  type MigrationAdapter,
  type MigrationFile,
} from './migrator.js';
import {
  appliedMigrationFromRow,
  datetimeTimestampCodec,
  type SqlParameter,
  type SqlRow,
} from './row-mapping.js';
import { SqlStateStore, type SqlStatement, type StoreDriver } from './sql-state-store.js';
import type { OpenStateStoreOptions, StateStore } from './state-store.js';

export interface MysqlStateStoreConfig {
  readonly type: 'mysql';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** `state_storage.tls`; `preferred` when absent. */
  readonly tls?: TlsSettings;
}

const connectionLimit = 4;
const connectTimeoutMilliseconds = 10_000;
/** A statement that hears nothing back from the store for this long gives its connection up (a stalled network). */
const statementTimeoutMilliseconds = 30_000;
/** Besides a lost connection: the server cannot be found or takes no more connections. */
const unreachableCodes = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN']);
/** Server-wide name (GET_LOCK names are not per database): instances migrating different databases take turns. */
const migrationLockName = 'mysql_sync_migrations';
const migrationLockTimeoutSeconds = 30;
/** CREATE DATABASE refused for lack of privileges: the database is then expected to exist already. */
const privilegeErrorCodes = new Set([
  'ER_DBACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
]);

/** Escapes LIKE's wildcards with `!` (not backslash, whose meaning depends on NO_BACKSLASH_ESCAPES). */
function escapeLikePattern(text: string): string {
  return text.replace(/[!%_]/g, (character) => `!${character}`);
}

class MysqlDriver implements StoreDriver {
  readonly dialect = 'mysql';
  readonly timestamps = datetimeTimestampCodec;
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async select(sql: string, parameters: readonly SqlParameter[]): Promise<SqlRow[]> {
    const [rows] = await this.#pool.execute<QueryRow[]>(sql, [...parameters]);
    return rows;
  }

  async execute(sql: string, parameters: readonly SqlParameter[]): Promise<number> {
    const [result] = await this.#pool.execute<WriteResult>(sql, [...parameters]);
    return result.affectedRows;
  }

  async executeInTransaction(statements: readonly SqlStatement[]): Promise<void> {
    const connection = await this.#pool.getConnection();
    let reusable = true;
    try {
      await connection.query('START TRANSACTION');
      try {
        for (const statement of statements)
          await connection.execute(statement.sql, [...statement.parameters]);
        await connection.query('COMMIT');
      } catch (error) {
        try {
          await connection.query('ROLLBACK');
        } catch {
          reusable = false;
        }
        throw error;
      }
    } finally {
      if (reusable) connection.release();
      else connection.destroy();
    }
  }

  readonly nowMillisecondsSql = 'CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)';
  readonly insertIgnoreSql = 'INSERT IGNORE INTO';

  upsertSql(table: string, columns: readonly string[], keyColumns: readonly string[]): string {
    // VALUES(column) rather than the row alias: MariaDB has no `AS new` syntax.
    const assignments = columns
      .filter((column) => !keyColumns.includes(column))
      .map((column) => `${column} = VALUES(${column})`);
    return (
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
      `ON DUPLICATE KEY UPDATE ${assignments.join(', ')}`
    );
  }

  startsWith(column: string, prefix: string): SqlStatement {
    // The tables' utf8mb4_bin collation makes LIKE case-sensitive.
    return { sql: `${column} LIKE ? ESCAPE '!'`, parameters: [`${escapeLikePattern(prefix)}%`] };
  }

  async ping(): Promise<void> {
    const connection = await this.#pool.getConnection();
    try {
      await connection.ping();
    } finally {
      connection.release();
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  isUnavailable(error: unknown): boolean {
    const code = driverErrorCode(error);
    return isConnectionLost(error) || (code !== undefined && unreachableCodes.has(code));
  }
}

/**
 * Migrations run on one connection holding GET_LOCK('mysql_sync_migrations'), so concurrent instances apply
 * each migration once. MySQL commits DDL implicitly: a migration's statements run one by one and the
 * migration is recorded only after all of them succeeded. One that fails half-way is not recorded and may
 * leave its earlier statements applied (the error says which statement failed).
 */
class MysqlMigrationAdapter implements MigrationAdapter {
  readonly dialect = 'mysql';
  readonly #pool: Pool;
  #connection: PoolConnection | undefined;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  get #lockedConnection(): PoolConnection {
    if (this.#connection === undefined) throw new Error('the migration lock is not held');
    return this.#connection;
  }

  async withMigrationLock<Result>(work: () => Promise<Result>): Promise<Result> {
    let connection: PoolConnection;
    try {
      connection = await this.#pool.getConnection();
    } catch (error) {
      throw new SyncError('STATE_STORE_FAILED', 'failed to connect to the MySQL state store', {
        cause: error,
      });
    }
    let reusable = true;
    try {
      const [rows] = await connection.execute<QueryRow[]>('SELECT GET_LOCK(?, ?) AS acquired', [
        migrationLockName,
        migrationLockTimeoutSeconds,
      ]);
      if (Number(rows[0]?.acquired) !== 1) {
        throw new SyncError(
          'MIGRATION_FAILED',
          `another instance held the lock ${migrationLockName} for ${migrationLockTimeoutSeconds} s while this one waited to migrate the MySQL state store`,
          { cause: new Error(`GET_LOCK returned ${String(rows[0]?.acquired)}`), retryable: true },
        );
      }
      this.#connection = connection;
      try {
        return await work();
      } finally {
        this.#connection = undefined;
        try {
          await connection.execute('SELECT RELEASE_LOCK(?)', [migrationLockName]);
        } catch {
          // Ending the session releases the lock.
          reusable = false;
        }
      }
    } finally {
      if (reusable) connection.release();
      else connection.destroy();
    }
  }

  async ensureMigrationsTable(): Promise<void> {
    await this.#lockedConnection.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY, ' +
        'name VARCHAR(255) NOT NULL, checksum CHAR(64) NOT NULL, applied_at DATETIME(3) NOT NULL) ' +
        'ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin',
    );
  }

  async listAppliedMigrations(): Promise<AppliedMigration[]> {
    const [rows] = await this.#lockedConnection.execute<QueryRow[]>(
      'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
    );
    return rows.map((row) => appliedMigrationFromRow(row, datetimeTimestampCodec));
  }

  async applyMigration(migration: MigrationFile, appliedAt: Date): Promise<void> {
    const connection = this.#lockedConnection;
    for (const [index, statement] of migration.statements.entries()) {
      try {
        // DDL, no parameters: sent as plain text (MySQL cannot prepare every DDL statement).
        await connection.query(statement);
      } catch (error) {
        throw new SyncError(
          'MIGRATION_FAILED',
          `statement ${index + 1} of ${migration.statements.length} in ${migration.name} failed; the migration is not recorded, and the statements before it were committed (MySQL commits DDL implicitly)`,
          { cause: error, details: { file: migration.name, statement: index + 1 } },
        );
      }
    }
    await connection.execute(
      'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
      [migration.version, migration.name, migration.checksum, datetimeTimestampCodec.encode(appliedAt)],
    );
  }
}

/** Creates the database unless it exists; without the privilege to, relies on it existing. */
async function ensureDatabase(endpoint: SecuredEndpoint, database: string): Promise<void> {
  const connection = await createStateStoreConnection(endpoint, connectTimeoutMilliseconds);
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)} CHARACTER SET utf8mb4`,
    );
  } catch (error) {
    const code = driverErrorCode(error);
    if (code === undefined || !privilegeErrorCodes.has(code)) throw error;
  } finally {
    await connection.end();
  }
}

function createPool(endpoint: SecuredEndpoint): Pool {
  return createStateStorePool(endpoint, {
    connectionLimit,
    connectTimeoutMs: connectTimeoutMilliseconds,
    statementTimeoutMs: statementTimeoutMilliseconds,
  });
}

/**
 * Reads `state_storage.tls`'s files and logs in once (settling `preferred`), logging what was negotiated. Throws
 * DATABASE_TLS_FAILED or DATABASE_ACCESS_DENIED, which the caller passes on with their own code.
 */
async function connectStateStore(
  config: MysqlStateStoreConfig,
  logger: Logger | undefined,
): Promise<SecuredEndpoint> {
  const tls = loadTls(config.tls ?? { mode: 'preferred' }, {
    keyPath: 'state_storage.tls',
    label: 'state store',
  });
  const server = { host: config.host, port: config.port, user: config.user, password: config.password };
  const checked = await checkConnection({ ...server, tls }, 'state-store-check');
  logLoginCheck(
    logger,
    checked,
    'the state store',
    { component: 'state-store' },
    'state store login checked',
  );
  return checked.endpoint;
}

/** Opens the MySQL state store (creating its database when missing and allowed) and migrates it. */
export async function openMysqlStateStore(
  config: MysqlStateStoreConfig,
  options: OpenStateStoreOptions = {},
): Promise<StateStore> {
  const where = `${config.database} on ${config.host}:${config.port}`;
  let pool: Pool;
  try {
    const endpoint = await connectStateStore(config, options.logger);
    await ensureDatabase(endpoint, config.database);
    pool = createPool({ ...endpoint, database: config.database });
  } catch (error) {
    if (
      isSyncError(error) &&
      (error.code === 'DATABASE_TLS_FAILED' || error.code === 'DATABASE_ACCESS_DENIED')
    ) {
      throw error;
    }
    throw new SyncError('STATE_STORE_FAILED', `failed to open the MySQL state store ${where}`, {
      cause: error,
      details: { host: config.host, port: config.port, database: config.database },
    });
  }
  try {
    await runMigrations(new MysqlMigrationAdapter(pool), options);
  } catch (error) {
    // The migration error is the one to report; a failure to close the pool on top of it adds nothing.
    await pool.end().catch(() => undefined);
    if (isSyncError(error)) throw error;
    throw new SyncError('MIGRATION_FAILED', `failed to migrate the MySQL state store ${where}`, {
      cause: error,
      details: { host: config.host, port: config.port, database: config.database },
    });
  }
  return new SqlStateStore(new MysqlDriver(pool), options.logger);
}
