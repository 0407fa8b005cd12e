/**
 * One-way repairs: the target must equal the source. A row the source has is copied (or its target version
 * changed); a row only the target has is deleted. The refresh reads the source's rows when it is applied, in order
 * with the stream (refresh-resolvers.ts).
 */
import type { FullSyncDirection, RepairBasics, TableRepair } from './repair-types.js';
import type { ChunkDifference } from './table-compare.js';

export interface OneWayRepairOptions extends RepairBasics {
  readonly direction: FullSyncDirection;
}

export class OneWayRepair implements TableRepair {
  readonly #options: OneWayRepairOptions;

  constructor(options: OneWayRepairOptions) {
    this.#options = options;
  }

  async repair(difference: ChunkDifference): Promise<void> {
    const { direction, tally, dryRun, table } = this.#options;
    tally.copied(direction.target, difference.onlyReference);
    tally.changed(
      direction.source,
      difference.differing.map((pair) => pair.reference),
    );
    tally.deleted(direction.target, difference.onlyOther);
    if (dryRun) return;
    const outcome = await direction.refresh(table, [
      ...difference.onlyReference,
      ...difference.onlyOther,
      ...difference.differing.map((pair) => pair.reference),
    ]);
    this.#options.rowsWritten(outcome.rowsWritten);
  }

  finish(): Promise<void> {
    return Promise.resolve();
  }
}
