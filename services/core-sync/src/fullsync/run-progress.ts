/** The progress of one full-sync run: per table counters, and the overall percent, rate and ETA derived from them. */
import type { RunProgress, RunState, SideCounts, TableProgress } from '../status/index.js';
import { ChangeTally } from './table-changes.js';

type MutableTableProgress = {
  -readonly [Key in keyof Omit<TableProgress, 'changes'>]: TableProgress[Key];
};

export interface RunIdentity {
  readonly runId: string;
  readonly kind: RunProgress['kind'];
  readonly dryRun: boolean;
  readonly direction: string;
  readonly traceId: string;
}

export class RunProgressTracker {
  readonly #identity: RunIdentity;
  readonly #tables = new Map<string, MutableTableProgress>();
  readonly #tallies = new Map<string, ChangeTally>();
  readonly #startedAt = new Date();
  #finishedAt: Date | null = null;
  #state: RunState = 'running';
  #error: RunProgress['error'] = null;
  /** A preview's count of the changes a run would apply before comparing (`RunProgress.pendingChanges`). */
  pendingChanges: SideCounts | null = null;

  constructor(identity: RunIdentity, tables: readonly string[]) {
    this.#identity = identity;
    for (const table of tables) {
      this.#tables.set(table, {
        table,
        state: 'pending',
        chunksTotal: 0,
        chunksCompared: 0,
        rowsTotal: 0,
        rowsCompared: 0,
        rowsChanged: 0,
        conflicts: 0,
        error: null,
      });
      this.#tallies.set(table, new ChangeTally());
    }
  }

  /** The table's differing rows by decision. */
  tally(table: string): ChangeTally {
    const tally = this.#tallies.get(table);
    if (tally === undefined) throw new Error(`table ${table} is not part of run ${this.#identity.runId}`);
    return tally;
  }

  table(table: string): MutableTableProgress {
    const progress = this.#tables.get(table);
    if (progress === undefined) throw new Error(`table ${table} is not part of run ${this.#identity.runId}`);
    return progress;
  }

  has(table: string): boolean {
    return this.#tables.has(table);
  }

  get state(): RunState {
    return this.#state;
  }

  finish(state: Exclude<RunState, 'idle' | 'running'>, error: RunProgress['error'] = null): void {
    this.#state = state;
    this.#error = error;
    this.#finishedAt = new Date();
  }

  snapshot(now = Date.now()): RunProgress {
    const tables = [...this.#tables.values()].map((table) => ({
      ...table,
      changes: this.tally(table.table).changes,
    }));
    let rowsTotal = 0;
    let rowsCompared = 0;
    let rowsChanged = 0;
    let conflicts = 0;
    for (const table of tables) {
      rowsTotal += Math.max(table.rowsTotal, table.rowsCompared);
      rowsCompared += table.rowsCompared;
      rowsChanged += table.rowsChanged;
      conflicts += table.conflicts;
    }
    const finished = this.#state !== 'running';
    const endTime = this.#finishedAt?.getTime() ?? now;
    const elapsedSeconds = Math.max(0.001, (endTime - this.#startedAt.getTime()) / 1000);
    const rowsPerSecond = rowsCompared / elapsedSeconds;
    const allDone = tables.every((table) => table.state !== 'pending' && table.state !== 'comparing');
    const percent =
      finished && this.#state === 'completed'
        ? 100
        : rowsTotal === 0
          ? allDone
            ? 100
            : 0
          : Math.min(allDone ? 100 : 99.9, (100 * rowsCompared) / rowsTotal);
    return {
      runId: this.#identity.runId,
      kind: this.#identity.kind,
      dryRun: this.#identity.dryRun,
      state: this.#state,
      direction: this.#identity.direction,
      startedAt: this.#startedAt.toISOString(),
      finishedAt: this.#finishedAt?.toISOString() ?? null,
      tables,
      pendingChanges: this.pendingChanges,
      rowsTotal,
      rowsCompared,
      rowsChanged,
      conflicts,
      percent: Math.round(percent * 10) / 10,
      rowsPerSecond: Math.round(rowsPerSecond),
      etaSeconds:
        finished || rowsPerSecond <= 0
          ? null
          : Math.max(0, Math.round((rowsTotal - rowsCompared) / rowsPerSecond)),
      error: this.#error,
      traceId: this.#identity.traceId,
    };
  }
}
