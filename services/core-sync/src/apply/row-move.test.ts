import { describe, expect, it } from 'vitest';
import { BinlogPosition, type ChangeKind, type Row } from '../model/index.js';
import type { WriteOperation } from '../target/index.js';
import { forEachWriteOperation } from './change-operations.js';
import type { QueuedWrite } from './queued-write.js';
import { moveAt } from './row-move.js';

function queued(operations: readonly WriteOperation[]): QueuedWrite[] {
  return operations.map((operation) => ({
    operation,
    sequence: 0,
    commitPosition: new BinlogPosition('binlog.000001', 4),
    commitTimestamp: 0,
  }));
}

/** The write operations the dispatcher makes of one change to the table `parent` (primary key `id`). */
function parentOperations(kind: ChangeKind, before: Row | null, after: Row | null): WriteOperation[] {
  const operations: WriteOperation[] = [];
  forEachWriteOperation({ kind, table: 'parent', before, after }, ['id'], (operation) =>
    operations.push(operation),
  );
  return operations;
}

describe('row moves', () => {
  it('pairs the delete and the upsert of an update that changed the primary key', () => {
    const writes = queued(parentOperations('update', { id: 5, code: 'five' }, { id: 50, code: 'five' }));
    const [removal, arrival] = writes.map((item) => item.operation);
    expect([removal?.kind, arrival?.kind]).toEqual(['delete', 'upsert']);
    expect(arrival?.movedFrom).toBe(removal?.keyText);
    expect(arrival?.keyText).not.toBe(removal?.keyText);
    expect(moveAt(writes, 0)).toEqual({ removal: writes[0], arrival: writes[1] });
    expect(moveAt(writes, 1)).toBeUndefined();
  });

  it('leaves an update that kept its key, and a delete of another row before a move, as they are', () => {
    const kept = queued(parentOperations('update', { id: 5, code: 'five' }, { id: 5, code: 'V' }));
    expect(kept.map((item) => item.operation.movedFrom)).toEqual([undefined]);
    // The move's own delete was left out (already applied): another row's delete just before it is not its half.
    const [, arrival] = parentOperations('update', { id: 5, code: 'five' }, { id: 50, code: 'five' });
    const otherDelete = parentOperations('delete', { id: 7, code: 'seven' }, null);
    const writes = queued([...otherDelete, arrival as WriteOperation]);
    expect(moveAt(writes, 0)).toBeUndefined();
  });
});
