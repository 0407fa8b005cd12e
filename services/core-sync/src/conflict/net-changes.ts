/**
 * A batch's changes of one table reduced to one net change per row (first before image, last after image), and
 * the write that brings the target to a net change's final state.
 */
import type { QueuedWrite } from '../apply/index.js';
import type { Row } from '../model/index.js';
import type { WriteOperation } from '../target/index.js';

export interface NetRowChange {
  readonly keyText: string;
  readonly before: Row | null;
  readonly after: Row | null;
  /** A row holding the key columns (the after image, else the before image). */
  readonly keyRow: Row;
  readonly last: QueuedWrite;
}

/** One net change per row, in the order of each row's last change. */
export function reduceToNetChanges(writes: readonly QueuedWrite[]): NetRowChange[] {
  const byKey = new Map<string, NetRowChange>();
  for (const write of writes) {
    const { operation } = write;
    const before = operation.kind === 'delete' ? operation.row : operation.before;
    const after = operation.kind === 'delete' ? null : operation.row;
    const previous = byKey.get(operation.keyText);
    byKey.delete(operation.keyText);
    byKey.set(operation.keyText, {
      keyText: operation.keyText,
      before: previous === undefined ? before : previous.before,
      after,
      keyRow: operation.row,
      last: write,
    });
  }
  return [...byKey.values()];
}

/** The write that brings the target to the change's final state; `targetRow` null: the target had no such row. */
export function finalOperation(
  table: string,
  targetRow?: Row | null,
): (change: NetRowChange) => WriteOperation {
  return (change) =>
    change.after === null
      ? { kind: 'delete', table, keyText: change.keyText, row: change.keyRow, before: change.before }
      : {
          kind: 'upsert',
          table,
          keyText: change.keyText,
          row: withTargetColumns(change.after, targetRow),
          before: change.before,
          ...(targetRow === null ? { insertOnly: true } : {}),
        };
}

/**
 * The row to write over a target row that has columns the change lacks (written with an older schema while a
 * schema change travelled, apply/target-columns.ts): those columns keep the target's values. Written whole, the
 * upsert's INSERT part names every column, so a NOT NULL column without a default does not refuse it.
 */
function withTargetColumns(after: Row, targetRow: Row | null | undefined): Row {
  if (targetRow === null || targetRow === undefined) return after;
  let missing = false;
  for (const column in targetRow) {
    if (!Object.hasOwn(after, column)) {
      missing = true;
      break;
    }
  }
  return missing ? { ...targetRow, ...after } : after;
}
