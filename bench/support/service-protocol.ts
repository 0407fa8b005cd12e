/** Messages between a benchmark and the core-sync child process it runs (`service-child.ts`). */
import type { ServiceStatus } from '../../services/core-sync/src/sync/index.js';

export interface StartRequest {
  readonly kind: 'start';
  /** The configuration document (snake_case keys, as in config.yaml). */
  readonly configDocument: Record<string, unknown>;
  /** Send a status message this often (0: never). */
  readonly statusIntervalMs: number;
  /** Report the moment the service's applied-row count reaches this (checked every 5 ms). */
  readonly rowsAppliedTarget?: number;
  /** Collect the duration of every applied batch (from the engine's debug log lines). */
  readonly collectBatchDurations?: boolean;
}

export type ParentMessage = StartRequest | { readonly kind: 'stop' };

export interface BatchDurations {
  readonly durationsMs: readonly number[];
  readonly rowCounts: readonly number[];
}

export type ChildMessage =
  | { readonly kind: 'ready'; readonly rssKib: number }
  | { readonly kind: 'started'; readonly startDurationMs: number; readonly status: ServiceStatus }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'status'; readonly elapsedMs: number; readonly status: ServiceStatus }
  | { readonly kind: 'rows-applied-reached'; readonly elapsedMs: number; readonly rowsApplied: number }
  | {
      readonly kind: 'stopped';
      readonly stopDurationMs: number;
      /** process.resourceUsage().maxRSS of the child (KiB), a cross-check of /proc VmHWM. */
      readonly maxRssKib: number;
      readonly batches: BatchDurations;
      /** Conflicts the service met (bidirectional), by type. */
      readonly conflicts: Readonly<Record<string, number>>;
      /** Batches that failed and were retried, by `<direction> <error code>`. */
      readonly retries: Readonly<Record<string, number>>;
    };
