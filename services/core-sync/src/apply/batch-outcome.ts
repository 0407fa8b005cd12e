/**
 * What a worker does when a group's attempt fails: a pure decision on the error, so every branch is tested
 * without a server.
 */
import { describeError, driverErrorCode } from '../errors/index.js';
import type { SideName } from '../model/index.js';
import { classifyDriverError, isConnectionLost } from '../mysql/index.js';
import type { TablePause } from '../status/index.js';
import {
  TableWriteError,
  describeTargetRefusal,
  heldChangesMessage,
  type TargetRefusal,
} from '../target/index.js';
import { TurnAbortedError } from './commit-order.js';
import { HeldMeanwhileError } from './held-tables.js';

/** Immediate retries of a group that met a row inserted on the target meanwhile (bidirectional). */
export const maxPrimaryKeyRaceRetries = 5;

export type FailureDecision =
  /** Roll back and run again once the group's turn has come (an earlier group was stuck behind this one). */
  | { readonly action: 'rerun-in-turn' }
  /**
   * Run again at once: a row with this key was inserted on the target after the conflict check read it absent,
   * or a table of the group was held while it was written.
   */
  | { readonly action: 'retry-now' }
  /** The target refuses every write (read-only, full): hold every table of the group. */
  | { readonly action: 'pause-tables'; readonly refusal: TargetRefusal }
  /** The target refused a row of this table: find it, and hold the table from that change on. */
  | { readonly action: 'pause-table'; readonly table: string; readonly error: TableWriteError }
  /**
   * The target has no such column (bidirectional, a schema change on its way): read the group's tables' target
   * schemas again and run again, on the columns the target has (target-columns.ts).
   */
  | { readonly action: 'reload-schemas' }
  /** The target is unreachable or answered with an error worth retrying (deadlock, lock wait): back off. */
  | { readonly action: 'retry-later' }
  /** Not the target's doing (a bug): stop the engine. */
  | { readonly action: 'fatal' };

export interface FailureContext {
  readonly attempt: number;
  readonly targetName: SideName;
  /** Bidirectional sync (a conflict check reads the target first). */
  readonly conflictChecked: boolean;
  /** Rows are written on the target's columns, which can be read again (target-columns.ts). */
  readonly followsTargetColumns?: boolean;
  /** How many times this group's target schemas were read again already. */
  readonly schemaReloads?: number;
}

/** Times a group's target schemas are read again before a refusal that persists pauses the table. */
export const maxSchemaReloads = 6;

/**
 * Errors of a target whose table changed under the batch (bidirectional, a schema change on its way): a column it
 * no longer has, or a table swapped by an online schema change tool while the statement opened it (the trigger of
 * the swapped-out table names a table that is gone).
 */
const schemaMovedErrors: ReadonlySet<string> = new Set(['ER_BAD_FIELD_ERROR', 'ER_NO_SUCH_TABLE']);

export function decideOnFailure(error: unknown, context: FailureContext): FailureDecision {
  if (error instanceof TurnAbortedError) return { action: 'rerun-in-turn' };
  if (error instanceof HeldMeanwhileError) return { action: 'retry-now' };
  const kind = classifyDriverError(error);
  if (context.conflictChecked && isPrimaryKeyRace(error) && context.attempt <= maxPrimaryKeyRaceRetries) {
    return { action: 'retry-now' };
  }
  if (
    context.followsTargetColumns === true &&
    schemaMovedErrors.has(driverErrorCode(error) ?? '') &&
    (context.schemaReloads ?? 0) < maxSchemaReloads
  ) {
    return { action: 'reload-schemas' };
  }
  const refusal = describeTargetRefusal(error, context.targetName);
  if (refusal !== undefined && refusal.reason !== 'row-too-large') return { action: 'pause-tables', refusal };
  const serverRefused =
    error instanceof TableWriteError &&
    kind !== 'connection' &&
    (driverErrorCode(error) !== undefined || refusal !== undefined);
  if (serverRefused) return { action: 'pause-table', table: error.table, error };
  if (kind !== 'connection' && !isConnectionLost(error) && driverErrorCode(error) === undefined) {
    return { action: 'fatal' };
  }
  return { action: 'retry-later' };
}

/** While naming a refused write: an error of the connection (the batch is retried), not of the row. */
export function isConnectionFailure(error: unknown): boolean {
  return classifyDriverError(error) === 'connection';
}

/** Why a table whose row the target refused is held: a refusal of every write keeps its code and remedy. */
export function refusedRowPause(
  error: unknown,
  table: string,
  targetName: SideName,
): Pick<TablePause, 'reason' | 'code' | 'message' | 'errorCode'> {
  const refusal = describeTargetRefusal(error, targetName);
  if (refusal !== undefined) {
    return {
      reason: refusal.reason,
      code: refusal.code,
      message: heldChangesMessage(refusal, table),
      errorCode: refusal.errorCode ?? driverErrorCode(error) ?? null,
    };
  }
  return {
    reason: 'row-rejected',
    code: 'ROW_REJECTED',
    message: `the target refused a row of ${table}: ${describeError(error)}`,
    errorCode: driverErrorCode(error) ?? null,
  };
}

function isPrimaryKeyRace(error: unknown): boolean {
  if (driverErrorCode(error) !== 'ER_DUP_ENTRY') return false;
  const cause = error instanceof TableWriteError ? error.cause : error;
  return cause instanceof Error && /for key '(?:[^']*\.)?PRIMARY'/.test(cause.message);
}

/** The delay before the next attempt of a group that failed `attempt` times (with jitter). */
export function retryDelayMs(attempt: number, initialDelayMs: number, maxDelayMs: number): number {
  const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 16));
  return delay * (0.5 + Math.random() / 2);
}
