/** Where a server's binlog ends now: SHOW MASTER STATUS (MySQL 8.4 renamed it SHOW BINARY LOG STATUS). */
import type { Connection, Pool, PoolConnection, QueryRow } from './driver-types.js';
import { SyncError, driverErrorCode } from '../errors/index.js';
import { BinlogPosition } from '../model/index.js';

export interface BinlogStatusRow extends QueryRow {
  File?: string;
  Position?: number | string;
  Executed_Gtid_Set?: string;
  Binlog_Do_DB?: string;
  Binlog_Ignore_DB?: string;
}

type Queryable = Pool | PoolConnection | Connection;

export async function showBinlogStatus(queryable: Queryable): Promise<BinlogStatusRow | undefined> {
  try {
    const [rows] = await queryable.query<BinlogStatusRow[]>('SHOW MASTER STATUS');
    return rows[0];
  } catch (error) {
    if (driverErrorCode(error) !== 'ER_PARSE_ERROR') throw error;
    const [rows] = await queryable.query<BinlogStatusRow[]>('SHOW BINARY LOG STATUS');
    return rows[0];
  }
}

/**
 * The file and offset after the last transaction in the binlog (no GTID state). Read inside a transaction that
 * holds a row's lock, it is at or after every committed change of that row, and before any later one.
 */
export async function readBinlogEnd(queryable: Queryable): Promise<BinlogPosition> {
  const status = await showBinlogStatus(queryable);
  if (status?.File === undefined || status.Position === undefined) {
    throw new Error('the server has no binlog position (SHOW MASTER STATUS is empty)');
  }
  return new BinlogPosition(status.File, Number(status.Position));
}

/** A MySQL server's binlog end and its executed GTID set there. */
export interface ExecutedGtidState {
  /** The binlog end, its `gtid` the executed set (null when the set is empty). */
  readonly position: BinlogPosition;
  /** The executed GTID set at `position` (`''` when none). */
  readonly executed: string;
  /**
   * True when the two were read together (performance_schema.log_status: the server holds commits while it
   * fills the row). False when from SHOW BINARY LOG STATUS, which reads the set an instant before the position: a
   * transaction committing in that instant is before the position and not in the set.
   */
  readonly consistent: boolean;
}

interface LogStatusRow extends QueryRow {
  LOCAL: unknown;
}

/** Why log_status cannot be read: no BACKUP_ADMIN, or a server without the table (MySQL before 8.0.14). */
const logStatusUnavailableCodes = new Set([
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_NO_SUCH_TABLE',
]);

/**
 * MySQL only: the binlog end and the executed GTID set at it, from performance_schema.log_status when the user
 * may read it (BACKUP_ADMIN), else from SHOW BINARY LOG STATUS (see `consistent`).
 */
export async function readExecutedGtidState(queryable: Queryable): Promise<ExecutedGtidState> {
  try {
    const [rows] = await queryable.query<LogStatusRow[]>('SELECT LOCAL FROM performance_schema.log_status');
    const local: unknown = rows[0]?.LOCAL;
    const parsed = (typeof local === 'string' ? JSON.parse(local) : local) as {
      gtid_executed?: unknown;
      binary_log_file?: unknown;
      binary_log_position?: unknown;
    } | null;
    if (typeof parsed?.binary_log_file === 'string' && parsed.binary_log_file !== '') {
      const executed = (typeof parsed.gtid_executed === 'string' ? parsed.gtid_executed : '').replace(
        /\s/g,
        '',
      );
      return {
        position: new BinlogPosition(parsed.binary_log_file, Number(parsed.binary_log_position), executed),
        executed,
        consistent: true,
      };
    }
  } catch (error) {
    const code = driverErrorCode(error);
    if (code === undefined || !logStatusUnavailableCodes.has(code)) throw error;
  }
  const status = await showBinlogStatus(queryable);
  if (status?.File === undefined || status.Position === undefined) {
    throw new SyncError(
      'SOURCE_SETTINGS_INVALID',
      'the server has no binlog position (SHOW BINARY LOG STATUS is empty): enable the binary log (log_bin) and restart it',
    );
  }
  const executed = (status.Executed_Gtid_Set ?? '').replace(/\s/g, '');
  return {
    position: new BinlogPosition(status.File, Number(status.Position), executed),
    executed,
    consistent: false,
  };
}
