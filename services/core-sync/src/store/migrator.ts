/**
 * Numbered SQL migrations for the state store, one directory per dialect (`migrations/sqlite/`,
 * `migrations/mysql/`, the same file names in both): `NNN_description.sql`, applied in version order, each
 * recorded in `schema_migrations(version, name, checksum, applied_at)`.
 *
 * A run holds a lock that the backend provides (SQLite: a BEGIN IMMEDIATE transaction; MySQL: GET_LOCK), so
 * two instances starting at once apply each migration once. An applied migration whose file changed, or an
 * applied version this build does not have, stops the run with MIGRATION_FAILED naming the file.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SyncError } from '../errors/index.js';
import type { OpenStateStoreOptions, StateStoreDialect } from './state-store.js';

export interface MigrationFile {
  readonly version: number;
  /** The file name, e.g. `001_initial_schema.sql`. */
  readonly name: string;
  readonly filePath: string;
  readonly sql: string;
  /** The SQL split into statements (comments removed), for drivers that run one statement at a time. */
  readonly statements: readonly string[];
  /** SHA-256 (hex) of the file with line endings normalised to LF. */
  readonly checksum: string;
}

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: Date;
}

/** What a backend provides for the migrator to run its dialect's migrations. */
export interface MigrationAdapter {
  readonly dialect: StateStoreDialect;
  /** Runs `work` while holding the lock that keeps other instances from migrating the same store. */
  withMigrationLock<Result>(work: () => Promise<Result>): Promise<Result>;
  /** Creates `schema_migrations` when it does not exist. */
  ensureMigrationsTable(): Promise<void>;
  listAppliedMigrations(): Promise<AppliedMigration[]>;
  /**
   * Runs the migration and records it. Transactional dialects do both in one transaction; others record it
   * only after every statement succeeded.
   */
  applyMigration(migration: MigrationFile, appliedAt: Date): Promise<void>;
}

export interface MigrationReport {
  /** The migrations this run applied (empty when the store was up to date). */
  readonly applied: readonly string[];
  /** The highest applied version after the run (0 when there are no migrations). */
  readonly currentVersion: number;
}

const migrationFilePattern = /^(\d+)_([a-z0-9_]+)\.sql$/;

/** The `migrations/` directory of the package: the nearest ancestor of this file's directory that has one. */
export function findMigrationsDirectory(
  startDirectory = path.dirname(fileURLToPath(import.meta.url)),
): string {
  let directory = path.resolve(startDirectory);
  for (;;) {
    const candidate = path.join(directory, 'migrations');
    if (isDirectory(path.join(candidate, 'sqlite'))) return candidate;
    const parent = path.dirname(directory);
    if (parent === directory) {
      throw new SyncError(
        'MIGRATION_FAILED',
        `could not find the migrations directory (a "migrations" folder with "sqlite" and "mysql" in it) above ${startDirectory}; set the migrationsDirectory option`,
        { cause: new Error('no migrations directory found'), details: { startDirectory } },
      );
    }
    directory = parent;
  }
}

function isDirectory(candidate: string): boolean {
  try {
    return statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}

export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

/**
 * Splits SQL text into statements on `;` outside quotes and comments, dropping `--`, `#` and block comments.
 * Enough for migration files (no stored-program bodies).
 */
export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let index = 0;
  while (index < sql.length) {
    const character = sql.charAt(index);
    const next = sql.charAt(index + 1);
    if ((character === '-' && next === '-') || character === '#') {
      const lineEnd = sql.indexOf('\n', index);
      index = lineEnd === -1 ? sql.length : lineEnd;
    } else if (character === '/' && next === '*') {
      const commentEnd = sql.indexOf('*/', index + 2);
      index = commentEnd === -1 ? sql.length : commentEnd + 2;
      current += ' ';
    } else if (character === "'" || character === '"' || character === '`') {
      const quoteEnd = findQuoteEnd(sql, index);
      current += sql.slice(index, quoteEnd);
      index = quoteEnd;
    } else if (character === ';') {
      statements.push(current);
      current = '';
      index += 1;
    } else {
      current += character;
      index += 1;
    }
  }
  statements.push(current);
  return statements.map((statement) => statement.trim()).filter((statement) => statement.length > 0);
}

/** The index just after the quoted text that starts at `start` (doubled quotes and backslash escapes kept). */
function findQuoteEnd(sql: string, start: number): number {
  const quote = sql.charAt(start);
  let index = start + 1;
  while (index < sql.length) {
    const character = sql.charAt(index);
    if (character === '\\' && quote !== '`') {
      index += 2;
    } else if (character === quote) {
      if (sql.charAt(index + 1) !== quote) return index + 1;
      index += 2;
    } else {
      index += 1;
    }
  }
  return sql.length;
}

/** The dialect's migration files in version order. */
export async function readMigrationFiles(dialectDirectory: string): Promise<MigrationFile[]> {
  let fileNames: string[];
  try {
    fileNames = await readdir(dialectDirectory);
  } catch (error) {
    throw new SyncError('MIGRATION_FAILED', `could not read the migrations directory ${dialectDirectory}`, {
      cause: error,
    });
  }
  const migrations: MigrationFile[] = [];
  for (const fileName of fileNames.filter((name) => name.endsWith('.sql')).sort()) {
    const match = migrationFilePattern.exec(fileName);
    if (match?.[1] === undefined) {
      throw new SyncError(
        'MIGRATION_FAILED',
        `migration file ${fileName} in ${dialectDirectory} is not named NNN_description.sql (lower case, digits, underscores)`,
        { cause: new Error('bad migration file name'), details: { file: fileName } },
      );
    }
    const filePath = path.join(dialectDirectory, fileName);
    const sql = await readFile(filePath, 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: fileName,
      filePath,
      sql,
      statements: splitSqlStatements(sql),
      checksum: migrationChecksum(sql),
    });
  }
  migrations.sort((left, right) => left.version - right.version);
  for (let index = 1; index < migrations.length; index += 1) {
    const previous = migrations[index - 1];
    const migration = migrations[index];
    if (previous !== undefined && migration !== undefined && previous.version === migration.version) {
      throw new SyncError(
        'MIGRATION_FAILED',
        `migration files ${previous.name} and ${migration.name} have the same version ${migration.version}`,
        {
          cause: new Error('duplicate migration version'),
          details: { files: [previous.name, migration.name] },
        },
      );
    }
  }
  return migrations;
}

/**
 * The migrations still to apply. Throws MIGRATION_FAILED when an applied migration's file was changed or
 * renamed, or when the store has a version this build does not know (it was migrated by a newer build).
 */
export function pendingMigrations(
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
  dialect: StateStoreDialect,
): MigrationFile[] {
  const filesByVersion = new Map(files.map((file) => [file.version, file]));
  for (const record of applied) {
    const file = filesByVersion.get(record.version);
    if (file === undefined) {
      throw new SyncError(
        'MIGRATION_FAILED',
        `the ${dialect} state store has migration ${record.name} (version ${record.version}) applied, which this build does not have; it was migrated by a newer version of the service`,
        {
          cause: new Error('unknown applied migration'),
          details: { file: record.name, version: record.version },
        },
      );
    }
    if (file.checksum !== record.checksum || file.name !== record.name) {
      throw new SyncError(
        'MIGRATION_FAILED',
        `migration ${file.filePath} was changed after it was applied to the ${dialect} state store (applied as ${record.name} with checksum ${record.checksum}, the file now has ${file.checksum}); restore the file and put schema changes in a new migration`,
        {
          cause: new Error('migration checksum mismatch'),
          details: { file: file.name, recordedChecksum: record.checksum, fileChecksum: file.checksum },
        },
      );
    }
  }
  const appliedVersions = new Set(applied.map((record) => record.version));
  return files.filter((file) => !appliedVersions.has(file.version));
}

/** Brings the store's schema up to date. */
export async function runMigrations(
  adapter: MigrationAdapter,
  options: OpenStateStoreOptions = {},
): Promise<MigrationReport> {
  const migrationsDirectory = options.migrationsDirectory ?? findMigrationsDirectory();
  const files = await readMigrationFiles(path.join(migrationsDirectory, adapter.dialect));
  const log = options.logger?.child({ component: 'state-store-migrator' });
  return adapter.withMigrationLock(async () => {
    await adapter.ensureMigrationsTable();
    const applied = await adapter.listAppliedMigrations();
    const pending = pendingMigrations(files, applied, adapter.dialect);
    const appliedNow: string[] = [];
    for (const migration of pending) {
      try {
        await adapter.applyMigration(migration, new Date());
      } catch (error) {
        throw new SyncError(
          'MIGRATION_FAILED',
          `state-store migration ${migration.filePath} failed on ${adapter.dialect}`,
          { cause: error, details: { file: migration.name, version: migration.version } },
        );
      }
      appliedNow.push(migration.name);
      log?.info(
        { dialect: adapter.dialect, version: migration.version, migration: migration.name },
        'applied state-store migration',
      );
    }
    const versions = [...applied.map((record) => record.version), ...pending.map((file) => file.version)];
    return { applied: appliedNow, currentVersion: Math.max(0, ...versions) };
  });
}
