/**
 * MySQL ↔ MySQL, bidirectional (issue 15's matrix): writers on both Oracle MySQL servers change rows of their own
 * and rows both sides share, at the same time. Afterwards both sides hold the same rows, compared row by row with
 * exact values; each side's own rows are as last committed, and nothing echoes.
 * - last_write_wins: each shared row is its latest-stamped version, every conflict won by the later stamp;
 * - source_priority (prefer cloud), shared rows deleted too: each shared row ends as a version someone wrote (or
 *   deleted), every conflict won by cloud.
 *
 * MYSQL_SYNC_TEST_SEED=<the seed a failure names> repeats the writes (not their timing).
 */
import { describe, expect, it } from 'vitest';
import type { ConflictRecord } from '../../src/store/index.js';
import { allConflicts, differences, readBothSides, settle } from '../support/bidirectional-checks.js';
import { expectExactlyEqual } from '../support/exact-rows.js';
import {
  insertItems,
  itemsTable,
  runContendedLoad,
  seedRows,
  startDisjointLoad,
  WriteClock,
  type ContendedWrite,
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
  type RunningService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { serverPair, skipped } from './server-pairs.js';

const seed = Number(process.env.MYSQL_SYNC_TEST_SEED ?? Date.now() % 1_000_000);
/** The rows both sides write: 1…sharedRows. Each side's own rows start at these ids. */
const sharedRows = 12;
const sharedIds = seedRows(sharedRows).map((row) => row.id);
const localFirstId = 1_001;
const cloudFirstId = 100_001;
// The two MySQL servers: local on one, cloud on the other.
const pair = serverPair('mysql', 'mysql');

interface Outcome {
  /** The last committed version of each side's own rows. */
  readonly ownRows: Map<number, ItemRow>;
  readonly sharedWrites: readonly ContendedWrite[];
  readonly conflicts: readonly ConflictRecord[];
}

/**
 * Shared rows seeded on local and copied to cloud, then own-row writers on each side and contended writers on
 * the shared rows for 15 s; waits until both directions settled. Checks what holds whatever the strategy: both
 * sides equal value for value, own rows as last committed, nothing paused, nothing echoing.
 */
async function writeOnBothSides(
  fixture: SyncFixture,
  running: RunningService,
  deleteShare: number,
): Promise<Outcome> {
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
  let sharedWrites: ContendedWrite[] = [];
  try {
    sharedWrites = await runContendedLoad({
      databases: { local: fixture.source, cloud: fixture.target },
      ids: sharedIds,
      writersPerSide: 2,
      deleteShare,
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
  await expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']);
  const ownRows = new Map([...(localLoad?.rows() ?? []), ...(cloudLoad?.rows() ?? [])]);
  const sides = await readBothSides(fixture);
  const ownOnly = (rows: ReadonlyMap<number, ItemRow>): Map<number, ItemRow> =>
    new Map([...rows].filter(([id]) => id > sharedRows));
  expect(
    differences(ownRows, { local: ownOnly(sides.local), cloud: ownOnly(sides.cloud) }),
    `own rows that differ from what was written (seed ${seed})`,
  ).toEqual([]);
  await expectBinlogsStandStill(fixture);
  await expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']);
  const pauses = running.service.status.directions.flatMap((direction) =>
    direction.tables.filter((table) => table.pause !== null),
  );
  expect(pauses).toEqual([]);
  const conflicts = await allConflicts(running.store);
  expect(conflicts.length, 'conflicts met').toBeGreaterThan(0);
  return { ownRows, sharedWrites, conflicts };
}

async function seededFixture(label: string): Promise<SyncFixture & AsyncDisposable> {
  const fixture = await createSyncFixture(pair.sourceUrl, pair.targetUrl, label);
  await createOnBothSides(fixture, itemsTable);
  await insertItems(fixture.source, seedRows(sharedRows));
  return fixture;
}

describe('MySQL ↔ MySQL, bidirectional, writes to own and shared rows on both sides at once', () => {
  it.skipIf(skipped(pair))(
    'last_write_wins: both sides end exactly as written, each shared row its latest-stamped version',
    async () => {
      await using fixture = await seededFixture('mysqllww');
      await using running = await startDisposableService(
        fixture,
        bidirectionalItemsDocument(fixture, {
          conflict_resolution: 'last_write_wins',
          timestamp_column: 'updated_at',
        }),
      );
      const { sharedWrites, conflicts } = await writeOnBothSides(fixture, running, 0);
      const latest = new Map<number, ItemRow | null>(seedRows(sharedRows).map((row) => [row.id, row]));
      for (const write of [...sharedWrites].sort((left, right) => left.tick - right.tick))
        latest.set(write.id, write.row);
      const sides = await readBothSides(fixture);
      const sharedOnly = (rows: ReadonlyMap<number, ItemRow>): Map<number, ItemRow> =>
        new Map([...rows].filter(([id]) => id <= sharedRows));
      expect(
        differences(latest, { local: sharedOnly(sides.local), cloud: sharedOnly(sides.cloud) }),
        `shared rows that differ (seed ${seed})`,
      ).toEqual([]);
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
    },
    300_000,
  );

  it.skipIf(skipped(pair))(
    'source_priority (prefer cloud), shared rows deleted too: both sides end equal with versions someone wrote',
    async () => {
      await using fixture = await seededFixture('mysqlprio');
      await using running = await startDisposableService(
        fixture,
        bidirectionalItemsDocument(fixture, { conflict_resolution: 'source_priority', prefer: 'cloud' }),
      );
      const { sharedWrites, conflicts } = await writeOnBothSides(fixture, running, 0.3);
      const written = new Map<string, ItemRow | null>(
        seedRows(sharedRows).map((row) => [`${row.id}:${row.label}`, row]),
      );
      for (const write of sharedWrites)
        written.set(`${write.id}:${write.row?.label ?? 'deleted'}`, write.row);
      const sides = await readBothSides(fixture);
      const unwritten = sharedIds
        .map((id) => ({ id, final: sides.local.get(id) ?? null }))
        .filter(({ id, final }) => {
          const key = `${id}:${final?.label ?? 'deleted'}`;
          return !written.has(key) || JSON.stringify(written.get(key)) !== JSON.stringify(final);
        });
      expect(unwritten, `shared rows whose final version nobody wrote (seed ${seed})`).toEqual([]);
      const notWonByCloud = conflicts.filter(
        (conflict) =>
          !conflict.resolved ||
          conflict.resolutionStrategy !== 'source_priority' ||
          conflict.resolutionSide !== 'cloud' ||
          JSON.stringify(conflict.resolvedData) !== JSON.stringify(conflict.cloudData),
      );
      expect(notWonByCloud, `conflicts not won by cloud (seed ${seed})`).toEqual([]);
    },
    300_000,
  );
});
