/** The positions the target holds for one source, read at start (slot names: target/checkpoint-table.ts). */
import { BinlogPosition } from '../model/index.js';
import { watermarkSlot, type SlotPosition } from '../target/index.js';
import { partitionFor } from './partitioner.js';

/**
 * What the target has committed for one source, read at start: where to resume streaming and, for each change
 * read again after that, whether it is already applied.
 */
export class CheckpointState {
  readonly watermark: BinlogPosition | null;
  readonly #snapshotFloors = new Map<string, BinlogPosition>();
  readonly #tableFloors = new Map<string, BinlogPosition>();
  /** partitionCount → table → partition → position (several counts when `workers` changed between runs). */
  readonly #partitionFloors = new Map<number, Map<string, Map<number, BinlogPosition>>>();
  readonly #tablesWithSlots = new Set<string>();
  /** The latest position any slot records: a change committed after it needs no skip check. */
  readonly highestFloor: BinlogPosition | undefined;

  constructor(slots: readonly SlotPosition[]) {
    let watermark: BinlogPosition | null = null;
    for (const { slot, position } of slots) {
      if (slot === watermarkSlot) {
        watermark = position;
      } else if (slot.startsWith('snapshot:')) {
        const table = slot.slice('snapshot:'.length);
        this.#snapshotFloors.set(table, position);
        this.#tablesWithSlots.add(table);
      } else if (slot.startsWith('t:')) {
        const table = /^t:\d+:(.*)$/s.exec(slot)?.[1];
        if (table === undefined) continue;
        const floor = this.#tableFloors.get(table);
        if (floor === undefined || position.isAfter(floor)) this.#tableFloors.set(table, position);
        this.#tablesWithSlots.add(table);
      } else {
        const match = /^p:(\d+):(\d+):(.*)$/s.exec(slot);
        if (match === null) continue;
        const [, countText, partitionText, table] = match;
        if (countText === undefined || partitionText === undefined || table === undefined) continue;
        const byTable =
          this.#partitionFloors.get(Number(countText)) ?? new Map<string, Map<number, BinlogPosition>>();
        this.#partitionFloors.set(Number(countText), byTable);
        const byPartition = byTable.get(table) ?? new Map<number, BinlogPosition>();
        byTable.set(table, byPartition);
        byPartition.set(Number(partitionText), position);
        this.#tablesWithSlots.add(table);
      }
    }
    this.watermark = watermark;
    const floors: BinlogPosition[] = [...this.#snapshotFloors.values(), ...this.#tableFloors.values()];
    for (const byTable of this.#partitionFloors.values()) {
      for (const byPartition of byTable.values()) floors.push(...byPartition.values());
    }
    this.highestFloor = BinlogPosition.latest(floors);
  }

  /** True when the target has ever committed anything (snapshot or change) of this table from this source. */
  hasCheckpointFor(table: string): boolean {
    return this.#tablesWithSlots.has(table);
  }

  snapshotFloor(table: string): BinlogPosition | undefined {
    return this.#snapshotFloors.get(table);
  }

  /** The position up to which this row's changes are already on the target (undefined: nothing known). */
  skipFloor(table: string, keyText: string): BinlogPosition | undefined {
    let floor = this.#snapshotFloors.get(table);
    const tableFloor = this.#tableFloors.get(table);
    if (tableFloor !== undefined && (floor === undefined || tableFloor.isAfter(floor))) floor = tableFloor;
    for (const [partitionCount, byTable] of this.#partitionFloors) {
      const byPartition = byTable.get(table);
      if (byPartition === undefined) continue;
      const position = byPartition.get(partitionFor(table, keyText, partitionCount));
      if (position !== undefined && (floor === undefined || position.isAfter(floor))) floor = position;
    }
    return floor;
  }
}
