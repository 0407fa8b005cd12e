/**
 * One suite, run against both backends: SQLite in a temporary file, and MySQL in a database of its own
 * (`state_<random>`, created by the store itself and dropped afterwards) on the server the global setup names.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { describe, expect, inject, it } from 'vitest';
import { parseServerUrl } from '../../test/support/server-url.js';
import { findMigrationsDirectory, migrationChecksum, readMigrationFiles } from './migrator.js';
import { openStateStore } from './open-state-store.js';
import type {
  CheckpointRecord,
  ConflictRecord,
  OpenStateStoreOptions,
  StateStore,
  StateStoreConfig,
  StateStoreDialect,
  SyncHistoryEntry,
  TableSyncState,
} from './state-store.js';

type Row = Record<string, unknown>;

interface StorageFixture extends AsyncDisposable {
  readonly config: StateStoreConfig;
  /** Opens a store on this fixture's file or database; it is closed when the fixture is disposed. */
  open(options?: OpenStateStoreOptions): Promise<StateStore>;
  /** Rows of a query run directly on the store's database, to check what the store wrote. */
  rows(sql: string): Promise<Row[]>;
  tableNames(): Promise<string[]>;
  /** Takes the migration lock the way another instance would; the returned function releases it. */
  holdMigrationLock(): Promise<() => Promise<void>>;
}

interface StorageBackend {
  readonly dialect: StateStoreDialect;
  /** Whether a failing migration leaves no trace (SQLite); MySQL commits DDL implicitly. */
  readonly transactionalDdl: boolean;
  /** A config whose store cannot be opened. */
  readonly unreachableConfig: StateStoreConfig;
  create(): Promise<StorageFixture>;
}

function storeOpener(config: StateStoreConfig): {
  readonly open: (options?: OpenStateStoreOptions) => Promise<StateStore>;
  readonly closeAll: () => Promise<void>;
} {
  const openedStores: StateStore[] = [];
  return {
    open: async (options) => {
      const store = await openStateStore(config, options);
      openedStores.push(store);
      return store;
    },
    closeAll: async () => {
      await Promise.all(openedStores.map((store) => store.close()));
    },
  };
}

const sqliteBackend: StorageBackend = {
  dialect: 'sqlite',
  transactionalDdl: true,
  unreachableConfig: { type: 'sqlite', filePath: '/dev/null/not-a-directory/state.db' },
  async create() {
    const directory = await mkdtemp(path.join(tmpdir(), 'state-store-'));
    const config = { type: 'sqlite', filePath: path.join(directory, 'nested', 'state.db') } as const;
    const opener = storeOpener(config);
    const rows = (sql: string): Promise<Row[]> => {
      const database = new Database(config.filePath, { readonly: true });
      try {
        return Promise.resolve(database.prepare(sql).all() as Row[]);
      } finally {
        database.close();
      }
    };
    return {
      config,
      open: opener.open,
      rows,
      async tableNames() {
        const tables = await rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
        return tables.map((table) => String(table.name));
      },
      holdMigrationLock() {
        const database = new Database(config.filePath);
        database.exec('BEGIN IMMEDIATE');
        return Promise.resolve(() => {
          database.exec('COMMIT');
          database.close();
          return Promise.resolve();
        });
      },
      async [Symbol.asyncDispose]() {
        await opener.closeAll();
        await rm(directory, { recursive: true, force: true });
      },
    };
  },
};

const mysqlBackend: StorageBackend = {
  dialect: 'mysql',
  transactionalDdl: false,
  unreachableConfig: {
    type: 'mysql',
    host: '127.0.0.1',
    port: 1,
    user: 'root',
    password: '',
    database: 'state_unreachable',
  },
  create() {
    const server = parseServerUrl(inject('stateServerUrl'));
    const database = `state_${randomBytes(4).toString('hex')}`;
    const config = { type: 'mysql', ...server, database } as const;
    const opener = storeOpener(config);
    const rows = async (sql: string): Promise<Row[]> => {
      const connection = await mysql.createConnection({ ...server, database, dateStrings: true });
      try {
        const [result] = await connection.query<mysql.RowDataPacket[]>(sql);
        return result;
      } finally {
        await connection.end();
      }
    };
    return Promise.resolve({
      config,
      open: opener.open,
      rows,
      async tableNames() {
        const tables = await rows(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY name',
        );
        return tables.map((table) => String(table.name));
      },
      async holdMigrationLock() {
        const connection = await mysql.createConnection({ ...server });
        await connection.query("SELECT GET_LOCK('mysql_sync_migrations', 5)");
        return async () => {
          await connection.query("SELECT RELEASE_LOCK('mysql_sync_migrations')");
          await connection.end();
        };
      },
      async [Symbol.asyncDispose]() {
        await opener.closeAll();
        const connection = await mysql.createConnection({ ...server });
        try {
          await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
        } finally {
          await connection.end();
        }
      },
    });
  },
};

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

function describeWithStorage(title: string, body: (backend: StorageBackend) => void): void {
  describe.each([sqliteBackend, mysqlBackend])(`${title} ($dialect)`, body);
}

function checkpoint(sourceName: string, slot: string, binlogPosition: number): CheckpointRecord {
  return {
    sourceName,
    slot,
    binlogFile: 'mysql-bin.000042',
    binlogPosition,
    gtid: `0-1-${binlogPosition}`,
    updatedAt: new Date('1999-12-31T23:59:59.999Z'),
  };
}

function tableState(
  tableName: string,
  syncDirection: string,
  changes: Partial<TableSyncState> = {},
): TableSyncState {
  return {
    tableName,
    syncDirection,
    status: 'running',
    lastSyncTime: new Date('2024-05-01T12:00:00.000Z'),
    binlogFile: 'mysql-bin.000001',
    binlogPosition: 4,
    gtid: null,
    rowsSynced: 0,
    errorMessage: null,
    details: null,
    updatedAt: new Date('2024-05-01T12:00:00.001Z'),
    ...changes,
  };
}

function historyEntry(startedAt: string, changes: Partial<SyncHistoryEntry> = {}): SyncHistoryEntry {
  return {
    id: randomUUID(),
    kind: 'manual',
    startedAt: new Date(startedAt),
    completedAt: null,
    direction: 'bidirectional',
    tablesSynced: ['orders', 'customers'],
    totalRows: 0,
    rowsChanged: 0,
    conflictsDetected: 0,
    status: 'running',
    errorMessage: null,
    traceId: 'a'.repeat(32),
    triggerSource: 'api:admin',
    ...changes,
  };
}

function conflict(
  tableName: string,
  detectedAt: string,
  changes: Partial<ConflictRecord> = {},
): ConflictRecord {
  return {
    id: randomUUID(),
    tableName,
    primaryKeyValue: '[42]',
    localData: { id: 42, name: 'local' },
    cloudData: { id: 42, name: 'cloud' },
    conflictType: 'update_update',
    detectedAt: new Date(detectedAt),
    resolved: false,
    resolutionStrategy: null,
    resolvedAt: null,
    resolvedData: null,
    resolvedBy: null,
    resolutionSide: null,
    resolutionColumns: null,
    sourcePosition: 'mysql-bin.000001:1234',
    ...changes,
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

describeWithStorage('state store', (backend) => {
  it('answers ping while open and fails with STATE_STORE_FAILED once closed', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    expect(store.dialect).toBe(backend.dialect);
    await store.ping();
    await store.close();
    await store.close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'STATE_STORE_FAILED' });
  });

  it('hands a lease to one holder at a time, renews it, and passes it on with a higher epoch once it expired', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const first = await store.acquireLease('pair', 'replica-a', 60_000);
    expect(first).toMatchObject({ name: 'pair', holder: 'replica-a', epoch: 1, held: true });
    expect(first.expiresAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(await store.acquireLease('pair', 'replica-b', 60_000)).toMatchObject({
      holder: 'replica-a',
      epoch: 1,
      held: false,
    });
    expect(await store.acquireLease('pair', 'replica-a', 60_000)).toMatchObject({ epoch: 1, held: true });
    // Another lease name is independent.
    expect(await store.acquireLease('other', 'replica-b', 60_000)).toMatchObject({ epoch: 1, held: true });

    // Expired: the next caller takes it over, one epoch higher; the old holder cannot renew.
    await store.acquireLease('pair', 'replica-a', 30);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.acquireLease('pair', 'replica-b', 60_000)).toMatchObject({
      holder: 'replica-b',
      epoch: 2,
      held: true,
    });
    expect(await store.acquireLease('pair', 'replica-a', 60_000)).toMatchObject({
      holder: 'replica-b',
      held: false,
    });

    // Released: taken at once by a standby, again one epoch higher; a release by a non-holder does nothing.
    await store.releaseLease('pair', 'replica-a');
    expect(await store.acquireLease('pair', 'replica-c', 60_000)).toMatchObject({ held: false });
    await store.releaseLease('pair', 'replica-b');
    expect(await store.acquireLease('pair', 'replica-c', 60_000)).toMatchObject({
      holder: 'replica-c',
      epoch: 3,
      held: true,
    });
    await expect(store.acquireLease('pair', 'replica-c', 0)).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('gives a lease raced for by many replicas to exactly one', async () => {
    await using storage = await backend.create();
    const stores = await Promise.all(Array.from({ length: 4 }, () => storage.open()));
    try {
      const attempts = await Promise.all(
        Array.from({ length: 12 }, (_unused, index) => {
          const store = stores[index % stores.length];
          if (store === undefined) throw new Error('no store');
          return store.acquireLease('raced', `replica-${index}`, 60_000);
        }),
      );
      const winners = attempts.filter((attempt) => attempt.held);
      expect(winners).toHaveLength(1);
      expect(new Set(attempts.map((attempt) => attempt.holder))).toEqual(new Set([winners[0]?.holder]));
      expect(attempts.every((attempt) => attempt.epoch === 1)).toBe(true);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('upserts, loads and deletes checkpoints', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    await store.saveCheckpoints([
      checkpoint('local', 'worker-2', 200),
      checkpoint('local', 'worker-1', 100),
      checkpoint('local', 'Worker-3', 300),
      checkpoint('local', 'work%x', 400),
      checkpoint('cloud', 'worker-1', 500),
    ]);
    await store.saveCheckpoints([{ ...checkpoint('local', 'worker-1', 150), gtid: null }]);
    expect(await store.loadCheckpoints('local')).toEqual([
      checkpoint('local', 'Worker-3', 300),
      checkpoint('local', 'work%x', 400),
      { ...checkpoint('local', 'worker-1', 150), gtid: null },
      checkpoint('local', 'worker-2', 200),
    ]);

    await store.deleteCheckpoints('local', 'worker-');
    expect((await store.loadCheckpoints('local')).map((record) => record.slot)).toEqual([
      'Worker-3',
      'work%x',
    ]);
    await store.deleteCheckpoints('local', 'work%');
    expect((await store.loadCheckpoints('local')).map((record) => record.slot)).toEqual(['Worker-3']);
    await store.deleteCheckpoints('local');
    expect(await store.loadCheckpoints('local')).toEqual([]);
    expect(await store.loadCheckpoints('cloud')).toEqual([checkpoint('cloud', 'worker-1', 500)]);
  });

  it('saves a batch of checkpoints all or nothing', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const invalid = { ...checkpoint('local', 'worker-2', 2), binlogFile: null as unknown as string };
    await expect(store.saveCheckpoints([checkpoint('local', 'worker-1', 1), invalid])).rejects.toMatchObject({
      code: 'STATE_STORE_FAILED',
    });
    expect(await store.loadCheckpoints('local')).toEqual([]);
  });

  it('upserts and lists table states, one per table and direction', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const paused = tableState('orders', 'cloud_to_local', {
      status: 'paused',
      errorMessage: 'DDL seen on orders',
      details: { ddl: 'ALTER TABLE orders ADD COLUMN note TEXT', position: { file: 'b.000002', offset: 9 } },
      gtid: '0-1-77',
      binlogFile: null,
      binlogPosition: null,
      lastSyncTime: null,
    });
    await store.upsertTableState(tableState('orders', 'local_to_cloud'));
    await store.upsertTableState(paused);
    await store.upsertTableState(tableState('customers', 'local_to_cloud'));
    await store.upsertTableState(
      tableState('orders', 'local_to_cloud', { rowsSynced: 12_345, status: 'idle' }),
    );
    expect(await store.listTableStates()).toEqual([
      tableState('customers', 'local_to_cloud'),
      paused,
      tableState('orders', 'local_to_cloud', { rowsSynced: 12_345, status: 'idle' }),
    ]);
  });

  it('inserts, updates, reads and pages sync history newest first', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const entries = [
      historyEntry('2024-01-01T00:00:00.001Z', { kind: 'initial' }),
      historyEntry('2024-01-03T00:00:00.003Z', { kind: 'scheduled', triggerSource: 'cron' }),
      historyEntry('2024-01-02T00:00:00.002Z', { kind: 'fallback', traceId: null, triggerSource: null }),
      historyEntry('2024-01-05T00:00:00.005Z'),
      historyEntry('2024-01-04T00:00:00.004Z', { tablesSynced: [] }),
    ];
    for (const entry of entries) await store.insertHistory(entry);
    const newestFirst = [...entries].sort(
      (left, right) => right.startedAt.getTime() - left.startedAt.getTime(),
    );
    expect(await store.listHistory({ limit: 2, offset: 1 })).toEqual({
      entries: newestFirst.slice(1, 3),
      total: 5,
    });
    expect(await store.listHistory({ limit: 10, offset: 10 })).toEqual({ entries: [], total: 5 });

    const [first] = entries;
    if (first === undefined) throw new Error('no entries');
    const completion = {
      completedAt: new Date('2024-01-01T00:05:00.999Z'),
      status: 'completed',
      totalRows: 9_007_199_254_740_991,
      rowsChanged: 17,
      conflictsDetected: 2,
      tablesSynced: ['orders'],
      errorMessage: null,
    };
    await store.updateHistory(first.id, completion);
    await store.updateHistory(first.id, {});
    await store.updateHistory(randomUUID(), { status: 'failed' });
    expect(await store.getHistory(first.id)).toEqual({ ...first, ...completion });
    expect(await store.getHistory(randomUUID())).toBeUndefined();
  });

  it('filters and pages conflicts newest first, and resolves each once', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const orderConflicts = [
      conflict('orders', '2024-03-01T00:00:00.100Z'),
      conflict('orders', '2024-03-03T00:00:00.300Z'),
      conflict('orders', '2024-03-02T00:00:00.200Z', {
        resolved: true,
        resolutionStrategy: 'source_priority',
        resolvedAt: new Date('2024-03-02T00:00:01.000Z'),
        resolvedData: { id: 42, name: 'cloud' },
        resolvedBy: 'system',
        resolutionSide: 'cloud',
      }),
    ];
    const customerConflict = conflict('customers', '2024-03-04T00:00:00.400Z', { localData: null });
    for (const record of [...orderConflicts, customerConflict]) await store.insertConflict(record);

    const [oldest, newest, resolvedOne] = orderConflicts;
    if (oldest === undefined || newest === undefined || resolvedOne === undefined) throw new Error('missing');
    expect(await store.listConflicts({ limit: 10, offset: 0 })).toEqual({
      conflicts: [customerConflict, newest, resolvedOne, oldest],
      total: 4,
    });
    expect(await store.listConflicts({ tableName: 'orders', resolved: false, limit: 1, offset: 1 })).toEqual({
      conflicts: [oldest],
      total: 2,
    });
    expect(await store.listConflicts({ resolved: true, limit: 10, offset: 0 })).toEqual({
      conflicts: [resolvedOne],
      total: 1,
    });
    expect(await store.listConflicts({ tableName: 'nothing', limit: 10, offset: 0 })).toEqual({
      conflicts: [],
      total: 0,
    });

    const resolution = {
      strategy: 'manual',
      resolvedData: { id: 42, name: 'edited', amount: '1234567890123456789.01' },
      resolvedBy: 'api:admin',
      resolutionSide: 'merged',
      resolutionColumns: { given: ['id', 'name'], filledFrom: 'cloud' as const, filled: ['amount'] },
      resolvedAt: new Date('2024-03-05T10:11:12.013Z'),
    };
    const attempts = await Promise.all([
      store.markConflictResolved(newest.id, resolution),
      store.markConflictResolved(newest.id, { ...resolution, resolvedBy: 'api:other' }),
    ]);
    expect(attempts.sort()).toEqual([false, true]);
    expect(await store.markConflictResolved(resolvedOne.id, resolution)).toBe(false);
    expect(await store.markConflictResolved(randomUUID(), resolution)).toBe(false);
    const stored = await store.getConflict(newest.id);
    expect(stored).toMatchObject({
      resolved: true,
      resolutionStrategy: 'manual',
      resolvedData: resolution.resolvedData,
      resolutionSide: 'merged',
      resolutionColumns: resolution.resolutionColumns,
      resolvedAt: resolution.resolvedAt,
    });
    expect(['api:admin', 'api:other']).toContain(stored?.resolvedBy);
    await store.markConflictResolved(oldest.id, {
      ...resolution,
      resolutionSide: undefined,
      resolutionColumns: undefined,
    });
    expect(await store.getConflict(oldest.id)).toMatchObject({
      resolutionSide: null,
      resolutionColumns: null,
    });
    expect(await store.getConflict(randomUUID())).toBeUndefined();
  });

  it('saves a conflict idempotently by id and updates a side of an unresolved one', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const first = conflict('orders', '2024-03-01T00:00:00.100Z');
    await store.saveConflict(first);
    await store.saveConflict({ ...first, conflictType: 'update_delete' });
    expect(await store.listConflicts({ limit: 10, offset: 0 })).toEqual({
      conflicts: [{ ...first, conflictType: 'update_delete' }],
      total: 1,
    });
    await store.updateConflictData(first.id, 'cloud', { id: 42, name: 'newer on cloud' });
    expect(await store.getConflict(first.id)).toMatchObject({
      localData: first.localData,
      cloudData: { id: 42, name: 'newer on cloud' },
    });
    const resolution = { strategy: 'manual', resolvedData: null, resolvedBy: 'test', resolvedAt: new Date() };
    expect(await store.markConflictResolved(first.id, resolution)).toBe(true);
    await store.saveConflict({ ...first, conflictType: 'insert_insert' });
    await store.updateConflictData(first.id, 'local', { id: 42, name: 'too late' });
    expect(await store.getConflict(first.id)).toMatchObject({
      resolved: true,
      conflictType: 'update_delete',
      localData: first.localData,
    });
  });

  it('keeps JSON values exactly: big-number strings, unicode, nesting and key order', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const awkwardValues: unknown[] = [
      {
        unsignedBigint: '18446744073709551615',
        signedBigint: '-9223372036854775808',
        decimal: '12345678901234567890.123456789012345678',
        float: 0.1,
        large: 1e300,
      },
      { zebra: 1, apple: 2, middle: { yak: [3, { deep: ['x', null, true, false, 1.5, []] }] }, empty: {} },
      { text: 'naïve café — 日本語 — 😀🏳️‍🌈 — \u0000 \u2028 — "quoted" \\ back\\slash\n\ttab', emptyText: '' },
      ['list', 1, null, { nested: ['deeper'] }],
      'a bare string',
      42,
      false,
    ];
    const records = awkwardValues.map((value, index) =>
      conflict('json_table', `2024-06-01T00:00:00.${String(index).padStart(3, '0')}Z`, {
        localData: value,
        cloudData: { wrapped: value },
        resolvedData: [value],
      }),
    );
    for (const record of records) await store.insertConflict(record);
    for (const record of records) {
      const stored = await store.getConflict(record.id);
      expect(stored).toEqual(record);
      expect(JSON.stringify(stored?.localData)).toBe(JSON.stringify(record.localData));
      expect(JSON.stringify(stored?.cloudData)).toBe(JSON.stringify(record.cloudData));
    }

    const withBigint = conflict('json_table', '2024-06-02T00:00:00.000Z', {
      localData: { count: 2n ** 64n },
    });
    await store.insertConflict(withBigint);
    expect((await store.getConflict(withBigint.id))?.localData).toEqual({ count: '18446744073709551616' });

    const details = { nested: { unicode: '😀', bigint: '9223372036854775807', order: { b: 1, a: 2 } } };
    await store.upsertTableState(tableState('json_table', 'local_to_cloud', { details }));
    const [state] = await store.listTableStates();
    expect(JSON.stringify(state?.details)).toBe(JSON.stringify(details));
  });

  it('keeps times to the millisecond', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const instants = [
      '1970-01-01T00:00:00.001Z',
      '1999-12-31T23:59:59.999Z',
      '2024-02-29T23:59:59.987Z',
      '2038-01-19T03:14:08.500Z',
      '2100-06-15T12:00:00.000Z',
    ].map((text) => new Date(text));
    for (const [index, instant] of instants.entries()) {
      const entry = historyEntry(instant.toISOString(), { id: `history-${index}`, completedAt: instant });
      await store.insertHistory(entry);
      expect(await store.getHistory(entry.id)).toEqual(entry);
      await store.saveCheckpoints([{ ...checkpoint('local', `slot-${index}`, index), updatedAt: instant }]);
    }
    const stored = await store.loadCheckpoints('local');
    expect(stored.map((record) => record.updatedAt.toISOString())).toEqual(
      instants.map((instant) => instant.toISOString()),
    );
  });
});
