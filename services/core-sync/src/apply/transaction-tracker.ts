import { BinlogPosition } from '../model/index.js';

interface PendingTransaction {
  remainingChanges: number;
  /** Commit position of the transaction dispatched just before this one: the watermark while this one is open. */
  readonly previousPosition: BinlogPosition | null;
  readonly commitPosition: BinlogPosition;
  /** A full-sync refresh (queued at the stream's end, no source transaction): `appliedThrough` ignores it. */
  readonly refresh: boolean;
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

  /**
   * Registers a transaction with the number of its changes that will be acknowledged; zero completes it. A
   * full-sync refresh (`refresh`) is queued at the position of the transaction dispatched before it.
   */
  dispatched(sequence: number, commitPosition: BinlogPosition, changeCount: number, refresh = false): void {
    if (sequence <= this.#lastDispatchedSequence) {
      throw new RangeError(`transaction ${sequence} dispatched after ${this.#lastDispatchedSequence}`);
    }
    if (changeCount > 0) {
      this.#pending.set(sequence, {
        remainingChanges: changeCount,
        previousPosition: this.#lastDispatchedPosition,
        commitPosition,
        refresh,
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

  /**
   * True when every source transaction dispatched with a commit position at or before `end` is applied. Unlike
   * `watermark >= end`, it does not wait for a transaction after `end` (under a steady load there always is one
   * open) nor for a full-sync refresh still being applied. Says nothing of transactions not dispatched yet: the
   * caller checks that the stream has handed on everything up to `end`.
   */
  appliedThrough(end: BinlogPosition): boolean {
    for (const pending of this.#pending.values()) {
      if (pending.refresh) continue;
      // Source transactions are dispatched in commit order: the oldest open one decides.
      return pending.commitPosition.compare(end) > 0;
    }
    return true;
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
