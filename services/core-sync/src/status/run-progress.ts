/** A full-sync run's progress, as the API, the event stream and the history show it. */

/** The state of a full-sync run; see manager/run-state.ts for the lifecycle. */
export type RunState = 'idle' | 'running' | 'completed' | 'failed' | 'stopped';

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
  readonly error: string | null;
}

export interface RunProgress {
  readonly runId: string;
  readonly kind: 'initial' | 'manual' | 'scheduled' | 'fallback';
  readonly state: RunState;
  readonly direction: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly tables: readonly TableProgress[];
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
