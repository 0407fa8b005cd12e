import { setImmediate as nextMacrotask } from 'node:timers/promises';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BinlogPosition } from '../model/index.js';
import type { WriteOperation } from './batch-writer.js';
import { PartitionQueue, type QueuedWrite } from './partition-queue.js';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function queuedWrite(sequence: number, id: number): QueuedWrite {
  const operation: WriteOperation = {
    kind: 'upsert',
    table: 'orders',
    keyText: String(id),
    row: { id, note: `row ${id}` },
    before: null,
  };
  return {
    operation,
    sequence,
    commitPosition: new BinlogPosition('binlog.000001', 4 + sequence),
    commitTimestamp: 0,
  };
}

/** Fills a queue with `transactions` transactions of `rowsEach` writes; returns the writes pushed. */
function fill(
  queue: PartitionQueue,
  transactions: number,
  rowsEach: number,
  firstSequence = 1,
): QueuedWrite[] {
  const pushed: QueuedWrite[] = [];
  for (let sequence = firstSequence; sequence < firstSequence + transactions; sequence += 1) {
    for (let row = 0; row < rowsEach; row += 1) {
      const write = queuedWrite(sequence, sequence * 1_000 + row);
      queue.push(write);
      pushed.push(write);
    }
  }
  return pushed;
}

/** The writes still reachable after a full collection, of those `references` point at. */
async function survivors(references: readonly WeakRef<QueuedWrite>[]): Promise<number> {
  // A WeakRef target stays alive until the job that created or read it ends.
  await nextMacrotask();
  collectGarbage();
  return references.filter((reference) => reference.deref() !== undefined).length;
}

describe('PartitionQueue', () => {
  it('hands writes out in order, in batches that end on transaction boundaries', () => {
    const queue = new PartitionQueue();
    const pushed = fill(queue, 4, 3);
    const firstBatch = queue.takeBatch(4);
    // Four writes reach into transaction 2, so the batch takes the rest of it.
    expect(firstBatch.map((write) => write.sequence)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(queue.length).toBe(6);
    const secondBatch = queue.takeBatch(100);
    expect([...firstBatch, ...secondBatch]).toEqual(pushed);
    expect(queue.length).toBe(0);
    expect(queue.takeBatch(10)).toEqual([]);
  });

  it('keeps its order while writes arrive between batches', () => {
    const queue = new PartitionQueue();
    const taken: QueuedWrite[] = [];
    const pushed = fill(queue, 10, 2);
    taken.push(...queue.takeBatch(3));
    pushed.push(...fill(queue, 10, 2, 11));
    while (queue.length > 0) taken.push(...queue.takeBatch(5));
    expect(taken).toEqual(pushed);
  });

  it('lets go of the writes it handed out, whether it empties or not', async () => {
    const queue = new PartitionQueue();
    let pushed: QueuedWrite[] | undefined = fill(queue, 3_000, 2);
    const references = pushed.map((write) => new WeakRef(write));
    pushed = undefined;

    // Small batches from the front: the taken part is less than half, so it is cleared rather than cut off.
    for (let batch = 0; batch < 100; batch += 1) queue.takeBatch(10);
    expect(queue.length).toBe(6_000 - 1_000);
    expect(await survivors(references.slice(0, 1_000))).toBe(0);
    expect(await survivors(references.slice(1_000))).toBe(5_000);

    // Past the half way: the array is cut back.
    queue.takeBatch(3_000);
    expect(await survivors(references.slice(0, 4_000))).toBe(0);

    // Emptied.
    queue.takeBatch(10_000);
    expect(queue.length).toBe(0);
    expect(await survivors(references)).toBe(0);
  });
});
