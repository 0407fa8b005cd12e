/**
 * Transactions of the service that can no longer finish by themselves (a frozen leader, a connection lost to the
 * network) still hold their locks on checkpoint rows: a statement that waits for those locks ends them.
 */
import { connectionIdOf, type Pool, type PoolConnection, type QueryRow } from '../mysql/index.js';

/** Told which connections were ended because they blocked the service (or why they could not be seen). */
export type BlockedHandler = (connectionIds: readonly number[], error?: unknown) => void;

/**
 * Waits for `statement`, running on `connection`; while it waits for locks, ends (after 250 ms, then every second) the connections
 * holding them. Only for statements on checkpoint rows: nothing but the service's own transactions lock those, so
 * a blocker is always a transaction of the service that can no longer finish by itself (a frozen leader, a
 * connection lost to the network). That needs the server's `sys.innodb_lock_waits` view (MySQL 5.7+, MariaDB
 * 10.6+) and the PROCESS privilege; ending a connection of the same user needs nothing more.
 */
export async function endingBlockers<Result>(
  pool: Pool,
  connection: PoolConnection,
  statement: Promise<Result>,
  onBlocked: BlockedHandler | undefined,
): Promise<Result> {
  const ownId = connectionIdOf(connection);
  let done = false;
  const finished = statement.finally(() => {
    done = true;
  });
  // Rejections are awaited below; until then they are not unhandled.
  finished.catch(() => undefined);
  // The first look soon (a lost connection's transaction is the usual blocker), then once a second.
  for (let check = 0; !done; check += 1) {
    const delayMs = check === 0 ? 250 : 1_000;
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, delayMs))]);
    if (!done && ownId !== null) await endBlockers(pool, ownId, onBlocked);
  }
  return finished;
}

interface BlockerRow extends QueryRow {
  blocking_pid: number | string | null;
}

async function endBlockers(
  pool: Pool,
  waitingId: number,
  onBlocked: BlockedHandler | undefined,
): Promise<void> {
  try {
    const [rows] = await pool.query<BlockerRow[]>(
      'SELECT DISTINCT blocking_pid FROM sys.innodb_lock_waits WHERE waiting_pid = ?',
      [waitingId],
    );
    const blockers = rows
      .map((row) => Number(row.blocking_pid))
      .filter((id) => Number.isSafeInteger(id) && id > 0 && id !== waitingId);
    if (blockers.length === 0) return;
    onBlocked?.(blockers);
    for (const id of blockers) await pool.query(`KILL CONNECTION ${id}`);
  } catch (error) {
    // Without the view or the privilege the raise waits for the old leader's connection to end by itself.
    onBlocked?.([], error);
  }
}
