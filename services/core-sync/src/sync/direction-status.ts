import type { BackpressureState, TablePause } from '../apply/index.js';
import type { PreparedXaStatus } from '../binlog/index.js';
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

/** XA transactions prepared on the source and not yet committed or rolled back: their changes are held. */
export interface PreparedXaView {
  readonly count: number;
  /** The oldest one's xid, as the server prints it (`X'<gtrid hex>',X'<bqual hex>',<formatId>`). */
  readonly oldestXid: string | null;
  /** When the oldest was prepared on the source (ISO time). */
  readonly oldestPreparedAt: string | null;
  readonly oldestAgeMs: number | null;
  /** Where a restart reads the binlog from to see the held changes again (the watermark stays at or before it). */
  readonly restartPosition: string | null;
}

export interface StreamView {
  readonly state: string;
  readonly position: string | null;
  /** How far behind the source the reader is; while an XA transaction is prepared, at least its age. */
  readonly lagMs: number | null;
  readonly preparedXa: PreparedXaView;
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

/** No XA transaction is prepared. */
export const noPreparedXaView: PreparedXaView = {
  count: 0,
  oldestXid: null,
  oldestPreparedAt: null,
  oldestAgeMs: null,
  restartPosition: null,
};

/** The status view of the source's prepared XA transactions, with the oldest one's age at `now`. */
export function preparedXaView(status: PreparedXaStatus, now = Date.now()): PreparedXaView {
  const preparedAt = status.oldestPreparedAt;
  return {
    count: status.count,
    oldestXid: status.oldestXid,
    oldestPreparedAt: preparedAt === null ? null : new Date(preparedAt).toISOString(),
    oldestAgeMs: preparedAt === null ? null : Math.max(0, now - preparedAt),
    restartPosition: status.restartPosition?.toString() ?? null,
  };
}
