/**
 * One target transaction of the apply engine: the session set-up once per connection, the checkpoint slots
 * written first, the batch's work, COMMIT. A connection lost during COMMIT leaves the outcome unknown: the slots
 * are read back to learn it, so a committed batch is never applied twice.
 */
import { describeError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { SideName } from '../model/index.js';
import {
  applySessionSetupStatement,
  classifyDriverError,
  readCommittedStatement,
  type Pool,
  type PoolConnection,
} from '../mysql/index.js';
import { checkFence, readSlots, writeSlots, type SlotPosition } from './checkpoint-table.js';

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

export class BatchTransactions {
  readonly #options: BatchTransactionOptions;
  readonly #preparedConnections = new WeakSet<object>();

  constructor(options: BatchTransactionOptions) {
    this.#options = options;
  }

  /** Runs `work` in one target transaction that first writes `slots`, and commits. */
  async run(
    slots: readonly SlotPosition[],
    work: (connection: PoolConnection) => Promise<void>,
  ): Promise<void> {
    const { targetPool, targetDatabase, sourceName } = this.#options;
    const connection = await targetPool.getConnection();
    let healthy = true;
    try {
      // Keyed by the server connection: mysql2 wraps it in a new object at every getConnection().
      const serverConnection: object = (connection as { connection?: object }).connection ?? connection;
      if (!this.#preparedConnections.has(serverConnection)) {
        await connection.query(applySessionSetupStatement);
        this.#preparedConnections.add(serverConnection);
      }
      if (this.#options.readCommitted) await connection.query(readCommittedStatement);
      await connection.query('START TRANSACTION');
      const { fenceEpoch } = this.#options;
      if (fenceEpoch !== undefined) await checkFence(connection, targetDatabase, sourceName, fenceEpoch);
      await writeSlots(connection, targetDatabase, sourceName, slots);
      await work(connection);
      try {
        await connection.query('COMMIT');
      } catch (commitError) {
        healthy = false;
        if (classifyDriverError(commitError) === 'connection' && (await this.#slotsCommitted(slots))) return;
        throw commitError;
      }
    } catch (error) {
      if (healthy) {
        try {
          await connection.query('ROLLBACK');
        } catch (rollbackError) {
          healthy = false;
          this.#options.logger.warn(
            { error: describeError(rollbackError) },
            'rollback failed; discarding the connection',
          );
        }
      }
      if (classifyDriverError(error) === 'connection') healthy = false;
      throw error;
    } finally {
      if (healthy) connection.release();
      else connection.destroy();
    }
  }

  async #slotsCommitted(slots: readonly SlotPosition[]): Promise<boolean> {
    if (slots.length === 0) return false;
    const { targetPool, targetDatabase, sourceName, logger } = this.#options;
    try {
      const committed = await readSlots(targetPool, targetDatabase, sourceName);
      const bySlot = new Map(committed.map((entry) => [entry.slot, entry.position]));
      return slots.every((expected) => bySlot.get(expected.slot)?.compare(expected.position) === 0);
    } catch (error) {
      // Unknown either way: treat as not committed; the retry re-applies the same final row states.
      logger.warn({ error: describeError(error) }, 'could not learn whether a batch committed; retrying it');
      return false;
    }
  }
}
