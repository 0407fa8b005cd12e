import type { DirectionName } from '../events/index.js';
import { directionName } from '../model/index.js';
import type { DirectionStatus, ServiceStatus } from '../status/index.js';

export interface NamedDirectionStatus {
  readonly direction: DirectionName;
  readonly status: DirectionStatus;
}

/**
 * Reads the service status once per scrape: prom-client calls every metric's `collect` in the same tick, so the
 * status read by the first is kept until the tick's microtasks run, and all gauges of a scrape agree.
 */
export class StatusReader {
  readonly #status: () => ServiceStatus;
  #current: readonly NamedDirectionStatus[] | undefined;

  constructor(status: () => ServiceStatus) {
    this.#status = status;
  }

  directions(): readonly NamedDirectionStatus[] {
    if (this.#current === undefined) {
      this.#current = this.#status().directions.map((status) => ({
        direction: directionName(status.source),
        status,
      }));
      queueMicrotask(() => {
        this.#current = undefined;
      });
    }
    return this.#current;
  }
}
