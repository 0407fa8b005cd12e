/**
 * Applies source transactions to the target: partitions each change by (table, primary key) over `partitionCount`
 * workers so every row's changes stay in order, batches each partition's queue into one target transaction that
 * also writes the partition's checkpoint (exactly once), pauses a table whose row the target refuses (nothing
 * after it is applied or lost), and tracks the watermark streaming can resume from.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncError, describeError, driverErrorCode } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import {
  BinlogPosition,
  type Row,
  type RowChange,
  type SourceTransaction,
  type TableSchema,
} from '../model/index.js';
import { classifyDriverError, isConnectionLost, type PoolConnection } from '../mysql/index.js';
import { ApplyFailures } from './apply-failures.js';
import { BatchAttempts, BatchTransactions, decisiveSlots } from './batch-transaction.js';
import { BatchWriter, TableWriteError, type WriteOperation } from './batch-writer.js';
import type {
  ApplyEngineOptions,
  ApplyFailure,
  BackpressureState,
  RefreshOutcome,
  TablePause,
} from './engine-types.js';
import { partitionSlot, watermarkSlot, type SlotPosition } from './checkpoint-table.js';
import { forEachWriteOperation } from './change-operations.js';
import { PartitionQueue, type QueuedWrite, type RefreshTicket } from './partition-queue.js';
import { resolveRefreshes } from './refresh-writes.js';
import {
  describeTargetRefusal,
  heldChangesMessage,
  rowForPause,
  type TargetRefusal,
} from './table-pauses.js';
import { partitionFor, primaryKeyText } from './partitioner.js';
import { TransactionTracker } from './transaction-tracker.js';

/** One source transaction (or full-sync refresh) on its way into the partition queues. */
interface TransactionDispatch {
  readonly sequence: number;
  readonly commitPosition: BinlogPosition;
  readonly commitTimestamp: number;
  /** False when the transaction is newer than every checkpoint: none of its changes can be on the target. */
  readonly mayBeApplied: boolean;
  queued: number;
  readonly touchedQueues: Set<PartitionQueue>;
  readonly ticket?: RefreshTicket;
}

/** What a batch's attempt does once it committed: conflict write-backs, and the rows each refresh wrote. */
interface BatchEffects {
  readonly afterCommit: readonly (() => Promise<void>)[];
  readonly refreshWrites: ReadonlyMap<RefreshTicket, number>;
}

/** One batch across its attempts: what they carry over, and the effects of the last attempt that reached COMMIT. */
interface BatchRetry {
  readonly attempts: BatchAttempts;
  effects: BatchEffects | undefined;
}

/** Immediate retries of a batch that met a row inserted on the target meanwhile (bidirectional). */
const maxPrimaryKeyRaceRetries = 5;

export class ApplyEngine {
  readonly #options: ApplyEngineOptions;
  readonly #logger: Logger;
  readonly #writer: BatchWriter;
  readonly #tracker: TransactionTracker;
  readonly #queues: PartitionQueue[];
  readonly #pauses = new Map<string, TablePause>();
  readonly #transactions: BatchTransactions;
  readonly #workers: Promise<void>[] = [];
  readonly #abortController = new AbortController();
  #tables: ReadonlyMap<string, TableSchema>;
  #queuedCount = 0;
  #sourcePaused = false;
  #pauseCount = 0;
  #peakQueueDepth = 0;
  #stopping = false;
  #fatalError: SyncError | undefined;
  #watermarkTimer: NodeJS.Timeout | undefined;
  #committedWatermark: BinlogPosition | null;
  #watermarkWrite: Promise<void> = Promise.resolve();
  #rowsApplied = 0;
  #rowsAppliedAtWatermark = 0;
  #watermarkWrittenAt = 0;
  #drainWaiters: (() => void)[] = [];
  #lastSequence = -1;
  readonly #openTickets = new Set<RefreshTicket>();
  /** Partitions whose batches fail and are retried. */
  readonly #failures: ApplyFailures;
  /** The watermark writes' attempts: a lost one is ended before the next (nothing proves it; it is rewritten). */
  readonly #watermarkAttempts = new BatchAttempts();

  constructor(options: ApplyEngineOptions) {
    this.#options = options;
    this.#logger = options.logger.child({
      component: 'apply',
      direction: `${options.sourceName}_to_${options.targetName}`,
    });
    this.#writer = new BatchWriter(options.targetDatabase, options.maxRowsPerStatement);
    this.#transactions = new BatchTransactions({
      targetPool: options.targetPool,
      targetDatabase: options.targetDatabase,
      sourceName: options.sourceName,
      readCommitted: options.conflictCheck !== undefined,
      ...(options.fenceEpoch === undefined ? {} : { fenceEpoch: options.fenceEpoch }),
      logger: this.#logger,
    });
    this.#tracker = new TransactionTracker(options.startPosition);
    this.#committedWatermark = options.checkpoints.watermark;
    this.#tables = options.tables;
    this.#queues = Array.from({ length: options.partitionCount }, () => new PartitionQueue());
    this.#failures = new ApplyFailures(options.targetName, (failure) =>
      options.hooks.onApplyFailure?.(failure),
    );
    for (const pause of options.heldTables ?? []) this.#pauses.set(pause.table, pause);
  }

  start(): void {
    for (let partition = 0; partition < this.#queues.length; partition += 1) {
      this.#workers.push(this.#runWorker(partition));
    }
    const interval = this.#options.watermarkIntervalMs ?? 1_000;
    this.#watermarkTimer = setInterval(() => {
      this.#watermarkWrite = this.#watermarkWrite.then(() => this.#flushWatermark());
    }, interval);
    this.#watermarkTimer.unref();
  }

  /** Hands a committed source transaction to the partitions. Synchronous: ordering is the caller's. */
  dispatch(transaction: SourceTransaction): void {
    // The engine numbers what it queues itself: full-sync refreshes (refresh()) sit between source transactions.
    const sequence = this.#lastSequence + 1;
    this.#lastSequence = sequence;
    // Changes committed after every checkpoint slot's position cannot have been applied yet: no skip check.
    const highestFloor = this.#options.checkpoints.highestFloor;
    const mayBeApplied = highestFloor !== undefined && transaction.commitPosition.isAtOrBefore(highestFloor);
    const dispatch: TransactionDispatch = {
      sequence,
      commitPosition: transaction.commitPosition,
      commitTimestamp: transaction.commitTimestamp,
      mayBeApplied,
      queued: 0,
      touchedQueues: new Set(),
    };
    for (const change of transaction.changes) {
      const pause = this.#pauses.get(change.table);
      if (pause !== undefined && sequence >= pause.fromSequence) continue;
      this.#queueChange(change, dispatch);
    }
    this.#finishDispatch(dispatch);
  }

  /**
   * Full sync: brings the target's rows of these keys to the source's state, in order with the stream. The
   * refresh is queued like a source transaction at the current end of the stream: whatever was read before it is
   * applied first, and the source's rows are read when it is applied (`RefreshResolver`), so it can neither
   * undo a newer change nor be undone by an older one. Resolves once applied with the rows it changed.
   */
  refresh(table: string, keyRows: readonly Row[]): Promise<RefreshOutcome> {
    const schema = this.#tables.get(table);
    const position = this.#tracker.lastDispatchedPosition;
    if (this.#stopping || this.#fatalError !== undefined || position === null || schema === undefined) {
      const reason =
        schema === undefined
          ? `${table} is not synced in this direction`
          : position === null
            ? 'the apply engine has no stream position yet'
            : 'the apply engine is stopping';
      return Promise.reject(new SyncError('FULL_SYNC_FAILED', `cannot refresh rows of ${table}: ${reason}`));
    }
    if (this.#pauses.has(table)) {
      return Promise.reject(
        new SyncError('FULL_SYNC_FAILED', `cannot refresh rows of ${table}: the table is paused`),
      );
    }
    if (keyRows.length === 0) return Promise.resolve({ rowsWritten: 0 });
    const sequence = this.#lastSequence + 1;
    this.#lastSequence = sequence;
    return new Promise<RefreshOutcome>((resolve, reject) => {
      const ticket: RefreshTicket = { remaining: keyRows.length, rowsWritten: 0, resolve, reject };
      this.#openTickets.add(ticket);
      const dispatch: TransactionDispatch = {
        sequence,
        commitPosition: position,
        commitTimestamp: Date.now(),
        mayBeApplied: false,
        queued: 0,
        touchedQueues: new Set(),
        ticket,
      };
      for (const keyRow of keyRows) {
        const keyText = primaryKeyText(keyRow, schema.primaryKey);
        this.#queueOperation({ kind: 'refresh', table, keyText, row: keyRow, before: null }, dispatch);
      }
      this.#finishDispatch(dispatch);
    });
  }

  #finishDispatch(dispatch: TransactionDispatch): void {
    const { queued } = dispatch;
    this.#tracker.dispatched(dispatch.sequence, dispatch.commitPosition, queued);
    this.#queuedCount += queued;
    this.#peakQueueDepth = Math.max(this.#peakQueueDepth, this.#queuedCount);
    for (const queue of dispatch.touchedQueues) queue.wake();
    if (!this.#sourcePaused && this.#queuedCount >= this.#options.queueCapacity) {
      this.#sourcePaused = true;
      this.#pauseCount += 1;
      this.#options.hooks.pauseSource();
    }
  }

  /** Queues a change as its write operations (change-operations.ts). */
  #queueChange(change: RowChange, dispatch: TransactionDispatch): void {
    const schema = this.#tables.get(change.table);
    if (schema === undefined) return;
    forEachWriteOperation(change, schema.primaryKey, (operation) =>
      this.#queueOperation(operation, dispatch),
    );
  }

  #queueOperation(operation: WriteOperation, dispatch: TransactionDispatch): void {
    if (dispatch.mayBeApplied) {
      const floor = this.#options.checkpoints.skipFloor(operation.table, operation.keyText);
      if (floor !== undefined && dispatch.commitPosition.isAtOrBefore(floor)) return;
    }
    const queue = this.#queues[partitionFor(operation.table, operation.keyText, this.#queues.length)];
    if (queue === undefined) return;
    queue.push({
      operation,
      sequence: dispatch.sequence,
      commitPosition: dispatch.commitPosition,
      commitTimestamp: dispatch.commitTimestamp,
      ...(dispatch.ticket === undefined ? {} : { refresh: dispatch.ticket }),
    });
    dispatch.touchedQueues.add(queue);
    dispatch.queued += 1;
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
    if (this.#pauses.has(table)) return;
    this.#pauseTable({
      table,
      reason,
      code: reason === 'schema-change' ? 'TABLE_PAUSED_DDL' : 'ROW_REJECTED',
      message,
      fromSequence: this.#lastSequence + 1,
      resumePosition: this.#tracker.lastDispatchedPosition,
      position,
      row: null,
      errorCode: null,
    });
  }

  /** Replaces the target schema of a table (after a compatible DDL). */
  updateTableSchema(schema: TableSchema): void {
    const tables = new Map(this.#tables);
    tables.set(schema.name, schema);
    this.#tables = tables;
  }

  get pauses(): ReadonlyMap<string, TablePause> {
    return this.#pauses;
  }

  get queueDepth(): number {
    return this.#queuedCount;
  }

  get backpressure(): BackpressureState {
    return {
      queueCapacity: this.#options.queueCapacity,
      sourcePaused: this.#sourcePaused,
      pauseCount: this.#pauseCount,
      peakQueueDepth: this.#peakQueueDepth,
    };
  }

  /** Batches failing and being retried (the oldest failing partition's failure), or null. */
  get applyFailure(): ApplyFailure | null {
    return this.#failures.current;
  }

  get rowsApplied(): number {
    return this.#rowsApplied;
  }

  /** Everything dispatched before it is applied; paused tables pin it at their pause. */
  get watermark(): BinlogPosition | null {
    let watermark = this.#tracker.watermark;
    for (const pause of this.#pauses.values()) {
      if (
        pause.resumePosition !== null &&
        (watermark === null || pause.resumePosition.compare(watermark) < 0)
      ) {
        watermark = pause.resumePosition;
      }
    }
    return watermark;
  }

  get committedWatermark(): BinlogPosition | null {
    return this.#committedWatermark;
  }

  /** Resolves when every dispatched change is applied (or held). */
  async drained(): Promise<void> {
    if (this.#queuedCount === 0) return;
    await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Applies what is queued, writes the watermark, stops the workers. */
  async drainAndStop(): Promise<void> {
    await this.drained();
    await this.stop();
  }

  /** Stops at once: batches in flight finish or roll back; whatever was not applied is read again next start. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#abortController.abort();
    clearInterval(this.#watermarkTimer);
    for (const queue of this.#queues) queue.wake();
    await Promise.allSettled(this.#workers);
    this.#rejectOpenRefreshes(
      new SyncError('FULL_SYNC_FAILED', 'the apply engine stopped before the refresh'),
    );
    await this.#watermarkWrite;
    if (this.#fatalError === undefined) await this.#flushWatermark(true);
  }

  async #runWorker(partition: number): Promise<void> {
    const queue = this.#queues[partition];
    if (queue === undefined) return;
    while (this.#fatalError === undefined) {
      if (queue.length === 0) {
        if (this.#stopping) return;
        await queue.waitForWork();
        continue;
      }
      if (this.#abortController.signal.aborted) return;
      const batch = queue.takeBatch(this.#options.batchSize);
      try {
        await this.#applyWithRetry(partition, batch);
      } catch (error) {
        if (this.#abortController.signal.aborted) return;
        this.#fail(error);
        return;
      }
      this.#acknowledge(batch);
    }
  }

  #acknowledge(batch: readonly QueuedWrite[]): void {
    let runSequence = -1;
    let runLength = 0;
    for (const item of batch) {
      const ticket = item.refresh;
      if (ticket !== undefined) {
        ticket.remaining -= 1;
        if (ticket.remaining === 0) {
          this.#openTickets.delete(ticket);
          ticket.resolve({ rowsWritten: ticket.rowsWritten });
        }
      }
      if (item.sequence !== runSequence) {
        if (runLength > 0) this.#tracker.acknowledge(runSequence, runLength);
        runSequence = item.sequence;
        runLength = 0;
      }
      runLength += 1;
    }
    if (runLength > 0) this.#tracker.acknowledge(runSequence, runLength);
    this.#queuedCount -= batch.length;
    if (this.#sourcePaused && this.#queuedCount <= this.#options.queueCapacity / 2) {
      this.#sourcePaused = false;
      this.#options.hooks.resumeSource();
    }
    if (this.#queuedCount === 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

  #isHeld(item: QueuedWrite): boolean {
    const pause = this.#pauses.get(item.operation.table);
    return pause !== undefined && item.sequence >= pause.fromSequence;
  }

  async #applyWithRetry(partition: number, batch: readonly QueuedWrite[]): Promise<void> {
    const retryInitialDelayMs = this.#options.retryInitialDelayMs ?? 200;
    const retryMaxDelayMs = this.#options.retryMaxDelayMs ?? 10_000;
    const retry: BatchRetry = {
      attempts: new BatchAttempts(() => decisiveSlots(this.#queues.length, partition, batch)),
      effects: undefined,
    };
    for (let attempt = 1; ; attempt += 1) {
      const writes = batch.filter((item) => !this.#isHeld(item));
      if (writes.length === 0) return;
      try {
        await this.#applyBatch(partition, writes, retry);
        this.#failures.succeeded(partition);
        return;
      } catch (error) {
        if (this.#abortController.signal.aborted) throw error;
        const kind = classifyDriverError(error);
        if (this.#isPrimaryKeyRace(error) && attempt <= maxPrimaryKeyRaceRetries) {
          // Bidirectional: a row with this key was inserted on the target after the conflict check read it
          // absent. The retry reads it and judges it as a conflict.
          this.#logger.debug(
            { partition, attempt },
            'a row appeared on the target during the batch; retrying',
          );
          continue;
        }
        const refusal = describeTargetRefusal(error, this.#options.targetName);
        if (refusal !== undefined && refusal.reason !== 'row-too-large') {
          // Read-only or full: every write would fail, whatever the row. Each table of the batch is held.
          this.#pauseTablesOfBatch(writes, refusal);
          continue;
        }
        const serverRefused =
          error instanceof TableWriteError &&
          kind !== 'connection' &&
          (driverErrorCode(error) !== undefined || refusal !== undefined);
        if (serverRefused) {
          await this.#pauseRejectedTable(error.table, writes, error);
          continue;
        }
        if (kind !== 'connection' && !isConnectionLost(error) && driverErrorCode(error) === undefined)
          throw error;
        const delay = Math.min(retryMaxDelayMs, retryInitialDelayMs * 2 ** Math.min(attempt - 1, 16));
        this.#logger.warn(
          {
            partition,
            attempt,
            rowCount: writes.length,
            errorCode: driverErrorCode(error),
            error: describeError(error),
            retryInMs: delay,
          },
          'batch failed, retrying',
        );
        this.#options.hooks.onRetry?.(error, attempt);
        this.#failures.failed(partition, error);
        await sleep(delay * (0.5 + Math.random() / 2), undefined, { signal: this.#abortController.signal });
      }
    }
  }

  #isPrimaryKeyRace(error: unknown): boolean {
    if (this.#options.conflictCheck === undefined || driverErrorCode(error) !== 'ER_DUP_ENTRY') return false;
    const cause = error instanceof TableWriteError ? error.cause : error;
    return cause instanceof Error && /for key '(?:[^']*\.)?PRIMARY'/.test(cause.message);
  }

  async #applyBatch(partition: number, writes: readonly QueuedWrite[], retry: BatchRetry): Promise<void> {
    const startedAt = performance.now();
    const lastPositionByTable = new Map<string, BinlogPosition>();
    const rowCountByTable = new Map<string, number>();
    for (const item of writes) {
      lastPositionByTable.set(item.operation.table, item.commitPosition);
      rowCountByTable.set(item.operation.table, (rowCountByTable.get(item.operation.table) ?? 0) + 1);
    }
    const slots: SlotPosition[] = [...lastPositionByTable].map(([table, position]) => ({
      slot: partitionSlot(this.#queues.length, partition, table),
      position,
    }));
    // Bidirectional: the other direction does not decide on these rows meanwhile (conflict/row-claims.ts).
    const releaseRows = await this.#options.conflictCheck?.claimRows(writes);
    try {
      await this.#writeBatch(writes, slots, partition, retry);
    } finally {
      releaseRows?.();
    }
    const lastWrite = writes[writes.length - 1];
    this.#rowsApplied += writes.length;
    if (lastWrite !== undefined) {
      const durationMs = performance.now() - startedAt;
      this.#logger.debug(
        {
          partition,
          rowCount: writes.length,
          durationMs,
          binlogPosition: lastWrite.commitPosition.toString(),
        },
        'applied batch',
      );
      this.#options.hooks.onBatchApplied?.({
        partition,
        rowCountByTable,
        rowCount: writes.length,
        durationMs,
        lastCommitPosition: lastWrite.commitPosition,
        lastCommitTimestamp: lastWrite.commitTimestamp,
      });
    }
  }

  /**
   * Writes the batch in one target transaction (through the conflict check, if any), then its write-backs. When
   * an earlier attempt turns out to have committed, its write-backs and refresh counts are the ones that count.
   */
  async #writeBatch(
    writes: readonly QueuedWrite[],
    slots: readonly SlotPosition[],
    partition: number,
    retry: BatchRetry,
  ): Promise<void> {
    // 'committed-earlier' keeps the effects of the attempt that committed (recorded before its COMMIT).
    await this.#transactions.run(
      slots,
      (connection) => this.#writeTables(connection, writes, retry),
      retry.attempts,
    );
    const effects = retry.effects;
    if (effects === undefined) return;
    for (const [ticket, rowsWritten] of effects.refreshWrites) ticket.rowsWritten += rowsWritten;
    for (const action of effects.afterCommit) {
      try {
        await action();
      } catch (error) {
        this.#logger.warn(
          { partition, error: describeError(error) },
          'writing a conflict resolution back to the source failed; the other direction carries it',
        );
      }
    }
  }

  /** One attempt's writes inside the batch transaction; its effects are recorded just before COMMIT. */
  async #writeTables(
    connection: PoolConnection,
    writes: readonly QueuedWrite[],
    retry: BatchRetry,
  ): Promise<void> {
    retry.effects = undefined;
    const afterCommit: (() => Promise<void>)[] = [];
    const refreshWrites = new Map<RefreshTicket, number>();
    const conflictCheck = this.#options.conflictCheck;
    const writesByTable = new Map<string, QueuedWrite[]>();
    for (const item of writes) {
      const tableWrites = writesByTable.get(item.operation.table) ?? [];
      tableWrites.push(item);
      writesByTable.set(item.operation.table, tableWrites);
    }
    for (const [table, queuedWrites] of writesByTable) {
      const schema = this.#tables.get(table);
      if (schema === undefined) continue;
      const tableWrites = await resolveRefreshes(
        connection,
        schema,
        queuedWrites,
        refreshWrites,
        this.#options.refreshResolver,
      );
      if (conflictCheck === undefined) {
        await this.#writer.writeTable(
          connection,
          schema,
          BatchWriter.reduce(tableWrites.map((item) => item.operation)).get(table) ?? [],
        );
        continue;
      }
      const checked = await conflictCheck.check(connection, schema, tableWrites);
      try {
        await this.#writer.writeTable(connection, schema, checked.operations);
      } catch (error) {
        throw error instanceof TableWriteError ? error : new TableWriteError(table, error);
      }
      await checked.beforeCommit?.();
      if (checked.afterCommit !== undefined) afterCommit.push(checked.afterCommit);
    }
    // COMMIT follows: if its outcome is lost, these are the effects of the attempt that may have committed.
    retry.effects = { afterCommit, refreshWrites };
  }

  /** Finds the change the target refuses (row by row, rolled back) and pauses its table from that change on. */
  async #pauseRejectedTable(
    table: string,
    writes: readonly QueuedWrite[],
    batchError: TableWriteError,
  ): Promise<void> {
    const tableWrites = writes.filter((item) => item.operation.table === table);
    const refused = (await this.#findRefusedWrite(table, tableWrites)) ?? {
      item: tableWrites[0],
      error: batchError.cause,
    };
    const culprit = refused.item;
    if (culprit === undefined) return;
    const refusal = describeTargetRefusal(refused.error, this.#options.targetName);
    this.#pauseTable({
      table,
      ...(refusal === undefined
        ? {
            reason: 'row-rejected',
            code: 'ROW_REJECTED',
            message: `the target refused a row of ${table}: ${describeError(refused.error)}`,
          }
        : { reason: refusal.reason, code: refusal.code, message: heldChangesMessage(refusal, table) }),
      fromSequence: culprit.sequence,
      resumePosition: this.#tracker.positionBefore(culprit.sequence),
      position: culprit.commitPosition,
      row: rowForPause(culprit.operation.row),
      errorCode: refusal?.errorCode ?? driverErrorCode(refused.error) ?? null,
    });
  }

  /** Holds every table of a batch the target refused as a whole (read-only, full), each from its first change. */
  #pauseTablesOfBatch(writes: readonly QueuedWrite[], refusal: TargetRefusal): void {
    const firstByTable = new Map<string, QueuedWrite>();
    for (const item of writes) {
      const first = firstByTable.get(item.operation.table);
      if (first === undefined || item.sequence < first.sequence) firstByTable.set(item.operation.table, item);
    }
    for (const [table, first] of firstByTable) {
      this.#pauseTable({
        table,
        reason: refusal.reason,
        code: refusal.code,
        message: heldChangesMessage(refusal, table),
        fromSequence: first.sequence,
        resumePosition: this.#tracker.positionBefore(first.sequence),
        position: first.commitPosition,
        row: null,
        errorCode: refusal.errorCode,
      });
    }
  }

  /**
   * Writes a table's changes one at a time in a transaction that is always rolled back, to name the one the
   * target refuses. Undefined when none fails alone. A lost connection is rethrown (retry, not pause).
   */
  async #findRefusedWrite(
    table: string,
    tableWrites: readonly QueuedWrite[],
  ): Promise<{ item: QueuedWrite; error: unknown } | undefined> {
    const schema = this.#tables.get(table);
    if (schema === undefined) return undefined;
    let refused: { item: QueuedWrite; error: unknown } | undefined;
    const rollbackMarker = new Error('isolation pass rolls back');
    try {
      await this.#transactions.run([], async (connection) => {
        for (const item of tableWrites) {
          try {
            await this.#writer.writeTable(connection, schema, [item.operation]);
          } catch (error) {
            const cause = error instanceof TableWriteError ? error.cause : error;
            if (classifyDriverError(cause) === 'connection') throw cause;
            refused = { item, error: cause };
            break;
          }
        }
        throw rollbackMarker;
      });
    } catch (error) {
      if (error !== rollbackMarker) throw error;
    }
    return refused;
  }

  /**
   * Holds a table's changes from `pause.fromSequence` on. A table already held from an earlier change stays held
   * from there (several partitions can meet the same refusal): the watermark must stay before every change dropped
   * from the queues, or a restart would not read them again.
   */
  #pauseTable(pause: TablePause): void {
    const existing = this.#pauses.get(pause.table);
    if (existing !== undefined && existing.fromSequence <= pause.fromSequence) return;
    this.#pauses.set(pause.table, pause);
    this.#logger.error(
      {
        table: pause.table,
        reason: pause.reason,
        code: pause.code,
        errorCode: pause.errorCode,
        binlogPosition: pause.position?.toString(),
        resumePosition: pause.resumePosition?.toString(),
        error: pause.message,
      },
      'table paused',
    );
    this.#options.hooks.onTablePaused(pause);
  }

  async #flushWatermark(always = false): Promise<void> {
    const watermark = this.watermark;
    if (watermark === null) return;
    if (this.#committedWatermark !== null && watermark.compare(this.#committedWatermark) <= 0) return;
    const rowsApplied = this.#rowsApplied;
    const idleIntervalMs = this.#options.idleWatermarkIntervalMs ?? 300_000;
    if (
      !always &&
      rowsApplied === this.#rowsAppliedAtWatermark &&
      Date.now() - this.#watermarkWrittenAt < idleIntervalMs
    ) {
      return;
    }
    try {
      await this.#transactions.run(
        [{ slot: watermarkSlot, position: watermark }],
        () => Promise.resolve(),
        this.#watermarkAttempts,
      );
      this.#committedWatermark = watermark;
      this.#rowsAppliedAtWatermark = rowsApplied;
      this.#watermarkWrittenAt = Date.now();
      this.#options.hooks.onWatermark?.(watermark);
    } catch (error) {
      this.#logger.warn(
        { error: describeError(error), binlogPosition: watermark.toString() },
        'failed to write the watermark; will retry',
      );
    }
  }

  #fail(error: unknown): void {
    if (this.#fatalError !== undefined) return;
    this.#fatalError =
      error instanceof SyncError
        ? error
        : new SyncError('INTERNAL', 'the apply engine stopped on an unexpected error', { cause: error });
    this.#stopping = true;
    this.#abortController.abort();
    for (const queue of this.#queues) queue.wake();
    this.#rejectOpenRefreshes(this.#fatalError);
    this.#options.hooks.onFatalError(this.#fatalError);
  }

  #rejectOpenRefreshes(error: Error): void {
    for (const ticket of this.#openTickets) ticket.reject(error);
    this.#openTickets.clear();
  }
}
