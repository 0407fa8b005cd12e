/**
 * Rows written by column name while the two sides' schemas differ for a moment (bidirectional, a schema change
 * on its way): a change written on one side with the old schema can reach the other after that side has the new
 * one. A column the target does not have (dropped there, or not added yet) is left out of the write; a column
 * only the target has keeps its value, or its default in a new row. The conflict check compares the columns both
 * have (conflict/conflict-checker.ts).
 */
import type { Row, TableSchema } from '../model/index.js';
import type { WriteOperation } from '../target/index.js';
import type { QueuedWrite } from './queued-write.js';

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

/** The writes with their images on the target's columns (the same array when nothing differs). */
export function writesOnTargetColumns(
  writes: readonly QueuedWrite[],
  schema: TableSchema,
): readonly QueuedWrite[] {
  const columns = new Set(schema.columns.map((column) => column.name));
  let changed = false;
  const projected = writes.map((item) => {
    const operation = operationOnColumns(item.operation, columns);
    if (operation === item.operation) return item;
    changed = true;
    return { ...item, operation };
  });
  return changed ? projected : writes;
}

function operationOnColumns(operation: WriteOperation, columns: ReadonlySet<string>): WriteOperation {
  const row = rowOnColumns(operation.row, columns);
  const before = operation.before === null ? null : rowOnColumns(operation.before, columns);
  if (row === operation.row && before === operation.before) return operation;
  return { ...operation, row, before };
}
