/** Where a server's binlog is now, which binlog files it keeps, and the GTID state at a file position. */
import { SyncError, driverErrorCode } from '../errors/index.js';
import { BinlogPosition } from '../model/index.js';
import type { ServerGtidState } from './gtid-tracker.js';
import {
  readExecutedGtidState,
  readServerInfo,
  showBinlogStatus,
  type Pool,
  type ServerFlavor,
  type QueryRow,
} from '../mysql/index.js';

interface BinaryLogRow extends QueryRow {
  Log_name: string;
}

const accessDeniedCodes = new Set(['ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_ERROR']);

/** MariaDB: the GTID state (`@@gtid_binlog_pos` form) at a binlog position; null when the server cannot tell. */
export async function readBinlogGtidPosition(
  pool: Pool,
  file: string,
  offset: number,
): Promise<string | null> {
  const [rows] = await pool.query<QueryRow[]>('SELECT BINLOG_GTID_POS(?, ?) AS gtidPosition', [file, offset]);
  const gtidPosition: unknown = rows[0]?.gtidPosition;
  return typeof gtidPosition === 'string' && gtidPosition.length > 0 ? gtidPosition : null;
}

/**
 * What the stream's GTID tracker starts from at `position` when it has no GTID state: on MariaDB the state at
 * exactly that position (BINLOG_GTID_POS), when the server can tell; on MySQL, which cannot tell it for a past
 * position, the executed set read now, where the stream will come (gtid-tracker.ts).
 */
export async function gtidStartState(
  pool: Pool,
  flavor: ServerFlavor,
  position: BinlogPosition,
): Promise<{ position: BinlogPosition; serverState: ServerGtidState | null }> {
  if (position.gtid !== null) return { position, serverState: null };
  if (flavor === 'mariadb') {
    const gtid = await readBinlogGtidPosition(pool, position.file, position.offset);
    return { position: gtid === null ? position : position.withGtid(gtid), serverState: null };
  }
  const state = await readExecutedGtidState(pool);
  return { position, serverState: { executed: state.executed, from: state.position.withGtid(null) } };
}

/** The binlog files the server keeps, oldest first. */
export async function listBinaryLogs(pool: Pool): Promise<string[]> {
  const [rows] = await pool.query<BinaryLogRow[]>('SHOW BINARY LOGS');
  return rows.map((row) => row.Log_name);
}

/**
 * The server's current binlog position (SHOW MASTER STATUS) with its GTID state: on MariaDB
 * `BINLOG_GTID_POS(file, offset)` — the state at exactly that position — falling back to `@@gtid_binlog_pos`; on
 * MySQL the executed GTID set when it can be read together with the position (performance_schema.log_status,
 * BACKUP_ADMIN). SHOW BINARY LOG STATUS reads the set an instant before the position, and a transaction committing
 * then would be missing from every later checkpoint: without log_status the position has no GTID, and the stream
 * learns the set once it has passed the point it reads it at (gtid-tracker.ts). Needs REPLICATION CLIENT (MariaDB:
 * BINLOG MONITOR).
 */
export async function readCurrentPosition(pool: Pool): Promise<BinlogPosition> {
  try {
    const serverInfo = await readServerInfo(pool);
    if (serverInfo.flavor === 'mysql') {
      const state = await readExecutedGtidState(pool);
      return state.consistent ? state.position : state.position.withGtid(null);
    }
    const status = await showBinlogStatus(pool);
    if (status?.File === undefined || status.Position === undefined) {
      throw new SyncError(
        'SOURCE_SETTINGS_INVALID',
        'the server has no binlog position (SHOW MASTER STATUS is empty): enable the binary log (log_bin) and restart it',
      );
    }
    const file = status.File;
    const offset = Number(status.Position);
    let gtid = await readBinlogGtidPosition(pool, file, offset);
    if (gtid === null) {
      const [rows] = await pool.query<QueryRow[]>('SELECT @@gtid_binlog_pos AS gtidPosition');
      const fallback: unknown = rows[0]?.gtidPosition;
      gtid = typeof fallback === 'string' && fallback.length > 0 ? fallback : null;
    }
    return new BinlogPosition(file, offset, gtid);
  } catch (error) {
    if (error instanceof SyncError) throw error;
    const code = driverErrorCode(error);
    if (code !== undefined && accessDeniedCodes.has(code)) {
      throw new SyncError(
        'REPLICATION_PRIVILEGES_MISSING',
        'failed to read the binlog position: the user needs REPLICATION CLIENT (MariaDB 10.5+: BINLOG MONITOR)',
        { cause: error },
      );
    }
    throw new SyncError('DATABASE_UNAVAILABLE', 'failed to read the binlog position', { cause: error });
  }
}
