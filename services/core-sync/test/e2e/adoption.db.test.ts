/**
 * Adoption: bidirectional sync started on two databases that both hold data (a restored backup that both sides
 * changed since). The start streams both ways at once; a dry run previews what the adoption run does, and the run
 * then does exactly that: rows added on one side are copied, rows deleted on one side are deleted on the other
 * (never brought back), and rows changed on both sides end as the table's strategy says.
 */
import { describe, expect, it } from 'vitest';
import { SyncManager } from '../../src/manager/index.js';
import type { RunProgress, TableChanges } from '../../src/status/index.js';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { fullSyncManager } from '../support/full-sync-runs.js';
import {
  bidirectionalItemsDocument,
  createOnBothSides,
  createSyncFixture,
  eventually,
  startDisposableService,
  type RunningService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { testServerUrl } from '../support/test-servers.js';

const itemsTable = `CREATE TABLE items (
  id INT PRIMARY KEY,
  label VARCHAR(64) NOT NULL,
  quantity INT NOT NULL,
  updated_at DATETIME(6) NOT NULL DEFAULT '2000-01-01 00:00:00'
)`;

/**
 * Rows 1–40 are the backup both sides were restored from. Since then: local added 101–110, deleted 1–5, changed
 * 11–15; cloud added 201–210, deleted 6–10, changed 16–20; both changed 21–25 (cloud later); local deleted 31,
 * which cloud changed.
 */
async function restoreAndDiverge(fixture: SyncFixture): Promise<void> {
  await createOnBothSides(fixture, itemsTable);
  const backup = Array.from(
    { length: 40 },
    (_unused, index) => `(${index + 1}, 'base', ${index + 1}, '2024-01-01')`,
  );
  await fixture.source.query(`INSERT INTO items VALUES ${backup.join(', ')}`);
  await fixture.target.query(`INSERT INTO items VALUES ${backup.join(', ')}`);
  await fixture.source.query(`
    INSERT INTO items SELECT seq, 'new on local', seq, '2024-06-01 00:00:02' FROM seq_101_to_110;
    DELETE FROM items WHERE id BETWEEN 1 AND 5;
    UPDATE items SET label = 'changed on local', updated_at = '2024-06-01 00:00:02' WHERE id BETWEEN 11 AND 15;
    UPDATE items SET label = 'both: local', updated_at = '2024-06-01 00:00:02' WHERE id BETWEEN 21 AND 25;
    DELETE FROM items WHERE id = 31`);
  await fixture.target.query(`
    INSERT INTO items SELECT seq, 'new on cloud', seq, '2024-06-01 00:00:01' FROM seq_201_to_210;
    DELETE FROM items WHERE id BETWEEN 6 AND 10;
    UPDATE items SET label = 'changed on cloud', updated_at = '2024-06-01 00:00:01' WHERE id BETWEEN 16 AND 20;
    UPDATE items SET label = 'both: cloud', updated_at = '2024-06-01 00:00:03' WHERE id BETWEEN 21 AND 25;
    UPDATE items SET label = 'kept on cloud', updated_at = '2024-06-01 00:00:01' WHERE id = 31`);
}

async function runToEnd(manager: SyncManager, request: { dryRun?: boolean }): Promise<RunProgress> {
  await manager.trigger({ tables: ['items'], ...request }, 'test', 'trace-adoption', 'adoption');
  await manager.idle();
  const run = manager.currentRun;
  if (run === null) throw new Error('the run left no progress');
  return run;
}

function changesOf(run: RunProgress): TableChanges {
  const table = run.tables.find((progress) => progress.table === 'items');
  expect(table?.state, JSON.stringify(table)).toBe('done');
  if (table === undefined) throw new Error('no progress for items');
  return table.changes;
}

async function labels(database: TestDatabase): Promise<Record<number, string>> {
  const rows = await database.query<{ id: number; label: string }>('SELECT id, label FROM items ORDER BY id');
  return Object.fromEntries(rows.map((row) => [row.id, row.label]));
}

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_unused, index) => first + index);
}

interface Expectation {
  readonly table: Record<string, unknown>;
  readonly counts: Omit<TableChanges, 'sampleKeys'>;
  /** The labels both sides end with, besides the rows every strategy agrees on (a label undefined: no row). */
  readonly labels: Record<number, string | undefined>;
}

/** What every strategy ends with: the added rows crossed, the deleted rows gone, the untouched rows as they were. */
function agreedLabels(): Record<number, string> {
  const labels: Record<number, string> = {};
  for (const id of range(26, 40)) labels[id] = 'base';
  for (const id of range(101, 110)) labels[id] = 'new on local';
  for (const id of range(201, 210)) labels[id] = 'new on cloud';
  return labels;
}

function labelsOf(ids: readonly number[], label: string): Record<number, string> {
  return Object.fromEntries(ids.map((id) => [id, label]));
}

const strategies: Record<string, Expectation> = {
  source_priority: {
    table: { conflict_resolution: 'source_priority', prefer: 'local' },
    counts: {
      copied: { local: 10, cloud: 10 },
      deleted: { local: 5, cloud: 6 },
      changed: { local: 15, cloud: 0 },
      conflicts: 0,
      undecided: 0,
    },
    // Local's version of every row both sides hold, even one only cloud changed; its delete of 31 wins.
    labels: {
      ...labelsOf(range(11, 15), 'changed on local'),
      ...labelsOf(range(16, 20), 'base'),
      ...labelsOf(range(21, 25), 'both: local'),
      31: undefined,
    },
  },
  last_write_wins: {
    table: { conflict_resolution: 'last_write_wins', timestamp_column: 'updated_at', tie_breaker: 'cloud' },
    counts: {
      copied: { local: 11, cloud: 10 },
      deleted: { local: 5, cloud: 5 },
      changed: { local: 5, cloud: 10 },
      conflicts: 0,
      undecided: 0,
    },
    // The newer version; a row that still exists beats a delete (31).
    labels: {
      ...labelsOf(range(11, 15), 'changed on local'),
      ...labelsOf(range(16, 20), 'changed on cloud'),
      ...labelsOf(range(21, 25), 'both: cloud'),
      31: 'kept on cloud',
    },
  },
};

describe('adopting databases that both hold data', () => {
  for (const [name, expected] of Object.entries(strategies)) {
    it(`${name}: the preview's counts are what the adoption run does, and both sides end as the strategy says`, async () => {
      await using fixture = await createSyncFixture(
        testServerUrl('local'),
        testServerUrl('cloud'),
        `adopt_${name.slice(0, 6)}`,
      );
      await restoreAndDiverge(fixture);
      await using running = await startDisposableService(
        fixture,
        bidirectionalItemsDocument(fixture, expected.table),
      );
      expect(running.service.adoptingTables).toEqual(['items']);
      const manager = fullSyncManager(running);
      const before = { local: await labels(fixture.source), cloud: await labels(fixture.target) };
      const preview = await runToEnd(manager, { dryRun: true });
      expect(preview.dryRun).toBe(true);
      const { sampleKeys: previewSamples, ...previewCounts } = changesOf(preview);
      expect(previewCounts).toEqual(expected.counts);
      expect(previewSamples.deleted).toEqual(expect.arrayContaining(['{"id":1}', '{"id":6}']));
      // The preview wrote nothing, and the table is still being adopted.
      expect({ local: await labels(fixture.source), cloud: await labels(fixture.target) }).toEqual(before);
      expect(running.service.adoptingTables).toEqual(['items']);

      const adoption = await runToEnd(manager, {});
      const { sampleKeys: runSamples, ...runCounts } = changesOf(adoption);
      expect(runCounts).toEqual(expected.counts);
      expect(runSamples).toEqual(previewSamples);
      await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']), 20_000);
      const expectedLabels = Object.fromEntries(
        Object.entries({ ...agreedLabels(), ...expected.labels }).filter(([, label]) => label !== undefined),
      );
      expect(await labels(fixture.source)).toEqual(expectedLabels);
      expect(running.service.adoptingTables).toEqual([]);
      await expectNoOpenConflicts(running, 0);
    });
  }

  it('manual: rows changed on both sides and a delete against an update wait for a person', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'adopt_manual',
    );
    await restoreAndDiverge(fixture);
    await using running = await startDisposableService(
      fixture,
      bidirectionalItemsDocument(fixture, { conflict_resolution: 'manual' }),
    );
    const manager = fullSyncManager(running);
    const { sampleKeys: previewSamples, ...previewCounts } = changesOf(
      await runToEnd(manager, { dryRun: true }),
    );
    const counts = {
      copied: { local: 10, cloud: 10 },
      deleted: { local: 5, cloud: 5 },
      changed: { local: 0, cloud: 0 },
      conflicts: 16,
      undecided: 0,
    };
    expect(previewCounts).toEqual(counts);
    const { sampleKeys: runSamples, ...runCounts } = changesOf(await runToEnd(manager, {}));
    expect(runCounts).toEqual(counts);
    expect(runSamples).toEqual(previewSamples);
    await expectNoOpenConflicts(running, 16);
    const [local, cloud] = [await labels(fixture.source), await labels(fixture.target)];
    // Added rows crossed, deleted rows are gone on both sides; the conflicting rows keep each side's version.
    for (const id of [...range(101, 110), ...range(201, 210)]) expect(local[id]).toBe(cloud[id]);
    for (const id of range(1, 10)) expect([local[id], cloud[id]]).toEqual([undefined, undefined]);
    expect(local[21]).toBe('both: local');
    expect(cloud[21]).toBe('both: cloud');
    expect([local[31], cloud[31]]).toEqual([undefined, 'kept on cloud']);
  });
});

describe('changes while a table is being adopted', () => {
  it('a row on one side only, changed while the run compares the table, is copied in its new version', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'adopt_while_run',
    );
    await createOnBothSides(
      fixture,
      `${itemsTable}; INSERT INTO items SELECT seq, 'same', seq, '2024-01-01' FROM seq_1_to_30000`,
    );
    await fixture.source.query("INSERT INTO items VALUES (0, 'new on local', 0, '2024-06-01')");
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: [
          { name: 'items', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'cloud' },
        ],
        sync: { mode: 'bidirectional', batch_insert_size: 100, snapshot_chunk_size: 100 },
      }),
    );
    const manager = fullSyncManager(running);
    await manager.trigger({ tables: ['items'] }, 'test', 'trace-adoption', 'adoption');
    // Row 0 is in the first chunk: it is held until the compare of the whole table ends. It changes meanwhile.
    await eventually(() => {
      expect(manager.currentRun?.tables[0]?.chunksCompared).toBeGreaterThan(2);
    }, 20_000);
    await fixture.source.query("UPDATE items SET label = 'changed during the run' WHERE id = 0");
    expect(manager.currentRun?.tables[0]?.state).toBe('comparing');
    await manager.idle();
    expect(manager.currentRun?.tables[0]?.state).toBe('done');
    await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']), 20_000);
    expect((await labels(fixture.target))[0]).toBe('changed during the run');
    expect(running.service.adoptingTables).toEqual([]);
  });

  it('a row on one side only, changed there before the adoption run, is placed by the run, not deleted by the stream', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'adopt_during',
    );
    await restoreAndDiverge(fixture);
    await using running = await startDisposableService(
      fixture,
      bidirectionalItemsDocument(fixture, { conflict_resolution: 'source_priority', prefer: 'cloud' }),
    );
    // 101 is new on local and 6 deleted on cloud; 201 is new on cloud and 1 deleted on local. Each is changed now
    // on the side that has it, so each stream meets an update of a row its target lacks.
    await fixture.source.query(`
      UPDATE items SET label = 'local, during' WHERE id IN (101, 6);
      INSERT INTO items VALUES (501, 'sentinel', 0, '2024-01-01')`);
    await fixture.target.query(`
      UPDATE items SET label = 'cloud, during' WHERE id IN (201, 1);
      INSERT INTO items VALUES (502, 'sentinel', 0, '2024-01-01')`);
    await eventually(async () => {
      expect((await labels(fixture.target))[501]).toBe('sentinel');
      expect((await labels(fixture.source))[502]).toBe('sentinel');
    }, 20_000);
    // The streams decided nothing on those rows: an update against an absent row would have been a conflict, and
    // with cloud preferred local's new row 101 deleted.
    const streamed = await running.store.listConflicts({ limit: 10, offset: 0 });
    expect(streamed.total, JSON.stringify(streamed.conflicts)).toBe(0);
    expect((await labels(fixture.source))[101]).toBe('local, during');

    await runToEnd(fullSyncManager(running), {});
    await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']), 20_000);
    const local = await labels(fixture.source);
    // New rows crossed with their latest version; the delete of 6 on cloud wins over local's update (cloud is
    // preferred), and so does cloud's update of 1 over local's delete.
    expect([local[101], local[201], local[6], local[1]]).toEqual([
      'local, during',
      'cloud, during',
      undefined,
      'cloud, during',
    ]);
    expect(running.service.adoptingTables).toEqual([]);
  });
});

describe('adopting a table truncated on one side', () => {
  it('lists rows of the other side from before the TRUNCATE, and copies one created after it', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'adopt_truncate',
    );
    await createOnBothSides(fixture, itemsTable);
    // Binlog times have one-second precision: each step is in a later second than the one before.
    const nextSecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1_100));
    // Row 1 never reached cloud; row 3 was on both sides.
    await fixture.source.query(
      "INSERT INTO items VALUES (1, 'local, before the truncate', 1, '2024-01-01'), (3, 'both', 3, '2024-01-01')",
    );
    await fixture.target.query("INSERT INTO items VALUES (3, 'both', 3, '2024-01-01')");
    await nextSecond();
    // Cloud empties the table (no row events): row 3 there is gone with no before image, and row 1, had it
    // crossed, would have gone too.
    await fixture.target.query('TRUNCATE TABLE items');
    await fixture.target.query(
      "INSERT INTO items VALUES (201, 'cloud, after the truncate', 1, '2024-01-01')",
    );
    await nextSecond();
    await fixture.source.query("INSERT INTO items VALUES (2, 'local, after the truncate', 1, '2024-01-01')");
    await using running = await startDisposableService(
      fixture,
      bidirectionalItemsDocument(fixture, { conflict_resolution: 'source_priority', prefer: 'local' }),
    );
    expect(running.service.adoptingTables).toEqual(['items']);
    const { sampleKeys, ...counts } = changesOf(await runToEnd(fullSyncManager(running), {}));
    expect(counts).toEqual({
      copied: { local: 1, cloud: 1 },
      deleted: { local: 0, cloud: 0 },
      changed: { local: 0, cloud: 0 },
      conflicts: 0,
      undecided: 2,
    });
    expect([...sampleKeys.undecided].sort()).toEqual(['{"id":1}', '{"id":3}']);
    // Rows 1 and 3 stay on local only, waiting for a person; rows 2 and 201 crossed.
    await eventually(async () => {
      expect(await labels(fixture.target)).toEqual({
        2: 'local, after the truncate',
        201: 'cloud, after the truncate',
      });
    }, 20_000);
    expect(await labels(fixture.source)).toEqual({
      1: 'local, before the truncate',
      2: 'local, after the truncate',
      3: 'both',
      201: 'cloud, after the truncate',
    });
    const { conflicts } = await running.store.listConflicts({ resolved: false, limit: 10, offset: 0 });
    expect(conflicts.map((conflict) => [conflict.conflictType, conflict.primaryKeyValue]).sort()).toEqual([
      ['insert_or_delete', '{"id":1}'],
      ['insert_or_delete', '{"id":3}'],
    ]);
  });
});

async function expectNoOpenConflicts(running: RunningService, open: number): Promise<void> {
  const { total } = await running.store.listConflicts({ resolved: false, limit: 1, offset: 0 });
  expect(total).toBe(open);
}
