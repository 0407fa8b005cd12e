/**
 * Full sync against two real MariaDB servers: deliberately diverged tables (rows missing, changed and extra on
 * either side, written with the binlog off so the streams never see them) are repaired to equality while the
 * streams keep running, with progress published and the run recorded in the history.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceEvent } from '../../src/events/index.js';
import { SyncManager } from '../../src/manager/index.js';
import {
  createOnBothSides,
  createSyncFixture,
  eventually,
  expectTablesEqual,
  startDisposableService,
  type RunningService,
} from '../support/sync-fixture.js';
import { fullSyncManager } from '../support/full-sync-runs.js';
import type { TestDatabase } from '../support/test-database.js';
import type { RunProgress } from '../../src/status/index.js';
import { testServerUrl } from '../support/test-servers.js';

const accountsTable = `CREATE TABLE accounts (
  id INT PRIMARY KEY, owner VARCHAR(40) NOT NULL, balance DECIMAL(12,2) NOT NULL, note TEXT,
  doubled DECIMAL(13,2) AS (balance * 2) VIRTUAL
)`;
const pairsTable = `CREATE TABLE pairs (
  region CHAR(2) NOT NULL, serial INT NOT NULL, payload VARBINARY(16), PRIMARY KEY (region, serial)
)`;

async function fillTables(database: TestDatabase, accounts: number): Promise<void> {
  await database.query(`INSERT INTO accounts (id, owner, balance, note)
    SELECT seq, CONCAT('owner-', seq), seq * 1.25, IF(seq % 7 = 0, NULL, REPEAT('n', seq % 50))
    FROM seq_1_to_${accounts}`);
  await database.query(
    `INSERT INTO pairs SELECT IF(seq % 2 = 0, 'eu', 'us'), seq, UNHEX(MD5(seq)) FROM seq_1_to_300`,
  );
}

/** Changes the side's rows without writing its binlog: the streams never see these, only a full sync can. */
async function divergeSilently(database: TestDatabase, statements: string): Promise<void> {
  await database.query(`SET SESSION sql_log_bin = 0; ${statements}; SET SESSION sql_log_bin = 1`);
}

function collect(running: RunningService): ServiceEvent[] {
  const seen: ServiceEvent[] = [];
  running.events.subscribe((event) => seen.push(event));
  return seen;
}

async function finished(syncManager: SyncManager): Promise<RunProgress> {
  await syncManager.idle();
  const run = syncManager.currentRun;
  if (run === null) throw new Error('no run');
  return run;
}

describe('full sync', () => {
  it('repairs a one-way target diverged in every way, while the stream keeps running', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'full1');
    await createOnBothSides(fixture, `${accountsTable}; ${pairsTable}`);
    await fillTables(fixture.source, 5_000);
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: [
          { name: 'accounts', primary_key: 'id' },
          { name: 'pairs', primary_key: 'region,serial' },
        ],
        sync: { snapshot_chunk_size: 500 },
      }),
    );
    await expectTablesEqual(fixture, 'accounts', 'id');
    await divergeSilently(
      fixture.target,
      `DELETE FROM accounts WHERE id IN (1, 2, 777, 5000);
       UPDATE accounts SET balance = balance + 1 WHERE id IN (10, 2500);
       UPDATE accounts SET note = NULL WHERE id = 11;
       UPDATE accounts SET note = '' WHERE id = 14;
       INSERT INTO accounts (id, owner, balance) VALUES (9001, 'extra', 1), (0, 'extra', 2);
       DELETE FROM pairs WHERE region = 'eu' AND serial = 2;
       UPDATE pairs SET payload = NULL WHERE region = 'us' AND serial = 3;
       INSERT INTO pairs VALUES ('zz', 1, NULL)`,
    );
    const diverged = 4 + 2 + 1 + 1 + 2 + 1 + 1 + 1;
    // Rows the stream changes during the run count as repaired when the compare meets them before the stream.
    const streamedRows = 21 + 1;
    const events = collect(running);
    const syncManager = fullSyncManager(running);
    // The stream carries on meanwhile: these changes are applied in order with the repairs.
    const streamed = fixture.source.query(
      "UPDATE accounts SET owner = 'streamed' WHERE id BETWEEN 100 AND 120; DELETE FROM accounts WHERE id = 4999",
    );
    const first = await syncManager.trigger({}, 'test', 'trace-full-1');
    expect(first).toMatchObject({ state: 'running', kind: 'manual', direction: 'local_to_cloud' });
    await expect(syncManager.trigger({}, 'test', 'trace-again')).rejects.toMatchObject({
      code: 'SYNC_ALREADY_RUNNING',
      httpStatus: 409,
    });
    await streamed;
    const run = await finished(syncManager);
    expect(run).toMatchObject({ state: 'completed', percent: 100, error: null });
    expect(run.rowsChanged).toBeGreaterThanOrEqual(diverged);
    expect(run.rowsChanged).toBeLessThanOrEqual(diverged + streamedRows);
    expect(run.tables.map((table) => [table.table, table.state])).toEqual([
      ['accounts', 'done'],
      ['pairs', 'done'],
    ]);
    expect(run.tables[0]?.chunksCompared).toBeGreaterThanOrEqual(10);
    await eventually(async () => {
      await expectTablesEqual(fixture, 'accounts', 'id');
      await expectTablesEqual(fixture, 'pairs', 'region, serial');
    }, 20_000);

    const progress = events.filter((event) => event.type === 'progress');
    expect(progress.length).toBeGreaterThan(3);
    const percents = progress.map((event) => event.progress.percent);
    expect(percents.at(-1)).toBe(100);
    expect(percents.every((percent, index) => index === 0 || percent >= (percents[index - 1] ?? 0))).toBe(
      true,
    );
    expect(events.filter((event) => event.type === 'run').map((event) => event.progress.state)).toEqual([
      'running',
      'completed',
    ]);
    const history = await syncManager.history({ limit: 10, offset: 0 });
    expect(history.total).toBe(1);
    expect(history.entries[0]).toMatchObject({
      id: run.runId,
      kind: 'manual',
      status: 'completed',
      rowsChanged: run.rowsChanged,
      tablesSynced: ['accounts', 'pairs'],
      triggerSource: 'test',
      traceId: 'trace-full-1',
    });
    expect(history.entries[0]?.completedAt).toBeInstanceOf(Date);

    // A second run finds nothing to do.
    await syncManager.trigger({ tables: ['pairs'] }, 'test', 'trace-full-2');
    expect(await finished(syncManager)).toMatchObject({ state: 'completed', rowsChanged: 0 });
    expect(running.listenerErrors).toEqual([]);
  });

  it('refuses unknown tables and other directions, and stops a run promptly with whole batches', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'full2');
    await createOnBothSides(fixture, accountsTable);
    await fixture.source.query(`INSERT INTO accounts (id, owner, balance)
      SELECT seq, 'bulk', seq FROM seq_1_to_60000`);
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: [{ name: 'accounts', primary_key: 'id' }],
        sync: { snapshot_chunk_size: 200 },
      }),
    );
    await divergeSilently(fixture.target, 'UPDATE accounts SET balance = 0 WHERE id % 3 = 0');
    const syncManager = fullSyncManager(running);
    await expect(syncManager.trigger({ tables: ['missing'] }, 'test', 'trace')).rejects.toMatchObject({
      code: 'SYNC_REQUEST_INVALID',
      httpStatus: 400,
    });
    await expect(syncManager.trigger({ direction: 'cloud_to_local' }, 'test', 'trace')).rejects.toMatchObject(
      { code: 'SYNC_REQUEST_INVALID' },
    );
    expect(await syncManager.stop()).toBeNull();

    await syncManager.trigger({}, 'test', 'trace-stop');
    await eventually(
      () => {
        expect(syncManager.currentRun?.tables[0]?.chunksCompared).toBeGreaterThan(2);
      },
      20_000,
      5,
    );
    const startedStop = Date.now();
    const stopped = await syncManager.stop();
    expect(Date.now() - startedStop).toBeLessThan(5_000);
    expect(stopped).toMatchObject({ state: 'stopped' });
    expect(stopped?.tables[0]?.state).toBe('stopped');
    expect(stopped?.percent).toBeLessThan(100);
    // What was repaired is whole: every row of the compared chunks is right, the rest untouched.
    const [repaired] = await fixture.target.query<{ zeroes: number }>(
      'SELECT COUNT(*) AS zeroes FROM accounts WHERE balance = 0',
    );
    expect(Number(repaired?.zeroes)).toBe(20_000 - (stopped?.rowsChanged ?? 0));
    const history = await syncManager.history({ limit: 1, offset: 0 });
    expect(history.entries[0]).toMatchObject({ status: 'stopped' });
    // A new run after a stop repairs the rest.
    await syncManager.trigger({}, 'test', 'trace-rest');
    expect(await finished(syncManager)).toMatchObject({ state: 'completed' });
    await expectTablesEqual(fixture, 'accounts', 'id');
  });

  it('bidirectional: settles differing rows by the strategy; rows on one side only that no binlog explains are listed, never copied back', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'full3');
    await createOnBothSides(fixture, `${accountsTable}; ${pairsTable}`);
    await fillTables(fixture.source, 1_000);
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: [
          { name: 'accounts', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' },
        ],
        sync: { mode: 'bidirectional', snapshot_chunk_size: 250 },
      }),
    );
    await expectTablesEqual(fixture, 'accounts', 'id');
    // Behind the binlog's back: no binlog shows these inserts or the delete.
    await divergeSilently(
      fixture.source,
      "INSERT INTO accounts (id, owner, balance) VALUES (5001, 'local only', 1); UPDATE accounts SET owner = 'local wins' WHERE id = 20",
    );
    await divergeSilently(
      fixture.target,
      "INSERT INTO accounts (id, owner, balance) VALUES (6001, 'cloud only', 2); UPDATE accounts SET owner = 'cloud loses' WHERE id = 20; DELETE FROM accounts WHERE id = 30",
    );
    // Logged: the binlogs place these.
    await fixture.source.query(
      "INSERT INTO accounts (id, owner, balance) VALUES (5002, 'logged on local', 3)",
    );
    await fixture.target.query('DELETE FROM accounts WHERE id = 40');
    await eventually(async () => {
      const [row] = await fixture.target.query('SELECT id FROM accounts WHERE id = 5002');
      expect(row).toBeDefined();
    });
    const events = collect(running);
    const syncManager = fullSyncManager(running);
    await syncManager.trigger({}, 'test', 'trace-bidi');
    const run = await finished(syncManager);
    expect(run).toMatchObject({ state: 'completed', direction: 'bidirectional' });
    expect(run.tables[0]?.changes).toMatchObject({
      changed: { local: 1, cloud: 0 },
      undecided: 3,
      sampleKeys: {
        undecided: expect.arrayContaining(['{"id":30}', '{"id":5001}', '{"id":6001}']) as unknown,
      },
    });
    const owners = async (database: TestDatabase): Promise<Record<number, string>> =>
      Object.fromEntries(
        (
          await database.query<{ id: number; owner: string }>(
            'SELECT id, owner FROM accounts WHERE id IN (20, 30, 40, 5001, 5002, 6001) ORDER BY id',
          )
        ).map((row) => [row.id, row.owner]),
      );
    await eventually(async () => {
      expect(await owners(fixture.source)).toEqual({
        20: 'local wins',
        30: 'owner-30',
        5001: 'local only',
        5002: 'logged on local',
      });
    });
    // Row 30 deleted on the cloud unlogged stays deleted there: listed, not copied back.
    expect(await owners(fixture.target)).toEqual({
      20: 'local wins',
      5002: 'logged on local',
      6001: 'cloud only',
    });
    const { conflicts } = await running.store.listConflicts({ resolved: false, limit: 10, offset: 0 });
    expect(conflicts.map((conflict) => [conflict.conflictType, conflict.primaryKeyValue]).sort()).toEqual([
      ['insert_or_delete', '{"id":30}'],
      ['insert_or_delete', '{"id":5001}'],
      ['insert_or_delete', '{"id":6001}'],
    ]);
    expect(events.some((event) => event.type === 'conflict-detected' && event.table === 'accounts')).toBe(
      true,
    );
    expect(run.conflicts).toBeGreaterThanOrEqual(1);
  });

  it('compares and repairs 24 tables at once with four table workers', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'full24');
    const tables = Array.from({ length: 24 }, (_unused, index) => `shard_${String(index).padStart(2, '0')}`);
    const statements = tables
      .map(
        (table) =>
          `CREATE TABLE ${table} (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL); ` +
          `INSERT INTO ${table} SELECT seq, CONCAT('${table}-', seq) FROM seq_1_to_400`,
      )
      .join('; ');
    await fixture.source.query(statements);
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: tables.map((table) => ({ name: table, primary_key: 'id' })),
        sync: { snapshot_chunk_size: 100, snapshot_concurrency: 4 },
      }),
    );
    await divergeSilently(
      fixture.target,
      tables.map((table, index) => `DELETE FROM ${table} WHERE id = ${index + 1}`).join('; '),
    );
    const syncManager = fullSyncManager(running);
    await syncManager.trigger({}, 'test', 'trace-24');
    const run = await finished(syncManager);
    expect(run).toMatchObject({ state: 'completed', rowsChanged: 24, rowsCompared: 24 * 400 });
    // Four chunks of 100 keys, and the open-ended one after the last key (where extra target rows would be).
    expect(run.tables.every((table) => table.state === 'done' && table.chunksCompared === 5)).toBe(true);
    for (const table of tables) await expectTablesEqual(fixture, table, 'id');
  });
});
