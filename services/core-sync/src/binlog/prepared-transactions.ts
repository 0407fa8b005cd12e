/**
 * XA transactions that were prepared on the source and not yet committed or rolled back, keyed by xid. Pure.
 *
 * An XA transaction's row events are logged at `XA PREPARE`; whether they happened is decided later, by an
 * `XA COMMIT` or `XA ROLLBACK` in a group of its own (from any session, possibly after a server restart). Until then
 * the changes are held here, and the oldest one fixes where a restart must read the binlog from to see them again
 * (`restartPosition`): the changes live in memory only.
 *
 *   XA PREPARE ──hold──> (held) ──XA COMMIT──> handed on as one transaction
 *                           └─────XA ROLLBACK──> dropped
 */
import type { BinlogPosition, RowChange } from '../model/index.js';
import type { IncompleteTable } from './stream-event.js';
import type { XidText } from './xa-statement.js';

export interface PreparedTransaction {
  readonly xid: XidText;
  /** Changes to the configured tables in binlog order; empty for echoes. */
  readonly changes: RowChange[];
  /** True when the transaction wrote to the marker table (the service's own writes): dropped whole at commit. */
  readonly echo: boolean;
  /** Tables whose row images lacked columns (their changes are not in `changes`). */
  readonly incompleteTables: readonly IncompleteTable[];
  /** Where a restart must read from to see it again: the position after the group before its XA PREPARE group. */
  readonly restartPosition: BinlogPosition;
  /** The position after its XA PREPARE event. */
  readonly preparedPosition: BinlogPosition;
  /** When it was prepared on the source (ms since epoch, second precision). */
  readonly preparedAt: number;
}

export class PreparedTransactions {
  readonly #byXid = new Map<XidText, PreparedTransaction>();

  /** Holds a prepared transaction; one read again (after a reconnect) replaces the copy read before. */
  hold(transaction: PreparedTransaction): void {
    this.#byXid.set(transaction.xid, transaction);
  }

  /** Removes and returns the transaction prepared under `xid`, if it is held. */
  take(xid: XidText): PreparedTransaction | undefined {
    const transaction = this.#byXid.get(xid);
    this.#byXid.delete(xid);
    return transaction;
  }

  get count(): number {
    return this.#byXid.size;
  }

  /** Every held transaction, the earliest restart position first. */
  list(): PreparedTransaction[] {
    return [...this.#byXid.values()].sort((first, second) =>
      first.restartPosition.compare(second.restartPosition),
    );
  }

  /** The held transaction a restart must read back to first, if any. */
  get oldest(): PreparedTransaction | undefined {
    let oldest: PreparedTransaction | undefined;
    for (const transaction of this.#byXid.values()) {
      if (oldest === undefined || transaction.restartPosition.compare(oldest.restartPosition) < 0)
        oldest = transaction;
    }
    return oldest;
  }

  /** The earliest position a restart must read from so that no held transaction is lost; null when none is held. */
  get restartPosition(): BinlogPosition | null {
    return this.oldest?.restartPosition ?? null;
  }
}
