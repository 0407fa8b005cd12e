/**
 * The state store's migrations, run against both backends (SQLite and MySQL, see
 * test/support/state-store-backends.ts): applied once, checked against their checksums, serialised by a lock
 * between instances, and never recorded when they fail.
 */
import { appendFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { describeWithStorage } from '../../test/support/state-store-backends.js';
import { findMigrationsDirectory, migrationChecksum, readMigrationFiles } from './migrator.js';
import { openStateStore } from './open-state-store.js';
import { checkpoint } from './testing/state-store-records.js';

/** A copy of the real migrations directory that a test may edit. */
async function copyOfMigrations(): Promise<AsyncDisposable & { readonly directory: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'state-migrations-'));
  const directory = path.join(root, 'migrations');
  await cp(findMigrationsDirectory(), directory, { recursive: true });
  return {
    directory,
    async [Symbol.asyncDispose]() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

describeWithStorage('state store migrations', (backend) => {
  it('creates the tables and records each migration with its checksum', async () => {
    await using storage = await backend.create();
    await storage.open();
    expect(await storage.tableNames()).toEqual(
      expect.arrayContaining(['checkpoints', 'conflicts', 'schema_migrations', 'sync_history', 'sync_state']),
    );
    const files = await readMigrationFiles(path.join(findMigrationsDirectory(), backend.dialect));
    const recorded = await storage.rows(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    expect(recorded.map((row) => ({ ...row, version: Number(row.version) }))).toEqual(
      files.map((file) => ({
        version: file.version,
        name: file.name,
        checksum: migrationChecksum(file.sql),
      })),
    );
  });

  it('does nothing when the store is already up to date', async () => {
    await using storage = await backend.create();
    const first = await storage.open();
    await first.close();
    const before = await storage.rows('SELECT * FROM schema_migrations ORDER BY version');
    const reopened = await storage.open();
    await reopened.ping();
    expect(await storage.rows('SELECT * FROM schema_migrations ORDER BY version')).toEqual(before);
  });

  it('lets two instances open the same new store at once and migrates it once', async () => {
    await using storage = await backend.create();
    const [first, second] = await Promise.all([storage.open(), storage.open()]);
    const files = await readMigrationFiles(path.join(findMigrationsDirectory(), backend.dialect));
    const recorded = await storage.rows('SELECT version FROM schema_migrations ORDER BY version');
    expect(recorded.map((row) => Number(row.version))).toEqual(files.map((file) => file.version));
    await first.saveCheckpoints([checkpoint('local', 'worker-0', 100)]);
    expect(await second.loadCheckpoints('local')).toEqual([checkpoint('local', 'worker-0', 100)]);
  });

  it('waits for the migration lock that another instance holds', async () => {
    await using storage = await backend.create();
    await (await storage.open()).close();
    const releaseLock = await storage.holdMigrationLock();
    let opened = false;
    const opening = storage.open().then((store) => {
      opened = true;
      return store;
    });
    await delay(300);
    expect(opened).toBe(false);
    await releaseLock();
    await (await opening).ping();
  });

  it('refuses to open when an applied migration file was changed, naming the file', async () => {
    await using storage = await backend.create();
    await using migrations = await copyOfMigrations();
    const store = await storage.open({ migrationsDirectory: migrations.directory });
    await store.close();
    await appendFile(
      path.join(migrations.directory, backend.dialect, '001_initial_schema.sql'),
      '\n-- edited\n',
    );
    await expect(storage.open({ migrationsDirectory: migrations.directory })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: expect.stringContaining('001_initial_schema.sql') as unknown,
    });
  });

  it('does not record a failing migration, and rolls it back where DDL is transactional', async () => {
    await using storage = await backend.create();
    await using migrations = await copyOfMigrations();
    await writeFile(
      path.join(migrations.directory, backend.dialect, '099_broken.sql'),
      'CREATE TABLE broken_first (id INTEGER);\nINSERT INTO table_that_does_not_exist VALUES (1);\n',
    );
    await expect(storage.open({ migrationsDirectory: migrations.directory })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: expect.stringContaining('099_broken.sql') as unknown,
    });
    const recorded = await storage.rows('SELECT version FROM schema_migrations ORDER BY version');
    expect(recorded.map((row) => Number(row.version))).toEqual([1, 2, 3, 4]);
    expect((await storage.tableNames()).includes('broken_first')).toBe(!backend.transactionalDdl);
  });

  it('reports an unreachable store as STATE_STORE_FAILED', async () => {
    await expect(openStateStore(backend.unreachableConfig)).rejects.toMatchObject({
      code: 'STATE_STORE_FAILED',
    });
  });
});
