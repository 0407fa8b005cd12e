/** A full-sync run's progress, as the API, the event stream and the history show it. */

/** The state of a full-sync run; see manager/run-state.ts for the lifecycle. */
export type RunState = 'idle' | 'running' | 'completed' | 'failed' | 'stopped';

/** A count per side. */
export interface SideCounts {
  readonly local: number;
  readonly cloud: number;
}

/** Up to `sampleKeyLimit` primary keys (as text) of each kind of change. */
export interface ChangeSamples {
  readonly copied: readonly string[];
  readonly deleted: readonly string[];
  readonly changed: readonly string[];
  readonly conflicts: readonly string[];
  readonly undecided: readonly string[];
}

/** How many keys of each kind a table's progress shows. */
export const sampleKeyLimit = 10;

/**
 * What a run found and did (or, in a dry run, would do) to a table's rows that differ, by decision. Rows already
 * equal on both sides are not counted.
 */
export interface TableChanges {
  /** Rows on one side only, copied to the other: by the side they are copied to. */
  readonly copied: SideCounts;
  /**
   * Rows deleted, by the side they are deleted on: one-way, the target's rows the source lacks; bidirectional, a
   * row whose delete on the other side is replayed.
   */
  readonly deleted: SideCounts;
  /** Rows on both sides that differ, by the side whose version both sides end with. */
  readonly changed: SideCounts;
  /** Rows that differ and wait for a person (the manual strategy). */
  readonly conflicts: number;
  /**
   * Bidirectional: rows on one side only whose binlogs cannot tell whether they were added there or deleted on
   * the other side: left as they are, and listed as conflicts of type insert_or_delete.
   */
  readonly undecided: number;
  readonly sampleKeys: ChangeSamples;
}

export interface TableProgress {
  readonly table: string;
  readonly state: 'pending' | 'comparing' | 'done' | 'failed' | 'stopped';
  readonly chunksTotal: number;
  readonly chunksCompared: number;
  /** Rows of the table on the larger side, estimated from statistics before the compare, exact after. */
  readonly rowsTotal: number;
  readonly rowsCompared: number;
  readonly rowsChanged: number;
  readonly conflicts: number;
  /** The differing rows by decision (a dry run's preview, or what the run did). */
  readonly changes: TableChanges;
  readonly error: string | null;
}

export interface RunProgress {
  readonly runId: string;
  readonly kind: 'initial' | 'manual' | 'scheduled' | 'fallback' | 'adoption';
  /** A preview: the tables were compared and nothing was written. */
  readonly dryRun: boolean;
  readonly state: RunState;
  readonly direction: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly tables: readonly TableProgress[];
  /**
   * A preview of a bidirectional sync with `realtime: false`: the changes of each side since the last run (by that
   * side) that a real run first applies to the other side from the binlogs, before it compares. The preview reads
   * them and applies nothing, so the tables' `changes` count the rows as they are now, including the differences
   * those changes would carry over. Null for a real run, and when nothing waits (the directions stream).
   */
  readonly pendingChanges: SideCounts | null;
  readonly rowsTotal: number;
  readonly rowsCompared: number;
  readonly rowsChanged: number;
  readonly conflicts: number;
  /** 0–100, by rows compared. */
  readonly percent: number;
  /** Rows compared per second over the run so far. */
  readonly rowsPerSecond: number;
  /** Seconds left at the current rate; null before there is a rate. */
  readonly etaSeconds: number | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly traceId: string;
}
