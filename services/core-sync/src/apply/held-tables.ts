/**
 * Tables whose changes are held back: the target refused one of their rows, refuses every write, or their schema
 * changed. A held table's changes from the pause on are neither applied nor lost: the watermark stays before
 * the first of them, so streaming reads them again after a restart or a resume.
 */
import type { Logger } from '../logging/index.js';
import type { BinlogPosition } from '../model/index.js';
import type { QueuedWrite } from './queued-write.js';
import { heldChangesMessage, type TargetRefusal } from '../target/index.js';
import type { TransactionTracker } from './transaction-tracker.js';
import type { TablePause } from '../status/index.js';

/** Thrown when a table of a group's attempt was held while the attempt ran: it rolls back and runs without it. */
export class HeldMeanwhileError extends Error {
  constructor() {
    super('a table of the batch was paused while it was written; writing it again without that table');
    this.name = 'HeldMeanwhileError';
  }
}

export class HeldTables {
  readonly #pauses = new Map<string, TablePause>();
  readonly #logger: Logger;
  readonly #tracker: TransactionTracker;
  readonly #onPaused: (pause: TablePause) => void;

  constructor(
    initial: readonly TablePause[],
    tracker: TransactionTracker,
    logger: Logger,
    onPaused: (pause: TablePause) => void,
  ) {
    for (const pause of initial) this.#pauses.set(pause.table, pause);
    this.#tracker = tracker;
    this.#logger = logger;
    this.#onPaused = onPaused;
  }

  get pauses(): ReadonlyMap<string, TablePause> {
    return this.#pauses;
  }

  has(table: string): boolean {
    return this.#pauses.has(table);
  }

  /** True when the change of this table in this source transaction is held. */
  holds(table: string, sequence: number): boolean {
    const pause = this.#pauses.get(table);
    return pause !== undefined && sequence >= pause.fromSequence;
  }

  isHeld(item: QueuedWrite): boolean {
    return this.holds(item.operation.table, item.sequence);
  }

  /** The watermark, kept at or before every held table's first held change. */
  pin(watermark: BinlogPosition | null): BinlogPosition | null {
    let pinned = watermark;
    for (const pause of this.#pauses.values()) {
      if (pause.resumePosition !== null && (pinned === null || pause.resumePosition.compare(pinned) < 0)) {
        pinned = pause.resumePosition;
      }
    }
    return pinned;
  }

  /** Holds every table of a group the target refused as a whole (read-only, full), each from its first change. */
  holdTablesOf(writes: readonly QueuedWrite[], refusal: TargetRefusal): void {
    const firstByTable = new Map<string, QueuedWrite>();
    for (const item of writes) {
      const first = firstByTable.get(item.operation.table);
      if (first === undefined || item.sequence < first.sequence) firstByTable.set(item.operation.table, item);
    }
    for (const [table, first] of firstByTable) {
      this.hold({
        table,
        reason: refusal.reason,
        code: refusal.code,
        message: heldChangesMessage(refusal, table),
        fromSequence: first.sequence,
        resumePosition: this.#tracker.positionBefore(first.sequence),
        position: first.commitPosition,
        row: null,
        errorCode: refusal.errorCode,
      });
    }
  }

  /**
   * Holds a table's changes from `pause.fromSequence` on. A table already held from an earlier change stays held
   * from there (several groups can meet the same refusal): the watermark must stay before every change dropped,
   * or a restart would not read them again.
   */
  hold(pause: TablePause): void {
    const existing = this.#pauses.get(pause.table);
    if (existing !== undefined && existing.fromSequence <= pause.fromSequence) return;
    this.#pauses.set(pause.table, pause);
    this.#logger.error(
      {
        table: pause.table,
        reason: pause.reason,
        code: pause.code,
        errorCode: pause.errorCode,
        binlogPosition: pause.position?.toString(),
        resumePosition: pause.resumePosition?.toString(),
        error: pause.message,
      },
      'table paused',
    );
    this.#onPaused(pause);
  }
}
