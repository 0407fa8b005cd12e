/**
 * The checkpoint table on each target database. Every applied batch writes its position here in the same
 * transaction as its rows, so after any crash the target itself says what it has committed (exactly once), and
 * in bidirectional mode the listener on the target recognises the service's own transactions by this write.
 *
 * Slots (one row each, per source):
 * - `watermark`: every source transaction up to here is applied (or held by a paused table, which pins it);
 *   streaming resumes here.
 * - `t:<worker>:<table>`: the last change of the table that worker applied; groups commit in order
 *   (commit-order.ts), so every change of the table up to the latest of the workers' slots is applied. One row per
 *   worker, written first in its group's transaction: groups of different workers never wait for each other's
 *   slot, and a group whose connection was lost holds its slot's lock, so the retry finds and ends it.
 * - `p:<partitionCount>:<partition>:<table>`: written by earlier releases, which applied by key partitions; read
 *   only, so an upgrade skips what those partitions had applied.
 * - `snapshot:<table>`: the table's snapshot contains every change up to here.
 * - `marker:…`: no position, only a mark — written by the service's own transactions that are not batches (snapshot
 *   chunks, conflict resolutions) so the other direction's listener drops them as echoes.
 * - `marker:copying:<table>`: a copy of the table into this target started and has not finished (removed in the
 *   transaction that writes its `snapshot:` slot): the next start copies it again.
 * - `server`: not a position; its `binlog_file` names the source server every position of this source was read
 *   from (`binlog/source-server.ts`), so a stream never starts from a position on another server.
 */
import type { Pool, PoolConnection, RowDataPacket } from '../mysql/index.js';
import { qualifiedName } from '../mysql/index.js';
import { SyncError } from '../errors/index.js';
import { BinlogPosition } from '../model/index.js';

export const checkpointTableName = '_mysql_sync_checkpoint';
export const watermarkSlot = 'watermark';
/** The row whose `epoch` fences writes by a deposed leader (high availability); not a position. */
export const fenceSlot = 'fence';
/** The row that names the source server the positions belong to; not a position. */
export const serverSlot = 'server';

/** The slot of a table's changes applied by one worker (see the header). */
export function tableSlot(table: string, worker: number): string {
  return `t:${worker}:${table}`;
}

/** The slot of one key partition, as releases that applied by partitions wrote it (still read at start). */
export function partitionSlot(partitionCount: number, partition: number, table: string): string {
  return `p:${partitionCount}:${partition}:${table}`;
}

export function snapshotSlot(table: string): string {
  return `snapshot:${table}`;
}

/** A marker slot name for `writeMarker`; keep the set of names small (one row each). */
export function markerSlot(name: string): string {
  return `marker:${name}`;
}

/** The marker of a copy in progress (see the header). */
export function copyMarkerSlot(table: string): string {
  return markerSlot(`copying:${table}`);
}

const copyMarkerPrefix = copyMarkerSlot('');

/** The tables whose copy from this source started and did not finish. */
export async function readUnfinishedCopies(
  pool: Pool,
  database: string,
  sourceName: string,
): Promise<Set<string>> {
  const [rows] = await pool.query<SlotRow[]>(
    `SELECT slot FROM ${qualifiedName(database, checkpointTableName)} WHERE source_name = ? AND slot LIKE ?`,
    [sourceName, `${copyMarkerPrefix}%`],
  );
  return new Set(rows.map((row) => row.slot.slice(copyMarkerPrefix.length)));
}

export interface SlotPosition {
  readonly slot: string;
  readonly position: BinlogPosition;
}

/**
 * Creates the checkpoint table when it is missing. An existing one is only looked up, so a start against a target
 * that refuses writes (read-only) gets as far as streaming: the tables then pause with the target's refusal, and
 * the service keeps reporting, rather than failing to start on a statement that changes nothing.
 */
export async function ensureCheckpointTable(pool: Pool, database: string): Promise<void> {
  const [existing] = await pool.query<RowDataPacket[]>(
    'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, checkpointTableName],
  );
  if (existing.length > 0) return;
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${qualifiedName(database, checkpointTableName)} (
       source_name VARCHAR(64) NOT NULL,
       slot VARCHAR(191) NOT NULL,
       binlog_file VARCHAR(255) NOT NULL,
       binlog_position BIGINT UNSIGNED NOT NULL,
       gtid VARCHAR(1024) NULL,
       epoch BIGINT NOT NULL DEFAULT 0,
       updated_at DATETIME(6) NOT NULL,
       PRIMARY KEY (source_name, slot)
     ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
       COMMENT='mysql-sync: positions applied from the other database (do not edit)'`,
  );
}

interface SlotRow extends RowDataPacket {
  slot: string;
  binlog_file: string;
  binlog_position: number | string;
  gtid: string | null;
}

/** The positions recorded for one source (marker rows carry no position and the fence row is not one). */
export async function readSlots(
  pool: Pool | PoolConnection,
  database: string,
  sourceName: string,
): Promise<SlotPosition[]> {
  const [rows] = await pool.query<SlotRow[]>(
    `SELECT slot, binlog_file, binlog_position, gtid FROM ${qualifiedName(database, checkpointTableName)}
      WHERE source_name = ? AND slot NOT IN (?, ?) AND slot NOT LIKE 'marker:%'`,
    [sourceName, fenceSlot, serverSlot],
  );
  return rows.map((row) => ({
    slot: row.slot,
    position: new BinlogPosition(row.binlog_file, Number(row.binlog_position), row.gtid),
  }));
}

/** Writes slots inside the caller's transaction (one statement). */
export async function writeSlots(
  connection: PoolConnection,
  database: string,
  sourceName: string,
  slots: readonly SlotPosition[],
): Promise<void> {
  if (slots.length === 0) return;
  const values: (string | number | null)[] = [];
  for (const { slot, position } of slots) {
    values.push(sourceName, slot, position.file, position.offset, position.gtid);
  }
  await connection.query(
    `INSERT INTO ${qualifiedName(database, checkpointTableName)}
       (source_name, slot, binlog_file, binlog_position, gtid, updated_at)
     VALUES ${slots.map(() => '(?, ?, ?, ?, ?, UTC_TIMESTAMP(6))').join(', ')}
     ON DUPLICATE KEY UPDATE binlog_file = VALUES(binlog_file), binlog_position = VALUES(binlog_position),
       gtid = VALUES(gtid), updated_at = VALUES(updated_at)`,
    values,
  );
}

/** The source server this source's positions were recorded on (`binlog/source-server.ts`), if recorded. */
export async function readSourceServer(
  pool: Pool,
  database: string,
  sourceName: string,
): Promise<string | undefined> {
  const [rows] = await pool.query<SlotRow[]>(
    `SELECT binlog_file FROM ${qualifiedName(database, checkpointTableName)} WHERE source_name = ? AND slot = ?`,
    [sourceName, serverSlot],
  );
  return rows[0]?.binlog_file;
}

/** Records the source server this source's positions are read from. */
export async function writeSourceServer(
  pool: Pool | PoolConnection,
  database: string,
  sourceName: string,
  identity: string,
): Promise<void> {
  await pool.query(
    `INSERT INTO ${qualifiedName(database, checkpointTableName)}
       (source_name, slot, binlog_file, binlog_position, gtid, updated_at)
     VALUES (?, ?, ?, 0, NULL, UTC_TIMESTAMP(6))
     ON DUPLICATE KEY UPDATE binlog_file = VALUES(binlog_file), updated_at = VALUES(updated_at)`,
    [sourceName, serverSlot, identity],
  );
}

/** Marks the caller's transaction as the service's own (bidirectional echo filter) without a position. */
export async function writeMarker(
  connection: PoolConnection,
  database: string,
  sourceName: string,
  slot: string,
): Promise<void> {
  await connection.query(
    `INSERT INTO ${qualifiedName(database, checkpointTableName)}
       (source_name, slot, binlog_file, binlog_position, gtid, updated_at)
     VALUES (?, ?, '', 0, NULL, UTC_TIMESTAMP(6))
     ON DUPLICATE KEY UPDATE updated_at = VALUES(updated_at)`,
    [sourceName, slot],
  );
}

/** Deletes the named slots of one source (inside the caller's transaction when given a connection). */
export async function deleteSlots(
  queryable: Pool | PoolConnection,
  database: string,
  sourceName: string,
  slots: readonly string[],
): Promise<void> {
  if (slots.length === 0) return;
  await queryable.query(
    `DELETE FROM ${qualifiedName(database, checkpointTableName)} WHERE source_name = ? AND slot IN (?)`,
    [sourceName, [...slots]],
  );
}

/** Deletes one source's marker slots whose names start with `markerSlot(prefix)` (a name of the service's own: no `%` or `_`). */
export async function deleteMarkers(
  pool: Pool,
  database: string,
  sourceName: string,
  prefix: string,
): Promise<void> {
  await pool.query(
    `DELETE FROM ${qualifiedName(database, checkpointTableName)} WHERE source_name = ? AND slot LIKE ?`,
    [sourceName, `${markerSlot(prefix)}%`],
  );
}

/** Deletes every row of one source: its positions, markers, fence and server (the tables are copied again). */
export async function deleteSource(pool: Pool, database: string, sourceName: string): Promise<void> {
  await pool.query(`DELETE FROM ${qualifiedName(database, checkpointTableName)} WHERE source_name = ?`, [
    sourceName,
  ]);
}

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

/** Told which connections were ended because they blocked the service (or why they could not be seen). */
export type BlockedHandler = (connectionIds: readonly number[], error?: unknown) => void;

/**
 * Inside the caller's transaction: locks the slots' rows and reads their positions. A transaction of the service
 * whose connection was lost (a stalled or cut network: the server still holds it open, its locks with it) is
 * ended first, as `raiseFence` does; once the locks are ours, what the slots hold is final — nothing that wrote
 * them before can still commit.
 */
export async function lockSlots(
  pool: Pool,
  connection: PoolConnection,
  database: string,
  sourceName: string,
  slots: readonly string[],
  onBlocked?: BlockedHandler,
): Promise<Map<string, BinlogPosition>> {
  const positions = new Map<string, BinlogPosition>();
  if (slots.length === 0) return positions;
  const [rows] = await endingBlockers(
    pool,
    connection,
    connection.query<SlotRow[]>(
      `SELECT slot, binlog_file, binlog_position, gtid FROM ${qualifiedName(database, checkpointTableName)}
        WHERE source_name = ? AND slot IN (?) FOR UPDATE`,
      [sourceName, [...slots]],
    ),
    onBlocked,
  );
  for (const row of rows) {
    positions.set(row.slot, new BinlogPosition(row.binlog_file, Number(row.binlog_position), row.gtid));
  }
  return positions;
}

/**
 * Waits for `statement`, running on `connection`; while it waits for locks, ends (after 250 ms, then every second) the connections
 * holding them. Only for statements on checkpoint rows: nothing but the service's own transactions lock those, so
 * a blocker is always a transaction of the service that can no longer finish by itself (a frozen leader, a
 * connection lost to the network). That needs the server's `sys.innodb_lock_waits` view (MySQL 5.7+, MariaDB
 * 10.6+) and the PROCESS privilege; ending a connection of the same user needs nothing more.
 */
async function endingBlockers<Result>(
  pool: Pool,
  connection: PoolConnection,
  statement: Promise<Result>,
  onBlocked: BlockedHandler | undefined,
): Promise<Result> {
  const ownId = connection.threadId;
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

interface BlockerRow extends RowDataPacket {
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

interface FenceRow extends RowDataPacket {
  epoch: number | string;
}

function leaseLost(sourceName: string, epoch: number, current: number): SyncError {
  return new SyncError(
    'LEASE_LOST',
    `another replica leads now (lease epoch ${current}, this one ${epoch}): writes from ${sourceName} are fenced`,
    { details: { epoch, currentEpoch: current } },
  );
}
