/**
 * The one way the service writes to a database: a transaction on a pooled connection set up for writing. Every
 * writer goes through `inWriteTransaction` — the apply engine's batches (batch-transaction.ts), copies, conflict
 * write-backs, resolutions, checkpoint records.
 */
import { describeError, isSyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import {
  isConnectionLost,
  serverConnectionOf,
  serviceSqlMode,
  type Pool,
  type PoolConnection,
} from '../mysql/index.js';

/**
 * Session settings of every connection that writes rows for the service: the source already checked foreign
 * keys. The sql_mode is the one every session starts with (mysql/connection.ts), asserted again where rows are
 * written.
 */
export const applySessionSetupStatement = `SET SESSION foreign_key_checks = 0, sql_mode = '${serviceSqlMode}'`;

/**
 * Locking reads at READ COMMITTED lock the rows they find and no gaps: conflict checks read keys that often do
 * not exist yet (new rows at the end of the key range), and at REPEATABLE READ concurrent batches' gap locks on
 * them deadlock each other's inserts. Rows found absent are then written with a plain INSERT, so a row inserted
 * meanwhile fails the batch (duplicate key) instead of being overwritten unseen.
 */
export const readCommittedStatement = 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED';

export interface WriteTransactionOptions {
  /** Run at READ COMMITTED (see readCommittedStatement) instead of the session's level. */
  readonly readCommitted?: boolean;
  /**
   * Check foreign keys while writing. Off by default (the source checked them); on for stream changes written in
   * source order, so the target cascades as the source did.
   */
  readonly foreignKeyChecks?: boolean;
  /** Awaited after the work, before COMMIT (a group's turn in the apply engine's commit order). */
  readonly beforeCommit?: () => Promise<void>;
  /** Where a failed rollback is reported (the connection is then discarded, which rolls back too). */
  readonly logger?: Logger;
}

type Work<Result> = (connection: PoolConnection) => Promise<Result>;

/**
 * Runs `work` in one transaction on a pooled connection set up for writing, and commits. On a failure the
 * transaction is rolled back and the connection returned to the pool; a connection that is lost, or whose
 * rollback fails, is destroyed instead (closing it rolls back whatever was left open).
 */
export async function inWriteTransaction<Result>(pool: Pool, work: Work<Result>): Promise<Result>;
export async function inWriteTransaction<Result>(
  pool: Pool,
  options: WriteTransactionOptions,
  work: Work<Result>,
): Promise<Result>;
export async function inWriteTransaction<Result>(
  pool: Pool,
  optionsOrWork: WriteTransactionOptions | Work<Result>,
  maybeWork?: Work<Result>,
): Promise<Result> {
  const options = typeof optionsOrWork === 'function' ? {} : optionsOrWork;
  const work = typeof optionsOrWork === 'function' ? optionsOrWork : maybeWork;
  if (work === undefined) throw new TypeError('inWriteTransaction needs a work function');
  const connection = await pool.getConnection();
  let discard = false;
  try {
    await prepareSession(connection, options.foreignKeyChecks === true);
    if (options.readCommitted === true) await connection.query(readCommittedStatement);
    await connection.query('START TRANSACTION');
    const result = await work(connection);
    await options.beforeCommit?.();
    await connection.query('COMMIT');
    return result;
  } catch (error) {
    discard = targetConnectionLost(error) || !(await rolledBack(connection, options.logger));
    throw error;
  } finally {
    if (discard) connection.destroy();
    else connection.release();
  }
}

/**
 * Server connections set up for writing, with their foreign_key_checks setting: every write transaction goes
 * through here, so the setting is known without asking, and set only when it changes (a round trip saved per
 * transaction on a connection that writes often).
 */
const preparedSessions = new WeakMap<object, boolean>();

async function prepareSession(connection: PoolConnection, foreignKeyChecks: boolean): Promise<void> {
  const serverConnection = serverConnectionOf(connection);
  const current = preparedSessions.get(serverConnection);
  if (current === undefined) await connection.query(applySessionSetupStatement);
  if (foreignKeyChecks !== (current ?? false)) {
    await connection.query(`SET SESSION foreign_key_checks = ${foreignKeyChecks ? 1 : 0}`);
  }
  preparedSessions.set(serverConnection, foreignKeyChecks);
}

/**
 * True when the target connection is gone. A state-store error raised inside the transaction (saving a conflict)
 * wraps the store's own driver error: the target connection is fine, and the transaction is simply rolled back.
 */
export function targetConnectionLost(error: unknown): boolean {
  if (isSyncError(error) && error.code.startsWith('STATE_STORE_')) return false;
  return isConnectionLost(error);
}

async function rolledBack(connection: PoolConnection, logger: Logger | undefined): Promise<boolean> {
  try {
    await connection.query('ROLLBACK');
    return true;
  } catch (rollbackError) {
    logger?.warn({ error: describeError(rollbackError) }, 'rollback failed; discarding the connection');
    return false;
  }
}
