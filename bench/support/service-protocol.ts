/** Messages between a benchmark and the core-sync child process it runs (`service-child.ts`). */
import type { RunProgress } from '../../services/core-sync/src/status/index.js';
import type { ServiceStatus } from '../../services/core-sync/src/status/index.js';
import type { SyncHistoryKind } from '../../services/core-sync/src/store/index.js';

/**
 * The rest of main.ts's composition around the SyncService: the event bus the service publishes on, the
 * Prometheus metrics, a SyncManager (for `full-sync` messages) and the HTTP API listening on 127.0.0.1 at a free
 * port, with `apiToken` as its admin token (no scheduler: full syncs start only when asked).
 */
export interface ComposedServiceOptions {
  readonly apiToken: string;
}

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
  /** Compose the service as main.ts does (needed for full syncs and the API); absent: the SyncService alone. */
  readonly composition?: ComposedServiceOptions;
}

/** Starts a full sync through the child's SyncManager (needs `composition`) and reports when it has ended. */
export interface FullSyncRequest {
  readonly kind: 'full-sync';
  /** Configured table names; all of them when absent. */
  readonly tables?: readonly string[];
  /**
   * The run's kind in the history (`manual` when absent); `adoption` is what the scheduler starts for tables
   * adopted with rows on both sides.
   */
  readonly runKind?: SyncHistoryKind;
}

export type ParentMessage = StartRequest | FullSyncRequest | { readonly kind: 'stop' };

export interface BatchDurations {
  readonly durationsMs: readonly number[];
  readonly rowCounts: readonly number[];
}

export type ChildMessage =
  | { readonly kind: 'ready'; readonly rssKib: number }
  | {
      readonly kind: 'started';
      readonly startDurationMs: number;
      readonly status: ServiceStatus;
      /** The port the HTTP API listens on (with `composition` only). */
      readonly apiPort?: number;
    }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'status'; readonly elapsedMs: number; readonly status: ServiceStatus }
  | { readonly kind: 'rows-applied-reached'; readonly elapsedMs: number; readonly rowsApplied: number }
  | {
      readonly kind: 'full-sync-finished';
      /** From the call to `SyncManager.trigger()` until `idle()` resolved (the run's end is recorded). */
      readonly elapsedMs: number;
      /** The run's final progress (`state` says whether it completed). */
      readonly progress: RunProgress;
      /**
       * Events the SSE stream carries (public types) published from the run's first `run` event to its last,
       * both included, by type.
       */
      readonly publicEvents: Readonly<Record<string, number>>;
    }
  | { readonly kind: 'full-sync-refused'; readonly message: string }
  | {
      readonly kind: 'stopped';
      readonly stopDurationMs: number;
      /** process.resourceUsage().maxRSS of the child (KiB), a cross-check of /proc VmHWM. */
      readonly maxRssKib: number;
      readonly batches: BatchDurations;
      /** Conflicts the service met (bidirectional), by type. */
      readonly conflicts: Readonly<Record<string, number>>;
      /** The same conflicts by `<source> → <target>, <type>, <outcome>` (the direction that met each). */
      readonly conflictDecisions: Readonly<Record<string, number>>;
      /** Batches that failed and were retried, by `<direction> <error code>`. */
      readonly retries: Readonly<Record<string, number>>;
    };
