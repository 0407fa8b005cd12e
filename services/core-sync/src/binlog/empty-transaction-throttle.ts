/**
 * Rate-limits the hand-on of transactions without relevant changes (writes to other tables, DDL, echoes): they
 * only advance the position, so of several that arrive within `intervalMs` only the newest is handed on — the
 * first after a quiet period at once, then at most one per interval. A transaction with changes supersedes the
 * pending one (its position is later) — the owner calls `discard()`.
 */
export class EmptyTransactionThrottle<Item> {
  readonly #intervalMs: number;
  readonly #deliver: (item: Item) => void;
  #pending: Item | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastDeliveredAt = Number.NEGATIVE_INFINITY;
  #suspended = false;

  constructor(intervalMs: number, deliver: (item: Item) => void) {
    this.#intervalMs = intervalMs;
    this.#deliver = deliver;
  }

  get hasPending(): boolean {
    return this.#pending !== undefined;
  }

  offer(item: Item): void {
    this.#pending = item;
    this.#schedule();
  }

  /** Drops the pending item (a later transaction with changes carries the position on). */
  discard(): void {
    this.#pending = undefined;
    this.#clearTimer();
  }

  /** Hands the pending item on now, whatever the rate. */
  flush(): void {
    this.#clearTimer();
    const item = this.#pending;
    if (item === undefined) return;
    this.#pending = undefined;
    this.#lastDeliveredAt = Date.now();
    this.#deliver(item);
  }

  /** While suspended (the consumer paused the source), nothing is handed on. */
  suspend(): void {
    this.#suspended = true;
    this.#clearTimer();
  }

  unsuspend(): void {
    this.#suspended = false;
    this.#schedule();
  }

  dispose(): void {
    this.discard();
    this.#suspended = true;
  }

  #schedule(): void {
    if (this.#suspended || this.#timer !== undefined || this.#pending === undefined) return;
    const wait = this.#lastDeliveredAt + this.#intervalMs - Date.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, wait);
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
