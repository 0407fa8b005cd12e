/**
 * Watches the XA transactions the source holds (prepared-transactions.ts) for the binlog source: their status, and
 * a warning for one the source database leaves undecided — it holds memory and the restart point for as long as it
 * waits. The warning comes once it has waited `warnAfterMs`, then every `warnEveryMs` until it is decided.
 */
import type { Logger } from '../logging/index.js';
import type { BinlogPosition } from '../model/index.js';
import type { PreparedTransaction, PreparedTransactions } from './prepared-transactions.js';
import type { XaDecision } from './transaction-assembler.js';
import type { XidText } from './xa-statement.js';

/** The XA transactions prepared on the source and not yet committed or rolled back. */
export interface PreparedXaStatus {
  readonly count: number;
  /** The xid of the one that holds the restart point (`X'<gtrid hex>',X'<bqual hex>',<formatId>`), or null. */
  readonly oldestXid: string | null;
  /** When it was prepared on the source (ms since epoch), or null. */
  readonly oldestPreparedAt: number | null;
  /** Where a restart must read the binlog from to see the held changes again, or null. */
  readonly restartPosition: BinlogPosition | null;
}

export const noPreparedXa: PreparedXaStatus = {
  count: 0,
  oldestXid: null,
  oldestPreparedAt: null,
  restartPosition: null,
};

export interface PreparedXaMonitorOptions {
  readonly warnAfterMs: number;
  readonly warnEveryMs: number;
}

export class PreparedXaMonitor {
  readonly #prepared: PreparedTransactions;
  readonly #log: Logger;
  readonly #options: PreparedXaMonitorOptions;
  /** When each transaction was last warned about. */
  readonly #warnedAt = new Map<XidText, number>();

  constructor(prepared: PreparedTransactions, log: Logger, options: PreparedXaMonitorOptions) {
    this.#prepared = prepared;
    this.#log = log;
    this.#options = options;
  }

  get status(): PreparedXaStatus {
    const oldest = this.#prepared.oldest;
    if (oldest === undefined) return noPreparedXa;
    return {
      count: this.#prepared.count,
      oldestXid: oldest.xid,
      oldestPreparedAt: oldest.preparedAt,
      restartPosition: oldest.restartPosition,
    };
  }

  /** Warns about each transaction that has waited too long (and not been warned about lately). */
  check(now: number): void {
    for (const transaction of this.#prepared.list()) {
      const waitedMs = now - transaction.preparedAt;
      if (waitedMs < this.#options.warnAfterMs) continue;
      const warnedAt = this.#warnedAt.get(transaction.xid);
      if (warnedAt !== undefined && now - warnedAt < this.#options.warnEveryMs) continue;
      this.#warnedAt.set(transaction.xid, now);
      this.#log.warn(
        { ...describe(transaction), waitedMs, preparedTransactions: this.#prepared.count },
        'an XA transaction prepared on the source is still not committed or rolled back: its changes are held in memory and a restart must read the binlog from before it',
      );
    }
  }

  prepared(transaction: PreparedTransaction): void {
    this.#log.debug(
      describe(transaction),
      'XA transaction prepared: its changes are held until it is decided',
    );
  }

  decided(decision: XaDecision, now: number): void {
    const { xid, outcome, prepared } = decision;
    const fields = {
      xid,
      outcome,
      binlogPosition: decision.position.toString(),
      ...(prepared === undefined
        ? {}
        : {
            since: new Date(prepared.preparedAt).toISOString(),
            waitedMs: now - prepared.preparedAt,
            changeCount: prepared.changes.length,
          }),
    };
    const warned = xid !== null && this.#warnedAt.delete(xid);
    if (prepared === undefined && outcome === 'commit') {
      this.#log.warn(
        fields,
        'XA COMMIT of a transaction whose XA PREPARE was not read (it was prepared before the position the stream started from): changes it made to the synced tables, if any, are not applied',
      );
    } else if (warned) {
      this.#log.info(fields, 'XA transaction decided after a long wait');
    } else {
      this.#log.debug(fields, 'XA transaction decided');
    }
  }
}

function describe(transaction: PreparedTransaction): Record<string, unknown> {
  return {
    xid: transaction.xid,
    since: new Date(transaction.preparedAt).toISOString(),
    binlogPosition: transaction.restartPosition.toString(),
    preparedPosition: transaction.preparedPosition.toString(),
    changeCount: transaction.changes.length,
  };
}
