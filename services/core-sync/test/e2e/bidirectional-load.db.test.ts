/**
 * Bidirectional sync under concurrent load, against two real MariaDB servers:
 * - writers on both sides changing disjoint rows for 30 s: both sides end holding exactly what was written, and
 *   no conflict is recorded;
 * - writers on both sides changing the same rows, once per strategy: last_write_wins ends with the latest-stamped
 *   version of every row; source_priority with versions someone wrote, every conflict won by the preferred side;
 *   manual keeps both versions of a conflicting row until a person resolves it, then both sides agree;
 * - the service killed with SIGKILL several times under load on both sides: after a restart both sides hold
 *   exactly what was written, nothing was applied twice, and nothing echoes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStateStore, type ConflictRecord } from '../../src/store/index.js';
import { allConflicts, differences, readBothSides, settle } from '../support/bidirectional-checks.js';
import {
  insertItems,
  itemsTable,
  runContendedLoad,
  seedRows,
  startDisjointLoadsOnBothSides,
  WriteClock,
  type ContendedWrite,
  type ItemRow,
  type WriteLoad,
} from '../support/item-load.js';
import {
  bidirectionalItemsDocument,
  createOnBothSides,
  createSyncFixture,
  eventually,
  expectBinlogsStandStill,
  expectTablesEqual,
  startDisposableService,
  stopLoads,
  waitUntilHealthy,
  type RunningService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

/** Local's writers own ids below this, cloud's from it on. */
const cloudFirstId = 100_001;
/** Repeat a run with MYSQL_SYNC_TEST_SEED=<the seed a failure names>. */
const seed = Number(process.env.MYSQL_SYNC_TEST_SEED ?? Date.now() % 1_000_000);

describe('bidirectional sync under load', () => {
  it('30 s of concurrent writes to disjoint rows on both sides: both sides hold exactly what was written, no conflict', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'loaddisj');
    await createOnBothSides(fixture, itemsTable);
    await using running = await startDisposableService(
      fixture,
      bidirectionalItemsDocument(fixture, { conflict_resolution: 'source_priority', prefer: 'cloud' }),
    );
    const loads = await startDisjointLoadsOnBothSides(fixture, {
      cloudFirstId,
      idsPerWriter: 400,
      writers: 3,
      seed,
    });
    try {
      await sleep(30_000);
    } finally {
      await stopLoads(loads);
    }
    const [localLoad, cloudLoad] = loads;
    const expected = new Map([...(localLoad?.rows() ?? []), ...(cloudLoad?.rows() ?? [])]);
    console.log(
      `seed ${seed}: ${localLoad?.committed()} local and ${cloudLoad?.committed()} cloud transactions, ${expected.size} rows`,
    );
    await settle(fixture, running, 180_000);
    expect(differences(expected, await readBothSides(fixture)), `rows that differ (seed ${seed})`).toEqual(
      [],
    );
    await expectTablesEqual(fixture, 'items', 'id');
    expect(await allConflicts(running.store), 'conflicts recorded').toEqual([]);
  }, 300_000);

  describe('concurrent writes to the same rows, once per strategy', () => {
    const rowCount = 10;
    const ids = seedRows(rowCount).map((row) => row.id);

    /**
     * Rows 1…rowCount on local, copied to cloud at start; then two writers on each side change them for
     * `durationMs` (few rows: most writes meet a change of the other side in flight), and the service settles.
     */
    async function contend(
      fixture: SyncFixture,
      running: RunningService,
      options: { deleteShare: number; durationMs: number },
    ): Promise<ContendedWrite[]> {
      await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 20_000);
      const writes = await runContendedLoad({
        databases: { local: fixture.source, cloud: fixture.target },
        ids,
        writersPerSide: 2,
        deleteShare: options.deleteShare,
        durationMs: options.durationMs,
        seed,
        clock: new WriteClock(),
      });
      const bySide = { local: 0, cloud: 0 };
      for (const write of writes) bySide[write.side] += 1;
      console.log(`seed ${seed}: ${bySide.local} local and ${bySide.cloud} cloud writes to ${rowCount} rows`);
      expect(bySide.local).toBeGreaterThan(rowCount);
      expect(bySide.cloud).toBeGreaterThan(rowCount);
      await settle(fixture, running);
      return writes;
    }

    async function seededFixture(label: string): Promise<SyncFixture & AsyncDisposable> {
      const fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), label);
      await createOnBothSides(fixture, itemsTable);
      await insertItems(fixture.source, seedRows(rowCount));
      return fixture;
    }

    it('last_write_wins: both sides end with the version of each row that has the latest updated_at ever written', async () => {
      await using fixture = await seededFixture('loadlww');
      await using running = await startDisposableService(
        fixture,
        bidirectionalItemsDocument(fixture, {
          conflict_resolution: 'last_write_wins',
          timestamp_column: 'updated_at',
        }),
      );
      const writes = await contend(fixture, running, { deleteShare: 0, durationMs: 5_000 });
      const latest = new Map<number, ItemRow | null>(seedRows(rowCount).map((row) => [row.id, row]));
      for (const write of [...writes].sort((left, right) => left.tick - right.tick))
        latest.set(write.id, write.row);
      expect(differences(latest, await readBothSides(fixture)), `rows that differ (seed ${seed})`).toEqual(
        [],
      );

      const conflicts = await allConflicts(running.store);
      expect(conflicts.length, 'conflicts met').toBeGreaterThan(0);
      const misjudged = conflicts.filter((conflict) => {
        const stamps = [conflict.localData, conflict.cloudData].map(
          (data) => (data as ItemRow | null)?.updated_at ?? '',
        );
        const winner = (conflict.resolvedData as ItemRow | null)?.updated_at ?? '';
        return (
          !conflict.resolved ||
          conflict.resolutionStrategy !== 'last_write_wins' ||
          winner !== stamps.reduce((left, right) => (left > right ? left : right))
        );
      });
      expect(misjudged, 'conflicts not won by the later updated_at').toEqual([]);
    });

    it('source_priority (prefer cloud): both sides end identical with versions the test wrote; cloud won every conflict', async () => {
      await using fixture = await seededFixture('loadprio');
      await using running = await startDisposableService(
        fixture,
        bidirectionalItemsDocument(fixture, { conflict_resolution: 'source_priority', prefer: 'cloud' }),
      );
      const writes = await contend(fixture, running, { deleteShare: 0.3, durationMs: 8_000 });
      const sides = await readBothSides(fixture);
      const diverged = ids
        .map((id) => ({ id, local: sides.local.get(id) ?? null, cloud: sides.cloud.get(id) ?? null }))
        .filter(({ local, cloud }) => JSON.stringify(local) !== JSON.stringify(cloud));
      expect(diverged, `rows that differ between the sides (seed ${seed})`).toEqual([]);
      await expectTablesEqual(fixture, 'items', 'id');
      const written = new Map<string, ItemRow | null>(
        seedRows(rowCount).map((row) => [`${row.id}:${row.label}`, row]),
      );
      for (const write of writes) written.set(`${write.id}:${write.row?.label ?? 'deleted'}`, write.row);
      const unwritten = ids
        .map((id) => ({ id, final: sides.local.get(id) ?? null }))
        .filter(({ id, final }) => {
          const key = `${id}:${final?.label ?? 'deleted'}`;
          return !written.has(key) || JSON.stringify(written.get(key)) !== JSON.stringify(final);
        });
      expect(unwritten, `rows whose final version nobody wrote (seed ${seed})`).toEqual([]);

      const conflicts = await allConflicts(running.store);
      expect(conflicts.length, 'conflicts met').toBeGreaterThan(0);
      const notWonByCloud = conflicts.filter(
        (conflict) =>
          !conflict.resolved ||
          conflict.resolutionStrategy !== 'source_priority' ||
          conflict.resolutionSide !== 'cloud' ||
          JSON.stringify(conflict.resolvedData) !== JSON.stringify(conflict.cloudData),
      );
      expect(notWonByCloud, 'conflicts not won by cloud').toEqual([]);
    });

    it('manual: conflicts wait with both sides keeping their own version; resolving each for cloud makes both sides agree', async () => {
      await using fixture = await seededFixture('loadman');
      await using running = await startDisposableService(
        fixture,
        bidirectionalItemsDocument(fixture, { conflict_resolution: 'manual' }),
      );
      await contend(fixture, running, { deleteShare: 0.3, durationMs: 4_000 });
      const sides = await readBothSides(fixture);
      const open = await allConflicts(running.store, { resolved: false });
      expect(open.length, 'open conflicts').toBeGreaterThan(0);
      expect(
        await allConflicts(running.store, { resolved: true }),
        'conflicts resolved without a person',
      ).toEqual([]);
      const openById = new Map<number, ConflictRecord[]>();
      for (const conflict of open) {
        const { id } = JSON.parse(conflict.primaryKeyValue) as { id: number };
        openById.set(id, [...(openById.get(id) ?? []), conflict]);
      }
      // A row in conflict: each side holds its own version (left as it was since the conflict; both sides may
      // have come to the same one meanwhile, deleting it for instance), and the conflict records exactly those two.
      // Any other row: both sides agree.
      const mismatches = ids.flatMap((id) => {
        const local = sides.local.get(id) ?? null;
        const cloud = sides.cloud.get(id) ?? null;
        const conflicts = openById.get(id) ?? [];
        const [conflict] = conflicts;
        const asExpected =
          conflict === undefined
            ? JSON.stringify(local) === JSON.stringify(cloud)
            : conflicts.length === 1 &&
              JSON.stringify(conflict.localData) === JSON.stringify(local) &&
              JSON.stringify(conflict.cloudData) === JSON.stringify(cloud);
        return asExpected ? [] : [{ id, local, cloud, conflicts }];
      });
      expect(mismatches, `rows not as the manual strategy leaves them (seed ${seed})`).toEqual([]);

      for (const conflict of open) {
        const resolved = await running.service.resolveConflict(conflict.id, { side: 'cloud' }, 'test');
        expect(resolved).toMatchObject({ resolved: true, resolvedBy: 'test', resolutionSide: 'cloud' });
      }
      await expectTablesEqual(fixture, 'items', 'id');
      const after = await readBothSides(fixture);
      for (const conflict of open) {
        const { id } = JSON.parse(conflict.primaryKeyValue) as { id: number };
        expect(after.cloud.get(id) ?? null, `row ${id} after resolving for cloud`).toEqual(
          sides.cloud.get(id) ?? null,
        );
      }
      expect((await running.store.listConflicts({ resolved: false, limit: 1, offset: 0 })).total).toBe(0);
    });
  });

  it('kill -9 several times under load on both sides: exactly what was written, nothing applied twice, no echo', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'loadcrash',
    );
    await createOnBothSides(fixture, itemsTable);
    // Each side logs the rows the service writes there (ids of the other side's range): an INSERT … ON DUPLICATE
    // KEY UPDATE fires BEFORE INSERT on every attempt, so a change applied twice logs its (id, version) twice.
    // The log rows commit or roll back with the batch that wrote them.
    for (const [database, condition] of [
      [fixture.source, `NEW.id >= ${cloudFirstId}`],
      [fixture.target, `NEW.id < ${cloudFirstId}`],
    ] as const) {
      await database.query('CREATE TABLE write_log (id INT NOT NULL, version INT NOT NULL)');
      await database.query(
        `CREATE TRIGGER items_write_log BEFORE INSERT ON items FOR EACH ROW
           INSERT INTO write_log (id, version) SELECT NEW.id, NEW.version FROM DUAL WHERE ${condition}`,
      );
    }
    const document = bidirectionalItemsDocument(fixture, {
      conflict_resolution: 'last_write_wins',
      timestamp_column: 'updated_at',
    });
    let service = await fixture.spawnService(document);
    await waitUntilHealthy(service, 2);
    const loads = await startDisjointLoadsOnBothSides(fixture, {
      cloudFirstId,
      idsPerWriter: 300,
      writers: 2,
      seed,
    });
    try {
      for (let round = 0; round < 3; round += 1) {
        if (round > 0) {
          service = await fixture.spawnService(document);
          await waitUntilHealthy(service, 2);
        }
        // Kill while both directions apply: at a varying moment after the service caught up with the load.
        await waitForProgress(loads, 100 + round * 80);
        expect(await service.kill('SIGKILL')).toBeNull();
        await waitForProgress(loads, 50);
      }
    } finally {
      await stopLoads(loads);
    }
    const [localLoad, cloudLoad] = loads;
    const expected = new Map([...(localLoad?.rows() ?? []), ...(cloudLoad?.rows() ?? [])]);
    console.log(
      `seed ${seed}: ${localLoad?.committed()} local and ${cloudLoad?.committed()} cloud transactions, ${expected.size} rows`,
    );

    service = await fixture.spawnService(document);
    await waitUntilHealthy(service, 2);
    await eventually(
      async () =>
        expect(
          differences(expected, await readBothSides(fixture)),
          `rows that differ (seed ${seed})`,
        ).toEqual([]),
      90_000,
    );
    await expectBinlogsStandStill(fixture);
    expect(differences(expected, await readBothSides(fixture))).toEqual([]);
    for (const database of [fixture.source, fixture.target]) {
      const repeated = await database.query(
        'SELECT id, version, COUNT(*) AS writes FROM write_log GROUP BY id, version HAVING writes > 1',
      );
      expect(repeated, `rows the service wrote more than once on ${database.name}`).toEqual([]);
      const [logged] = await database.query<{ total: number }>('SELECT COUNT(*) AS total FROM write_log');
      expect(Number(logged?.total), `rows the service wrote on ${database.name}`).toBeGreaterThan(0);
    }
    expect(await service.kill('SIGTERM')).toBe(0);
    const store = await openStateStore({
      type: 'sqlite',
      filePath: path.join(fixture.workDirectory, 'state.db'),
    });
    try {
      expect(await allConflicts(store), 'conflicts recorded').toEqual([]);
    } finally {
      await store.close();
    }
  }, 240_000);
});

/** Waits until the loads together committed `transactions` more transactions. */
async function waitForProgress(loads: readonly WriteLoad[], transactions: number): Promise<void> {
  const committed = (): number => loads.reduce((total, load) => total + load.committed(), 0);
  const target = committed() + transactions;
  await eventually(() => expect(committed()).toBeGreaterThanOrEqual(target), 30_000, 20);
}
