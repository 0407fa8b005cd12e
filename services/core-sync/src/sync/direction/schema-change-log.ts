/**
 * Bidirectional: the latest schema change each side made itself on each synced table, shared by both directions,
 * so a statement the target refuses can be reported with the one the target side ran meanwhile (two sides
 * changing one table at once).
 */
import type { SideName } from '../../model/index.js';

export class SchemaChangeLog {
  readonly #latest = new Map<string, string>();

  /** A schema change read from `side`'s binlog that the service did not make (not an echo). */
  note(side: SideName, table: string, statement: string): void {
    this.#latest.set(JSON.stringify([side, table]), statement);
  }

  latest(side: SideName, table: string): string | undefined {
    return this.#latest.get(JSON.stringify([side, table]));
  }
}
