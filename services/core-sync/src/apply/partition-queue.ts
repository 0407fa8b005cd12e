import type { BinlogPosition } from '../model/index.js';
import type { WriteOperation } from './batch-writer.js';

/** The caller of a full-sync refresh, waiting until each of its keys is applied. */
export interface RefreshTicket {
  remaining: number;
  rowsWritten: number;
  readonly resolve: (outcome: { rowsWritten: number }) => void;
  readonly reject: (error: Error) => void;
}

/** One write waiting in a partition, with the source transaction it belongs to. */
export interface QueuedWrite {
  readonly operation: WriteOperation;
  readonly sequence: number;
  readonly commitPosition: BinlogPosition;
  /** Commit time on the source, ms since epoch. */
  readonly commitTimestamp: number;
  /** Set on full-sync refreshes (operation kind `refresh`). */
  readonly refresh?: RefreshTicket;
}

/**
 * A FIFO of writes for one partition that a worker awaits; batches end on source-transaction boundaries.
 *
 * Taken writes are let go at once: their slots are cleared when a batch is taken, and the array is cut back when
 * the queue empties or when the cleared head is more than half of it. (Keeping taken writes until an occasional
 * compaction held up to thousands of rows per partition, before and after images included, long after they were
 * applied: most of the service's live heap under sysbench.)
 */
export class PartitionQueue {
  #items: (QueuedWrite | undefined)[] = [];
  #head = 0;
  #waiter: (() => void) | undefined;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: QueuedWrite): void {
    this.#items.push(item);
  }

  /** Wakes the worker if it waits for work (or to notice a stop). */
  wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  waitForWork(): Promise<void> {
    if (this.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /**
   * Takes up to `batchSize` writes, extended to the end of the last transaction taken, so a checkpoint is always
   * a transaction boundary (a transaction larger than the batch size becomes one larger batch).
   */
  takeBatch(batchSize: number): QueuedWrite[] {
    const available = this.length;
    if (available === 0) return [];
    let end = this.#head + Math.min(batchSize, available);
    const lastSequence = this.#items[end - 1]?.sequence;
    while (end < this.#items.length && this.#items[end]?.sequence === lastSequence) end += 1;
    const batch = this.#items.slice(this.#head, end) as QueuedWrite[];
    if (end === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (end * 2 > this.#items.length) {
      this.#items = this.#items.slice(end);
      this.#head = 0;
    } else {
      this.#items.fill(undefined, this.#head, end);
      this.#head = end;
    }
    return batch;
  }
}
