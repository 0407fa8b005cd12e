/**
 * Which workers of a direction fail to write their batches and are retrying, for the direction's status: the
 * oldest failure is the direction's, and a listener hears when it appears, changes code or ends.
 */
import { describeError } from '../errors/index.js';
import type { SideName } from '../model/index.js';
import { targetConnectionLost } from '../target/index.js';
import type { ApplyFailure } from './engine-types.js';

export class ApplyFailures {
  readonly #targetName: SideName;
  readonly #onChange: (failure: ApplyFailure | null) => void;
  readonly #byWorker = new Map<number, ApplyFailure>();

  constructor(targetName: SideName, onChange: (failure: ApplyFailure | null) => void) {
    this.#targetName = targetName;
    this.#onChange = onChange;
  }

  /** The oldest failing worker's failure, or null. */
  get current(): ApplyFailure | null {
    let oldest: ApplyFailure | null = null;
    for (const failure of this.#byWorker.values()) {
      if (oldest === null || failure.since < oldest.since) oldest = failure;
    }
    return oldest;
  }

  failed(worker: number, error: unknown): void {
    const before = this.current;
    this.#byWorker.set(worker, {
      code: targetConnectionLost(error) ? 'DATABASE_UNAVAILABLE' : 'APPLY_FAILED',
      message: `writing to ${this.#targetName} failed, retrying: ${describeError(error)}`,
      since: this.#byWorker.get(worker)?.since ?? Date.now(),
    });
    this.#notifyIfChanged(before);
  }

  succeeded(worker: number): void {
    const before = this.current;
    if (this.#byWorker.delete(worker)) this.#notifyIfChanged(before);
  }

  #notifyIfChanged(before: ApplyFailure | null): void {
    const after = this.current;
    if (before?.code !== after?.code) this.#onChange(after);
  }
}
