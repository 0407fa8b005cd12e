/**
 * What a direction reports about itself (GET /sync/status, the event stream, metrics): its state, its stream,
 * its tables and their pauses: types (and the empty XA view), read by every layer above the ones that produce them.
 */
import type { ErrorCode } from '../errors/index.js';
import type { BinlogPosition, SideName } from '../model/index.js';

/**
 * Why a table's changes are held: the target refused a row, its schema changed, the target refuses every write
 * (read-only) or has no room, or a row is larger than the target takes in one statement.
 */
export type TablePauseReason =
  | 'row-rejected'
  | 'schema-change'
  | 'incomplete-row-image'
  | 'target-read-only'
  | 'target-full'
  | 'row-too-large';

export interface TablePause {
  readonly table: string;
  readonly reason: TablePauseReason;
  /** The service's error code for it (docs/operations.md, "Error codes"). */
  readonly code: ErrorCode;
  readonly message: string;
  /** Changes of this table from this source transaction on are held back. */
  readonly fromSequence: number;
  /** Streaming must resume at or before this position for the held changes to be read again. */
  readonly resumePosition: BinlogPosition | null;
  /** The commit position of the first held transaction, when known. */
  readonly position: BinlogPosition | null;
  /** The refused row (primary key and values; long values cut short), for row rejections. */
  readonly row: Record<string, unknown> | null;
  /** The database driver's code of the error (ER_DATA_TOO_LONG…), when the server refused. */
  readonly errorCode: string | null;
}

/**
 * Where a schema change (DDL) of a synced table read from the source stands (sync.ddl):
 * - `waiting`: for the changes read before it to be applied (the barrier), with the binlog reader held;
 * - `applying`: running on the target;
 * - `applied`: run on the target; `found-applied`: the target had it already (the operator ran it there, or it
 *   ran before a crash), so it was not run again;
 * - `echo`: the service's own statement, run here for the other direction: nothing to run, the schemas followed;
 * - `followed` (`sync.ddl: pause`): the target had the same columns already;
 * - `paused`: not carried over; the table is paused, `message` says why and what to do.
 */
export type SchemaChangeState =
  'waiting' | 'applying' | 'applied' | 'found-applied' | 'echo' | 'followed' | 'paused';

export interface SchemaChangeView {
  readonly table: string;
  /** The statement as the source ran it (long ones cut short). */
  readonly statement: string;
  /** The position after it in the source's binlog. */
  readonly position: string;
  readonly state: SchemaChangeState;
  /** When it was read from the binlog (ISO time). */
  readonly seenAt: string;
  /** How long running it on the target took, once it ran. */
  readonly durationMs: number | null;
  readonly message: string | null;
}

/** The change queue's backpressure on the source, for status. */
export interface BackpressureState {
  readonly queueCapacity: number;
  /** True while the source is asked to stop reading because the queue is full. */
  readonly sourcePaused: boolean;
  /** How many times the source was paused since the start. */
  readonly pauseCount: number;
  /** The most changes queued at once (the capacity plus at most one source transaction). */
  readonly peakQueueDepth: number;
}

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
  /** The schema changes read from the source since the start, newest first (at most 20). */
  readonly schemaChanges: readonly SchemaChangeView[];
}

/** No XA transaction is prepared. */
export const noPreparedXaView: PreparedXaView = {
  count: 0,
  oldestXid: null,
  oldestPreparedAt: null,
  oldestAgeMs: null,
  restartPosition: null,
};
