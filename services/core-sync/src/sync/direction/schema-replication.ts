/**
 * Carries a DDL statement on a synced table to the target (`sync.ddl: replicate`), in order with the rows:
 * - the statement the service itself ran for the other direction (marked, target/schema-change-statement.ts) is
 *   an echo: nothing is run, the schemas are followed;
 * - a statement that drops, renames or replaces the table, or works on partitions or tablespaces, pauses it
 *   (binlog/ddl-parser.ts `classifySchemaChange`);
 * - any other waits until every change read before it is applied with the old schema (the barrier: the binlog
 *   reader is held meanwhile, so nothing after it is applied first), then runs on the target exactly once
 *   (target/schema-change-ledger.ts). A statement the target refuses pauses the table, with the statement and
 *   the server's error.
 */
import { classifySchemaChange, type SchemaChangeEvent } from '../../binlog/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncError, describeError, driverErrorCode } from '../../errors/index.js';
import { classifyDriverError, describeColumnDifferences, readTableSchema } from '../../mysql/index.js';
import { sameColumns } from '../../snapshot/index.js';
import type { SideName } from '../../model/index.js';
import {
  appliedFrom,
  applySchemaChangeOnce,
  markApplied,
  resumeOrRestart,
  statementForTarget,
  type LedgerEntry,
  type LedgerOutcome,
  type SchemaChangeTarget,
} from '../../target/index.js';
import { shadowSwap } from './online-schema-change.js';
import type { DirectionContext } from './direction-context.js';

export type SchemaChangeStep =
  /** The engine stopped before the changes ahead of the statement were applied: nothing was run. */
  | { readonly kind: 'interrupted' }
  /** The other direction's own statement: follow both schemas, run nothing. */
  | { readonly kind: 'echo'; readonly appliedFrom: SideName }
  /**
   * Not carried over: the table goes on only if the target has the same columns already (the operator made it so),
   * else it pauses with this message.
   */
  | { readonly kind: 'not-carried'; readonly message: string }
  /** Refused by the target: pause the table with this message. */
  | { readonly kind: 'pause'; readonly message: string; readonly error: SyncError }
  /** Run on the target now, or found run there before (a restart read it again). */
  | {
      readonly kind: 'applied';
      readonly outcome: LedgerOutcome;
      readonly statement: string;
      readonly durationMs: number;
    };

/** How far a statement is quoted in a status message. */
const quotedLength = 300;

export function quoteStatement(statement: string): string {
  const trimmed = statement.trim().replace(/\s+/g, ' ');
  return trimmed.length <= quotedLength ? trimmed : `${trimmed.slice(0, quotedLength)}…`;
}

export async function replicateSchemaChange(
  context: DirectionContext,
  ledgerTarget: SchemaChangeTarget,
  event: SchemaChangeEvent,
  /** Resolves true once every change read before the statement is applied, false if the engine stopped first. */
  earlierChangesApplied: () => Promise<boolean>,
  running: () => void,
): Promise<SchemaChangeStep> {
  const echoOf = appliedFrom(event.statement);
  if (echoOf !== undefined) return { kind: 'echo', appliedFrom: echoOf };
  const { source, target } = context;
  context.bidirectional?.schemaChanges.note(source, event.table, event.statement);
  const quoted = quoteStatement(event.statement);
  const planned = await plannedEntries(context, ledgerTarget, event);
  // A swapped-in copy's ALTERs are what the source's table went through: their dropped and renamed columns too.
  if (typeof planned !== 'string' && planned.length > 0 && planned[0]?.statement !== event.statement) {
    for (const entry of planned)
      context.bidirectional?.schemaChanges.noteRemovedColumns(source, event.table, entry.statement);
  }
  if (typeof planned === 'string') {
    return {
      kind: 'not-carried',
      message: `${planned}: make ${event.table} on ${target} what it is on ${source}, then ${resumeOrRestart}`,
    };
  }
  if (!(await earlierChangesApplied())) return { kind: 'interrupted' };
  running();
  const started = Date.now();
  const outcomes: LedgerOutcome[] = [];
  for (const entry of planned) {
    try {
      outcomes.push(await applyWithRetries(context, ledgerTarget, entry));
    } catch (error) {
      if (!(error instanceof SyncError) || error.code !== 'SCHEMA_CHANGE_FAILED') throw error;
      if (!(await targetHasTheChange(context, event.table, error))) {
        const targetOwn = context.bidirectional?.schemaChanges.latest(target, event.table);
        const meanwhile =
          targetOwn === undefined
            ? ''
            : `; ${target} changed ${event.table} itself: ${quoteStatement(targetOwn)}`;
        return {
          kind: 'pause',
          message: `${describeError(error)} (statement from ${source}: ${quoted}${meanwhile}); make ${event.table} the same on both sides, then ${resumeOrRestart}`,
          error,
        };
      }
      context.logger.warn(
        { table: event.table, binlogPosition: entry.position.toString(), error: describeError(error) },
        'the target refused the schema change because it has it already (the same statement ran on both sides): going on',
      );
      await markApplied(ledgerTarget, entry);
      outcomes.push('found-applied');
    }
  }
  return {
    kind: 'applied',
    outcome: outcomes.includes('applied') ? 'applied' : (outcomes.at(-1) ?? 'found-applied'),
    statement: planned.map((entry) => entry.statement).join('; '),
    durationMs: Date.now() - started,
  };
}

/**
 * The statements to run on the target for `event`, in order (one, or a swapped-in shadow copy's ALTERs), or why
 * the statement is not carried over.
 */
async function plannedEntries(
  context: DirectionContext,
  ledgerTarget: SchemaChangeTarget,
  event: SchemaChangeEvent,
): Promise<readonly LedgerEntry[] | string> {
  const { source, sourceDatabase, targetDatabase } = context;
  const quoted = quoteStatement(event.statement);
  const verdict = classifySchemaChange(event.statement);
  if (!verdict.replicable) {
    const swap = await shadowSwap(context, ledgerTarget, event);
    if (swap !== undefined && swap.entries.length > 0) return swap.entries;
    const unseen =
      swap === undefined ? '' : ` (the swap of its copy ${swap.shadowTable}, whose ALTER was not seen)`;
    return `${verdict.reason} on ${source} (${quoted})${unseen}, which core-sync does not carry over`;
  }
  try {
    const statement = statementForTarget(
      event.statement,
      source,
      sourceDatabase,
      targetDatabase,
      event.position,
    );
    return [{ table: event.table, statement, position: event.position }];
  } catch (error) {
    return `the schema change on ${source} (${quoted}) cannot be carried over: ${describeError(error)}`;
  }
}

/**
 * The server errors of a statement whose change is there already: a column, key or constraint it adds exists, or
 * one it drops does not.
 */
const alreadyThereErrors = new Set([
  'ER_DUP_FIELDNAME',
  'ER_DUP_KEYNAME',
  'ER_CANT_DROP_FIELD_OR_KEY',
  'ER_MULTIPLE_PRI_KEY',
  'ER_FK_DUP_NAME',
  'ER_DUP_CONSTRAINT_NAME',
]);

/**
 * Whether a refused statement found its change on the target already (the operator ran the migration on both
 * sides): the server said so (alreadyThereErrors), and both sides now have the same columns, types and primary
 * key.
 */
async function targetHasTheChange(
  context: DirectionContext,
  table: string,
  error: SyncError,
): Promise<boolean> {
  const code = driverErrorCode(error);
  if (code === undefined || !alreadyThereErrors.has(code)) return false;
  const sourceSchema = await readTableSchema(context.sourcePool, context.sourceDatabase, table);
  const targetSchema = await readTableSchema(context.targetPool, context.targetDatabase, table);
  if (sourceSchema === undefined || targetSchema === undefined) return false;
  const differences = describeColumnDifferences(sourceSchema, targetSchema);
  return (
    differences.missingOnTarget.length === 0 &&
    differences.extraOnTarget.length === 0 &&
    differences.typeMismatches.length === 0 &&
    sameColumns(sourceSchema.primaryKey, targetSchema.primaryKey)
  );
}

/** Attempts of a statement whose connection was lost or whose lock wait ended, before the direction fails. */
const transientAttempts = 5;

/**
 * Runs the statement through the ledger, again after a lost connection, a deadlock or a lock wait that timed out
 * (the ledger settles whether a lost attempt ran), with a growing pause; the last such error is thrown.
 */
async function applyWithRetries(
  context: DirectionContext,
  ledgerTarget: SchemaChangeTarget,
  entry: LedgerEntry,
): Promise<LedgerOutcome> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await applySchemaChangeOnce(ledgerTarget, entry);
    } catch (error) {
      if (classifyDriverError(error) !== 'connection' || attempt >= transientAttempts) throw error;
      const delayMs = 500 * 2 ** (attempt - 1);
      context.logger.warn(
        { table: entry.table, attempt, retryInMs: delayMs, error: describeError(error) },
        'schema change interrupted on the target; trying again',
      );
      await sleep(delayMs);
    }
  }
}
