/**
 * Applies one group (transaction-queue.ts) to the target: waits for the groups it depends on, claims its rows
 * (bidirectional), writes it in one target transaction that commits in its turn (commit-order.ts), and retries,
 * holds tables or gives up as batch-outcome.ts decides. The worker loop around it is in apply-engine.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, driverErrorCode } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { BinlogPosition, SideName, TableSchema } from '../model/index.js';
import type { ApplyFailures } from './apply-failures.js';
import { decideOnFailure, isConnectionFailure, refusedRowPause, retryDelayMs } from './batch-outcome.js';
import {
  BatchAttempts,
  type BatchTransactions,
  TableWriteError,
  tableSlot,
  type SlotPosition,
  rowForPause,
} from '../target/index.js';
import { decisiveSlots } from './decisive-slots.js';
import type { CommitOrder } from './commit-order.js';
import type { ApplyHooks, BatchConflictCheck } from './engine-types.js';
import type { GroupEffects, GroupWriter } from './group-writer.js';
import { HeldMeanwhileError, type HeldTables } from './held-tables.js';
import type { QueuedWrite } from './queued-write.js';
import { moveAt } from './row-move.js';
import type { TransactionTracker } from './transaction-tracker.js';
import type { ApplyGroup } from './transaction-queue.js';

export interface GroupRunnerOptions {
  readonly targetName: SideName;
  readonly transactions: BatchTransactions;
  readonly groupWriter: GroupWriter;
  readonly order: CommitOrder;
  readonly held: HeldTables;
  readonly tracker: TransactionTracker;
  readonly failures: ApplyFailures;
  readonly tables: () => ReadonlyMap<string, TableSchema>;
  /** Bidirectional: reads these tables' target schemas again (a column the target lacks, target-columns.ts). */
  readonly reloadSchemas?: (tables: readonly string[]) => Promise<void>;
  readonly conflictCheck?: BatchConflictCheck;
  /** Stream changes are written with foreign_key_checks = 1 (the target cascades as the source did). */
  readonly foreignKeyChecks: boolean;
  readonly retryInitialDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly hooks: ApplyHooks;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/** A group's outcome: the writes it committed (none when all were held) and what to do after the commit. */
export interface GroupCommit {
  readonly writes: readonly QueuedWrite[];
  readonly effects: GroupEffects;
}

const noEffects: GroupEffects = { afterCommit: [], refreshWrites: new Map() };

export class GroupRunner {
  readonly #options: GroupRunnerOptions;

  constructor(options: GroupRunnerOptions) {
    this.#options = options;
  }

  /**
   * Waits for the group's dependencies and (bidirectional) its row claims, then writes and commits it in its
   * turn. `onCommitted` runs synchronously right after the COMMIT, before the next group's turn comes.
   */
  async run(worker: number, group: ApplyGroup, onCommitted: (commit: GroupCommit) => void): Promise<void> {
    const { order, conflictCheck, signal } = this.#options;
    await order.waitCommitted(group.waitFor, signal);
    let releaseRows: (() => void) | undefined;
    if (conflictCheck !== undefined) {
      await order.waitClaimed(group.index - 1, signal);
      releaseRows = await conflictCheck.claimRows(group.writes);
      order.claimed(group.index);
    }
    try {
      const commit = await this.#commitWithRetry(worker, group);
      onCommitted(commit);
      order.committed(group.index);
      await this.#runAfterCommit(worker, commit.effects);
    } finally {
      releaseRows?.();
    }
  }

  async #commitWithRetry(worker: number, group: ApplyGroup): Promise<GroupCommit> {
    const { order, transactions, groupWriter, held, failures, signal } = this.#options;
    let writes = group.writes;
    const attempts = new BatchAttempts(() => decisiveSlots(writes, worker));
    let effects: GroupEffects | undefined;
    let abortable = true;
    let schemaReloads = 0;
    for (let attempt = 1; ; attempt += 1) {
      writes = group.writes.filter((item) => !held.isHeld(item));
      if (writes.length === 0) {
        await order.waitForTurn(group.index, signal, false);
        return { writes, effects: noEffects };
      }
      order.started(group.index);
      const startedAt = performance.now();
      try {
        const attemptWrites = writes;
        await transactions.run(
          slotsOf(attemptWrites, worker),
          async (connection) => {
            effects = undefined;
            // Recorded before COMMIT: if its outcome is lost, these are the effects of the attempt that may have
            // committed (a later attempt that finds it committed writes nothing and keeps them).
            effects = await groupWriter.write(
              connection,
              attemptWrites,
              group.ordered,
              this.#options.tables(),
            );
          },
          {
            attempts,
            beforeCommit: async () => {
              await order.waitForTurn(group.index, signal, abortable);
              // An earlier group may have held a table of this one meanwhile: nothing of it may commit.
              if (attemptWrites.some((item) => held.isHeld(item))) throw new HeldMeanwhileError();
            },
            foreignKeyChecks: this.#options.foreignKeyChecks && group.foreignKeyChecks,
          },
        );
        failures.succeeded(worker);
        this.#reportApplied(worker, writes, performance.now() - startedAt);
        return { writes, effects: effects ?? noEffects };
      } catch (error) {
        if (signal.aborted) throw error;
        const decision = decideOnFailure(error, {
          attempt,
          targetName: this.#options.targetName,
          conflictChecked: this.#options.conflictCheck !== undefined,
          followsTargetColumns: this.#options.reloadSchemas !== undefined,
          schemaReloads,
        });
        switch (decision.action) {
          case 'rerun-in-turn':
            // Runs again alone once every earlier group committed, so it is in nobody's way.
            abortable = false;
            await order.waitCommitted(group.index - 1, signal);
            continue;
          case 'retry-now':
            this.#options.logger.debug(
              { worker, attempt },
              'a row appeared on the target during the batch; retrying',
            );
            continue;
          case 'pause-tables':
            held.holdTablesOf(writes, decision.refusal);
            continue;
          case 'reload-schemas': {
            const tables = [...new Set(writes.map((item) => item.operation.table))];
            this.#options.logger.info(
              { worker, attempt, tables, error: describeError(error) },
              'a table of the batch changed on the target (a schema change on its way): reading its schema again',
            );
            // The change may still be under way (a swapped-out table being dropped): give it time, then look again.
            order.abortWaitingTurns();
            await sleep(retryDelayMs(schemaReloads + 1, 200, 2_000), undefined, { signal });
            await this.#options.reloadSchemas?.(tables);
            schemaReloads += 1;
            continue;
          }
          case 'pause-table':
            await this.#holdRefusedTable(decision.table, writes, decision.error);
            continue;
          case 'retry-later':
            await this.#backOff(worker, attempt, writes.length, error);
            continue;
          case 'fatal':
            throw error;
        }
      }
    }
  }

  async #backOff(worker: number, attempt: number, rowCount: number, error: unknown): Promise<void> {
    const { order, failures, hooks, logger, signal } = this.#options;
    // Groups waiting for their turn hold row locks this group's next attempt may need.
    order.abortWaitingTurns();
    const delay = retryDelayMs(attempt, this.#options.retryInitialDelayMs, this.#options.retryMaxDelayMs);
    logger.warn(
      {
        worker,
        attempt,
        rowCount,
        errorCode: driverErrorCode(error),
        error: describeError(error),
        retryInMs: Math.round(delay),
      },
      'batch failed, retrying',
    );
    hooks.onRetry?.(error, attempt);
    failures.failed(worker, error);
    await sleep(delay, undefined, { signal });
  }

  #reportApplied(worker: number, writes: readonly QueuedWrite[], durationMs: number): void {
    const lastWrite = writes[writes.length - 1];
    if (lastWrite === undefined) return;
    const rowCountByTable = new Map<string, number>();
    for (const item of writes) {
      rowCountByTable.set(item.operation.table, (rowCountByTable.get(item.operation.table) ?? 0) + 1);
    }
    this.#options.logger.debug(
      { worker, rowCount: writes.length, durationMs, binlogPosition: lastWrite.commitPosition.toString() },
      'applied batch',
    );
    this.#options.hooks.onBatchApplied?.({
      worker,
      rowCountByTable,
      rowCount: writes.length,
      durationMs,
      lastCommitPosition: lastWrite.commitPosition,
      lastCommitTimestamp: lastWrite.commitTimestamp,
    });
  }

  async #runAfterCommit(worker: number, effects: GroupEffects): Promise<void> {
    for (const action of effects.afterCommit) {
      try {
        await action();
      } catch (error) {
        this.#options.logger.warn(
          { worker, error: describeError(error) },
          'writing a conflict resolution back to the source failed; the other direction carries it',
        );
      }
    }
  }

  /**
   * Finds the change the target refuses (one at a time in source order, rolled back) and holds its table from
   * that change on. When none fails alone, the table the batch failed on is held from its first change.
   */
  async #holdRefusedTable(
    table: string,
    writes: readonly QueuedWrite[],
    batchError: TableWriteError,
  ): Promise<void> {
    const refused = (await this.#findRefusedWrite(writes)) ?? {
      item: writes.find((item) => item.operation.table === table),
      error: batchError.cause,
    };
    const culprit = refused.item;
    if (culprit === undefined) return;
    const culpritTable = culprit.operation.table;
    this.#options.held.hold({
      table: culpritTable,
      ...refusedRowPause(refused.error, culpritTable, this.#options.targetName),
      fromSequence: culprit.sequence,
      resumePosition: this.#options.tracker.positionBefore(culprit.sequence),
      position: culprit.commitPosition,
      row: rowForPause(culprit.operation.row),
    });
  }

  /**
   * Writes the changes one at a time in source order (a row move as its one UPDATE, named by its new row) in a
   * transaction that is always rolled back, to name the one the target refuses. Undefined when none fails alone.
   * A lost connection is rethrown (retry, not pause).
   */
  async #findRefusedWrite(
    writes: readonly QueuedWrite[],
  ): Promise<{ item: QueuedWrite; error: unknown } | undefined> {
    const tables = this.#options.tables();
    const { groupWriter } = this.#options;
    let refused: { item: QueuedWrite; error: unknown } | undefined;
    const rollbackMarker = new Error('isolation pass rolls back');
    try {
      await this.#options.transactions.run(
        [],
        async (connection) => {
          for (let index = 0; index < writes.length; index += 1) {
            const item = writes[index] as QueuedWrite;
            const schema = tables.get(item.operation.table);
            if (schema === undefined || item.operation.kind === 'refresh') continue;
            const move = moveAt(writes, index);
            try {
              if (move === undefined)
                await groupWriter.batchWriter.writeTable(connection, schema, [item.operation]);
              else await groupWriter.writeMove(connection, schema, item.operation, move.arrival.operation);
            } catch (error) {
              const cause = error instanceof TableWriteError ? error.cause : error;
              if (isConnectionFailure(cause)) throw cause;
              refused = { item: move?.arrival ?? item, error: cause };
              break;
            }
            if (move !== undefined) index += 1;
          }
          throw rollbackMarker;
        },
        { foreignKeyChecks: this.#options.foreignKeyChecks },
      );
    } catch (error) {
      if (error !== rollbackMarker) throw error;
    }
    return refused;
  }
}

/** The worker's slot of each table, at the commit position of the table's last write in the group. */
function slotsOf(writes: readonly QueuedWrite[], worker: number): SlotPosition[] {
  const lastPositionByTable = new Map<string, BinlogPosition>();
  for (const item of writes) lastPositionByTable.set(item.operation.table, item.commitPosition);
  return [...lastPositionByTable].map(([table, position]) => ({ slot: tableSlot(table, worker), position }));
}
