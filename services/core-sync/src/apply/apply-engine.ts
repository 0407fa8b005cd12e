/**
 * Applies source transactions to the target, transaction-consistently and in parallel where rows do not meet.
 *
 *   dispatch ──> Dispatcher ──> TransactionQueue ──groups──> workers (GroupRunner) ──> target
 *   (source        (writes, keys,     (dependencies,             (one target transaction per
 *    order)         checkpoints,       ordered or reduced)         group, committed in order:
 *                   held tables,                                   CommitOrder)
 *                   backpressure)
 *
 * Every source transaction is applied whole in one target transaction (several independent ones may share it),
 * together with the checkpoint slots of its tables (exactly once). Transactions whose rows meet through a
 * primary, unique or foreign key are applied in source order; the rest in parallel. A table whose row the target
 * refuses is held from that change on (HeldTables), and the watermark (WatermarkWriter) stays before it.
 */
import { SyncError, type ErrorCode } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import {
  BinlogPosition,
  directionName,
  type Row,
  type SourceTransaction,
  type TableSchema,
} from '../model/index.js';
import { ApplyFailures } from './apply-failures.js';
import { BatchTransactions } from '../target/index.js';
import { CommitOrder } from './commit-order.js';
import { Dispatcher, refreshPlace } from './dispatcher.js';
import type { ApplyEngineOptions, ApplyFailure, RefreshOutcome } from './engine-types.js';
import { GroupRunner, type GroupCommit } from './group-runner.js';
import { GroupWriter } from './group-writer.js';
import { HeldTables } from './held-tables.js';
import { TransactionQueue, type ApplyGroup } from './transaction-queue.js';
import { TransactionTracker } from './transaction-tracker.js';
import { WatermarkWriter } from './watermark-writer.js';
import type { BackpressureState, TablePause } from '../status/index.js';

/** Groups in flight past which a free worker waits for the queue to fill a group (see #shouldLetQueueGrow). */
const groupsInFlightWhileQueueIsShort = 2;

/** A group whose turn has come that writes for longer than this makes later groups roll back (commit-order.ts). */
const defaultTurnStallMs = 3_000;

/** The error code of a pause the stream asks for (pauseTableAfterCurrent). */
const pauseCodes: Partial<Record<TablePause['reason'], ErrorCode>> = {
  'schema-change': 'TABLE_PAUSED_DDL',
  'incomplete-row-image': 'ROW_IMAGE_INCOMPLETE',
};

export class ApplyEngine {
  readonly #options: ApplyEngineOptions;
  readonly #logger: Logger;
  readonly #tracker: TransactionTracker;
  readonly #held: HeldTables;
  readonly #queue: TransactionQueue;
  readonly #dispatcher: Dispatcher;
  readonly #order: CommitOrder;
  readonly #runner: GroupRunner;
  readonly #watermarks: WatermarkWriter;
  readonly #failures: ApplyFailures;
  readonly #workers: Promise<void>[] = [];
  readonly #abortController = new AbortController();
  /** Resolved when the engine stops or fails. */
  #markStopped: () => void = () => undefined;
  readonly #stopped = new Promise<void>((resolve) => {
    this.#markStopped = resolve;
  });
  #stopping = false;
  #fatalError: SyncError | undefined;
  #rowsApplied = 0;

  constructor(options: ApplyEngineOptions) {
    this.#options = options;
    this.#logger = options.logger.child({
      component: 'apply',
      direction: directionName(options.sourceName),
    });
    const transactions = new BatchTransactions({
      targetPool: options.targetPool,
      targetDatabase: options.targetDatabase,
      sourceName: options.sourceName,
      // No gap locks: groups running side by side must not block each other on ranges (commit-order.ts).
      readCommitted: true,
      ...(options.fenceEpoch === undefined ? {} : { fenceEpoch: options.fenceEpoch }),
      logger: this.#logger,
    });
    this.#tracker = new TransactionTracker(options.startPosition);
    this.#held = new HeldTables(options.heldTables ?? [], this.#tracker, this.#logger, (pause) =>
      options.hooks.onTablePaused(pause),
    );
    this.#queue = new TransactionQueue((table) => this.#dispatcher.changeKeys.hasForeignKeys(table));
    this.#dispatcher = new Dispatcher(
      {
        queue: this.#queue,
        tracker: this.#tracker,
        held: this.#held,
        checkpoints: options.checkpoints,
        queueCapacity: options.queueCapacity,
        pauseSource: () => options.hooks.pauseSource(),
        resumeSource: () => options.hooks.resumeSource(),
      },
      options.tables,
      options.changeKeys,
    );
    this.#order = new CommitOrder(options.turnStallMs ?? defaultTurnStallMs);
    this.#failures = new ApplyFailures(options.targetName, (failure) =>
      options.hooks.onApplyFailure?.(failure),
    );
    this.#runner = new GroupRunner({
      targetName: options.targetName,
      transactions,
      groupWriter: new GroupWriter({
        targetDatabase: options.targetDatabase,
        maxRowsPerStatement: options.maxRowsPerStatement,
        ...(options.conflictCheck === undefined ? {} : { conflictCheck: options.conflictCheck }),
        ...(options.refreshResolver === undefined ? {} : { refreshResolver: options.refreshResolver }),
        ...(options.removedOnTarget === undefined ? {} : { removedOnTarget: options.removedOnTarget }),
      }),
      order: this.#order,
      held: this.#held,
      tracker: this.#tracker,
      failures: this.#failures,
      tables: () => this.#dispatcher.tables,
      ...(options.readTargetSchema === undefined
        ? {}
        : { reloadSchemas: (tables: readonly string[]) => this.#reloadSchemas(tables) }),
      ...(options.conflictCheck === undefined ? {} : { conflictCheck: options.conflictCheck }),
      foreignKeyChecks: true,
      retryInitialDelayMs: options.retryInitialDelayMs ?? 200,
      retryMaxDelayMs: options.retryMaxDelayMs ?? 10_000,
      hooks: options.hooks,
      logger: this.#logger,
      signal: this.#abortController.signal,
    });
    this.#watermarks = new WatermarkWriter({
      transactions,
      currentWatermark: () => this.watermark,
      rowsApplied: () => this.#rowsApplied,
      committedWatermark: options.checkpoints.watermark,
      intervalMs: options.watermarkIntervalMs ?? 1_000,
      idleIntervalMs: options.idleWatermarkIntervalMs ?? 300_000,
      logger: this.#logger,
      onWatermark: (watermark) => options.hooks.onWatermark?.(watermark),
    });
  }

  start(): void {
    for (let worker = 0; worker < this.#options.workerCount; worker += 1) {
      this.#workers.push(this.#runWorker(worker));
    }
    this.#watermarks.start();
  }

  /** Hands a committed source transaction to the workers. Synchronous: ordering is the caller's. */
  dispatch(transaction: SourceTransaction): void {
    this.#dispatcher.dispatch(transaction);
  }

  /**
   * Full sync: brings the target's rows of these keys to the source's state, in order with the stream. The
   * refresh is queued like a source transaction at the current end of the stream: whatever was read before it is
   * applied first, and the source's rows are read when it is applied (`RefreshResolver`), so it can neither
   * undo a newer change nor be undone by an older one. Resolves once applied with the rows it changed.
   * `deletedRows` (bidirectional): for a key the source deleted, the row as deleted, which the target's row must
   * still be for the delete to be replayed there (the conflict check judges it as that delete).
   */
  refresh(
    table: string,
    keyRows: readonly Row[],
    deletedRows?: ReadonlyMap<string, Row>,
  ): Promise<RefreshOutcome> {
    const place = refreshPlace(
      table,
      this.#dispatcher.tables.get(table),
      this.#tracker.lastDispatchedPosition,
      this.#stopping || this.#fatalError !== undefined,
      this.#held.has(table),
    );
    if (place instanceof SyncError) return Promise.reject(place);
    return this.#dispatcher.refresh(table, keyRows, place.position, place.schema, deletedRows);
  }

  /**
   * Holds back a table's changes from the next transaction on (a DDL the target does not have): they are not
   * applied, and the watermark stays before them so they are read again after a restart.
   */
  pauseTableAfterCurrent(
    table: string,
    reason: TablePause['reason'],
    message: string,
    position: BinlogPosition,
  ): void {
    if (this.#held.has(table)) return;
    this.#held.hold({
      table,
      reason,
      code: pauseCodes[reason] ?? 'ROW_REJECTED',
      message,
      fromSequence: this.#dispatcher.lastSequence + 1,
      resumePosition: this.#tracker.lastDispatchedPosition,
      position,
      row: null,
      errorCode: null,
    });
  }

  /** Replaces the target schema of a table (after a compatible DDL). */
  updateTableSchema(schema: TableSchema): void {
    this.#dispatcher.updateTableSchema(schema);
  }

  get pauses(): ReadonlyMap<string, TablePause> {
    return this.#held.pauses;
  }

  get queueDepth(): number {
    return this.#dispatcher.queuedCount;
  }

  get backpressure(): BackpressureState {
    return {
      queueCapacity: this.#options.queueCapacity,
      sourcePaused: this.#dispatcher.sourcePaused,
      pauseCount: this.#dispatcher.pauseCount,
      peakQueueDepth: this.#dispatcher.peakQueueDepth,
    };
  }

  /** Groups failing and being retried (the oldest failing worker's failure), or null. */
  get applyFailure(): ApplyFailure | null {
    return this.#failures.current;
  }

  get rowsApplied(): number {
    return this.#rowsApplied;
  }

  /**
   * Everything dispatched before it is applied; paused tables pin it at their pause, and so does the source
   * while it holds a transaction it must read again after a restart (a prepared XA transaction).
   */
  get watermark(): BinlogPosition | null {
    const watermark = this.#held.pin(this.#tracker.watermark);
    const hold = this.#options.sourceHold?.() ?? null;
    if (hold === null || watermark === null) return watermark ?? hold;
    return hold.compare(watermark) < 0 ? hold : watermark;
  }

  /**
   * True when every source transaction dispatched with a commit position at or before `end` is applied (or held
   * by a paused table); full-sync refreshes queued meanwhile do not count (TransactionTracker.appliedThrough).
   */
  appliedThrough(end: BinlogPosition): boolean {
    return this.#tracker.appliedThrough(end);
  }

  get committedWatermark(): BinlogPosition | null {
    return this.#watermarks.committed;
  }

  /** Resolves when every dispatched change is applied (or held). */
  drained(): Promise<void> {
    return this.#dispatcher.drained();
  }

  /** True once every dispatched change is applied (or held); false as soon as the engine stops or fails instead. */
  drainedUnlessStopped(): Promise<boolean> {
    return Promise.race([this.drained().then(() => true), this.#stopped.then(() => false)]);
  }

  /** Applies what is queued, writes the watermark, stops the workers. */
  async drainAndStop(): Promise<void> {
    await this.drained();
    await this.stop();
  }

  /** Stops at once: groups in flight finish or roll back; whatever was not applied is read again next start. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#markStopped();
    this.#abortController.abort();
    this.#order.stop();
    this.#queue.wake();
    await Promise.allSettled(this.#workers);
    this.#dispatcher.rejectOpenRefreshes(
      new SyncError('FULL_SYNC_FAILED', 'the apply engine stopped before the refresh'),
    );
    await this.#watermarks.stop(this.#fatalError === undefined);
  }

  async #runWorker(worker: number): Promise<void> {
    while (this.#fatalError === undefined) {
      if (this.#abortController.signal.aborted) return;
      if (this.#shouldLetQueueGrow()) {
        // Not waitForWork: what is queued already is too little; only a commit or more work changes that.
        await Promise.race([this.#order.nextCommit(), this.#queue.waitForPush()]);
        continue;
      }
      const group = this.#queue.takeGroup(this.#options.batchSize);
      if (group === undefined) {
        if (this.#stopping) return;
        await this.#queue.waitForWork();
        continue;
      }
      try {
        await this.#runner.run(worker, group, (commit) => this.#committed(group, commit));
      } catch (error) {
        if (this.#abortController.signal.aborted) return;
        this.#fail(error);
        return;
      }
    }
  }

  /**
   * Groups commit one at a time, so with little queued, many small groups would spend the time in the commit
   * order (each COMMIT a log flush of its own) while changes wait: once a few groups are in flight, a free worker
   * lets the queue grow into a fuller group, unless a full group is waiting already (catch-up keeps every worker
   * busy).
   */
  #shouldLetQueueGrow(): boolean {
    const inFlight = this.#queue.groupsTaken - 1 - this.#order.committedThrough;
    return (
      inFlight >= groupsInFlightWhileQueueIsShort &&
      this.#queue.writeCount < this.#options.batchSize &&
      !this.#stopping
    );
  }

  /** Runs synchronously right after a group's COMMIT, before the next group's turn. */
  #committed(group: ApplyGroup, commit: GroupCommit): void {
    this.#rowsApplied += commit.writes.length;
    this.#queue.release(group);
    this.#dispatcher.acknowledge(group, commit.effects.refreshWrites);
  }

  async #reloadSchemas(tables: readonly string[]): Promise<void> {
    for (const table of tables) {
      const schema = await this.#options.readTargetSchema?.(table);
      if (schema !== undefined) this.#dispatcher.updateTableSchema(schema);
    }
  }

  #fail(error: unknown): void {
    if (this.#fatalError !== undefined) return;
    this.#fatalError =
      error instanceof SyncError
        ? error
        : new SyncError('INTERNAL', 'the apply engine stopped on an unexpected error', { cause: error });
    this.#stopping = true;
    this.#markStopped();
    this.#abortController.abort();
    this.#order.stop();
    this.#queue.wake();
    this.#dispatcher.rejectOpenRefreshes(this.#fatalError);
    this.#options.hooks.onFatalError(this.#fatalError);
  }
}
