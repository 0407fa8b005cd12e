/**
 * An update that changed a row's primary key, applied as the source applied it: one `UPDATE … WHERE <old key>`,
 * not a delete at the old key and an insert at the new one. The difference shows on the target's foreign keys:
 * MySQL and MariaDB do not log cascaded changes, so the target must cascade itself, and a delete runs the
 * children's ON DELETE action (CASCADE removes them, SET NULL detaches them, RESTRICT refuses) where the source
 * ran their ON UPDATE action (CASCADE made them follow the new key). Triggers likewise see an update.
 *
 * The two halves (dispatcher: change-operations.ts) stay separate operations everywhere else — dependency keys,
 * checkpoints, conflict checks see a delete of the old key and an insert of the new one — and are paired here
 * when written in order (group-writer.ts): a group holding a moved row is always written in order
 * (transaction-queue.ts).
 *
 * The UPDATE itself is target/row-move.ts.
 */
import { isMove } from '../target/index.js';
import type { QueuedWrite } from './queued-write.js';

/** A delete of a row's old key and the upsert of its new key that follows it (`movedFrom`). */
export interface RowMove {
  readonly removal: QueuedWrite;
  readonly arrival: QueuedWrite;
}

/** The move that `writes[index]` starts (a delete followed by the upsert naming its key), if it starts one. */
export function moveAt(writes: readonly QueuedWrite[], index: number): RowMove | undefined {
  const removal = writes[index];
  const arrival = writes[index + 1];
  if (removal === undefined || arrival === undefined) return undefined;
  return isMove(removal.operation, arrival.operation) ? { removal, arrival } : undefined;
}
