/**
 * The order in which groups (transaction-queue.ts) commit on the target: strictly by group index, as MySQL's
 * replica_preserve_commit_order does. A group may write its rows in parallel with earlier ones, but it writes
 * its checkpoint slots and commits only once every earlier group has committed ("its turn"). So after any crash
 * the target holds a prefix of the groups, and a table's slot says exactly which of its changes are applied.
 *
 * A group waiting for its turn holds its row locks. Dependencies keep groups off each other's rows, but InnoDB
 * can still make an earlier group wait for a lock a later one holds (a unique-index check on a deleted entry, a
 * lock held by a reader on the target together with a retry): the earlier group cannot finish, the later one
 * cannot commit. The order breaks that: when the group whose turn it is has run for `stallMs` without
 * committing, or fails, every group waiting for its turn is told to roll back (`TurnAbortedError`), and runs
 * again only when its turn has come (alone, so it cannot be in anyone's way again).
 *
 * Bidirectional sync also claims rows (conflict/row-claims.ts) in group order: a group asks for its rows only
 * once every earlier group holds its own, so a group holding claims only ever waits for earlier groups, which
 * hold theirs, and claims cannot close a cycle with the commit order.
 */

/** Thrown to a group waiting for its turn that must roll back and run again once its turn has come. */
export class TurnAbortedError extends Error {
  constructor() {
    super('an earlier group is stuck; rolling back to free its locks');
    this.name = 'TurnAbortedError';
  }
}

interface TurnWaiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class CommitOrder {
  #committedThrough = -1;
  #claimedThrough = -1;
  readonly #commitWaiters = new Map<number, (() => void)[]>();
  readonly #claimWaiters = new Map<number, (() => void)[]>();
  readonly #turnWaiters = new Map<number, TurnWaiter>();
  readonly #startedAt = new Map<number, number>();
  readonly #stallMs: number;
  #watchdog: NodeJS.Timeout | undefined;
  #nextCommit = openSignal();

  constructor(stallMs: number) {
    this.#stallMs = stallMs;
  }

  /** Every group up to this index has committed. */
  get committedThrough(): number {
    return this.#committedThrough;
  }

  /** Resolves at the next commit of any group (shared by every caller: no waiter to clean up). */
  nextCommit(): Promise<void> {
    return this.#nextCommit.promise;
  }

  /** A group starts writing (the stall watchdog measures the group whose turn it is from here). */
  started(index: number): void {
    this.#startedAt.set(index, Date.now());
  }

  /** Resolves once every group up to `index` has committed (at once for -1). */
  waitCommitted(index: number, signal: AbortSignal): Promise<void> {
    return this.#waitFor(this.#commitWaiters, () => this.#committedThrough, index, signal);
  }

  /**
   * Resolves when it is the group's turn to commit. With `abortable`, rejects with TurnAbortedError when the
   * order is unblocked (see the header); the group then rolls back and waits again without `abortable`.
   */
  waitForTurn(index: number, signal: AbortSignal, abortable: boolean): Promise<void> {
    if (!abortable || this.#committedThrough >= index - 1) return this.waitCommitted(index - 1, signal);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#turnWaiters.delete(index);
        reject(signal.reason instanceof Error ? signal.reason : new Error('stopped'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#turnWaiters.set(index, {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      this.#watch();
    });
  }

  /** The group committed (or had nothing to write): the next one's turn comes. */
  committed(index: number): void {
    if (index !== this.#committedThrough + 1) {
      throw new RangeError(`group ${index} committed after group ${this.#committedThrough}`);
    }
    this.#committedThrough = index;
    this.#startedAt.delete(index);
    const commit = this.#nextCommit;
    this.#nextCommit = openSignal();
    commit.resolve();
    const next = this.#turnWaiters.get(index + 1);
    if (next !== undefined) {
      this.#turnWaiters.delete(index + 1);
      next.resolve();
    }
    this.#release(this.#commitWaiters, index);
  }

  /** Resolves once every group up to `index` holds its row claims. */
  waitClaimed(index: number, signal: AbortSignal): Promise<void> {
    return this.#waitFor(this.#claimWaiters, () => this.#claimedThrough, index, signal);
  }

  claimed(index: number): void {
    if (index !== this.#claimedThrough + 1) {
      throw new RangeError(`group ${index} claimed its rows after group ${this.#claimedThrough}`);
    }
    this.#claimedThrough = index;
    this.#release(this.#claimWaiters, index);
  }

  /** Tells every group waiting for its turn to roll back (the group whose turn it is failed or is stuck). */
  abortWaitingTurns(): void {
    const waiters = [...this.#turnWaiters.values()];
    this.#turnWaiters.clear();
    for (const waiter of waiters) waiter.reject(new TurnAbortedError());
  }

  stop(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  #watch(): void {
    if (this.#watchdog !== undefined) return;
    this.#watchdog = setInterval(
      () => {
        if (this.#turnWaiters.size === 0) {
          this.stop();
          return;
        }
        const headStartedAt = this.#startedAt.get(this.#committedThrough + 1);
        if (headStartedAt !== undefined && Date.now() - headStartedAt >= this.#stallMs)
          this.abortWaitingTurns();
      },
      Math.max(10, Math.floor(this.#stallMs / 4)),
    );
    this.#watchdog.unref();
  }

  #waitFor(
    waiters: Map<number, (() => void)[]>,
    reached: () => number,
    index: number,
    signal: AbortSignal,
  ): Promise<void> {
    if (reached() >= index) return Promise.resolve();
    if (signal.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      const list = waiters.get(index) ?? [];
      list.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      waiters.set(index, list);
    });
  }

  #release(waiters: Map<number, (() => void)[]>, index: number): void {
    const list = waiters.get(index);
    if (list === undefined) return;
    waiters.delete(index);
    for (const resolve of list) resolve();
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('stopped');
}

/** A promise with its resolve function (Promise.withResolvers is Node 22+). */
function openSignal(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((resolvePromise) => {
    resolve = resolvePromise;
  });
  return { promise, resolve };
}
