/**
 * MySQL ↔ MySQL, bidirectional (issue 15's matrix): writers on both Oracle MySQL servers change rows of their own
 * and rows both sides share, at the same time, under last_write_wins. Afterwards both sides hold exactly what was
 * written (each side's own rows as last committed, each shared row as its latest-stamped version), compared row by
 * row with exact values, every conflict was won by the later stamp, and nothing echoes.
 *
 * MYSQL_SYNC_TEST_SEED=<the seed a failure names> repeats the writes (not their timing).
 */
import { describe, expect, it } from 'vitest';
import { allConflicts, differences, readBothSides, settle } from '../support/bidirectional-checks.js';
import { expectExactlyEqual } from '../support/exact-rows.js';
import {
  insertItems,
  itemsTable,
  runContendedLoad,
  seedRows,
  startDisjointLoad,
  WriteClock,
  type ItemRow,
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
} from '../support/sync-fixture.js';
import { serverPair, skipped } from './server-pairs.js';

const seed = Number(process.env.MYSQL_SYNC_TEST_SEED ?? Date.now() % 1_000_000);
/** The rows both sides write: 1…sharedRows. Each side's own rows start at these ids. */
const sharedRows = 12;
const localFirstId = 1_001;
const cloudFirstId = 100_001;
const pair = serverPair('mysql', 'mysql');

describe('MySQL ↔ MySQL, bidirectional', () => {
  it.skipIf(skipped(pair))(
    'concurrent writes to own and shared rows on both sides: both end exactly as written, conflicts won by the later stamp',
    async () => {
      // serverPair gives the two MySQL servers: local on one, cloud on the other.
      await using fixture = await createSyncFixture(pair.sourceUrl, pair.targetUrl, 'mysqlbidi');
      await createOnBothSides(fixture, itemsTable);
      await insertItems(fixture.source, seedRows(sharedRows));
      await using running = await startDisposableService(
        fixture,
        bidirectionalItemsDocument(fixture, {
          conflict_resolution: 'last_write_wins',
          timestamp_column: 'updated_at',
        }),
      );
      await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);

      const ownLoads = await Promise.all([
        startDisjointLoad(fixture.source, {
          side: 'local',
          firstId: localFirstId,
          idsPerWriter: 200,
          writers: 2,
          seed,
        }),
        startDisjointLoad(fixture.target, {
          side: 'cloud',
          firstId: cloudFirstId,
          idsPerWriter: 200,
          writers: 2,
          seed: seed + 10,
        }),
      ]);
      let sharedWrites: Awaited<ReturnType<typeof runContendedLoad>> = [];
      try {
        sharedWrites = await runContendedLoad({
          databases: { local: fixture.source, cloud: fixture.target },
          ids: seedRows(sharedRows).map((row) => row.id),
          writersPerSide: 2,
          deleteShare: 0,
          durationMs: 15_000,
          seed,
          clock: new WriteClock(),
        });
      } finally {
        await stopLoads(ownLoads);
      }
      const [localLoad, cloudLoad] = ownLoads;
      console.log(
        `seed ${seed}: ${localLoad?.committed()} local and ${cloudLoad?.committed()} cloud transactions on own rows, ${sharedWrites.length} writes to shared rows`,
      );
      expect(sharedWrites.filter((write) => write.side === 'local').length).toBeGreaterThan(sharedRows);
      expect(sharedWrites.filter((write) => write.side === 'cloud').length).toBeGreaterThan(sharedRows);

      await settle(fixture, running, 180_000);
      const expected = new Map<number, ItemRow | null>([
        ...(localLoad?.rows() ?? []),
        ...(cloudLoad?.rows() ?? []),
        ...seedRows(sharedRows).map((row) => [row.id, row] as const),
      ]);
      for (const write of [...sharedWrites].sort((left, right) => left.tick - right.tick))
        expected.set(write.id, write.row);
      expect(differences(expected, await readBothSides(fixture)), `rows that differ (seed ${seed})`).toEqual(
        [],
      );
      await expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']);

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
      expect(misjudged, `conflicts not won by the later updated_at (seed ${seed})`).toEqual([]);
      await expectBinlogsStandStill(fixture);
      await expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']);
      const pauses = running.service.status.directions.flatMap((direction) =>
        direction.tables.filter((table) => table.pause !== null),
      );
      expect(pauses).toEqual([]);
    },
    300_000,
  );
});
