/**
 * A preview (`dryRun`) reports exactly what the real run then does, in the cases a review found it inexact:
 * - rows that differ only in the columns the conflict check leaves out (the table's `timestamp_column`, columns the
 *   server stamps ON UPDATE): the strategy's winner is written whichever side it is, and with the manual strategy
 *   they are left (no conflict) and not counted;
 * - rows with an unresolved conflict: the check records the run's changes against it, so they count as conflicts;
 * - rows on one side only, more than are read again at a time (held as keys, read again in pages).
 */
import { describe, expect, it } from 'vitest';
import { expectExactlyEqual, readExactRows } from '../support/exact-rows.js';
import { divergeSilently, fullSyncManager } from '../support/full-sync-runs.js';
import { changesOf, expectPreviewIsRun, noDifferences, runToEnd } from '../support/preview-runs.js';
import {
  bidirectionalItemsDocument,
  createOnBothSides,
  createSyncFixture,
  eventually,
  startDisposableService,
  type RunningService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const itemsTable = `CREATE TABLE items (
  id INT PRIMARY KEY,
  label VARCHAR(64) NOT NULL,
  updated_at DATETIME(6) NOT NULL DEFAULT '2000-01-01 00:00:00',
  modified_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
)`;

/** Both sides' rows, exactly. */
function bothSides(fixture: SyncFixture): () => Promise<unknown> {
  return async () => ({
    local: await readExactRows(fixture.source, 'items', ['id']),
    cloud: await readExactRows(fixture.target, 'items', ['id']),
  });
}

/** Rows 1–20 on local, copied to the empty cloud at the start; both streams running. */
async function startWithTwentyRows(
  fixture: SyncFixture,
  table: Record<string, unknown>,
): Promise<RunningService & AsyncDisposable> {
  await createOnBothSides(fixture, itemsTable);
  await fixture.source.query(`INSERT INTO items (id, label, updated_at, modified_at)
    SELECT seq, CONCAT('row ', seq), '2024-01-01', '2024-01-01' FROM seq_1_to_20`);
  const running = await startDisposableService(fixture, bidirectionalItemsDocument(fixture, table));
  await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']), 20_000);
  return running;
}

/**
 * Behind the streams' backs: rows 1–3 re-stamped on local (newer), 4–6 on cloud (newer), 7–8 differ in the ON
 * UPDATE column only (cloud's set by hand), and row 10 really changed on local (newer).
 */
async function divergeInStamps(fixture: SyncFixture): Promise<void> {
  await divergeSilently(
    fixture.source,
    `UPDATE items SET updated_at = '2024-06-01 00:00:02' WHERE id BETWEEN 1 AND 3;
     UPDATE items SET label = 'local edit', updated_at = '2024-06-01 00:00:05' WHERE id = 10`,
  );
  await divergeSilently(
    fixture.target,
    `UPDATE items SET updated_at = '2024-06-01 00:00:03' WHERE id BETWEEN 4 AND 6;
     UPDATE items SET modified_at = '2024-03-01 00:00:00' WHERE id BETWEEN 7 AND 8`,
  );
}

async function openConflicts(running: RunningService): Promise<number> {
  return (await running.store.listConflicts({ resolved: false, limit: 1, offset: 0 })).total;
}

const stampStrategies = {
  last_write_wins: {
    table: { conflict_resolution: 'last_write_wins', timestamp_column: 'updated_at', tie_breaker: 'cloud' },
    // 1–3 and 10 are newer on local; 4–6 newer on cloud; 7–8 tie on updated_at, so the tie breaker's (cloud).
    changed: { local: 4, cloud: 5 },
  },
  source_priority: {
    table: { conflict_resolution: 'source_priority', prefer: 'cloud' },
    changed: { local: 0, cloud: 9 },
  },
} as const;

describe('preview equals the run', () => {
  for (const [name, expected] of Object.entries(stampStrategies)) {
    it(`${name}: rows differing only in their timestamp columns end as the winner has them, whichever side wins`, async () => {
      await using fixture = await createSyncFixture(
        testServerUrl('local'),
        testServerUrl('cloud'),
        `stamps_${name.slice(0, 6)}`,
      );
      await using running = await startWithTwentyRows(fixture, expected.table);
      await divergeInStamps(fixture);
      const manager = fullSyncManager(running);
      await expectPreviewIsRun(
        manager,
        'items',
        { ...noDifferences, changed: expected.changed },
        bothSides(fixture),
      );
      await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']), 20_000);
      // Settled for good: the next run finds nothing.
      await expectPreviewIsRun(manager, 'items', noDifferences, bothSides(fixture));
      expect(await openConflicts(running)).toBe(0);
    });
  }

  it('manual: rows differing only in their timestamp columns are no conflict and are left; a waiting row counts as a conflict in every run', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'stamps_manual',
    );
    await using running = await startWithTwentyRows(fixture, {
      conflict_resolution: 'manual',
      timestamp_column: 'updated_at',
    });
    await divergeInStamps(fixture);
    const manager = fullSyncManager(running);
    const stampsBefore = await readExactRows(fixture.target, 'items', ['id']);
    const changes = await expectPreviewIsRun(
      manager,
      'items',
      { ...noDifferences, conflicts: 1 },
      bothSides(fixture),
    );
    expect(changes.sampleKeys.conflicts).toEqual(['{"id":10}']);
    expect(await openConflicts(running)).toBe(1);
    // Each side keeps its own version of the rows that differ (its stamps, row 10's edit); the rest are equal.
    const [local, cloud] = [
      await readExactRows(fixture.source, 'items', ['id']),
      await readExactRows(fixture.target, 'items', ['id']),
    ];
    expect(cloud).toEqual(stampsBefore);
    const differing = new Set(['1', '2', '3', '4', '5', '6', '7', '8', '10']);
    const equalPart = (rows: typeof local): typeof local =>
      rows.filter((row) => !differing.has(String(row.id)));
    expect(equalPart(local)).toEqual(equalPart(cloud));
    // The next run meets row 10 again: it waits for a person, so it is a conflict again, and is not stored twice.
    await expectPreviewIsRun(manager, 'items', { ...noDifferences, conflicts: 1 }, bothSides(fixture));
    expect(await openConflicts(running)).toBe(1);
  });

  it('last_write_wins: rows with an unresolved conflict count as conflicts, not as changed or undecided', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'preview_open',
    );
    await using running = await startWithTwentyRows(fixture, stampStrategies.last_write_wins.table);
    // No binlog shows these rows created: the first run lists them as conflicts (insert_or_delete).
    await divergeSilently(
      fixture.source,
      "INSERT INTO items (id, label, updated_at) VALUES (501, 'local only', '2024-06-01'), (502, 'local only', '2024-06-01')",
    );
    const manager = fullSyncManager(running);
    await expectPreviewIsRun(manager, 'items', { ...noDifferences, undecided: 2 }, bothSides(fixture));
    expect(await openConflicts(running)).toBe(2);
    // Now 501 is on both sides (cloud's newer), and row 5 differs (cloud's newer): the strategy would pick cloud for
    // both, but 501 waits for a person, and 502 is still on local only, listed already.
    await divergeSilently(
      fixture.target,
      `INSERT INTO items (id, label, updated_at) VALUES (501, 'cloud version', '2024-07-01');
       UPDATE items SET label = 'cloud edit', updated_at = '2024-07-01' WHERE id = 5`,
    );
    const changes = await expectPreviewIsRun(
      manager,
      'items',
      { ...noDifferences, changed: { local: 0, cloud: 1 }, conflicts: 2 },
      bothSides(fixture),
    );
    expect(changes.sampleKeys).toMatchObject({
      changed: ['{"id":5}'],
      conflicts: ['{"id":501}', '{"id":502}'],
    });
    expect(await openConflicts(running)).toBe(2);
    // Nothing was written over the waiting rows; row 5 is cloud's on both sides.
    const labels = async (database: SyncFixture['source']): Promise<Record<number, string>> =>
      Object.fromEntries(
        (
          await database.query<{ id: number; label: string }>(
            'SELECT id, label FROM items WHERE id IN (5, 501, 502)',
          )
        ).map((row) => [row.id, row.label]),
      );
    await eventually(async () => {
      expect(await labels(fixture.source)).toEqual({ 5: 'cloud edit', 501: 'local only', 502: 'local only' });
    }, 10_000);
    expect(await labels(fixture.target)).toEqual({ 5: 'cloud edit', 501: 'cloud version' });
  });

  it('adoption: thousands of rows on one side only, read again in pages, are copied as the preview said', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'preview_pages',
    );
    await createOnBothSides(fixture, itemsTable);
    const backup =
      "INSERT INTO items (id, label, updated_at, modified_at) SELECT seq, 'base', '2024-01-01', '2024-01-01' FROM seq_1_to_40";
    await fixture.source.query(backup);
    await fixture.target.query(backup);
    await fixture.source.query(
      "INSERT INTO items (id, label) SELECT seq, 'new on local' FROM seq_101_to_2600",
    );
    await fixture.target.query('DELETE FROM items WHERE id BETWEEN 1 AND 5');
    await using running = await startDisposableService(
      fixture,
      bidirectionalItemsDocument(fixture, { conflict_resolution: 'source_priority', prefer: 'local' }),
    );
    expect(running.service.adoptingTables).toEqual(['items']);
    const manager = fullSyncManager(running);
    const changes = await expectPreviewIsRun(
      manager,
      'items',
      { ...noDifferences, copied: { local: 0, cloud: 2_500 }, deleted: { local: 5, cloud: 0 } },
      bothSides(fixture),
      'adoption',
    );
    expect(changes.sampleKeys.copied[0]).toBe('{"id":101}');
    await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']), 20_000);
    expect(running.service.adoptingTables).toEqual([]);
  });
});

describe('preview of bidirectional sync with realtime: false', () => {
  it('reports the changes a run applies first from the binlogs, which the preview reads and does not apply', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'preview_pending',
    );
    await createOnBothSides(fixture, itemsTable);
    await fixture.source.query(`INSERT INTO items (id, label, updated_at, modified_at)
      SELECT seq, CONCAT('row ', seq), '2024-01-01', '2024-01-01' FROM seq_1_to_20`);
    const document = bidirectionalItemsDocument(fixture, {
      conflict_resolution: 'source_priority',
      prefer: 'cloud',
    });
    await using running = await startDisposableService(fixture, {
      ...document,
      sync: { ...(document.sync as Record<string, unknown>), realtime: false },
    });
    await expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']);
    // Since the start, nothing streaming: 10 row changes on local, 4 on cloud.
    await fixture.source.query(`
      INSERT INTO items (id, label) SELECT seq, 'added on local' FROM seq_101_to_105;
      UPDATE items SET label = 'changed on local' WHERE id BETWEEN 1 AND 3;
      DELETE FROM items WHERE id BETWEEN 4 AND 5`);
    await fixture.target.query(
      "INSERT INTO items (id, label) SELECT seq, 'added on cloud' FROM seq_201_to_204",
    );
    const manager = fullSyncManager(running);
    const snapshot = bothSides(fixture);
    const before = await snapshot();
    const preview = await runToEnd(manager, 'items', { dryRun: true });
    expect(preview.pendingChanges).toEqual({ local: 10, cloud: 4 });
    // The figures count the rows as they are now: what the pending changes would carry over is among them (even
    // local's changes, which the strategy would undo were they not applied first).
    const { sampleKeys: previewSamples, ...previewCounts } = changesOf(preview, 'items');
    expect(previewCounts).toEqual({
      ...noDifferences,
      copied: { local: 4, cloud: 5 },
      deleted: { local: 0, cloud: 2 },
      changed: { local: 0, cloud: 3 },
    });
    expect(previewSamples.changed).toEqual(['{"id":1}', '{"id":2}', '{"id":3}']);
    expect(await snapshot(), 'the preview wrote nothing').toEqual(before);
    expect(running.service.status.directions.map((direction) => direction.state)).toEqual(['idle', 'idle']);

    // The run applies those changes first, and then nothing differs.
    const run = await runToEnd(manager, 'items', {});
    expect(run.pendingChanges).toBeNull();
    const { sampleKeys: _runSamples, ...runCounts } = changesOf(run, 'items');
    expect(runCounts).toEqual(noDifferences);
    await expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']);
    const [changed] = await fixture.target.query<{ rows: number }>(
      "SELECT COUNT(*) AS `rows` FROM items WHERE label = 'changed on local'",
    );
    expect(Number(changed?.rows)).toBe(3);
    // A preview right after: nothing waits, nothing differs.
    const after = await runToEnd(manager, 'items', { dryRun: true });
    expect(after.pendingChanges).toEqual({ local: 0, cloud: 0 });
    expect(changesOf(after, 'items')).toMatchObject(noDifferences);
  });
});
