/**
 * Writes the watermark slot (target/checkpoint-table.ts) on a timer: the position streaming resumes from after a
 * restart. It is written in a transaction of its own, only when it moved, and while nothing is applied only every
 * `idleIntervalMs` (in bidirectional sync the write is itself a transaction the other direction reads: two idle
 * directions would keep answering each other).
 */
import { describeError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { BinlogPosition } from '../model/index.js';
import { BatchAttempts, type BatchTransactions, watermarkSlot } from '../target/index.js';

export interface WatermarkWriterOptions {
  readonly transactions: BatchTransactions;
  /** The position everything before which is applied (or held), now. */
  readonly currentWatermark: () => BinlogPosition | null;
  /** Rows applied so far (the watermark is written sooner when it grows). */
  readonly rowsApplied: () => number;
  readonly committedWatermark: BinlogPosition | null;
  readonly intervalMs: number;
  readonly idleIntervalMs: number;
  readonly logger: Logger;
  readonly onWatermark?: (watermark: BinlogPosition) => void;
}

export class WatermarkWriter {
  readonly #options: WatermarkWriterOptions;
  /** The watermark writes' attempts: a lost one is ended before the next (nothing proves it; it is rewritten). */
  readonly #attempts = new BatchAttempts();
  #committed: BinlogPosition | null;
  #write: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #rowsAtLastWrite = 0;
  #writtenAt = 0;

  constructor(options: WatermarkWriterOptions) {
    this.#options = options;
    this.#committed = options.committedWatermark;
  }

  get committed(): BinlogPosition | null {
    return this.#committed;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#write = this.#write.then(() => this.#flush(false));
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer; with `flush`, writes the watermark once more (whatever the idle interval). */
  async stop(flush: boolean): Promise<void> {
    clearInterval(this.#timer);
    await this.#write;
    if (flush) await this.#flush(true);
  }

  async #flush(always: boolean): Promise<void> {
    const watermark = this.#options.currentWatermark();
    if (watermark === null) return;
    if (this.#committed !== null && watermark.compare(this.#committed) <= 0) return;
    const rowsApplied = this.#options.rowsApplied();
    if (
      !always &&
      rowsApplied === this.#rowsAtLastWrite &&
      Date.now() - this.#writtenAt < this.#options.idleIntervalMs
    ) {
      return;
    }
    try {
      await this.#options.transactions.run(
        [{ slot: watermarkSlot, position: watermark }],
        () => Promise.resolve(),
        {
          attempts: this.#attempts,
        },
      );
      this.#committed = watermark;
      this.#rowsAtLastWrite = rowsApplied;
      this.#writtenAt = Date.now();
      this.#options.onWatermark?.(watermark);
    } catch (error) {
      this.#options.logger.warn(
        { error: describeError(error), binlogPosition: watermark.toString() },
        'failed to write the watermark; will retry',
      );
    }
  }
}
