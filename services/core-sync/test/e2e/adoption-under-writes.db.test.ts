/**
 * Adoption under a steady write load on both sides: the run's catch-ups wait for what was committed before each
 * of them began, not for quiet streams, so the run settles the table on its first try.
 */
import { describe, expect, it } from 'vitest';
import { differences, readBothSides, settle } from '../support/bidirectional-checks.js';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { fullSyncManager } from '../support/full-sync-runs.js';
import { insertItems, itemsTable, seedRows, startDisjointLoad, type ItemRow } from '../support/item-load.js';
import {
  bidirectionalItemsDocument,
  createOnBothSides,
  createSyncFixture,
  startDisposableService,
  stopLoads,
} from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const cloudFirstId = 100_001;
const restoredFirstId = 500_001;
const seed = Number(process.env.MYSQL_SYNC_TEST_SEED ?? Date.now() % 1_000_000);

describe('adoption under a steady write load', () => {
  it('settles differing tables on the first run while both sides keep writing', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'adoptsteady',
    );
    await createOnBothSides(fixture, itemsTable);
    const restored = seedRows(20_000).map((row) => ({ ...row, id: row.id + restoredFirstId - 1 }));
    for (let start = 0; start < restored.length; start += 5_000) {
      const chunk = restored.slice(start, start + 5_000);
      await insertItems(fixture.source, chunk);
      await insertItems(fixture.target, chunk);
    }
    // A second table, compared beside items (its repairs queued in the same streams), written by nobody.
    await createOnBothSides(
      fixture,
      'CREATE TABLE archive LIKE items; INSERT INTO archive SELECT * FROM items',
    );
    // Since the backup: local changed every tenth restored row of both tables.
    await fixture.source.query(
      `UPDATE items SET version = 1, label = 'changed on local' WHERE id >= ${restoredFirstId} AND id % 10 = 0;
       UPDATE archive SET version = 1, label = 'changed on local' WHERE id % 10 = 0`,
    );
    const rule = { primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' };
    const document = bidirectionalItemsDocument(fixture, rule);
    const sync = document.sync as Record<string, unknown>;
    await using running = await startDisposableService(fixture, {
      ...document,
      sync: {
        ...sync,
        tables: [
          { name: 'items', ...rule },
          { name: 'archive', ...rule },
        ],
        snapshot_chunk_size: 500,
        snapshot_concurrency: 2,
      },
    });
    expect([...running.service.adoptingTables].sort()).toEqual(['archive', 'items']);
    // A steady load the streams keep up with: each side's writers commit a transaction every few milliseconds.
    const loadOptions = { idsPerWriter: 2_000, writers: 2, pauseMs: 5 };
    const loads = await Promise.all([
      startDisjointLoad(fixture.source, { ...loadOptions, side: 'local', firstId: 1, seed }),
      startDisjointLoad(fixture.target, {
        ...loadOptions,
        side: 'cloud',
        firstId: cloudFirstId,
        seed: seed + 10,
      }),
    ]);
    let adoption;
    try {
      const manager = fullSyncManager(running);
      await manager.trigger({ tables: ['items', 'archive'] }, 'test', 'trace-adoption', 'adoption');
      await manager.idle();
      adoption = manager.currentRun;
    } finally {
      await stopLoads(loads);
    }
    expect(
      adoption?.state,
      `seed ${seed}: ${JSON.stringify(adoption?.error)} ${JSON.stringify(adoption?.tables)}`,
    ).toBe('completed');
    expect(running.service.adoptingTables).toEqual([]);
    const [localLoad, cloudLoad] = loads;
    const expected = new Map<number, ItemRow>([
      ...restored.map((row): [number, ItemRow] => [
        row.id,
        row.id % 10 === 0 ? { ...row, version: 1, label: 'changed on local' } : row,
      ]),
      ...(localLoad?.rows() ?? []),
      ...(cloudLoad?.rows() ?? []),
    ]);
    console.log(
      `seed ${seed}: ${localLoad?.committed()} local and ${cloudLoad?.committed()} cloud transactions`,
    );
    await settle(fixture, running, 120_000);
    expect(differences(expected, await readBothSides(fixture)), `rows that differ (seed ${seed})`).toEqual(
      [],
    );
    await expectExactlyEqual(fixture.source, fixture.target, 'archive', ['id']);
  });
});
