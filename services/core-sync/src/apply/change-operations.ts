import { type RowChange, primaryKeyText } from '../model/index.js';
import type { WriteOperation } from '../target/index.js';

/**
 * The target writes of one source row change, handed to `emit` in order: an upsert for an insert or an update,
 * a delete for a delete, and for an update that changed the primary key a delete of the old key followed by an
 * upsert of the new one that names the old key (`movedFrom`): the group writer makes the pair one UPDATE that
 * moves the row, so the target's foreign keys cascade as the source's did (row-move.ts). No arrays are built:
 * this runs for every change.
 */
export function forEachWriteOperation(
  change: RowChange,
  primaryKey: readonly string[],
  emit: (operation: WriteOperation) => void,
): void {
  const table = change.table;
  switch (change.kind) {
    case 'insert':
      if (change.after === null) return;
      emit({
        kind: 'upsert',
        table,
        keyText: primaryKeyText(change.after, primaryKey),
        row: change.after,
        before: null,
      });
      return;
    case 'delete':
      if (change.before === null) return;
      emit({
        kind: 'delete',
        table,
        keyText: primaryKeyText(change.before, primaryKey),
        row: change.before,
        before: change.before,
      });
      return;
    case 'update': {
      if (change.after === null) return;
      const afterKey = primaryKeyText(change.after, primaryKey);
      const beforeKey = change.before === null ? afterKey : primaryKeyText(change.before, primaryKey);
      if (beforeKey === afterKey || change.before === null) {
        emit({ kind: 'upsert', table, keyText: afterKey, row: change.after, before: change.before });
        return;
      }
      emit({ kind: 'delete', table, keyText: beforeKey, row: change.before, before: change.before });
      emit({
        kind: 'upsert',
        table,
        keyText: afterKey,
        row: change.after,
        before: null,
        movedFrom: beforeKey,
      });
      return;
    }
  }
}
