/**
 * The order a run takes its tables in: a table waits until the tables it references by a foreign key, among the
 * run's, are done. A parent's repair then comes before its children's: a replayed delete of a parent cascades on
 * the side that still had it (as the stream's delete would have), so its children are gone before their table is
 * compared, instead of being found on one side only with no logged delete (a cascade is not in the binlog). A table
 * referencing itself does not wait for itself; when only tables waiting in cycles of foreign keys are left, the
 * first table of a cycle that waits for no other table goes.
 */
export class TableOrder {
  readonly #pending: string[];
  /** Each pending table's parents among the run's tables, not done yet. */
  readonly #waitingFor = new Map<string, Set<string>>();
  #running = 0;
  #wake: (() => void)[] = [];

  /** `parentsOf(table)`: the tables `table` references by a foreign key. */
  constructor(tables: readonly string[], parentsOf: (table: string) => readonly string[]) {
    this.#pending = [...tables];
    const inRun = new Set(tables);
    for (const table of tables) {
      const parents = parentsOf(table).filter((parent) => parent !== table && inRun.has(parent));
      this.#waitingFor.set(table, new Set(parents));
    }
  }

  /** The next table to compare, once one is free to go; undefined when none is left. */
  async next(): Promise<string | undefined> {
    for (;;) {
      if (this.#pending.length === 0) return undefined;
      const ready = this.#pending.findIndex((table) => this.#waitingFor.get(table)?.size === 0);
      // Nothing ready and nothing running that could free a table: every pending table waits for a pending one,
      // so some are in cycles, and some cycle waits for no table outside it; its first table goes.
      const index =
        ready >= 0
          ? ready
          : this.#running === 0
            ? this.#pending.findIndex((table) => this.#inFirstCycle(table))
            : -1;
      if (index >= 0) {
        const [table] = this.#pending.splice(index, 1);
        this.#running += 1;
        return table;
      }
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }

  /** The tables `table` waits for, directly or through parents that wait in turn. */
  #awaited(table: string): Set<string> {
    const awaited = new Set<string>();
    const waiting = [...(this.#waitingFor.get(table) ?? [])];
    for (let parent = waiting.pop(); parent !== undefined; parent = waiting.pop()) {
      if (awaited.has(parent)) continue;
      awaited.add(parent);
      waiting.push(...(this.#waitingFor.get(parent) ?? []));
    }
    return awaited;
  }

  /** Whether `table` is in a cycle that waits for no table outside it: it may go first. */
  #inFirstCycle(table: string): boolean {
    const awaited = this.#awaited(table);
    return awaited.has(table) && [...awaited].every((other) => this.#awaited(other).has(table));
  }

  /** A table taken by `next` is done (compared, failed or stopped): its children may go. */
  done(table: string): void {
    this.#running -= 1;
    for (const parents of this.#waitingFor.values()) parents.delete(table);
    const waiting = this.#wake;
    this.#wake = [];
    for (const wake of waiting) wake();
  }
}
