import type { BackpressureState, TablePause } from '../apply/index.js';
import type { SideName } from '../model/index.js';

/**
 * A direction's lifecycle:
 *
 *   starting ──► snapshotting ──► streaming ──► stopping ──► stopped
 *       │              │    └──► idle (realtime: false)          ▲
 *       └──────────────┴──────────────► failed ──────────────────┘ (stop)
 */
export type DirectionState =
  'starting' | 'snapshotting' | 'streaming' | 'idle' | 'stopping' | 'stopped' | 'failed';

export type TableState = 'pending' | 'snapshotting' | 'streaming' | 'synced' | 'paused';

export interface TableStatus {
  readonly table: string;
  readonly state: TableState;
  readonly rowsApplied: number;
  readonly rowsCopied: number;
  readonly pause: TablePause | null;
}

export interface StreamView {
  readonly state: string;
  readonly position: string | null;
  readonly lagMs: number | null;
  readonly reconnectAttempt: number;
  readonly lastError: { readonly code: string; readonly message: string } | null;
}

export interface DirectionStatus {
  readonly source: SideName;
  readonly target: SideName;
  readonly state: DirectionState;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly stream: StreamView | null;
  readonly watermark: string | null;
  readonly queueDepth: number;
  /** The change queue's pauses of the binlog reader (null before streaming starts). */
  readonly backpressure: BackpressureState | null;
  readonly rowsApplied: number;
  /**
   * Batches failing and being retried (DATABASE_UNAVAILABLE: the target cannot be reached; APPLY_FAILED: it
   * answered with an error worth retrying), since when (ISO time); null while batches succeed.
   */
  readonly applyFailure: { readonly code: string; readonly message: string; readonly since: string } | null;
  readonly tables: readonly TableStatus[];
}
