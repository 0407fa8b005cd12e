/**
 * The service's Prometheus metrics (docs/metrics.md lists them with example alerts). One `Registry` per
 * instance, never prom-client's global one, so two services in one process (tests) do not clash.
 *
 * Counters and histograms follow the event bus; gauges are read from the live status at scrape time.
 * Node.js process metrics (`process_*`, `nodejs_*`) keep prom-client's standard names, unprefixed: the common
 * Node.js dashboards and alerts expect them, and Prometheus' `job`/`instance` labels tell services apart.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { ServiceEvent, ServiceEvents } from '../events/index.js';
import type { Logger } from '../logging/index.js';
import { EventMetrics } from './event-metrics.js';
import { EventStreamMetrics } from './event-stream-metrics.js';
import { SchemaChangeMetrics } from './schema-change-metrics.js';
import { FullSyncMetrics } from './full-sync-metrics.js';
import { TableLabels } from './label-values.js';
import { StatusGauges } from './status-gauges.js';
import { StatusReader } from './status-reader.js';
import type { ServiceStatus } from '../status/index.js';

export interface ServiceMetricsOptions {
  readonly events: ServiceEvents;
  /** The live status; called at most once per scrape. */
  readonly status: () => ServiceStatus;
  /**
   * The configured table names, read as needed (the configuration can change while running). A table outside
   * them is labelled `(other)`, which keeps the number of series bounded.
   */
  readonly tables: () => readonly string[];
  readonly logger: Logger;
  /**
   * Registers prom-client's Node.js process metrics (default true). prom-client starts a garbage-collection
   * observer for them that it offers no way to stop, so `dispose()` cannot undo this.
   */
  readonly processMetrics?: boolean;
}

export interface ServiceMetrics {
  readonly registry: Registry;
  /** The `Content-Type` of `render()`'s output (Prometheus text format 0.0.4). */
  readonly contentType: string;
  /** Every metric in the Prometheus text format, gauges read from the status now. */
  render(): Promise<string>;
  /**
   * Counts an error in `mysql_sync_errors_total` (codes outside `errorCodes` as `OTHER`). Errors that show in a
   * direction's status (`error`, `stream.lastError`) are counted from the `status` events already; call this for
   * the others (API, scheduler, state store), or they are counted twice.
   */
  recordError(code: string): void;
  /** The API's event-stream clients; the API reports to it (`AppDependencies.metrics.streamClients`). */
  readonly streamClients: EventStreamMetrics;
  /** Unsubscribes from the event bus; the metrics keep their last values. Safe to call twice. */
  dispose(): void;
}

export function createServiceMetrics(options: ServiceMetricsOptions): ServiceMetrics {
  const logger = options.logger.child({ component: 'metrics' });
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const statusReader = new StatusReader(options.status);
  const tables = new TableLabels(options.tables);
  const eventMetrics = new EventMetrics(registry, tables, statusReader);
  const statusGauges = new StatusGauges(registry, statusReader, tables, logger);
  const fullSyncMetrics = new FullSyncMetrics(registry, logger);
  const schemaChangeMetrics = new SchemaChangeMetrics(registry, tables, statusReader);

  const onEvent = (event: ServiceEvent): void => {
    switch (event.type) {
      case 'batch':
        eventMetrics.recordBatch(event);
        return;
      case 'status':
        eventMetrics.recordStatus(event);
        return;
      case 'lag':
        statusGauges.recordLagSample(event);
        return;
      case 'conflict-detected':
        eventMetrics.recordConflictDetected(event);
        return;
      case 'conflict-resolved':
        eventMetrics.recordConflictResolved(event);
        return;
      case 'progress':
      case 'run':
        fullSyncMetrics.record(event.progress);
        return;
      case 'schema-change':
        schemaChangeMetrics.record(event);
        return;
    }
  };
  const unsubscribe = options.events.subscribe(onEvent);

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    recordError: (code) => eventMetrics.recordError(code),
    streamClients: new EventStreamMetrics(registry),
    dispose: () => {
      unsubscribe();
    },
  };
}
