/**
 * The service's own writes on each side, shared by both directions of a pair, as fences over that side's binlog.
 *
 * When the service writes a row on a side — a batch applied from the other side, a conflict winner written back,
 * a resolution by hand — it has just judged that row as the side holds it, under the row's lock, and replaced it.
 * The side's own earlier changes of the row are then superseded: the direction reading that side's binlog may not
 * have applied them yet, and applying them now would carry a version that already lost (or that the other side
 * already has) over whatever the other side holds since. Nothing else would repair it: the service's write on
 * this side is dropped as an echo, so the two sides would stay apart. Absent rows make it likely: an insert onto a
 * row the other side has just deleted looks like a plain insert.
 *
 * The fence is the side's binlog end read while the write holds the row's lock, before it commits: every change
 * of the row committed earlier is at or before it, every later one is after the write's own commit. A change at
 * or before the fence is dropped by the direction reading that side. Fences are kept in memory (a restart
 * forgets them) until that direction's watermark passes them.
 */
import type { BinlogPosition, SideName } from '../model/index.js';

export class OwnWrites {
  /** side → table → key text → fence. */
  readonly #fences = new Map<SideName, Map<string, Map<string, BinlogPosition>>>();

  /** Records that the service wrote these rows of `table` on `side`, with the side's binlog end as the fence. */
  record(side: SideName, table: string, keyTexts: Iterable<string>, fence: BinlogPosition): void {
    let byTable = this.#fences.get(side);
    if (byTable === undefined) {
      byTable = new Map();
      this.#fences.set(side, byTable);
    }
    let byKey = byTable.get(table);
    if (byKey === undefined) {
      byKey = new Map();
      byTable.set(table, byKey);
    }
    for (const keyText of keyTexts) {
      const previous = byKey.get(keyText);
      if (previous === undefined || fence.isAfter(previous)) byKey.set(keyText, fence);
    }
  }

  /** Whether a change of the row committed on `side` at `commitPosition` was overwritten by the service since. */
  supersedes(side: SideName, table: string, keyText: string, commitPosition: BinlogPosition): boolean {
    const fence = this.#fences.get(side)?.get(table)?.get(keyText);
    return fence !== undefined && commitPosition.isAtOrBefore(fence);
  }

  /** Forgets the fences of `side` at or before `position`: every change of that side up to there is applied. */
  forgetThrough(side: SideName, position: BinlogPosition): void {
    for (const byKey of this.#fences.get(side)?.values() ?? []) {
      for (const [keyText, fence] of byKey) if (fence.isAtOrBefore(position)) byKey.delete(keyText);
    }
  }

  /** How many rows have a fence (for tests and status). */
  get size(): number {
    let total = 0;
    for (const byTable of this.#fences.values()) for (const byKey of byTable.values()) total += byKey.size;
    return total;
  }
}
