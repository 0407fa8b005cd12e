/**
 * Hands assembled transactions on to the binlog handler in binlog order: numbers them, rate-limits the ones
 * without relevant changes, tells incomplete row images and schema changes before what follows them, and keeps
 * the position after the last transaction handed on. A handler that throws becomes a HandlerFailure.
 */
import type { Logger } from '../logging/index.js';
import type { BinlogPosition, SideName, SourceTransaction } from '../model/index.js';
import type { BinlogHandler } from './binlog-handler.js';
import { EmptyTransactionThrottle } from './empty-transaction-throttle.js';
import type { AssembledSchemaChange, AssembledTransaction } from './transaction-assembler.js';

const emptyTransactionIntervalMs = 100;

/** A handler method threw: a bug in the consumer, so the stream stops for good rather than replaying. */
export class HandlerFailure extends Error {
  readonly method: string;

  constructor(method: string, cause: unknown) {
    super(`the binlog handler's ${method} threw`, { cause });
    this.name = 'HandlerFailure';
    this.method = method;
  }
}

export interface TransactionHandOnOptions {
  readonly side: SideName;
  readonly handler: BinlogHandler;
  readonly log: Logger;
  /** The position a restart resumes from until a transaction is handed on. */
  readonly startPosition: BinlogPosition;
  /** Handing on a transaction without changes from the rate limit's timer failed (a HandlerFailure). */
  readonly onDeferredFailure: (error: unknown) => void;
}

export class TransactionHandOn {
  readonly #side: SideName;
  readonly #handler: BinlogHandler;
  readonly #log: Logger;
  readonly #emptyTransactions: EmptyTransactionThrottle<AssembledTransaction>;
  #handedOnPosition: BinlogPosition;

  constructor(options: TransactionHandOnOptions) {
    this.#side = options.side;
    this.#handler = options.handler;
    this.#log = options.log;
    this.#handedOnPosition = options.startPosition;
    this.#emptyTransactions = new EmptyTransactionThrottle(emptyTransactionIntervalMs, (transaction) => {
      try {
        this.#handOn(transaction);
      } catch (error) {
        options.onDeferredFailure(error);
      }
    });
  }

  /** The commit position of the last transaction handed on (where a restart resumes), or the start position. */
  get position(): BinlogPosition {
    return this.#handedOnPosition;
  }

  /**
   * The start position with the GTID state the server told for it (server-position.ts `gtidStartState`), read
   * from `readAt`: taken only when nothing was handed on since.
   */
  settleStartPosition(readAt: BinlogPosition, settled: BinlogPosition): void {
    if (this.#handedOnPosition === readAt) this.#handedOnPosition = settled;
  }

  /** A whole transaction from the assembler: with changes handed on at once, without them rate-limited. */
  accept(transaction: AssembledTransaction): void {
    if (transaction.incompleteTables.length > 0) this.#refuseIncompleteImages(transaction);
    if (transaction.changes.length === 0) {
      this.#emptyTransactions.offer(transaction);
      return;
    }
    this.#emptyTransactions.discard();
    this.#handOn(transaction);
  }

  schemaChange(change: AssembledSchemaChange): void {
    // Whatever came before the statement is handed on before it.
    this.#emptyTransactions.flush();
    this.#log.info(
      { tables: change.tables, statement: change.statement, binlogPosition: change.position.toString() },
      'schema change on a synced table',
    );
    const events = [
      ...change.tables.map((table) => ({ table })),
      ...change.shadows.map(({ table, shadowTable }) => ({ table, shadowTable })),
    ];
    for (const tables of events) {
      try {
        this.#handler.onSchemaChange({
          ...tables,
          statement: change.statement,
          position: change.position,
          timestamp: change.timestamp,
        });
      } catch (error) {
        throw new HandlerFailure('onSchemaChange', error);
      }
    }
  }

  /** Hands the transaction without changes that waits for the rate limit on now. */
  flush(): void {
    this.#emptyTransactions.flush();
  }

  /** While the source is paused (backpressure), nothing is handed on. */
  suspend(): void {
    this.#emptyTransactions.suspend();
  }

  unsuspend(): void {
    this.#emptyTransactions.unsuspend();
  }

  /** Stopped or failed: what waits is dropped, and nothing more is handed on by the timer. */
  dispose(): void {
    this.#emptyTransactions.dispose();
  }

  #handOn(assembled: AssembledTransaction): void {
    const transaction: SourceTransaction = {
      source: this.#side,
      commitPosition: assembled.commitPosition,
      commitTimestamp: assembled.commitTimestamp,
      changes: assembled.changes,
    };
    this.#handedOnPosition = assembled.commitPosition;
    try {
      this.#handler.onTransaction(transaction);
    } catch (error) {
      throw new HandlerFailure('onTransaction', error);
    }
  }

  /**
   * Row images without some columns (a session's binlog_row_image NOBLOB or MINIMAL): their tables' changes were
   * left out of the transaction; the handler pauses those tables here, before the transaction is handed on.
   */
  #refuseIncompleteImages(transaction: AssembledTransaction): void {
    // Whatever came before is handed on before the pause.
    this.#emptyTransactions.flush();
    for (const incomplete of transaction.incompleteTables) {
      this.#log.warn(
        {
          table: incomplete.table,
          missingColumns: incomplete.missingColumns,
          binlogPosition: transaction.commitPosition.toString(),
        },
        'a change was logged without some columns (binlog_row_image is not FULL for its session)',
      );
      try {
        this.#handler.onIncompleteRowImage({
          table: incomplete.table,
          missingColumns: incomplete.missingColumns,
          position: transaction.commitPosition,
        });
      } catch (error) {
        throw new HandlerFailure('onIncompleteRowImage', error);
      }
    }
  }
}
