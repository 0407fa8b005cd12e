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
 * - `marker:…`: no position, only a mark — written by the service's own transactions that are not batches (copy
 *   chunks, conflict resolutions) so the other direction's listener drops them as echoes (echo-markers.ts).
 * - `marker:copying:<table>`: a copy of the table into this target started and has not finished (removed in the
 *   transaction that writes its `snapshot:` slot): the next start copies it again.
 * - `marker:history`, `marker:catch-up`: a full sync's binlog read commits one to mark where the binlog ended; the
 *   history read writes a token of its own into `binlog_file` and reads until the transaction carrying it
 *   (echo-markers.ts `writeEndMarker`).
 * - `marker:adopting:<table>`: bidirectional; the table was adopted with rows on both sides and no reconciling
 *   run has finished it yet (written with its `snapshot:` slot, removed when a run completes the table): the
 *   next start adopts it again.
 * - `fence`: not a position; its `epoch` fences writes by a deposed leader (fence.ts).
 * - `server`: not a position; its `binlog_file` names the source server every position of this source was read
 *   from (`binlog/source-server.ts`), so a stream never starts from a position on another server.
 */
import { BinlogPosition } from '../model/index.js';
import { qualifiedName, type Pool, type PoolConnection, type QueryRow } from '../mysql/index.js';
import { endingBlockers, type BlockedHandler } from './blocking-connections.js';

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
  const [existing] = await pool.query<QueryRow[]>(
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

interface SlotRow extends QueryRow {
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

/** Deletes every row of one source: its positions, markers, fence and server (the tables are copied again). */
export async function deleteSource(pool: Pool, database: string, sourceName: string): Promise<void> {
  await pool.query(`DELETE FROM ${qualifiedName(database, checkpointTableName)} WHERE source_name = ?`, [
    sourceName,
  ]);
}

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
