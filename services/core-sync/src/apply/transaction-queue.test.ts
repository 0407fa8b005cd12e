import { describe, expect, it } from 'vitest';
import { BinlogPosition } from '../model/index.js';
import type { QueuedTransaction, QueuedWrite } from './queued-write.js';
import { TransactionQueue } from './transaction-queue.js';

interface TestChange {
  readonly table?: string;
  readonly key: string;
  readonly kind?: 'upsert' | 'delete';
  /** Other dependency keys of the change (unique or foreign keys). */
  readonly keys?: readonly string[];
  /** The upsert half of a primary-key change: the old key. */
  readonly movedFrom?: string;
}

function transaction(
  sequence: number,
  changes: readonly TestChange[],
  refresh = false,
  foreignKeyChecks = !refresh,
): QueuedTransaction {
  const commitPosition = new BinlogPosition('binlog.000001', 100 + sequence);
  const writes: QueuedWrite[] = [];
  const keys: string[] = [];
  const keyOwners: number[] = [];
  const tables: string[] = [];
  for (const change of changes) {
    const table = change.table ?? 'items';
    writes.push({
      operation: {
        kind: change.kind ?? 'upsert',
        table,
        keyText: change.key,
        row: {},
        before: null,
        ...(change.movedFrom === undefined ? {} : { movedFrom: change.movedFrom }),
      },
      sequence,
      commitPosition,
      commitTimestamp: 0,
    });
    if (!tables.includes(table)) tables.push(table);
    for (const key of [`${table}:pk:${change.key}`, ...(change.keys ?? [])]) {
      keys.push(key);
      keyOwners.push(writes.length - 1);
    }
  }
  return { sequence, commitPosition, writes, keys, keyOwners, tables, refresh, foreignKeyChecks };
}

const noForeignKeys = (): boolean => false;

describe('TransactionQueue', () => {
  it('cuts whole transactions into groups of about the batch size, in order', () => {
    const queue = new TransactionQueue(noForeignKeys);
    queue.push(transaction(0, [{ key: '1' }, { key: '2' }]));
    queue.push(transaction(1, [{ key: '3' }]));
    queue.push(transaction(2, [{ key: '4' }, { key: '5' }, { key: '6' }]));
    const first = queue.takeGroup(3);
    expect(first?.transactions.map((item) => item.sequence)).toEqual([0, 1]);
    expect(first?.writes.map((item) => item.operation.keyText)).toEqual(['1', '2', '3']);
    // A transaction larger than the batch is one group of its own, never split.
    const second = queue.takeGroup(2);
    expect(second?.transactions.map((item) => item.sequence)).toEqual([2]);
    expect([first?.index, second?.index]).toEqual([0, 1]);
    expect(queue.takeGroup(3)).toBeUndefined();
    expect(queue.writeCount).toBe(0);
  });

  it('makes a group wait for the latest earlier group that shares any of its keys, until that one is released', () => {
    const queue = new TransactionQueue(noForeignKeys);
    queue.push(transaction(0, [{ key: '10', keys: ['email:a@x'] }]));
    queue.push(transaction(1, [{ key: '11' }]));
    queue.push(transaction(2, [{ key: '20', keys: ['email:a@x'] }]));
    queue.push(transaction(3, [{ key: '11' }, { key: '12' }]));
    queue.push(transaction(4, [{ key: '30' }]));
    const groups = [0, 1, 2, 3, 4].map(() => queue.takeGroup(1)!);
    expect(groups.map((group) => group.waitFor)).toEqual([-1, -1, 0, 1, -1]);
    // Once group 0 is committed and released, a new group meeting its key no longer waits for it.
    queue.release(groups[0]!);
    queue.push(transaction(5, [{ key: '40', keys: ['email:a@x'] }]));
    expect(queue.takeGroup(1)?.waitFor).toBe(2);
  });

  it('orders a full-sync refresh against every earlier and later transaction of its table', () => {
    const queue = new TransactionQueue(noForeignKeys);
    queue.push(transaction(0, [{ key: '1' }]));
    queue.push(transaction(1, [{ key: '2', table: 'other' }]));
    queue.push(transaction(2, [{ key: '3' }], true));
    queue.push(transaction(3, [{ key: '4' }]));
    queue.push(transaction(4, [{ key: '5', table: 'other' }]));
    const groups = [0, 1, 2, 3, 4].map(() => queue.takeGroup(1)!);
    expect(groups.map((group) => group.waitFor)).toEqual([-1, -1, 0, 2, -1]);
    expect(groups.map((group) => group.foreignKeyChecks)).toEqual([true, true, false, true, true]);
  });

  it('never puts a refresh in a group with stream transactions', () => {
    const queue = new TransactionQueue(noForeignKeys);
    queue.push(transaction(0, [{ key: '1' }]));
    queue.push(transaction(1, [{ key: '2' }], true));
    queue.push(transaction(2, [{ key: '3' }]));
    expect([1, 2, 3].map(() => queue.takeGroup(100)?.transactions.length)).toEqual([1, 1, 1]);
  });

  it('never puts refreshes written with and without foreign-key checks in one group', () => {
    const queue = new TransactionQueue(noForeignKeys);
    queue.push(transaction(0, [{ key: '1' }], true, false));
    queue.push(transaction(1, [{ key: '2' }], true, true));
    queue.push(transaction(2, [{ key: '3' }], true, true));
    const groups = [queue.takeGroup(100), queue.takeGroup(100)];
    expect(groups.map((group) => group?.transactions.length)).toEqual([1, 2]);
    expect(groups.map((group) => group?.foreignKeyChecks)).toEqual([false, true]);
  });

  it('writes a group in source order when two of its rows meet through another key, reduced otherwise', () => {
    const queue = new TransactionQueue(noForeignKeys);
    // The same row changed twice: reducing it to its last state is exact.
    queue.push(transaction(0, [{ key: '1', keys: ['email:a'] }]));
    queue.push(transaction(1, [{ key: '1', keys: ['email:a', 'email:b'] }]));
    expect(queue.takeGroup(10)?.ordered).toBe(false);
    // A unique value moves from row 1 to row 2 (a swap): only source order is right.
    queue.push(transaction(2, [{ key: '1', keys: ['email:b', 'email:tmp'] }]));
    queue.push(transaction(3, [{ key: '2', keys: ['email:b'] }]));
    expect(queue.takeGroup(10)?.ordered).toBe(true);
  });

  it('writes in source order every group that touches a table with foreign keys', () => {
    const queue = new TransactionQueue((table) => table === 'child');
    queue.push(transaction(0, [{ key: '1', table: 'parent' }]));
    expect(queue.takeGroup(10)?.ordered).toBe(false);
    queue.push(transaction(1, [{ key: '1', table: 'child' }]));
    expect(queue.takeGroup(10)?.ordered).toBe(true);
  });

  it('writes in source order every group in which a row changed its primary key (one UPDATE moves it)', () => {
    const queue = new TransactionQueue(noForeignKeys);
    queue.push(transaction(0, [{ key: '1' }, { key: '2', kind: 'delete' }]));
    expect(queue.takeGroup(10)?.ordered).toBe(false);
    queue.push(transaction(1, [{ key: '3' }]));
    queue.push(
      transaction(2, [
        { key: '1', kind: 'delete' },
        { key: '10', movedFrom: '1' },
      ]),
    );
    expect(queue.takeGroup(10)?.ordered).toBe(true);
  });
});
