import { driverErrorCode, findInCauses } from '../errors/index.js';

/**
 * Codes that mean the connection itself is gone (not a server's "try again" answer such as a deadlock): whatever
 * the session had open may still be open on the server, or may have committed.
 */
const connectionLostCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'ER_NET_READ_ERROR',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_ERROR_ON_WRITE',
]);

/**
 * Driver and socket codes that mean the connection or server went away, or a server's "try again" answer: retry
 * with backoff.
 */
const connectionErrorCodes = new Set([
  ...connectionLostCodes,
  'ENOTFOUND',
  'EAI_AGAIN',
  'ER_CON_COUNT_ERROR',
  'ER_QUERY_INTERRUPTED',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CANT_LOCK',
  'ER_TOO_MANY_USER_CONNECTIONS',
]);

/** Codes that say this row (not the connection) is refused by the target: retrying cannot help. */
const rowRejectionCodes = new Set([
  'ER_DATA_TOO_LONG',
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
  'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_BAD_NULL_ERROR',
  'ER_NO_DEFAULT_FOR_FIELD',
  'ER_DUP_ENTRY',
  'ER_NO_REFERENCED_ROW_2',
  'ER_ROW_IS_REFERENCED_2',
  'ER_CHECK_CONSTRAINT_VIOLATED',
  'ER_CONSTRAINT_FAILED',
  'ER_INVALID_JSON_TEXT',
  'ER_INVALID_CHARACTER_STRING',
  'ER_WRONG_VALUE_FOR_TYPE',
  'WARN_DATA_TRUNCATED',
  'ER_BAD_FIELD_ERROR',
  'ER_NO_SUCH_TABLE',
  'ER_WRONG_VALUE_COUNT_ON_ROW',
  'ER_DATETIME_FUNCTION_OVERFLOW',
]);

/**
 * Codes that say the target refuses every write: `read_only` / `super_read_only` (ER_OPTION_PREVENTS_STATEMENT;
 * accounts with READ_ONLY ADMIN or SUPER are not stopped by it), `innodb_read_only`, a table opened read-only.
 * Waiting does not cure it by itself (someone must make the server writable or point the service at the primary).
 */
const targetReadOnlyCodes = new Set([
  'ER_OPTION_PREVENTS_STATEMENT',
  'ER_READ_ONLY_MODE',
  'ER_OPEN_AS_READONLY',
]);

/** Codes that say the target has no room: a full disk, tablespace or table (InnoDB reports a full disk as 1114). */
const targetFullCodes = new Set(['ER_RECORD_FILE_FULL', 'ER_DISK_FULL']);

export type DriverErrorKind = 'connection' | 'row-rejected' | 'target-read-only' | 'target-full' | 'other';

/** Classifies a driver error by its code (never by message text). */
export function classifyDriverError(error: unknown): DriverErrorKind {
  const code = driverErrorCode(error);
  if (code === undefined) return 'other';
  if (connectionErrorCodes.has(code)) return 'connection';
  if (rowRejectionCodes.has(code)) return 'row-rejected';
  if (targetReadOnlyCodes.has(code)) return 'target-read-only';
  if (targetFullCodes.has(code)) return 'target-full';
  return 'other';
}

export function isConnectionError(error: unknown): boolean {
  return classifyDriverError(error) === 'connection';
}

/**
 * True when the connection an error came from is unusable: a lost-connection code, or the driver's `fatal` flag
 * (mysql2 sets it on every network failure, including a command sent to a connection that already died).
 */
export function isConnectionLost(error: unknown): boolean {
  const code = driverErrorCode(error);
  if (code !== undefined && connectionLostCodes.has(code)) return true;
  return findInCauses(error, (candidate) => (candidate as { fatal?: unknown }).fatal === true) !== undefined;
}
