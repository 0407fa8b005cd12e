/** Where a server's binlog ends now: SHOW MASTER STATUS (MySQL 8.4 renamed it SHOW BINARY LOG STATUS). */
import type { Connection, Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { driverErrorCode } from '../errors/index.js';
import { BinlogPosition } from '../model/index.js';

export interface BinlogStatusRow extends RowDataPacket {
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
