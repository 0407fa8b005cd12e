/**
 * The rows with an unresolved manual conflict, shared by both directions of a pair: a conflict is recorded once
 * (whichever direction meets it first) and later changes of the row, from either side, are recorded against it
 * instead of being applied over it.
 */
import { primaryKeyText } from '../model/index.js';
import type { StateStore } from '../store/index.js';
import { rowFromJson } from './row-json.js';

export class OpenConflicts {
  /** table → key text → conflict id. */
  readonly #byTable = new Map<string, Map<string, string>>();

  get(table: string, keyText: string): string | undefined {
    return this.#byTable.get(table)?.get(keyText);
  }

  open(table: string, keyText: string, id: string): void {
    let byKey = this.#byTable.get(table);
    if (byKey === undefined) {
      byKey = new Map();
      this.#byTable.set(table, byKey);
    }
    byKey.set(keyText, id);
  }

  close(table: string, keyText: string): void {
    this.#byTable.get(table)?.delete(keyText);
  }

  get size(): number {
    let total = 0;
    for (const byKey of this.#byTable.values()) total += byKey.size;
    return total;
  }

  /** Loads every unresolved conflict of the given tables (table → primary-key columns) from the store. */
  async load(store: StateStore, primaryKeys: ReadonlyMap<string, readonly string[]>): Promise<void> {
    const pageSize = 500;
    for (let offset = 0; ; offset += pageSize) {
      const page = await store.listConflicts({ resolved: false, limit: pageSize, offset });
      for (const conflict of page.conflicts) {
        const primaryKey = primaryKeys.get(conflict.tableName);
        if (primaryKey === undefined) continue;
        const keyRow = rowFromJson(JSON.parse(conflict.primaryKeyValue));
        this.open(conflict.tableName, primaryKeyText(keyRow, primaryKey), conflict.id);
      }
      if (offset + pageSize >= page.total) return;
    }
  }
}
