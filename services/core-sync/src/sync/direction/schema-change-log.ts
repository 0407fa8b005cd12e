/**
 * Bidirectional: the schema changes each side made itself on each synced table, shared by both directions:
 * - the latest statement, so a statement the target refuses can be reported with the one the target side ran
 *   meanwhile, and two sides that changed one table at once into different definitions are found
 *   (schema-problems.ts);
 * - the columns its statements dropped or renamed: a row the other side wrote before it had such a statement still
 *   has them; a renamed column's value is written under its new name and a dropped one is left out
 *   (apply/target-columns.ts). Any other column the target lacks is an error (the table pauses when a schema
 *   reload does not explain it): a column added on one side without a statement in the binlog (sql_log_bin = 0)
 *   is never dropped silently.
 */
import type { RemovedColumns } from '../../apply/index.js';
import { columnChangesOf } from '../../binlog/index.js';
import type { SideName } from '../../model/index.js';
import type { Pool } from '../../mysql/index.js';
import { appliedStatements } from '../../target/index.js';

/** How long after it was read a side's own statement counts as made "at once" with the other side's. */
export const concurrentChangeWindowMs = 5 * 60_000;

const noColumns: RemovedColumns = new Map();

function keyOf(side: SideName, table: string): string {
  return JSON.stringify([side, table]);
}

export class SchemaChangeLog {
  readonly #latest = new Map<string, { readonly statement: string; readonly at: number }>();
  /** The columns each side's statements removed from each table: lower-cased name → new name, or null. */
  readonly #removedColumns = new Map<string, Map<string, string | null>>();

  /**
   * A schema change read from `side`'s binlog that the service did not make (not an echo), as its latest; its
   * columns are noted apart (noteRemovedColumns, by the schema watch for every such statement).
   */
  note(side: SideName, table: string, statement: string, at = Date.now()): void {
    this.#latest.set(keyOf(side, table), { statement, at });
  }

  /**
   * The columns a statement of `side` removed and added, without counting it as its latest change: every statement
   * the schema watch reads (schema-watch.ts), and those the service applied before it started (the ledger), whose
   * rows in flight a restart may read again.
   */
  noteRemovedColumns(side: SideName, table: string, statement: string): void {
    const { removed, added } = columnChangesOf(statement);
    if (removed.length === 0 && added.length === 0) return;
    const key = keyOf(side, table);
    const columns = this.#removedColumns.get(key) ?? new Map<string, string | null>();
    for (const column of removed) columns.set(column.name.toLowerCase(), column.renamedTo);
    // A dropped column added again is the side's own column once more; a rename stays known, for the rows of the
    // old schema that still carry the old name.
    for (const column of added) {
      if (columns.get(column.toLowerCase()) === null) columns.delete(column.toLowerCase());
    }
    this.#removedColumns.set(key, columns);
  }

  latest(side: SideName, table: string): string | undefined {
    return this.#latest.get(keyOf(side, table))?.statement;
  }

  /** `side`'s own latest statement on the table, when it was read within `concurrentChangeWindowMs`. */
  recent(side: SideName, table: string, now = Date.now()): string | undefined {
    const noted = this.#latest.get(keyOf(side, table));
    return noted !== undefined && now - noted.at <= concurrentChangeWindowMs ? noted.statement : undefined;
  }

  /** The columns `side`'s statements dropped or renamed on the table (lower-cased name → new name, or null). */
  removedColumns(side: SideName, table: string): RemovedColumns {
    return this.#removedColumns.get(keyOf(side, table)) ?? noColumns;
  }
}

/**
 * At a direction's start: the columns its target side removed with statements the service already applied on its
 * source (the source's ledger). A restart may read again rows the source wrote before such a statement reached it.
 */
export async function rememberRemovedColumns(
  log: SchemaChangeLog,
  sourcePool: Pool,
  sourceDatabase: string,
  targetSide: SideName,
): Promise<void> {
  for (const applied of await appliedStatements(sourcePool, sourceDatabase, targetSide)) {
    log.noteRemovedColumns(targetSide, applied.table, applied.statement);
  }
}
