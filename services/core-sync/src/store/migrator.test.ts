import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSyncError } from '../errors/index.js';
import {
  findMigrationsDirectory,
  migrationChecksum,
  pendingMigrations,
  readMigrationFiles,
  splitSqlStatements,
  type AppliedMigration,
  type MigrationFile,
} from './migrator.js';

function migrationFile(version: number, name: string, sql: string): MigrationFile {
  return {
    version,
    name,
    filePath: `/migrations/sqlite/${name}`,
    sql,
    statements: splitSqlStatements(sql),
    checksum: migrationChecksum(sql),
  };
}

function appliedRecord(file: MigrationFile, checksum = file.checksum): AppliedMigration {
  return { version: file.version, name: file.name, checksum, appliedAt: new Date(0) };
}

describe('splitSqlStatements', () => {
  it('splits on semicolons outside quotes and comments, dropping the comments', () => {
    const sql = [
      '-- leading comment; with a semicolon',
      "CREATE TABLE a (b TEXT DEFAULT 'x;y', c TEXT DEFAULT 'it''s; fine');",
      '/* block; comment */ CREATE INDEX a_b ON a (b);',
      '# hash comment;',
      'INSERT INTO `odd;name` VALUES ("q;\\";r")',
    ].join('\n');
    expect(splitSqlStatements(sql)).toEqual([
      "CREATE TABLE a (b TEXT DEFAULT 'x;y', c TEXT DEFAULT 'it''s; fine')",
      'CREATE INDEX a_b ON a (b)',
      'INSERT INTO `odd;name` VALUES ("q;\\";r")',
    ]);
  });

  it('returns nothing for a file of comments', () => {
    expect(splitSqlStatements('-- nothing here\n/* or here */\n')).toEqual([]);
  });
});

describe('migrationChecksum', () => {
  it('ignores CRLF versus LF line endings but nothing else', () => {
    expect(migrationChecksum('SELECT 1;\r\nSELECT 2;\r\n')).toBe(migrationChecksum('SELECT 1;\nSELECT 2;\n'));
    expect(migrationChecksum('SELECT 1;')).not.toBe(migrationChecksum('SELECT 1; '));
  });
});

describe('pendingMigrations', () => {
  const first = migrationFile(1, '001_first.sql', 'CREATE TABLE a (b INT);');
  const second = migrationFile(2, '002_second.sql', 'CREATE TABLE c (d INT);');

  it('returns the files not yet applied, in order', () => {
    expect(pendingMigrations([first, second], [], 'sqlite').map((file) => file.name)).toEqual([
      '001_first.sql',
      '002_second.sql',
    ]);
    expect(pendingMigrations([first, second], [appliedRecord(first)], 'sqlite')).toEqual([second]);
  });

  it('refuses an applied migration whose file changed, naming the file', () => {
    const failure = catchError(() =>
      pendingMigrations([first], [appliedRecord(first, 'f'.repeat(64))], 'mysql'),
    );
    expect(isSyncError(failure) && failure.code).toBe('MIGRATION_FAILED');
    expect(String(failure)).toContain('001_first.sql');
  });

  it('refuses a store migrated by a newer build', () => {
    const failure = catchError(() =>
      pendingMigrations([first], [appliedRecord(first), appliedRecord(second)], 'sqlite'),
    );
    expect(isSyncError(failure) && failure.code).toBe('MIGRATION_FAILED');
    expect(String(failure)).toContain('002_second.sql');
  });
});

describe('the migration files', () => {
  const migrationsDirectory = findMigrationsDirectory();

  it('are found from the package', () => {
    expect(path.basename(migrationsDirectory)).toBe('migrations');
  });

  it('have the same numbered file set for every dialect', async () => {
    const [sqliteFiles, mysqlFiles] = await Promise.all([
      readdir(path.join(migrationsDirectory, 'sqlite')),
      readdir(path.join(migrationsDirectory, 'mysql')),
    ]);
    expect(mysqlFiles.filter((name) => name.endsWith('.sql')).sort()).toEqual(
      sqliteFiles.filter((name) => name.endsWith('.sql')).sort(),
    );
  });

  it('parse into versions 1, 2, … without gaps', async () => {
    for (const dialect of ['sqlite', 'mysql']) {
      const files = await readMigrationFiles(path.join(migrationsDirectory, dialect));
      expect(files.map((file) => file.version)).toEqual(files.map((_file, index) => index + 1));
      for (const file of files) expect(file.statements.length, file.name).toBeGreaterThan(0);
    }
  });
});

function catchError(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
