/**
 * Adoption as operators meet it: two identical databases written on both sides while they are adopted and after
 * (they converge, no conflict, nothing echoes), and the service killed with SIGKILL in the middle of an adoption
 * run (the restart adopts again and ends with nothing lost or doubled).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { differences, readBothSides, settle } from '../support/bidirectional-checks.js';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { fullSyncManager } from '../support/full-sync-runs.js';
import {
  insertItems,
  itemsTable,
  seedRows,
  startDisjointLoadsOnBothSides,
  type ItemRow,
} from '../support/item-load.js';
import {
  bidirectionalItemsDocument,
  createOnBothSides,
  createSyncFixture,
  eventually,
  expectBinlogsStandStill,
  startDisposableService,
  stopLoads,
  waitUntilHealthy,
  type ServiceProcess,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { testServerUrl } from '../support/test-servers.js';

/** Local's writers own ids from 1, cloud's from this; the restored rows are above both. */
const cloudFirstId = 100_001;
const restoredFirstId = 500_001;
const seed = Number(process.env.MYSQL_SYNC_TEST_SEED ?? Date.now() % 1_000_000);

/** The same `count` rows on both sides, as after restoring one side's backup on the other. */
async function restoreOnBoth(source: TestDatabase, target: TestDatabase, count: number): Promise<ItemRow[]> {
  const rows = seedRows(count).map((row) => ({ ...row, id: row.id + restoredFirstId - 1 }));
  for (let start = 0; start < rows.length; start += 5_000) {
    const chunk = rows.slice(start, start + 5_000);
    await insertItems(source, chunk);
    await insertItems(target, chunk);
  }
  return rows;
}

interface ApiRun {
  readonly kind: string;
  readonly state: string;
  readonly rowsCompared: number;
}

async function syncStatus(
  service: ServiceProcess,
): Promise<{ run: ApiRun | null; adoptingTables: string[] }> {
  const response = await fetch(`http://127.0.0.1:${service.port}/api/v1/sync/status`);
  expect(response.status).toBe(200);
  return (await response.json()) as { run: ApiRun | null; adoptingTables: string[] };
}

describe('adoption under load and failure', () => {
  it('identical tables written on both sides during the adoption and after: converge, no conflict, no echo', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'adoptload',
    );
    await createOnBothSides(fixture, itemsTable);
    const restored = await restoreOnBoth(fixture.source, fixture.target, 20_000);
    await using running = await startDisposableService(
      fixture,
      bidirectionalItemsDocument(fixture, { conflict_resolution: 'source_priority', prefer: 'cloud' }),
    );
    expect(running.service.adoptingTables).toEqual(['items']);
    const loads = await startDisjointLoadsOnBothSides(fixture, {
      cloudFirstId,
      idsPerWriter: 300,
      writers: 2,
      seed,
    });
    let adoption;
    try {
      const manager = fullSyncManager(running);
      await manager.trigger({ tables: ['items'] }, 'test', 'trace-adoption', 'adoption');
      await manager.idle();
      adoption = manager.currentRun;
      await sleep(3_000);
    } finally {
      await stopLoads(loads);
    }
    expect(adoption?.state, JSON.stringify(adoption)).toBe('completed');
    expect(adoption?.tables[0]?.changes, JSON.stringify(adoption?.tables[0]?.changes)).toMatchObject({
      conflicts: 0,
      undecided: 0,
    });
    expect(running.service.adoptingTables).toEqual([]);
    const [localLoad, cloudLoad] = loads;
    const expected = new Map([
      ...restored.map((row): [number, ItemRow] => [row.id, row]),
      ...(localLoad?.rows() ?? []),
      ...(cloudLoad?.rows() ?? []),
    ]);
    console.log(
      `seed ${seed}: ${localLoad?.committed()} local and ${cloudLoad?.committed()} cloud transactions during and after the adoption`,
    );
    await settle(fixture, running, 120_000);
    expect(differences(expected, await readBothSides(fixture)), `rows that differ (seed ${seed})`).toEqual(
      [],
    );
    await expectBinlogsStandStill(fixture);
    const conflicts = await running.store.listConflicts({ limit: 1, offset: 0 });
    expect(conflicts.total, 'conflicts recorded').toBe(0);
  });

  it('killed with SIGKILL in the middle of an adoption run: the restart adopts again, nothing lost or doubled', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'adoptkill',
    );
    await createOnBothSides(fixture, itemsTable);
    await restoreOnBoth(fixture.source, fixture.target, 30_000);
    const first = restoredFirstId;
    // Since the backup: local changed 3,000 rows and deleted 1,000; cloud added 3,000.
    await fixture.source.query(
      `UPDATE items SET version = 1, label = 'changed on local' WHERE id < ${first + 3_000};
       DELETE FROM items WHERE id >= ${first + 5_000} AND id < ${first + 6_000}`,
    );
    await fixture.target.query(
      `INSERT INTO items (id, version, label, amount, note, updated_at)
         SELECT seq, 0, 'added on cloud', 1.50, NULL, '2024-01-01 00:00:00' FROM seq_200001_to_203000`,
    );
    const document = bidirectionalItemsDocument(fixture, {
      conflict_resolution: 'source_priority',
      prefer: 'local',
    });
    const sync = document.sync as Record<string, unknown>;
    const slowDocument = { ...document, sync: { ...sync, snapshot_chunk_size: 200 } };
    let service = await fixture.spawnService(slowDocument);
    await waitUntilHealthy(service, 2);
    // The scheduler starts the adoption run on its own; kill it part-way through the compare.
    await eventually(
      async () => {
        const { run } = await syncStatus(service);
        expect(run).toMatchObject({ kind: 'adoption', state: 'running' });
        expect(run?.rowsCompared ?? 0).toBeGreaterThan(6_000);
      },
      60_000,
      20,
    );
    const killedAt = (await syncStatus(service)).run;
    expect(await service.kill('SIGKILL')).toBeNull();
    // Part-way: local holds 29,000 rows, cloud 33,000.
    expect(killedAt?.rowsCompared ?? 0).toBeLessThan(33_000);

    service = await fixture.spawnService(slowDocument);
    await waitUntilHealthy(service, 2);
    await eventually(
      async () => {
        const status = await syncStatus(service);
        expect(status.adoptingTables).toEqual([]);
        expect(status.run).toMatchObject({ kind: 'adoption', state: 'completed' });
      },
      120_000,
      200,
    );
    await expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']);
    const [counts] = await fixture.target.query<{
      total: number;
      changed: number;
      added: number;
      deleted: number;
    }>(
      `SELECT COUNT(*) AS total,
              SUM(label = 'changed on local') AS changed,
              SUM(label = 'added on cloud') AS added,
              SUM(id >= ${first + 5_000} AND id < ${first + 6_000}) AS deleted
         FROM items`,
    );
    expect({
      total: Number(counts?.total),
      changed: Number(counts?.changed),
      added: Number(counts?.added),
      deleted: Number(counts?.deleted),
    }).toEqual({ total: 32_000, changed: 3_000, added: 3_000, deleted: 0 });
    await expectBinlogsStandStill(fixture);
    expect(await service.kill('SIGTERM')).toBe(0);
  });
});
