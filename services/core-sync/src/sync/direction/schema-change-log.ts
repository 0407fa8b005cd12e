/**
 * Bidirectional: the latest schema change each side made itself on each synced table, shared by both directions,
 * so a statement the target refuses can be reported with the one the target side ran meanwhile, and two sides
 * that changed one table at once into different definitions are found (schema-problems.ts).
 */
import type { SideName } from '../../model/index.js';

/** How long after it was read a side's own statement counts as made "at once" with the other side's. */
export const concurrentChangeWindowMs = 5 * 60_000;

export class SchemaChangeLog {
  readonly #latest = new Map<string, { readonly statement: string; readonly at: number }>();

  /** A schema change read from `side`'s binlog that the service did not make (not an echo). */
  note(side: SideName, table: string, statement: string, at = Date.now()): void {
    this.#latest.set(JSON.stringify([side, table]), { statement, at });
  }

  latest(side: SideName, table: string): string | undefined {
    return this.#latest.get(JSON.stringify([side, table]))?.statement;
  }

  /** `side`'s own latest statement on the table, when it was read within `concurrentChangeWindowMs`. */
  recent(side: SideName, table: string, now = Date.now()): string | undefined {
    const noted = this.#latest.get(JSON.stringify([side, table]));
    return noted !== undefined && now - noted.at <= concurrentChangeWindowMs ? noted.statement : undefined;
  }
}
