/**
 * Both databases on servers started with sql_mode NO_BACKSLASH_ESCAPES (sandboxes of their own: the shared test
 * servers keep the default mode). Under that mode a backslash in a string literal is an ordinary character, so a
 * value escaped on the client with backslashes (mysql2's `query(sql, values)`) means something else to the
 * server: a key holding `\` compares as another key, one holding `'` ends the literal early. Keys made of such
 * characters (test/support/hostile-keys.ts) must be copied, streamed, compared and repaired exactly, three keys a
 * chunk, and the applications' own sessions on these servers keep the mode.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMysqlConnection,
  createMysqlPool,
  readServerInfo,
  type Queryable,
  type QueryRow,
} from '../../src/mysql/index.js';
import { SandboxServer } from '../../src/sandbox/index.js';
import { copyTable, prepareTable } from '../../src/snapshot/index.js';
import {
  divergedTablesArbitrary,
  expectRows,
  hostileItemsTable,
  readRows,
  replaceRows,
  type HostileRow,
} from '../support/hostile-keys.js';
import { fullSyncManager, runFullSync } from '../support/full-sync-runs.js';
import { formatServerUrl } from '../support/server-url.js';
import {
  createOnBothSides,
  createSyncFixture,
  eventually,
  startDisposableService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const serverSqlMode =
  'NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';
const silentLogger = pino({ level: process.env.MYSQL_SYNC_TEST_LOG_LEVEL ?? 'silent' });

let localServer: SandboxServer;
let cloudServer: SandboxServer;

beforeAll(async () => {
  [localServer, cloudServer] = await Promise.all([
    SandboxServer.start({
      name: 'test-nbe-local',
      serverId: 121,
      extraArguments: [`--sql-mode=${serverSqlMode}`],
    }),
    SandboxServer.start({
      name: 'test-nbe-cloud',
      serverId: 122,
      extraArguments: [`--sql-mode=${serverSqlMode}`],
    }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([localServer.destroy(), cloudServer.destroy()]);
});

const localUrl = (): string => formatServerUrl(localServer.connectionInfo);
const cloudUrl = (): string => formatServerUrl(cloudServer.connectionInfo);

/** The modes the service's sessions run with, whatever the server's. */
const serviceModes = ['NO_AUTO_VALUE_ON_ZERO', 'NO_ENGINE_SUBSTITUTION', 'STRICT_ALL_TABLES'];

async function sessionModes(queryable: Queryable): Promise<string[]> {
  const [rows] = await queryable.query<QueryRow[]>('SELECT @@SESSION.sql_mode AS sql_mode');
  return String(rows[0]?.sql_mode).split(',').sort();
}

async function connectionId(queryable: Queryable): Promise<number> {
  const [rows] = await queryable.query<QueryRow[]>('SELECT CONNECTION_ID() AS id');
  return Number(rows[0]?.id);
}

const keyOf = (row: HostileRow): string => JSON.stringify([row.tenant, row.name]);

/** A MySQL state store on the cloud server, in a database of its own. */
function withMysqlStateStore(
  fixture: SyncFixture,
  document: Record<string, unknown>,
): Record<string, unknown> {
  const { host, port, user, password } = fixture.target.server;
  const database = `state_${randomBytes(4).toString('hex')}`;
  return { ...document, state_storage: { type: 'mysql', host, port, user, password, database } };
}

describe('on servers whose sql_mode has NO_BACKSLASH_ESCAPES', () => {
  it('every session the service opens leaves the mode out (pooled, fresh and reconnected); applications keep it', async () => {
    await using application = await createTestDatabase(localUrl(), 'nbe_sessions');
    expect(await sessionModes(application.pool)).toContain('NO_BACKSLASH_ESCAPES');
    const endpoint = { ...application.server, database: application.name };
    const pool = createMysqlPool(endpoint, { connectionLimit: 1 });
    try {
      const firstId = await connectionId(pool);
      expect(await sessionModes(pool)).toEqual(serviceModes);
      // The pool's only connection is killed: the next statement runs on a new one, set up the same way.
      await application.query(`KILL CONNECTION ${firstId}`);
      await eventually(async () => {
        expect(await connectionId(pool)).not.toBe(firstId);
        expect(await sessionModes(pool)).toEqual(serviceModes);
      }, 10_000);
    } finally {
      await pool.end();
    }
    const fresh = await createMysqlConnection(endpoint);
    try {
      expect(await sessionModes(fresh)).toEqual(serviceModes);
    } finally {
      fresh.destroy();
    }
  });

  it('a snapshot copy makes any diverged target equal to the source, keys and values exactly', async () => {
    await using source = await createTestDatabase(localUrl(), 'nbe_copy_src');
    await using target = await createTestDatabase(cloudUrl(), 'nbe_copy_dst');
    await source.query(hostileItemsTable);
    const sourcePool = createMysqlPool({ ...source.server, database: source.name });
    const targetPool = createMysqlPool({ ...target.server, database: target.name });
    try {
      const pair = await prepareTable({
        table: 'items',
        configuredPrimaryKey: ['tenant', 'name'],
        sourcePool,
        sourceDatabase: source.name,
        sourceLabel: 'local',
        targetPool,
        targetDatabase: target.name,
        targetLabel: 'cloud',
        createMissingTables: true,
        logger: silentLogger,
      });
      const sourceFlavor = (await readServerInfo(sourcePool)).flavor;
      await fc.assert(
        fc.asyncProperty(divergedTablesArbitrary(), async (tables) => {
          await replaceRows(source, tables.source, { binlog: true });
          await replaceRows(target, tables.target, { binlog: true });
          const sourceKeys = new Set(tables.source.map(keyOf));
          const result = await copyTable({
            sourceEndpoint: source.server,
            sourceDatabase: source.name,
            sourceFlavor,
            targetPool,
            targetDatabase: target.name,
            sourceSchema: pair.source,
            targetSchema: pair.target,
            chunkSize: 3,
            writerConnections: 2,
            logger: silentLogger,
          });
          await expectRows(source, tables.source, 'source rows');
          await expectRows(target, tables.source, 'target rows after the copy');
          expect(result).toMatchObject({
            rowsCopied: tables.source.length,
            rowsDeleted: tables.target.filter((row) => !sourceKeys.has(keyOf(row))).length,
          });
        }),
        { numRuns: 40 },
      );
    } finally {
      await sourcePool.end();
      await targetPool.end();
    }
  });

  it('one-way: streams such keys, and a full sync compares and repairs any divergence exactly', async () => {
    await using fixture = await createSyncFixture(localUrl(), cloudUrl(), 'nbe_one_way');
    await fixture.source.query(hostileItemsTable);
    await using running = await startDisposableService(
      fixture,
      withMysqlStateStore(
        fixture,
        fixture.configDocument({
          tables: [{ name: 'items', primary_key: 'tenant,name' }],
          sync: { snapshot_chunk_size: 3 },
        }),
      ),
    );
    // The binlog path: rows inserted, changed and deleted on the source arrive exactly.
    const streamed = fc.sample(divergedTablesArbitrary({ minRows: 40, maxRows: 60 }), {
      numRuns: 1,
      seed: 13,
    })[0];
    if (streamed === undefined) throw new Error('fast-check sampled nothing');
    await replaceRows(fixture.source, streamed.target, { binlog: true });
    await replaceRows(fixture.source, streamed.source, { binlog: true });
    await fixture.source.pool.execute(
      'UPDATE items SET version = version + 1000, note = CONCAT(COALESCE(note, ?), ?) WHERE version % 2 = 0',
      ['%', "\\'"],
    );
    const updated = streamed.source.map((row) =>
      row.version % 2 === 0 ? { ...row, version: row.version + 1000, note: `${row.note ?? '%'}\\'` } : row,
    );
    await eventually(() => expectRows(fixture.target, updated, 'streamed rows'), 30_000);

    const syncManager = fullSyncManager(running);
    let runNumber = 0;
    await fc.assert(
      fc.asyncProperty(divergedTablesArbitrary(), async (tables) => {
        runNumber += 1;
        await replaceRows(fixture.source, tables.source, { binlog: false });
        await replaceRows(fixture.target, tables.target, { binlog: false });
        const run = await runFullSync(syncManager, `trace-nbe-${runNumber}`);
        expect(run).toMatchObject({ state: 'completed', error: null });
        expect(run.tables.map((table) => [table.table, table.state, table.error])).toEqual([
          ['items', 'done', null],
        ]);
        await expectRows(fixture.source, tables.source, 'source rows');
        await eventually(
          () => expectRows(fixture.target, tables.source, 'target rows after the repair'),
          10_000,
        );
      }),
      // One service runs every case: after a failure it may still be busy, so a shrunk case would tell nothing.
      { numRuns: 15, endOnFailure: true },
    );
    expect(running.listenerErrors).toEqual([]);
  });

  it('bidirectional: copies, streams both ways, and settles a divergence by the table strategy, recording conflicts', async () => {
    await using fixture = await createSyncFixture(localUrl(), cloudUrl(), 'nbe_bidi');
    await createOnBothSides(fixture, hostileItemsTable);
    const [initial] = fc.sample(divergedTablesArbitrary({ minRows: 30, maxRows: 40 }), {
      numRuns: 1,
      seed: 1313,
    });
    if (initial === undefined) throw new Error('fast-check sampled nothing');
    // The initial copy reads these from the local side in chunks of three.
    await replaceRows(fixture.source, initial.source, { binlog: true });
    await using running = await startDisposableService(
      fixture,
      withMysqlStateStore(
        fixture,
        fixture.configDocument({
          tables: [
            {
              name: 'items',
              primary_key: 'tenant,name',
              conflict_resolution: 'source_priority',
              prefer: 'local',
            },
          ],
          sync: { mode: 'bidirectional', snapshot_chunk_size: 3 },
        }),
      ),
    );
    await eventually(() => expectRows(fixture.target, initial.source, 'cloud rows after the copy'), 30_000);
    // Streamed from the cloud side back to the local one.
    await replaceRows(fixture.target, initial.target, { binlog: true });
    await eventually(() => expectRows(fixture.source, initial.target, 'local rows after streaming'), 30_000);

    const [diverged] = fc.sample(divergedTablesArbitrary({ minRows: 30, maxRows: 40 }), {
      numRuns: 1,
      seed: 1314,
    });
    if (diverged === undefined) throw new Error('fast-check sampled nothing');
    await replaceRows(fixture.source, diverged.source, { binlog: false });
    await replaceRows(fixture.target, diverged.target, { binlog: false });
    const run = await runFullSync(fullSyncManager(running), 'trace-nbe-bidirectional');
    expect(run).toMatchObject({ state: 'completed', error: null });
    // Where both sides have a key the local row wins. A key on one side only was written with the binlog off: the
    // binlogs place it (copied, or its logged delete replayed: both sides agree) or it is listed as an
    // insert_or_delete conflict, its hostile key stored exactly, and each side keeps what it had.
    const open = await running.store.listConflicts({
      resolved: false,
      tableName: 'items',
      limit: 1_000,
      offset: 0,
    });
    const listed = new Set(
      open.conflicts
        .filter((conflict) => conflict.conflictType === 'insert_or_delete')
        .map((conflict) => {
          const key = JSON.parse(conflict.primaryKeyValue) as { tenant: string; name: string };
          return JSON.stringify([key.tenant, key.name]);
        }),
    );
    expect(run.tables[0]?.changes.undecided).toBe(listed.size);
    const sourceByKey = new Map(diverged.source.map((row) => [keyOf(row), row]));
    const targetByKey = new Map(diverged.target.map((row) => [keyOf(row), row]));
    await eventually(async () => {
      const rowsByKey = async (database: TestDatabase): Promise<Map<string, HostileRow>> =>
        new Map((await readRows(database)).map((row) => [keyOf(row), row]));
      const [localNow, cloudNow] = [await rowsByKey(fixture.source), await rowsByKey(fixture.target)];
      for (const key of new Set([...sourceByKey.keys(), ...targetByKey.keys()])) {
        const localRow = sourceByKey.get(key);
        const cloudRow = targetByKey.get(key);
        if (localRow !== undefined && cloudRow !== undefined) {
          expect([localNow.get(key), cloudNow.get(key)], key).toEqual([localRow, localRow]);
        } else if (listed.has(key)) {
          expect([localNow.get(key), cloudNow.get(key)], key).toEqual([localRow, cloudRow]);
        } else {
          expect(cloudNow.get(key), key).toEqual(localNow.get(key));
        }
      }
    }, 20_000);
    // Each differing row was a conflict, stored with its exact key in the MySQL state store on such a server.
    const localRows = new Map(diverged.source.map((row) => [keyOf(row), row]));
    const differing = diverged.target
      .filter((row) => {
        const local = localRows.get(keyOf(row));
        return local !== undefined && local.version !== row.version;
      })
      .map((row) => ({ tenant: row.tenant, name: row.name }));
    expect(differing.length).toBeGreaterThan(0);
    const stored = await running.store.listConflicts({ tableName: 'items', limit: 1_000, offset: 0 });
    expect(stored.conflicts.map((conflict) => JSON.parse(conflict.primaryKeyValue) as unknown)).toEqual(
      expect.arrayContaining(differing),
    );
    expect(running.listenerErrors).toEqual([]);
  });
});
