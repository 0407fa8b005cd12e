/**
 * The SQLite backend: one better-sqlite3 connection to a file in WAL mode (readers never wait for the
 * writer), `synchronous=NORMAL` (durable at each WAL checkpoint; a power cut can lose the last commits but
 * never corrupts), a 5 s busy timeout, and prepared statements cached by SQL text. better-sqlite3 is
 * synchronous; the store's async interface just wraps it.
 */
import { chmodSync, closeSync, constants, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { SyncError, driverErrorCode, isSyncError } from '../errors/index.js';
import {
  runMigrations,
  type AppliedMigration,
  type MigrationAdapter,
  type MigrationFile,
} from './migrator.js';
import { appliedMigrationFromRow, isoTimestampCodec, type SqlParameter, type SqlRow } from './row-mapping.js';
import { SqlStateStore, type SqlStatement, type StoreDriver } from './sql-state-store.js';
import type { OpenStateStoreOptions, StateStore } from './state-store.js';

export interface SqliteStateStoreConfig {
  readonly type: 'sqlite';
  /** The database file; its directory is created when missing. `:memory:` for a private in-memory store. */
  readonly filePath: string;
}

const busyTimeoutMilliseconds = 5_000;
/** The file cannot be opened, read or written (a missing mount, a full or read-only disk). */
const unavailableCodes = ['SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_READONLY'];
const migrationLockTimeoutMilliseconds = 30_000;
const migrationLockPollMilliseconds = 25;

/** Runs synchronous work and hands back its result, or its exception, as a promise. */
function promised<Result>(work: () => Result): Promise<Result> {
  return new Promise((resolve) => {
    resolve(work());
  });
}

class SqliteDriver implements StoreDriver {
  readonly dialect = 'sqlite';
  readonly timestamps = isoTimestampCodec;
  readonly #database: Database.Database;
  readonly #statements = new Map<string, Database.Statement<SqlParameter[]>>();

  constructor(database: Database.Database) {
    this.#database = database;
  }

  #prepare(sql: string): Database.Statement<SqlParameter[]> {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#database.prepare<SqlParameter[]>(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  select(sql: string, parameters: readonly SqlParameter[]): Promise<SqlRow[]> {
    return promised(() => this.#prepare(sql).all(...parameters) as SqlRow[]);
  }

  execute(sql: string, parameters: readonly SqlParameter[]): Promise<number> {
    return promised(() => this.#prepare(sql).run(...parameters).changes);
  }

  executeInTransaction(statements: readonly SqlStatement[]): Promise<void> {
    return promised(() => {
      // Synchronous from BEGIN to COMMIT, so no other call on this connection can slip into the transaction.
      this.#database.transaction(() => {
        for (const statement of statements) this.#prepare(statement.sql).run(...statement.parameters);
      })();
    });
  }

  readonly nowMillisecondsSql = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
  readonly insertIgnoreSql = 'INSERT OR IGNORE INTO';

  upsertSql(table: string, columns: readonly string[], keyColumns: readonly string[]): string {
    const assignments = columns
      .filter((column) => !keyColumns.includes(column))
      .map((column) => `${column} = excluded.${column}`);
    return (
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
      `ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${assignments.join(', ')}`
    );
  }

  startsWith(column: string, prefix: string): SqlStatement {
    // LIKE is case-insensitive in SQLite; comparing the leading characters is exact.
    return { sql: `substr(${column}, 1, length(?)) = ?`, parameters: [prefix, prefix] };
  }

  ping(): Promise<void> {
    return promised(() => {
      this.#prepare('SELECT 1 AS ok').get();
    });
  }

  isUnavailable(error: unknown): boolean {
    const code = driverErrorCode(error);
    return code !== undefined && unavailableCodes.some((prefix) => code.startsWith(prefix));
  }

  close(): Promise<void> {
    return promised(() => {
      this.#statements.clear();
      this.#database.close();
    });
  }
}

function isBusy(error: unknown): boolean {
  return driverErrorCode(error)?.startsWith('SQLITE_BUSY') ?? false;
}

/**
 * Migrations run inside one BEGIN IMMEDIATE transaction (the database's single write lock), each migration in
 * a savepoint: a failing migration is rolled back whole, the ones before it stay applied. The lock is taken
 * by polling with the busy timeout off, so a second store in the same process waits without blocking the
 * event loop (which would keep the first from ever finishing).
 */
class SqliteMigrationAdapter implements MigrationAdapter {
  readonly dialect = 'sqlite';
  readonly #database: Database.Database;

  constructor(database: Database.Database) {
    this.#database = database;
  }

  async withMigrationLock<Result>(work: () => Promise<Result>): Promise<Result> {
    await this.#beginImmediate();
    try {
      const result = await work();
      this.#database.exec('COMMIT');
      return result;
    } finally {
      // Still open only after a failure: keep the migrations that completed (each is whole or absent).
      if (this.#database.inTransaction) this.#commitOrRollback();
    }
  }

  #commitOrRollback(): void {
    try {
      this.#database.exec('COMMIT');
    } catch {
      this.#database.exec('ROLLBACK');
    }
  }

  async #beginImmediate(): Promise<void> {
    const deadline = Date.now() + migrationLockTimeoutMilliseconds;
    this.#database.pragma('busy_timeout = 0');
    try {
      for (;;) {
        try {
          this.#database.exec('BEGIN IMMEDIATE');
          return;
        } catch (error) {
          if (!isBusy(error)) throw error;
          if (Date.now() > deadline) {
            throw new SyncError(
              'MIGRATION_FAILED',
              `another process held the SQLite state store's write lock for ${migrationLockTimeoutMilliseconds / 1000} s while this one waited to migrate it`,
              { cause: error, retryable: true },
            );
          }
        }
        await delay(migrationLockPollMilliseconds);
      }
    } finally {
      this.#database.pragma(`busy_timeout = ${busyTimeoutMilliseconds}`);
    }
  }

  ensureMigrationsTable(): Promise<void> {
    return promised(() => {
      this.#database.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, ' +
          'name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT',
      );
    });
  }

  listAppliedMigrations(): Promise<AppliedMigration[]> {
    return promised(() =>
      this.#database
        .prepare('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version')
        .all()
        .map((row) => appliedMigrationFromRow(row as SqlRow, isoTimestampCodec)),
    );
  }

  applyMigration(migration: MigrationFile, appliedAt: Date): Promise<void> {
    return promised(() => {
      this.#database.exec('SAVEPOINT state_store_migration');
      try {
        this.#database.exec(migration.sql);
        this.#database
          .prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)')
          .run(migration.version, migration.name, migration.checksum, isoTimestampCodec.encode(appliedAt));
      } catch (error) {
        this.#database.exec('ROLLBACK TO state_store_migration');
        this.#database.exec('RELEASE state_store_migration');
        throw error;
      }
      this.#database.exec('RELEASE state_store_migration');
    });
  }
}

/**
 * The store holds whole rows of both databases (conflicts) and the sync history: only the service's own user may
 * read it. A new file (and the directory made for it) is created owner-only, and SQLite gives its -wal and -shm
 * files the database file's mode; an existing file readable by others loses those permissions.
 */
function restrictToOwner(filePath: string): void {
  const resolved = path.resolve(filePath);
  mkdirSync(path.dirname(resolved), { recursive: true, mode: 0o700 });
  closeSync(openSync(resolved, constants.O_CREAT | constants.O_RDWR, 0o600));
  for (const file of [resolved, `${resolved}-wal`, `${resolved}-shm`]) {
    let mode: number;
    try {
      mode = statSync(file).mode;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if ((mode & 0o077) !== 0) chmodSync(file, mode & 0o700);
  }
}

function openDatabase(filePath: string): Database.Database {
  if (filePath !== ':memory:') restrictToOwner(filePath);
  const database = new Database(filePath, { timeout: busyTimeoutMilliseconds });
  try {
    database.pragma(`busy_timeout = ${busyTimeoutMilliseconds}`);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    return database;
  } catch (error) {
    database.close();
    throw error;
  }
}

/** Opens (creating when missing) and migrates the SQLite state store. */
export async function openSqliteStateStore(
  config: SqliteStateStoreConfig,
  options: OpenStateStoreOptions = {},
): Promise<StateStore> {
  let database: Database.Database;
  try {
    database = openDatabase(config.filePath);
  } catch (error) {
    throw new SyncError('STATE_STORE_FAILED', `failed to open the SQLite state store ${config.filePath}`, {
      cause: error,
      details: { filePath: config.filePath },
    });
  }
  try {
    await runMigrations(new SqliteMigrationAdapter(database), options);
  } catch (error) {
    database.close();
    if (isSyncError(error)) throw error;
    throw new SyncError('MIGRATION_FAILED', `failed to migrate the SQLite state store ${config.filePath}`, {
      cause: error,
      details: { filePath: config.filePath },
    });
  }
  return new SqlStateStore(new SqliteDriver(database), options.logger);
}
