/**
 * What the bidirectional tests check once the writes are done: both directions settled, each side against what
 * was written, the conflicts recorded.
 */
import { expect } from 'vitest';
import { BinlogPosition } from '../../src/model/index.js';
import type { ConflictFilter, ConflictRecord, StateStore } from '../../src/store/index.js';
import { readItems, type ItemRow } from './item-load.js';
import { binlogEnd, eventually, type RunningService, type SyncFixture } from './sync-fixture.js';

/**
 * Waits until both directions have read their source's binlog past everything written so far and applied all of
 * it (conflict write-backs included): from then on the two sides only change when someone writes.
 */
export async function settle(
  fixture: SyncFixture,
  running: RunningService,
  timeoutMs = 90_000,
): Promise<void> {
  const ends = { local: await binlogEnd(fixture.source), cloud: await binlogEnd(fixture.target) };
  await eventually(
    () => {
      const progress = running.service.status.directions.map((direction) => ({
        direction: `${direction.source}_to_${direction.target}`,
        state: direction.state,
        queueDepth: direction.queueDepth,
        position: direction.stream?.position,
        end: ends[direction.source].toString(),
        readPastLastWrite:
          direction.stream?.position !== null &&
          direction.stream?.position !== undefined &&
          BinlogPosition.parse(direction.stream.position).compare(ends[direction.source]) >= 0,
      }));
      expect(progress).toEqual(
        progress.map((entry) => ({ ...entry, state: 'streaming', queueDepth: 0, readPastLastWrite: true })),
      );
    },
    timeoutMs,
    100,
  );
}

/** Every row that differs from what it should be, on either side (an empty list when both sides match). */
export function differences(
  expected: ReadonlyMap<number, ItemRow | null>,
  sides: Readonly<Record<'local' | 'cloud', ReadonlyMap<number, ItemRow>>>,
): { id: number; expected: ItemRow | null; local: ItemRow | null; cloud: ItemRow | null }[] {
  const ids = new Set([...expected.keys(), ...sides.local.keys(), ...sides.cloud.keys()]);
  const found: ReturnType<typeof differences> = [];
  for (const id of [...ids].sort((left, right) => left - right)) {
    const want = expected.get(id) ?? null;
    const local = sides.local.get(id) ?? null;
    const cloud = sides.cloud.get(id) ?? null;
    const same = (row: ItemRow | null): boolean => JSON.stringify(row) === JSON.stringify(want);
    if (!same(local) || !same(cloud)) found.push({ id, expected: want, local, cloud });
  }
  return found;
}

export async function readBothSides(
  fixture: SyncFixture,
): Promise<Record<'local' | 'cloud', Map<number, ItemRow>>> {
  const [local, cloud] = await Promise.all([readItems(fixture.source), readItems(fixture.target)]);
  return { local, cloud };
}

export async function allConflicts(
  store: StateStore,
  filter: Omit<ConflictFilter, 'limit' | 'offset'> = {},
): Promise<ConflictRecord[]> {
  const conflicts: ConflictRecord[] = [];
  for (let offset = 0; ; offset += 1_000) {
    const page = await store.listConflicts({ ...filter, limit: 1_000, offset });
    conflicts.push(...page.conflicts);
    if (offset + 1_000 >= page.total) return conflicts;
  }
}
