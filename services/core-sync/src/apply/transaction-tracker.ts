import { BinlogPosition } from '../model/index.js';

interface PendingTransaction {
  remainingChanges: number;
  /** Commit position of the transaction dispatched just before this one: the watermark while this one is open. */
  readonly previousPosition: BinlogPosition | null;
}

/**
 * Knows which dispatched source transactions are fully applied and so the watermark: the commit position of the
 * last transaction such that it and every transaction before it are applied in every partition. Restarting from
 * the watermark loses nothing; partitions skip what they already applied through their own checkpoints.
 */
export class TransactionTracker {
  /** Open transactions by sequence; a Map keeps insertion (= sequence) order, so the first key is the oldest. */
  readonly #pending = new Map<number, PendingTransaction>();
  #lastDispatchedPosition: BinlogPosition | null;
  #lastDispatchedSequence = -1;

  constructor(initialPosition: BinlogPosition | null) {
    this.#lastDispatchedPosition = initialPosition;
  }

  /** Registers a transaction with the number of its changes that will be acknowledged; zero completes it. */
  dispatched(sequence: number, commitPosition: BinlogPosition, changeCount: number): void {
    if (sequence <= this.#lastDispatchedSequence) {
      throw new RangeError(`transaction ${sequence} dispatched after ${this.#lastDispatchedSequence}`);
    }
    if (changeCount > 0) {
      this.#pending.set(sequence, {
        remainingChanges: changeCount,
        previousPosition: this.#lastDispatchedPosition,
      });
    }
    this.#lastDispatchedSequence = sequence;
    this.#lastDispatchedPosition = commitPosition;
  }

  /** Acknowledges `count` applied (or deliberately skipped) changes of a transaction. */
  acknowledge(sequence: number, count: number): void {
    const pending = this.#pending.get(sequence);
    if (pending === undefined) throw new RangeError(`transaction ${sequence} is not open`);
    pending.remainingChanges -= count;
    if (pending.remainingChanges < 0) throw new RangeError(`transaction ${sequence} acknowledged too often`);
    if (pending.remainingChanges === 0) this.#pending.delete(sequence);
  }

  /** The position up to which everything dispatched is applied; null before anything is known. */
  get watermark(): BinlogPosition | null {
    for (const oldest of this.#pending.values()) return oldest.previousPosition;
    return this.#lastDispatchedPosition;
  }

  /** The commit position of the transaction dispatched just before `sequence` (which must be open). */
  positionBefore(sequence: number): BinlogPosition | null {
    const pending = this.#pending.get(sequence);
    if (pending === undefined) throw new RangeError(`transaction ${sequence} is not open`);
    return pending.previousPosition;
  }

  get openTransactionCount(): number {
    return this.#pending.size;
  }

  get lastDispatchedPosition(): BinlogPosition | null {
    return this.#lastDispatchedPosition;
  }
}
