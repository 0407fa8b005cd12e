/**
 * A load writer's database session: a connection set up as an application's, and transactions where a lock
 * conflict (deadlock, lock wait timeout) is a rollback to try again rather than a failure.
 */
import mysql from 'mysql2/promise';
import { driverErrorCode } from '../../src/errors/index.js';
import { canonicalValueOptions } from '../../src/mysql/index.js';
import { applicationSessionSetup, type TestDatabase } from './test-database.js';

/** A deadlock or lock wait timeout: the writer's own transaction was rolled back; it tries another one. */
function isLockConflict(error: unknown): boolean {
  const code = driverErrorCode(error);
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

export async function openWriterConnection(database: TestDatabase): Promise<mysql.Connection> {
  const connection = await mysql.createConnection({
    ...database.server,
    database: database.name,
    ...canonicalValueOptions,
  });
  await connection.query(applicationSessionSetup);
  return connection;
}

/**
 * Runs `transaction` in a database transaction; true when it committed, false when a lock conflict rolled it
 * back (other errors are thrown).
 */
export async function inTransaction(
  connection: mysql.Connection,
  transaction: () => Promise<void>,
): Promise<boolean> {
  await connection.beginTransaction();
  try {
    await transaction();
    await connection.commit();
    return true;
  } catch (error) {
    await connection.rollback();
    if (isLockConflict(error)) return false;
    throw error;
  }
}
