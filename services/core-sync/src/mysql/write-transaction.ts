import type { Pool, PoolConnection } from './connection.js';

/**
 * Session settings of every connection that writes rows for the service: the source already checked foreign
 * keys; strict mode so a value the target cannot hold is refused instead of silently changed; explicit zero
 * values kept in AUTO_INCREMENT columns.
 */
export const applySessionSetupStatement =
  "SET SESSION foreign_key_checks = 0, sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'";

/**
 * Runs `work` in one transaction on a pooled connection set up for writing, and commits. On any failure the
 * connection is destroyed rather than returned to the pool (closing it rolls back whatever was left open).
 */
export async function inWriteTransaction<Result>(
  pool: Pool,
  work: (connection: PoolConnection) => Promise<Result>,
): Promise<Result> {
  const connection = await pool.getConnection();
  let healthy = true;
  try {
    await connection.query(applySessionSetupStatement);
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
