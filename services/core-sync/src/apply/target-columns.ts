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

/** A table's target columns by lower-cased name (MySQL compares column names so), and what its side removed. */
interface TargetColumns {
  readonly byFoldedName: ReadonlyMap<string, string>;
  readonly removed: RemovedColumns;
}

/**
 * Where a column the target side renamed went: the target column at the end of its renames, null when the last
 * one was dropped, undefined when the renames lead nowhere the target has (or go round).
 */
function renamedTo(folded: string, target: TargetColumns): string | null | undefined {
  const seen = new Set<string>();
  let name = folded;
  while (!seen.has(name)) {
    seen.add(name);
    const next = target.removed.get(name);
    if (next === undefined) return undefined;
    if (next === null) return null;
    const present = target.byFoldedName.get(next.toLowerCase());
    if (present !== undefined) return present;
    name = next.toLowerCase();
  }
  return undefined;
}

function hasColumn(row: Row, folded: string): boolean {
  return Object.keys(row).some((column) => column.toLowerCase() === folded);
}

/**
 * The row as the target takes it. For each column:
 * - renamed by the target side, and the row lacks the new name (a row of the old schema): its value moves there;
 * - a column the target has: kept;
 * - dropped by the target side (or renamed, then dropped): left out;
 * - anything else: kept, for the write to fail on it.
 */
function rowOnTarget(row: Row, target: TargetColumns): Row {
  let projected: Record<string, Row[string]> | undefined;
  for (const column of Object.keys(row)) {
    const folded = column.toLowerCase();
    const entry = target.removed.get(folded);
    const destination = typeof entry === 'string' ? renamedTo(folded, target) : undefined;
    if (typeof destination === 'string' && !hasColumn(row, destination.toLowerCase())) {
      projected ??= { ...row };
      projected[destination] = row[column] ?? null;
      delete projected[column];
      continue;
    }
    if (target.byFoldedName.has(folded)) continue;
    if (entry === null || destination === null) {
      projected ??= { ...row };
      delete projected[column];
    }
  }
  return projected ?? row;
}

/**
 * The writes with their images on the target's columns (rowOnTarget); the same array when nothing changes.
 */
export function writesOnTargetColumns(
  writes: readonly QueuedWrite[],
  schema: TableSchema,
  removedOnTarget: RemovedColumns,
): readonly QueuedWrite[] {
  const target: TargetColumns = {
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
