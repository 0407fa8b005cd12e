/**
 * The checkpoint table on each target database. Every applied batch writes its position here in the same
 * transaction as its rows, so after any crash the target itself says what it has committed (exactly once), and
 * in bidirectional mode the listener on the target recognises the service's own transactions by this write.
 *
 * Slots (one row each, per source):
 * - `watermark`: every source transaction up to here is applied in every partition; streaming resumes here.
 * - `p:<partitionCount>:<partition>:<table>`: the table's changes of that partition are applied up to here.
 * - `snapshot:<table>`: the table's snapshot contains every change up to here.
 * - `marker:…`: no position, only a mark — written by the service's own transactions that are not batches (snapshot
 *   chunks, conflict resolutions) so the other direction's listener drops them as echoes.
 */
import type { Pool, PoolConnection, RowDataPacket } from '../mysql/index.js';
import { qualifiedName } from '../mysql/index.js';
import { BinlogPosition } from '../model/index.js';
import { partitionFor } from './partitioner.js';

export const checkpointTableName = '_mysql_sync_checkpoint';
export const watermarkSlot = 'watermark';

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

export interface SlotPosition {
  readonly slot: string;
  readonly position: BinlogPosition;
}

export async function ensureCheckpointTable(pool: Pool, database: string): Promise<void> {
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

export async function readSlots(
  pool: Pool | PoolConnection,
  database: string,
  sourceName: string,
): Promise<SlotPosition[]> {
  const [rows] = await pool.query<SlotRow[]>(
    `SELECT slot, binlog_file, binlog_position, gtid FROM ${qualifiedName(database, checkpointTableName)}
      WHERE source_name = ?`,
    [sourceName],
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

export async function deleteSlots(
  pool: Pool,
  database: string,
  sourceName: string,
  slots: string[],
): Promise<void> {
  if (slots.length === 0) return;
  await pool.query(
    `DELETE FROM ${qualifiedName(database, checkpointTableName)} WHERE source_name = ? AND slot IN (?)`,
    [sourceName, slots],
  );
}

/**
 * What the target has committed for one source, read at start: where to resume streaming and, for each change
 * read again after that, whether its partition already applied it.
 */
export class CheckpointState {
  readonly watermark: BinlogPosition | null;
  readonly #snapshotFloors = new Map<string, BinlogPosition>();
  /** partitionCount → table → partition → position (several counts when `workers` changed between runs). */
  readonly #partitionFloors = new Map<number, Map<string, Map<number, BinlogPosition>>>();
  readonly #tablesWithSlots = new Set<string>();
  /** The latest position any slot records: a change committed after it needs no skip check. */
  readonly highestFloor: BinlogPosition | undefined;

  constructor(slots: readonly SlotPosition[]) {
    let watermark: BinlogPosition | null = null;
    for (const { slot, position } of slots) {
      if (slot === watermarkSlot) {
        watermark = position;
      } else if (slot.startsWith('snapshot:')) {
        const table = slot.slice('snapshot:'.length);
        this.#snapshotFloors.set(table, position);
        this.#tablesWithSlots.add(table);
      } else {
        const match = /^p:(\d+):(\d+):(.*)$/s.exec(slot);
        if (match === null) continue;
        const [, countText, partitionText, table] = match;
        if (countText === undefined || partitionText === undefined || table === undefined) continue;
        const byTable =
          this.#partitionFloors.get(Number(countText)) ?? new Map<string, Map<number, BinlogPosition>>();
        this.#partitionFloors.set(Number(countText), byTable);
        const byPartition = byTable.get(table) ?? new Map<number, BinlogPosition>();
        byTable.set(table, byPartition);
        byPartition.set(Number(partitionText), position);
        this.#tablesWithSlots.add(table);
      }
    }
    this.watermark = watermark;
    const floors: BinlogPosition[] = [...this.#snapshotFloors.values()];
    for (const byTable of this.#partitionFloors.values()) {
      for (const byPartition of byTable.values()) floors.push(...byPartition.values());
    }
    this.highestFloor = BinlogPosition.latest(floors);
  }

  /** True when the target has ever committed anything (snapshot or change) of this table from this source. */
  hasCheckpointFor(table: string): boolean {
    return this.#tablesWithSlots.has(table);
  }

  snapshotFloor(table: string): BinlogPosition | undefined {
    return this.#snapshotFloors.get(table);
  }

  /** The position up to which this row's changes are already on the target (undefined: nothing known). */
  skipFloor(table: string, keyText: string): BinlogPosition | undefined {
    let floor = this.#snapshotFloors.get(table);
    for (const [partitionCount, byTable] of this.#partitionFloors) {
      const byPartition = byTable.get(table);
      if (byPartition === undefined) continue;
      const position = byPartition.get(partitionFor(table, keyText, partitionCount));
      if (position !== undefined && (floor === undefined || position.isAfter(floor))) floor = position;
    }
    return floor;
  }
}
