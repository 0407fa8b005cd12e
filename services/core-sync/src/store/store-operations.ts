/**
 * Runs each state-store operation: refuses it once the store is closed, wraps any failure in a SyncError that
 * names the operation, and tracks outages (available → unavailable → available, logged once each way).
 */
import { SyncError, describeError, isSyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { StateStoreAvailability, StateStoreDialect } from './state-store.js';
import type { StoreDriver } from './store-driver.js';

export class StoreOperations {
  readonly #dialect: StateStoreDialect;
  readonly #driver: StoreDriver;
  readonly #log: Logger | undefined;
  #closed = false;
  #availability: StateStoreAvailability = { available: true, unavailableSince: null, error: null };
  /** Calls that failed during the current outage (logged when it ends). */
  #failedDuringOutage = 0;

  constructor(driver: StoreDriver, log: Logger | undefined) {
    this.#driver = driver;
    this.#dialect = driver.dialect;
    this.#log = log;
  }

  get availability(): StateStoreAvailability {
    return this.#availability;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Every operation after this one is refused. */
  markClosed(): void {
    this.#closed = true;
  }

  /** Runs one store operation; any failure becomes a SyncError saying which operation failed. */
  async run<Result>(action: string, work: () => Promise<Result>): Promise<Result> {
    if (this.#closed) {
      throw new SyncError(
        'STATE_STORE_FAILED',
        `failed to ${action}: the ${this.#dialect} state store is closed`,
      );
    }
    let result: Result;
    try {
      result = await work();
    } catch (error) {
      if (isSyncError(error)) throw error;
      if (this.#driver.isUnavailable(error)) {
        const unavailable = new SyncError(
          'STATE_STORE_UNAVAILABLE',
          `failed to ${action}: the ${this.#dialect} state store is unavailable`,
          { cause: error },
        );
        this.#noteUnavailable(unavailable);
        throw unavailable;
      }
      throw new SyncError('STATE_STORE_FAILED', `failed to ${action} in the ${this.#dialect} state store`, {
        cause: error,
      });
    }
    this.#noteAvailable();
    return result;
  }

  #noteUnavailable(error: SyncError): void {
    this.#failedDuringOutage += 1;
    const first = this.#availability.available;
    this.#availability = {
      available: false,
      unavailableSince: this.#availability.unavailableSince ?? new Date(),
      error: { code: 'STATE_STORE_UNAVAILABLE', message: describeError(error) },
    };
    if (!first) return;
    this.#log?.error(
      { errorCode: error.code, error: describeError(error) },
      'state store unavailable: syncing goes on (checkpoints are on the targets); copies of checkpoints, table states, history and conflicts wait until it is back',
    );
  }

  #noteAvailable(): void {
    const since = this.#availability.unavailableSince;
    if (since === null) return;
    const failedCalls = this.#failedDuringOutage;
    this.#availability = { available: true, unavailableSince: null, error: null };
    this.#failedDuringOutage = 0;
    this.#log?.warn({ outageMs: Date.now() - since.getTime(), failedCalls }, 'state store available again');
  }
}
