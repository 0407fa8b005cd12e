/**
 * The state of each synced table in one direction: what the status shows, what the state store keeps, and the
 * pauses a restarted engine must hold again.
 */
import type { TablePause, TableState, TableStatus } from '../../status/index.js';

export interface MutableTableStatus {
  state: TableState;
  rowsApplied: number;
  rowsCopied: number;
  pause: TablePause | null;
}

export class DirectionTables {
  readonly #tables = new Map<string, MutableTableStatus>();

  constructor(tableNames: readonly string[]) {
    for (const table of tableNames) {
      this.#tables.set(table, { state: 'pending', rowsApplied: 0, rowsCopied: 0, pause: null });
    }
  }

  get(table: string): MutableTableStatus | undefined {
    return this.#tables.get(table);
  }

  entries(): IterableIterator<[string, MutableTableStatus]> {
    return this.#tables.entries();
  }

  /** Rows a committed batch applied, per table. */
  addApplied(rowCountByTable: ReadonlyMap<string, number>): void {
    for (const [table, rowCount] of rowCountByTable) {
      const status = this.#tables.get(table);
      if (status !== undefined) status.rowsApplied += rowCount;
    }
  }

  paused(pause: TablePause): void {
    const status = this.#tables.get(pause.table);
    if (status === undefined) return;
    status.state = 'paused';
    status.pause = pause;
  }

  /** The pauses the apply engine holds from its start (tables whose copy the target refused). */
  get pauses(): TablePause[] {
    return [...this.#tables.values()].flatMap((status) => (status.pause === null ? [] : [status.pause]));
  }

  /** After the copies: every table still waiting now streams (or, without streaming, is in sync). */
  copiesDone(streaming: boolean): void {
    for (const status of this.#tables.values()) {
      if (status.state === 'pending') status.state = streaming ? 'streaming' : 'synced';
    }
  }

  get views(): TableStatus[] {
    return [...this.#tables].map(([table, status]): TableStatus => ({ table, ...status }));
  }
}
