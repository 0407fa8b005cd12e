/**
 * One target transaction of the apply engine: the session set-up once per connection, the checkpoint slots
 * written first (each worker has its own: checkpoint-table.ts), the batch's work, then COMMIT once
 * `beforeCommit` lets it (the group's turn in the commit order).
 *
 * A connection lost after the slots were written leaves the outcome unknown, and for a while: the server may have
 * received COMMIT and committed, or may still hold the transaction open — with its locks — and commit it when a
 * COMMIT held up in the network arrives late. Reading the slots back at once cannot tell (the transaction may not
 * be finished), so the attempt records the uncertainty and the next attempt of the batch resolves it first: it
 * locks the slots' rows, ending the lost transaction if the server still has it (checkpoint-table.ts `lockSlots`),
 * and once it holds the locks the slots say for good whether the earlier attempt committed. A committed batch is
 * never applied twice, and a lost connection never leaves its locks on the target.
 */
import { describeError, isSyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { BinlogPosition, SideName } from '../model/index.js';
import {
  applySessionSetupStatement,
  isConnectionLost,
  readCommittedStatement,
  serverConnectionOf,
  type Pool,
  type PoolConnection,
} from '../mysql/index.js';
import { checkFence, lockSlots, tableSlot, writeSlots, type SlotPosition } from './checkpoint-table.js';
import type { QueuedWrite } from './queued-write.js';

export interface BatchTransactionOptions {
  readonly targetPool: Pool;
  readonly targetDatabase: string;
  readonly sourceName: SideName;
  /** Conflict checks read at READ COMMITTED (see mysql/write-transaction.ts). */
  readonly readCommitted: boolean;
  /** High availability: this leader's lease epoch; every batch checks the target's fence against it. */
  readonly fenceEpoch?: number;
  readonly logger: Logger;
}

/** What the attempts of one batch (or of the watermark writes) carry from one to the next. */
export class BatchAttempts {
  readonly #findDecisiveSlots: () => ReadonlySet<string>;
  #decisiveSlots: ReadonlySet<string> | undefined;
  /** The slots an attempt wrote before its connection was lost: it may have committed, or may still. */
  uncertain: readonly SlotPosition[] | undefined;

  /** `findDecisiveSlots` runs only if an attempt's outcome is ever uncertain (not for every batch). */
  constructor(findDecisiveSlots: () => ReadonlySet<string> = () => new Set()) {
    this.#findDecisiveSlots = findDecisiveSlots;
  }

  /**
   * Slots whose position only this batch moves (a position no earlier batch wrote there): when an earlier attempt
   * may have committed, all of them at that attempt's positions prove it did. Empty when nothing proves it (a
   * batch of refreshes, the watermark): such an attempt is simply written again, which changes nothing.
   */
  get decisiveSlots(): ReadonlySet<string> {
    this.#decisiveSlots ??= this.#findDecisiveSlots();
    return this.#decisiveSlots;
  }
}

/** `committed`: this attempt committed; `committed-earlier`: an earlier attempt did, and this one wrote nothing. */
export type BatchOutcome = 'committed' | 'committed-earlier';

export interface BatchRunOptions {
  /** What carries over between the attempts of one batch (see BatchAttempts). */
  readonly attempts?: BatchAttempts;
  /** Awaited after the work, before COMMIT (the group's turn in the commit order). */
  readonly beforeCommit?: () => Promise<void>;
  /**
   * Check foreign keys while writing: stream changes are written in source order, so the target cascades as the
   * source did. Off for full-sync refreshes (copies of rows in no particular order) and for markers.
   */
  readonly foreignKeyChecks?: boolean;
}

export class BatchTransactions {
  readonly #options: BatchTransactionOptions;
  /** Connections set up for writing, with their foreign_key_checks setting. */
  readonly #preparedConnections = new WeakMap<object, boolean>();
  #blockersReported = false;

  constructor(options: BatchTransactionOptions) {
    this.#options = options;
  }

  /**
   * Runs `work` in one target transaction that first writes `slots`, and commits. With `attempts`, a connection
   * lost after the slots were written is remembered there and resolved by the next call (see the header).
   */
  async run(
    slots: readonly SlotPosition[],
    work: (connection: PoolConnection) => Promise<void>,
    options: BatchRunOptions = {},
  ): Promise<BatchOutcome> {
    const { attempts } = options;
    const { targetPool, targetDatabase, sourceName } = this.#options;
    const connection = await targetPool.getConnection();
    let lost = false;
    let slotsSent = false;
    try {
      const serverConnection = serverConnectionOf(connection);
      const foreignKeyChecks = options.foreignKeyChecks === true;
      const current = this.#preparedConnections.get(serverConnection);
      if (current === undefined) await connection.query(applySessionSetupStatement);
      if (foreignKeyChecks !== (current ?? false)) {
        await connection.query(`SET SESSION foreign_key_checks = ${foreignKeyChecks ? 1 : 0}`);
      }
      this.#preparedConnections.set(serverConnection, foreignKeyChecks);
      if (this.#options.readCommitted) await connection.query(readCommittedStatement);
      await connection.query('START TRANSACTION');
      const { fenceEpoch } = this.#options;
      if (fenceEpoch !== undefined) await checkFence(connection, targetDatabase, sourceName, fenceEpoch);
      if (attempts?.uncertain !== undefined && (await this.#committedEarlier(connection, attempts))) {
        await connection.query('ROLLBACK');
        return 'committed-earlier';
      }
      slotsSent = true;
      await writeSlots(connection, targetDatabase, sourceName, slots);
      await work(connection);
      await options.beforeCommit?.();
      await connection.query('COMMIT');
      return 'committed';
    } catch (error) {
      lost = targetConnectionLost(error);
      if (lost && slotsSent && slots.length > 0 && attempts !== undefined) attempts.uncertain = slots;
      if (!lost) await this.#rollBack(connection).catch(() => (lost = true));
      throw error;
    } finally {
      if (lost) connection.destroy();
      else connection.release();
    }
  }

  /**
   * Locks the slots an earlier attempt wrote (ending its transaction if the server still holds it) and tells
   * whether that attempt committed. Afterwards nothing is uncertain any more: the locks are this transaction's.
   */
  async #committedEarlier(connection: PoolConnection, attempts: BatchAttempts): Promise<boolean> {
    const uncertain = attempts.uncertain ?? [];
    const { targetPool, targetDatabase, sourceName, logger } = this.#options;
    const current = await lockSlots(
      targetPool,
      connection,
      targetDatabase,
      sourceName,
      uncertain.map((entry) => entry.slot),
      (connectionIds, error) => {
        if (error === undefined) {
          logger.warn(
            { connectionIds },
            'ending transactions of the service whose connection was lost (they hold checkpoint locks)',
          );
        } else if (!this.#blockersReported) {
          this.#blockersReported = true;
          logger.warn(
            { error: describeError(error) },
            'cannot see which connections hold checkpoint locks (sys.innodb_lock_waits, PROCESS privilege); waiting for the server to end them',
          );
        }
      },
    );
    attempts.uncertain = undefined;
    const decisive = uncertain.filter((entry) => attempts.decisiveSlots.has(entry.slot));
    const committed =
      decisive.length > 0 &&
      decisive.every((entry) => current.get(entry.slot)?.compare(entry.position) === 0);
    logger.info(
      { committed, slots: uncertain.map((entry) => `${entry.slot}@${entry.position.toString()}`) },
      'learned the outcome of a batch whose connection was lost',
    );
    return committed;
  }

  async #rollBack(connection: PoolConnection): Promise<void> {
    try {
      await connection.query('ROLLBACK');
    } catch (rollbackError) {
      this.#options.logger.warn(
        { error: describeError(rollbackError) },
        'rollback failed; discarding the connection',
      );
      throw rollbackError;
    }
  }
}

/**
 * True when the target connection is gone. A state-store error raised inside the batch (saving a conflict) wraps
 * the store's own driver error: the target connection is fine, and the batch is simply rolled back.
 */
export function targetConnectionLost(error: unknown): boolean {
  if (isSyncError(error) && error.code.startsWith('STATE_STORE_')) return false;
  return isConnectionLost(error);
}

/**
 * The batch's slots whose position only this batch can have written: a table's slot is decisive when a source
 * transaction of the batch (not a refresh, which takes the position of the last transaction read) commits at the
 * slot's new position — no other batch holds that transaction, so the slot held an earlier position before.
 */
export function decisiveSlots(writes: readonly QueuedWrite[], worker: number): Set<string> {
  const lastByTable = new Map<string, BinlogPosition>();
  for (const item of writes) lastByTable.set(item.operation.table, item.commitPosition);
  const decisive = new Set<string>();
  for (const item of writes) {
    if (item.refresh !== undefined) continue;
    const last = lastByTable.get(item.operation.table);
    if (last !== undefined && item.commitPosition.compare(last) === 0)
      decisive.add(tableSlot(item.operation.table, worker));
  }
  return decisive;
}
