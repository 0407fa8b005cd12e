/**
 * The queue of source transactions waiting to be applied, cut into groups for the workers, with the dependencies
 * between groups (as MySQL's WRITESET dependency tracking does for parallel replication).
 *
 * A group is a run of consecutive queued transactions (at least one, about `maxRows` writes) that one worker
 * applies as one target transaction. Groups commit in queue order (commit-order.ts), so the target only ever
 * holds a prefix of the source's history plus the group being committed, and a table's checkpoint slot always
 * means "every change of this table up to here". Groups may run in parallel up to their COMMIT, except when their
 * transactions share a dependency key (the same primary, unique or foreign-key value, before or after the change,
 * compared under the column's collation): the later group then starts only once the earlier one committed, so
 * rows that meet are written in source order. A full-sync refresh reads the source's rows when it is applied, so
 * it orders against every earlier and later transaction of its tables.
 *
 * Inside a group, writes to the same row are reduced to the row's last state (cheap, and what the conflict check
 * compares), unless the group's rows meet through another key or a foreign key: a unique-key swap, a REPLACE, a
 * primary key changed only in case or accent, parents and children — or a row's primary key changed at all, which
 * the target must see as the UPDATE it was so that its foreign keys cascade (row-move.ts). Such a group is
 * `ordered`: written in its source statement order.
 */
import type { QueuedTransaction, QueuedWrite } from './queued-write.js';

export interface ApplyGroup {
  /** Position in commit order, from 0. */
  readonly index: number;
  readonly transactions: readonly QueuedTransaction[];
  /** Every write of the group in source order. */
  readonly writes: readonly QueuedWrite[];
  /** The latest earlier group that must commit before this one starts (-1: none). */
  readonly waitFor: number;
  /** Written in source statement order rather than reduced per row (see the header). */
  readonly ordered: boolean;
  /** Written with foreign-key checks: every transaction of a group agrees (see QueuedTransaction). */
  readonly foreignKeyChecks: boolean;
}

/** Tells whether a table's rows meet other rows through foreign keys (its writes then stay in order). */
export type ForeignKeyLookup = (table: string) => boolean;

export class TransactionQueue {
  readonly #transactions: (QueuedTransaction | undefined)[] = [];
  #head = 0;
  #nextGroupIndex = 0;
  /** Dependency key → the latest group that wrote it. */
  readonly #lastGroupByKey = new Map<string, number>();
  /** Table → the latest group that wrote it; and the latest group that refreshed it (a barrier). */
  readonly #lastGroupByTable = new Map<string, number>();
  readonly #lastRefreshByTable = new Map<string, number>();
  #writeCount = 0;
  #waiters: (() => void)[] = [];
  readonly #hasForeignKeys: ForeignKeyLookup;

  constructor(hasForeignKeys: ForeignKeyLookup) {
    this.#hasForeignKeys = hasForeignKeys;
  }

  /** Groups taken so far (the next group's index). */
  get groupsTaken(): number {
    return this.#nextGroupIndex;
  }

  /** Writes queued and not yet taken into a group. */
  get writeCount(): number {
    return this.#writeCount;
  }

  get transactionCount(): number {
    return this.#transactions.length - this.#head;
  }

  push(transaction: QueuedTransaction): void {
    this.#transactions.push(transaction);
    this.#writeCount += transaction.writes.length;
    this.wake();
  }

  /** Wakes every worker waiting for a transaction (also to notice a stop). */
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }

  waitForWork(): Promise<void> {
    if (this.transactionCount > 0) return Promise.resolve();
    return this.waitForPush();
  }

  /** Resolves at the next transaction queued (or wake), whatever is queued now. */
  waitForPush(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Takes the next group (whole transactions, about `maxRows` writes), or undefined when nothing is queued. */
  takeGroup(maxRows: number): ApplyGroup | undefined {
    if (this.transactionCount === 0) return undefined;
    const transactions: QueuedTransaction[] = [];
    let rows = 0;
    while (this.#head < this.#transactions.length) {
      const next = this.#transactions[this.#head] as QueuedTransaction;
      const first = transactions[0];
      // A refresh is a group of its own, and so is a transaction written with other foreign-key checks.
      if (
        first !== undefined &&
        (rows + next.writes.length > maxRows ||
          next.refresh !== first.refresh ||
          next.foreignKeyChecks !== first.foreignKeyChecks)
      )
        break;
      transactions.push(next);
      rows += next.writes.length;
      this.#transactions[this.#head] = undefined;
      this.#head += 1;
    }
    this.#compact();
    this.#writeCount -= rows;
    const index = this.#nextGroupIndex;
    this.#nextGroupIndex += 1;
    const group: ApplyGroup = {
      index,
      transactions,
      writes:
        transactions.length === 1
          ? (transactions[0]?.writes ?? [])
          : transactions.flatMap((item) => item.writes),
      waitFor: this.#dependencies(index, transactions),
      ordered: this.#needsOrder(transactions),
      foreignKeyChecks: transactions[0]?.foreignKeyChecks ?? true,
    };
    return group;
  }

  /** Forgets a committed group's keys (later groups no longer wait for it). */
  release(group: ApplyGroup): void {
    for (const transaction of group.transactions) {
      for (const key of transaction.keys) {
        if (this.#lastGroupByKey.get(key) === group.index) this.#lastGroupByKey.delete(key);
      }
      for (const table of transaction.tables) {
        if (this.#lastGroupByTable.get(table) === group.index) this.#lastGroupByTable.delete(table);
        if (this.#lastRefreshByTable.get(table) === group.index) this.#lastRefreshByTable.delete(table);
      }
    }
  }

  /** The latest earlier group this one meets, and records this group as the latest writer of its keys. */
  #dependencies(index: number, transactions: readonly QueuedTransaction[]): number {
    let waitFor = -1;
    const meet = (group: number | undefined): void => {
      if (group !== undefined && group !== index && group > waitFor) waitFor = group;
    };
    for (const transaction of transactions) {
      for (const table of transaction.tables) {
        meet(this.#lastRefreshByTable.get(table));
        if (transaction.refresh) {
          meet(this.#lastGroupByTable.get(table));
          this.#lastRefreshByTable.set(table, index);
        }
        this.#lastGroupByTable.set(table, index);
      }
      for (const key of transaction.keys) {
        meet(this.#lastGroupByKey.get(key));
        this.#lastGroupByKey.set(key, index);
      }
    }
    return waitFor;
  }

  /** True when rows of the group meet through a key that is not their own primary key (see the header). */
  #needsOrder(transactions: readonly QueuedTransaction[]): boolean {
    const ownerByKey = new Map<string, QueuedWrite>();
    for (const transaction of transactions) {
      for (const table of transaction.tables) if (this.#hasForeignKeys(table)) return true;
      for (const item of transaction.writes) if (item.operation.movedFrom !== undefined) return true;
      for (let index = 0; index < transaction.keys.length; index += 1) {
        const owner = transaction.writes[transaction.keyOwners[index] ?? -1];
        const key = transaction.keys[index];
        if (owner === undefined || key === undefined) continue;
        const earlier = ownerByKey.get(key);
        if (earlier === undefined) ownerByKey.set(key, owner);
        else if (!sameRow(earlier, owner)) return true;
      }
    }
    return false;
  }

  #compact(): void {
    if (this.#head === this.#transactions.length) {
      this.#transactions.length = 0;
      this.#head = 0;
    } else if (this.#head * 2 > this.#transactions.length) {
      this.#transactions.splice(0, this.#head);
      this.#head = 0;
    }
  }
}

function sameRow(first: QueuedWrite, second: QueuedWrite): boolean {
  return (
    first.operation.table === second.operation.table && first.operation.keyText === second.operation.keyText
  );
}
