/** The apply engine's public shapes: its options, hooks, pauses, and the conflict-check and refresh seams. */
import type { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { BinlogPosition, RowChange, SideName, TableSchema } from '../model/index.js';
import type { Pool, PoolConnection } from '../mysql/index.js';
import type { WriteOperation } from '../target/index.js';
import type { CheckpointState } from './checkpoint-state.js';
import type { QueuedWrite } from './queued-write.js';
import type { RemovedColumns } from './target-columns.js';
import type { TablePause } from '../status/index.js';

/** A batch the engine committed on the target (the service turns it into a `batch` event: events/). */
export interface AppliedBatch {
  /** The worker that applied the batch (0 … workers − 1). */
  readonly worker: number;
  readonly rowCountByTable: ReadonlyMap<string, number>;
  readonly rowCount: number;
  readonly durationMs: number;
  readonly lastCommitPosition: BinlogPosition;
  readonly lastCommitTimestamp: number;
}

/**
 * Batches failing and being retried: `DATABASE_UNAVAILABLE` when the target cannot be reached (connection lost,
 * refused, timed out), `APPLY_FAILED` when it answered with an error worth retrying (a deadlock, a lock wait).
 */
export interface ApplyFailure {
  readonly code: 'DATABASE_UNAVAILABLE' | 'APPLY_FAILED';
  readonly message: string;
  /** When the oldest worker still failing began to (ms since epoch). */
  readonly since: number;
}

export interface ApplyHooks {
  /** The queue is full: stop reading the source. */
  pauseSource(): void;
  /** The queue has room again. */
  resumeSource(): void;
  onBatchApplied?(event: AppliedBatch): void;
  onTablePaused(pause: TablePause): void;
  /** A new watermark was committed on the target. */
  onWatermark?(watermark: BinlogPosition): void;
  /** The target refused a batch for a reason that retrying may cure; `attempt` counts from 1. */
  onRetry?(error: unknown, attempt: number): void;
  /** Batches began failing (or the failure changed code), or every worker succeeds again (null). */
  onApplyFailure?(failure: ApplyFailure | null): void;
  /** An error that is not the target's doing (a bug): the engine stops. */
  onFatalError(error: SyncError): void;
}

/** What a conflict check lets through for one table of a batch, and what it does once the batch committed. */
export interface ConflictCheckOutcome {
  /** The operations to write, one per row (its final state). */
  readonly operations: readonly WriteOperation[];
  /** Runs inside the batch's transaction after its rows are written (records that must not be lost). */
  readonly beforeCommit?: () => Promise<void>;
  /** Runs after the batch committed (writing a resolution back to the source side). */
  readonly afterCommit?: () => Promise<void>;
}

/** Bidirectional sync: decides, inside a batch's transaction, which writes reach the target. */
export interface BatchConflictCheck {
  /**
   * Waits until no one else is deciding on the batch's rows, and holds them until the returned function is called
   * (after the batch and its `afterCommit` actions, or its failure).
   */
  claimRows(writes: readonly QueuedWrite[]): Promise<() => void>;
  check(
    connection: PoolConnection,
    schema: TableSchema,
    writes: readonly QueuedWrite[],
  ): Promise<ConflictCheckOutcome>;
}

/**
 * The dependency keys of row changes (dependency-keys.ts): two changes whose keys meet are applied in source
 * order. Keys must over-approximate equality on the target (its collations): a missed key can lose a row.
 */
export interface ChangeKeys {
  /** Appends the keys of one change (its before and after images) to `out`. */
  keysOf(change: RowChange, out: string[]): void;
  /** True when the table is the parent or the child of a foreign key among the synced tables. */
  hasForeignKeys(table: string): boolean;
  /** A copy with one table's schema replaced (after a DDL). */
  withTable(schema: TableSchema): ChangeKeys;
}

export interface ApplyEngineOptions {
  readonly sourceName: SideName;
  readonly targetName: SideName;
  readonly targetPool: Pool;
  readonly targetDatabase: string;
  /** The target's schema of every synced table (primary key, generated columns). */
  readonly tables: ReadonlyMap<string, TableSchema>;
  /** Workers applying groups side by side (sync.workers). */
  readonly workerCount: number;
  readonly changeKeys: ChangeKeys;
  /** Target transactions hold about this many row changes (whole source transactions, so sometimes more). */
  readonly batchSize: number;
  /** Rows per multi-row statement. */
  readonly maxRowsPerStatement: number;
  readonly queueCapacity: number;
  readonly checkpoints: CheckpointState;
  /** Where the source stream starts; the watermark before anything is applied. */
  readonly startPosition: BinlogPosition | null;
  /**
   * The earliest position the source still needs to read again after a restart (the start of a prepared XA
   * transaction it holds until its decision), or null: the watermark never passes it.
   */
  readonly sourceHold?: () => BinlogPosition | null;
  readonly watermarkIntervalMs?: number;
  /**
   * While nothing is applied, the position still advances (transactions of other tables, and in bidirectional
   * mode the other direction's own writes, which are dropped as echoes); it is recorded only this often. Writing
   * it each time would itself be a transaction the other direction reads: two idle directions would keep
   * answering each other. Default 5 minutes.
   */
  readonly idleWatermarkIntervalMs?: number;
  readonly retryInitialDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  readonly logger: Logger;
  readonly hooks: ApplyHooks;
  /** Conflict detection (bidirectional); without it every change is written as it comes. */
  readonly conflictCheck?: BatchConflictCheck;
  /** High availability: this leader's lease epoch (batches are fenced by it on the target). */
  readonly fenceEpoch?: number;
  /** Needed for `refresh()` (full sync). */
  readonly refreshResolver?: RefreshResolver;
  /** Tables held from the start (their copy was stopped): none of their changes is applied. */
  readonly heldTables?: readonly TablePause[];
  /** How long the group whose turn it is may write before later groups roll back (commit-order.ts); 3 s. */
  readonly turnStallMs?: number;
  /**
   * Bidirectional: rows are written on the columns the target has (apply/target-columns.ts), and a table's
   * target schema is read again with this when the target lacks a column.
   */
  readonly readTargetSchema?: (table: string) => Promise<TableSchema | undefined>;
  /**
   * Bidirectional: the columns the target side dropped or renamed itself on a table (lower-cased names): a row
   * in flight that still has them is written without them (target-columns.ts). Without it, no column is left out.
   */
  readonly removedOnTarget?: (table: string) => RemovedColumns;
}

/** What a refresh changed on the target. */
export interface RefreshOutcome {
  /** Rows written or deleted on the target (not counting rows that already matched the source). */
  readonly rowsWritten: number;
}

/**
 * Full sync: turns refresh requests into writes when their batch is applied, inside its transaction: reads the
 * source's current rows for the keys and (one-way) the target's, and returns the writes that make the target
 * match. Bidirectional resolvers return the source's rows as inserts and leave the comparison to the conflict check.
 */
export interface RefreshResolver {
  resolve(
    connection: PoolConnection,
    schema: TableSchema,
    refreshes: readonly WriteOperation[],
  ): Promise<WriteOperation[]>;
}
