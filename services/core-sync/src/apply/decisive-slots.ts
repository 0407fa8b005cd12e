import type { BinlogPosition } from '../model/index.js';
import { tableSlot } from '../target/index.js';
import type { QueuedWrite } from './queued-write.js';

/**
 * The batch's slots whose position only this batch can have written: a table's slot is decisive when a source
 * transaction of the batch (not a refresh, which takes the position of the last transaction read) commits at the
 * slot's new position — no other batch holds that transaction, so the slot held an earlier position before.
 */
export function decisiveSlots(writes: readonly QueuedWrite[], worker: number): Set<string> {
  const lastByTable = new Map<string, BinlogPosition>();
  for (const item of writes) lastByTable.set(item.operation.table, item.commitPosition);
  const decisive = new Set<string>();
  for (const item of writes) {
    if (item.refresh !== undefined) continue;
    const last = lastByTable.get(item.operation.table);
    if (last !== undefined && item.commitPosition.compare(last) === 0)
      decisive.add(tableSlot(item.operation.table, worker));
  }
  return decisive;
}
