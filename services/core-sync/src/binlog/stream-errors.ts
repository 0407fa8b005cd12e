/**
 * Classifies why a binlog stream ended: retry (connection lost, server restarted, heartbeat missed, anything
 * unknown) or stop for good (binlog purged, privileges missing, settings wrong). By driver error code, never by
 * message text.
 */
import { SyncError, driverErrorCode, isSyncError } from '../errors/index.js';
import type { BinlogPosition } from '../model/index.js';
import type { Pool } from '../mysql/index.js';
import { listBinaryLogs } from './server-position.js';

/** The server refuses the replication user (login, or a privilege the dump needs). */
export const privilegeErrorCodes: ReadonlySet<string> = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
]);

/** Error 1236: the server cannot stream from the requested position (file purged, offset beyond the file…). */
const binlogReadErrorCodes: ReadonlySet<string> = new Set([
  'ER_SOURCE_FATAL_ERROR_READING_BINLOG',
  'ER_MASTER_FATAL_ERROR_READING_BINLOG',
]);
const binlogReadErrno = 1236;

function isBinlogReadError(error: unknown): boolean {
  const code = driverErrorCode(error);
  if (code !== undefined && binlogReadErrorCodes.has(code)) return true;
  return (error as { errno?: unknown } | null)?.errno === binlogReadErrno;
}

export interface StreamErrorContext {
  /** The control pool, to look at the server's binlog files; null when there is none. */
  readonly pool: Pool | null;
  /** Where the stream was (re)started from. */
  readonly position: BinlogPosition;
  /** Names the server in messages, e.g. `local (127.0.0.1:3306)`. */
  readonly serverLabel: string;
}

export async function classifyStreamError(error: unknown, context: StreamErrorContext): Promise<SyncError> {
  if (isSyncError(error)) return error;
  const code = driverErrorCode(error);
  if (code !== undefined && privilegeErrorCodes.has(code)) {
    return new SyncError(
      'REPLICATION_PRIVILEGES_MISSING',
      `the replication user may not stream the binlog of ${context.serverLabel}: grant it REPLICATION SLAVE and ` +
        'REPLICATION CLIENT (MariaDB 10.5+: REPLICATION SLAVE and BINLOG MONITOR) and SELECT on the database',
      { cause: error, details: { driverCode: code } },
    );
  }
  if (isBinlogReadError(error)) return classifyBinlogReadError(error, context);
  return new SyncError('BINLOG_STREAM_FAILED', `the binlog stream of ${context.serverLabel} broke`, {
    cause: error,
    details: { driverCode: code ?? null, position: context.position.toString() },
  });
}

async function classifyBinlogReadError(error: unknown, context: StreamErrorContext): Promise<SyncError> {
  const { position, serverLabel } = context;
  let files: string[];
  try {
    if (context.pool === null) throw new Error('no control connection');
    files = await listBinaryLogs(context.pool);
  } catch (listError) {
    // Cannot tell purged from a passing problem: retry, and the next attempt classifies again.
    return new SyncError('BINLOG_STREAM_FAILED', `the binlog stream of ${serverLabel} broke`, {
      cause: new AggregateError([error, listError], 'streaming failed and SHOW BINARY LOGS failed too'),
      details: { position: position.toString() },
    });
  }
  if (!files.includes(position.file)) {
    return new SyncError(
      'BINLOG_PURGED',
      `cannot resume streaming ${serverLabel} from ${position.toString()}: binlog file ${position.file} was purged ` +
        `(oldest kept: ${files[0] ?? 'none'}). Changes since then are lost to streaming: run a full resync of the ` +
        'synced tables, and raise binlog retention (binlog_expire_logs_seconds / expire_logs_days)',
      { cause: error, details: { position: position.toString(), oldestBinlogFile: files[0] ?? null } },
    );
  }
  return new SyncError(
    'BINLOG_STREAM_FAILED',
    `${serverLabel} refuses to stream its binlog from ${position.toString()} (the file exists; the position is ` +
      'not an event boundary or lies beyond its end, e.g. after a crash lost the end of the binlog): run a full resync',
    { cause: error, retryable: false, details: { position: position.toString() } },
  );
}
