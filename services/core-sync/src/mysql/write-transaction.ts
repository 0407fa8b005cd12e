import { serviceSqlMode, type Pool, type PoolConnection } from './connection.js';

/**
 * Session settings of every connection that writes rows for the service: the source already checked foreign
 * keys. The sql_mode is the one every session starts with (connection.ts), asserted again where rows are written.
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
}

/**
 * Runs `work` in one transaction on a pooled connection set up for writing, and commits. On any failure the
 * connection is destroyed rather than returned to the pool (closing it rolls back whatever was left open).
 */
export async function inWriteTransaction<Result>(
  pool: Pool,
  optionsOrWork: WriteTransactionOptions | ((connection: PoolConnection) => Promise<Result>),
  maybeWork?: (connection: PoolConnection) => Promise<Result>,
): Promise<Result> {
  const options = typeof optionsOrWork === 'function' ? {} : optionsOrWork;
  const work = typeof optionsOrWork === 'function' ? optionsOrWork : maybeWork;
  if (work === undefined) throw new TypeError('inWriteTransaction needs a work function');
  const connection = await pool.getConnection();
  let healthy = true;
  try {
    await connection.query(applySessionSetupStatement);
    if (options.readCommitted === true) await connection.query(readCommittedStatement);
    await connection.query('START TRANSACTION');
    const result = await work(connection);
    await connection.query('COMMIT');
    return result;
  } catch (error) {
    healthy = false;
    throw error;
  } finally {
    if (healthy) connection.release();
    else connection.destroy();
  }
}
