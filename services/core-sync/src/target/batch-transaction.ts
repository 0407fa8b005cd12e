/**
 * One target transaction of the apply engine (a write transaction: write-transaction.ts): the checkpoint slots
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
import { describeError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { SideName } from '../model/index.js';
import type { Pool, PoolConnection } from '../mysql/index.js';
import { checkFence } from './fence.js';
import { lockSlots, writeSlots, type SlotPosition } from './checkpoint-table.js';
import { inWriteTransaction, targetConnectionLost } from './write-transaction.js';

export interface BatchTransactionOptions {
  readonly targetPool: Pool;
  readonly targetDatabase: string;
  readonly sourceName: SideName;
  /** Conflict checks read at READ COMMITTED (see write-transaction.ts). */
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
    const { targetPool, targetDatabase, sourceName, fenceEpoch, readCommitted, logger } = this.#options;
    let slotsSent = false;
    let outcome: BatchOutcome = 'committed';
    try {
      await inWriteTransaction(
        targetPool,
        {
          readCommitted,
          foreignKeyChecks: options.foreignKeyChecks === true,
          logger,
          // An attempt that learns an earlier one committed wrote nothing: it has no turn to wait for.
          beforeCommit: async () => {
            if (outcome === 'committed') await options.beforeCommit?.();
          },
        },
        async (connection) => {
          if (fenceEpoch !== undefined) await checkFence(connection, targetDatabase, sourceName, fenceEpoch);
          if (attempts?.uncertain !== undefined && (await this.#committedEarlier(connection, attempts))) {
            outcome = 'committed-earlier';
            return;
          }
          slotsSent = true;
          await writeSlots(connection, targetDatabase, sourceName, slots);
          await work(connection);
        },
      );
      // Only now is the earlier attempt's outcome settled for good: had this transaction failed, the next attempt
      // would have to look again (it may have learned that the earlier one committed, and must not apply it twice).
      if (attempts !== undefined) attempts.uncertain = undefined;
      return outcome;
    } catch (error) {
      const lost = targetConnectionLost(error);
      if (lost && slotsSent && slots.length > 0 && attempts !== undefined) attempts.uncertain = slots;
      throw error;
    }
  }

  /**
   * Locks the slots an earlier attempt wrote (ending its transaction if the server still holds it) and tells
   * whether that attempt committed. Once this transaction ends, nothing is uncertain any more: the locks were its own.
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
}
