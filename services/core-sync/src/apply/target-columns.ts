/**
 * Rows written by column name while the two sides' schemas differ for a moment (bidirectional, a schema change
 * on its way): a change written on one side with the old schema can reach the other after that side has the new
 * one. A column the target renamed itself (its own statement, sync/direction/schema-change-log.ts) is written
 * under its new name, one it dropped is left out, and a column only the target has keeps its value, or its
 * default in a new row. Any other column the target lacks stays in the write, whose error makes the engine read the
 * schemas again and, when that does not explain it, pause the table: a value is never dropped without a statement
 * that dropped its column. The conflict check compares the columns both have (conflict/conflict-checker.ts).
 */
import type { Row, TableSchema } from '../model/index.js';
import type { WriteOperation } from '../target/index.js';
import type { QueuedWrite } from './queued-write.js';

/**
 * The columns the target side took away from a table itself: lower-cased old name → the name it was renamed to,
 * or null when it was dropped.
 */
export type RemovedColumns = ReadonlyMap<string, string | null>;

/** The row without the columns `columns` lacks; the same object when it has none of those. */
export function rowOnColumns(row: Row, columns: ReadonlySet<string>): Row {
  let projected: Record<string, Row[string]> | undefined;
  for (const column of Object.keys(row)) {
    if (columns.has(column)) continue;
    projected ??= { ...row };
    delete projected[column];
  }
  return projected ?? row;
}

/** A table's target columns: by exact name, and by lower-cased name (MySQL compares column names so). */
interface TargetColumns {
  readonly exact: ReadonlySet<string>;
  readonly byFoldedName: ReadonlyMap<string, string>;
  readonly removed: RemovedColumns;
}

/**
 * Where a column the target lacks goes: the target column it was renamed to (following renames in turn), null
 * when the target side dropped it, undefined when no statement of the target side removed it (kept, to fail).
 */
function destinationOf(column: string, target: TargetColumns): string | null | undefined {
  let name = column.toLowerCase();
  if (!target.removed.has(name)) return undefined;
  for (let step = 0; step <= target.removed.size; step += 1) {
    const next = target.removed.get(name);
    if (next === undefined || next === null) return null;
    const present = target.byFoldedName.get(next.toLowerCase());
    if (present !== undefined) return present;
    name = next.toLowerCase();
  }
  return null;
}

function rowOnTarget(row: Row, target: TargetColumns): Row {
  let projected: Record<string, Row[string]> | undefined;
  for (const column of Object.keys(row)) {
    if (target.exact.has(column)) continue;
    const destination = destinationOf(column, target);
    if (destination === undefined) continue;
    projected ??= { ...row };
    // A row that has the new name already (the other side had both) keeps its own value there.
    if (destination !== null && !(destination in row)) projected[destination] = row[column] ?? null;
    delete projected[column];
  }
  return projected ?? row;
}

/**
 * The writes with their images on the target's columns: a column the target side renamed is written under its
 * new name, one it dropped is left out, any other stays (see the header); the same array when nothing changes.
 */
export function writesOnTargetColumns(
  writes: readonly QueuedWrite[],
  schema: TableSchema,
  removedOnTarget: RemovedColumns,
): readonly QueuedWrite[] {
  const target: TargetColumns = {
    exact: new Set(schema.columns.map((column) => column.name)),
    byFoldedName: new Map(schema.columns.map((column) => [column.name.toLowerCase(), column.name])),
    removed: removedOnTarget,
  };
  let changed = false;
  const projected = writes.map((item) => {
    const operation = operationOnTarget(item.operation, target);
    if (operation === item.operation) return item;
    changed = true;
    return { ...item, operation };
  });
  return changed ? projected : writes;
}

function operationOnTarget(operation: WriteOperation, target: TargetColumns): WriteOperation {
  const row = rowOnTarget(operation.row, target);
  const before = operation.before === null ? null : rowOnTarget(operation.before, target);
  if (row === operation.row && before === operation.before) return operation;
  return { ...operation, row, before };
}
