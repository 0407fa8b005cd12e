/**
 * Online schema change tools on a synced table (pt-online-schema-change, gh-ost): the tool copies the table into a
 * shadow table (`_items_new`, `_items_gho`) whose definition it changes with an ALTER TABLE, keeps the copy up to
 * date, and swaps the two in one `RENAME TABLE items TO _items_old, _items_new TO items`. The shadow table's rows
 * are not synced (it is not a synced table); its CREATE and ALTERs are recorded in the target's ledger
 * (target/schema-change-ledger.ts, kept across restarts: a copy can take hours); at the swap the target's table
 * gets the same ALTERs, in order with the rows, as TiDB DM does one way.
 */
import { renamedTables, shadowTableBase, type SchemaChangeEvent } from '../../binlog/index.js';
import {
  alterOfShadowAsTable,
  recordShadowStatement,
  shadowStatements,
  statementForTarget,
  type LedgerEntry,
  type SchemaChangeTarget,
} from '../../target/index.js';
import type { DirectionContext } from './direction-context.js';

/** The ledger of this direction's target, for the statements read from `sourceServer` (its identity). */
export function ledgerTargetOf(context: DirectionContext, sourceServer: string): SchemaChangeTarget {
  return {
    pool: context.targetPool,
    database: context.targetDatabase,
    sourceName: context.source,
    sourceServer,
    ...(context.fenceEpoch === undefined ? {} : { fenceEpoch: context.fenceEpoch }),
  };
}

const recordedVerbs = /^\s*(?:\/\*.*?\*\/\s*)*(create|alter)\b/is;

/** Records a statement on a shadow table (`event.shadowTable`): its CREATE and ALTERs; others need nothing. */
export async function recordShadowTableStatement(
  context: DirectionContext,
  ledgerTarget: SchemaChangeTarget,
  event: SchemaChangeEvent,
): Promise<void> {
  const { shadowTable } = event;
  if (shadowTable === undefined || !recordedVerbs.test(event.statement)) return;
  await recordShadowStatement(ledgerTarget, event.table, shadowTable, {
    statement: event.statement,
    position: event.position,
  });
  context.logger.info(
    { table: event.table, shadowTable, binlogPosition: event.position.toString() },
    'online schema change: statement on the shadow table recorded for the swap',
  );
}

/** A swap of the table with its shadow copy, and the ALTERs the copy got, as the target is to run them. */
export interface ShadowSwap {
  readonly shadowTable: string;
  readonly entries: readonly LedgerEntry[];
}

/**
 * When `event` (a RENAME TABLE of a synced table) swaps in its shadow copy, the copy's recorded ALTERs as
 * statements for the target; undefined for any other statement. A swap with no ALTER recorded (the service
 * started after the tool altered its copy) has no entries: the table then goes on only if the target has the
 * same columns.
 */
export async function shadowSwap(
  context: DirectionContext,
  ledgerTarget: SchemaChangeTarget,
  event: SchemaChangeEvent,
): Promise<ShadowSwap | undefined> {
  const { sourceDatabase, targetDatabase, source } = context;
  const swap = renamedTables(event.statement, sourceDatabase).find(
    (pair) =>
      pair.to.table === event.table &&
      pair.to.database === sourceDatabase &&
      pair.from.database === sourceDatabase &&
      shadowTableBase(pair.from.table) === event.table,
  );
  if (swap === undefined) return undefined;
  const shadowTable = swap.from.table;
  const recorded = await shadowStatements(ledgerTarget, event.table, shadowTable, event.position);
  const entries = recorded
    .filter((shadow) => /^\s*(?:\/\*.*?\*\/\s*)*alter\b/is.test(shadow.statement))
    .map((shadow) => ({
      table: event.table,
      statement: statementForTarget(
        alterOfShadowAsTable(shadow.statement, shadowTable, event.table),
        source,
        sourceDatabase,
        targetDatabase,
        shadow.position,
      ),
      position: shadow.position,
    }));
  return { shadowTable, entries };
}
