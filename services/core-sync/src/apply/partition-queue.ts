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

/** A FIFO of writes for one partition that a worker awaits; batches end on source-transaction boundaries. */
export class PartitionQueue {
  #items: QueuedWrite[] = [];
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
    const batch = this.#items.slice(this.#head, end);
    this.#head = end;
    if (this.#head > 4_096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return batch;
  }
}
