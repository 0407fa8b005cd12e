/**
 * What a refusal by the target means for a table, and how a pause shows it. Three refusals are not about one
 * row's values: the target refuses every write (read-only), has no room (full), or cannot take a row in one
 * statement (larger than its max_allowed_packet). None is retried: waiting does not cure it, someone must change
 * the target. The table pauses with its own code and the remedy; its changes stay in the source binlog.
 */
import {
  SyncError,
  describeError,
  driverErrorCode,
  driverErrorOf,
  findInCauses,
  type ErrorCode,
} from '../errors/index.js';
import type { Row, SideName } from '../model/index.js';
import { classifyDriverError } from '../mysql/index.js';
import type { TablePauseReason } from '../status/index.js';

/** How a paused table resumes once its cause is fixed: the end of every pause's remedy. */
export const resumeOrRestart = 'resume (POST /api/v1/sync/resume) or restart core-sync';

export interface TargetRefusal {
  readonly reason: Extract<TablePauseReason, 'target-read-only' | 'target-full' | 'row-too-large'>;
  readonly code: ErrorCode;
  /** What is wrong: "cloud is read-only". */
  readonly problem: string;
  /** The server's words, when it refused: "ER_OPTION_PREVENTS_STATEMENT: The MariaDB server is running…". */
  readonly serverSaid: string | null;
  /** What the operator does about it. */
  readonly remedy: string;
  /** The driver's code, when the server refused. */
  readonly errorCode: string | null;
  /** The row too large (as a pause shows it), when the writer named it. */
  readonly row: Record<string, unknown> | null;
}

/** The refusal `error` stands for, or undefined when it is another kind of error. */
export function describeTargetRefusal(error: unknown, target: SideName): TargetRefusal | undefined {
  const tooLarge = findSyncError(error, 'ROW_TOO_LARGE');
  if (tooLarge !== undefined) {
    return {
      reason: 'row-too-large',
      code: 'ROW_TOO_LARGE',
      problem: `${target} cannot take a row in one statement: ${tooLarge.message}`,
      serverSaid: null,
      remedy: `raise max_allowed_packet on ${target} above the largest row (SET GLOBAL max_allowed_packet, and in its my.cnf), then ${resumeOrRestart}`,
      errorCode: null,
      row: isRecord(tooLarge.details?.row) ? tooLarge.details.row : null,
    };
  }
  const kind = classifyDriverError(error);
  const errorCode = driverErrorCode(error) ?? null;
  const serverSaid = `${errorCode}: ${serverMessage(error)}`;
  switch (kind) {
    case 'target-read-only':
      return {
        reason: 'target-read-only',
        code: 'TARGET_READ_ONLY',
        problem: `${target} is read-only`,
        serverSaid,
        remedy: `make ${target} writable (SET GLOBAL read_only = OFF) or point databases.${target} at the writable primary, then ${resumeOrRestart}`,
        errorCode,
        row: null,
      };
    case 'target-full':
      return {
        reason: 'target-full',
        code: 'TARGET_FULL',
        problem: `${target} is full`,
        serverSaid,
        remedy: `free space on ${target} or raise its limit (disk, tablespace, quota), then ${resumeOrRestart}`,
        errorCode,
        row: null,
      };
    case 'connection':
    case 'row-rejected':
    case 'other':
      return undefined;
  }
}

/** A refusal that stops a table's initial copy: one of TargetRefusal's, or a row the target refuses. */
export interface CopyRefusal extends Omit<TargetRefusal, 'reason'> {
  readonly reason: TargetRefusal['reason'] | 'row-rejected';
}

/**
 * The refusal that stops a table's copy, or undefined for another kind of error. Besides describeTargetRefusal's,
 * a row the target refuses (a value its strict mode does not take, a constraint): the copy cannot go on without
 * it, and the other tables need not wait for it. The row is shown when the copy named it (a ROW_REJECTED error).
 */
export function describeCopyRefusal(
  error: unknown,
  target: SideName,
  source: SideName,
): CopyRefusal | undefined {
  const refusal = describeTargetRefusal(error, target);
  if (refusal !== undefined || classifyDriverError(error) !== 'row-rejected') return refusal;
  const errorCode = driverErrorCode(error) ?? null;
  const named = findSyncError(error, 'ROW_REJECTED');
  return {
    reason: 'row-rejected',
    code: 'ROW_REJECTED',
    problem: `${target} refused a row`,
    serverSaid: `${errorCode}: ${serverMessage(error)}`,
    remedy: `change the row on ${source} or the column on ${target} so that ${target} takes it, then ${resumeOrRestart}`,
    errorCode,
    row: isRecord(named?.details?.row) ? named.details.row : null,
  };
}

/** The pause message of a table whose changes the refusal holds back while streaming. */
export function heldChangesMessage(refusal: TargetRefusal, table: string): string {
  return `${problemWithServerWords(refusal)}; the batch was rolled back and the changes of ${table} are held from here on (nothing is lost): ${refusal.remedy}`;
}

/** The pause message of a table whose initial copy the refusal stopped. */
export function stoppedCopyMessage(refusal: CopyRefusal, table: string): string {
  return `${problemWithServerWords(refusal)}; the copy of ${table} stopped and its changes are not applied (nothing is lost: the table is copied again at the next start): ${refusal.remedy}`;
}

function problemWithServerWords(refusal: CopyRefusal): string {
  return refusal.serverSaid === null ? refusal.problem : `${refusal.problem} (${refusal.serverSaid})`;
}

/** Values longer than this are shown cut short in a pause (a status must not carry a 16 MB blob). */
const shownValueLength = 256;

/** A row as a pause shows it: long strings cut short, long binary values as their size. */
export function rowForPause(row: Row): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (Buffer.isBuffer(value) && value.length > shownValueLength) {
      shown[column] = `<${value.length} bytes>`;
    } else if (typeof value === 'string' && value.length > shownValueLength) {
      shown[column] = `${value.slice(0, shownValueLength)}… (${value.length} characters)`;
    } else {
      shown[column] = value;
    }
  }
  return shown;
}

/** The message of the error the server sent (the one with a driver code), without our wrapping. */
function serverMessage(error: unknown): string {
  return driverErrorOf(error)?.message ?? describeError(error);
}

function findSyncError(error: unknown, code: ErrorCode): SyncError | undefined {
  const found = findInCauses(error, (candidate) => candidate instanceof SyncError && candidate.code === code);
  return found instanceof SyncError ? found : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
