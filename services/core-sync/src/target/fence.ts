/**
 * The fence of a source's writes on a target (high availability): the `fence` row's epoch is the newest leader's.
 * A new leader raises it at start; every batch of a leader checks it in its own transaction, so a deposed leader's
 * writes roll back instead of landing after the new leader's.
 */
import { SyncError, describeError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import { qualifiedName, type Pool, type PoolConnection, type QueryRow } from '../mysql/index.js';
import { endingBlockers, type BlockedHandler } from './blocking-connections.js';
import { checkpointTableName, fenceSlot } from './checkpoint-table.js';

/**
 * Raises the fence of `sourceName`'s writes on this target to `epoch` (a new leader, at start). It waits for
 * the batches of an older leader that are reading the fence (see `checkFence`), and every later batch of that
 * leader sees the higher epoch and rolls back. Throws LEASE_LOST when a newer leader has raised it already.
 *
 * An older leader frozen in the middle of a batch (a long pause, a suspended VM) holds its shared lock until its
 * connection ends, which would keep the new leader waiting: while the raise waits, the connections blocking it
 * (they can only be the old leader's: nothing else touches the fence row) are ended, so their batches roll back.
 * That needs the server's `sys.innodb_lock_waits` view (MySQL 5.7+, MariaDB 10.6+) and the PROCESS privilege;
 * ending a connection of the same user needs nothing more.
 */
export async function raiseFence(
  pool: Pool,
  database: string,
  sourceName: string,
  epoch: number,
  onBlocked?: BlockedHandler,
): Promise<void> {
  const table = qualifiedName(database, checkpointTableName);
  const connection = await pool.getConnection();
  try {
    await endingBlockers(
      pool,
      connection,
      connection.query(
        `INSERT INTO ${table} (source_name, slot, binlog_file, binlog_position, gtid, epoch, updated_at)
         VALUES (?, ?, 'fence', 0, NULL, ?, UTC_TIMESTAMP(6))
         ON DUPLICATE KEY UPDATE epoch = GREATEST(epoch, VALUES(epoch)), updated_at = VALUES(updated_at)`,
        [sourceName, fenceSlot, epoch],
      ),
      onBlocked,
    );
    const [rows] = await connection.query<FenceRow[]>(
      `SELECT epoch FROM ${table} WHERE source_name = ? AND slot = ?`,
      [sourceName, fenceSlot],
    );
    const current = Number(rows[0]?.epoch ?? 0);
    if (current > epoch) throw leaseLost(sourceName, epoch, current);
  } finally {
    connection.release();
  }
}

/**
 * Inside a batch's transaction: reads the fence with a shared lock (batches of one leader do not block each
 * other; a new leader's `raiseFence` waits for them) and throws LEASE_LOST when a newer leader raised it.
 */
export async function checkFence(
  connection: PoolConnection,
  database: string,
  sourceName: string,
  epoch: number,
): Promise<void> {
  const [rows] = await connection.query<FenceRow[]>(
    `SELECT epoch FROM ${qualifiedName(database, checkpointTableName)}
      WHERE source_name = ? AND slot = ? LOCK IN SHARE MODE`,
    [sourceName, fenceSlot],
  );
  const current = Number(rows[0]?.epoch ?? 0);
  if (current > epoch) throw leaseLost(sourceName, epoch, current);
}

interface FenceRow extends QueryRow {
  epoch: number | string;
}

function leaseLost(sourceName: string, epoch: number, current: number): SyncError {
  return new SyncError(
    'LEASE_LOST',
    `another replica leads now (lease epoch ${current}, this one ${epoch}): writes from ${sourceName} are fenced`,
    { details: { epoch, currentEpoch: current } },
  );
}

/** `raiseFence` for a new leader at start, telling the log what it ends or why it waits. */
export async function raiseLeaderFence(
  pool: Pool,
  database: string,
  sourceName: string,
  epoch: number,
  logger: Logger,
): Promise<void> {
  await raiseFence(pool, database, sourceName, epoch, (connectionIds, error) => {
    if (error === undefined) {
      logger.warn(
        { connectionIds, epoch },
        "ending the previous leader's connections that hold the fence (it was paused mid-batch)",
      );
    } else {
      logger.warn(
        { error: describeError(error), epoch },
        'cannot see what holds the fence (sys.innodb_lock_waits, PROCESS privilege); waiting for it',
      );
    }
  });
}
