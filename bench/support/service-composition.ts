/**
 * The rest of main.ts's composition around the benchmark child's SyncService, for the benchmarks that need full
 * syncs or the HTTP API: the event bus (the service publishes on it), the Prometheus metrics, a SyncManager and
 * the API built by `buildApp`, listening on 127.0.0.1 at a free port. main.ts runs the service under a
 * ServiceSupervisor (restarts on configuration changes); here the manager drives the SyncService directly, as
 * the e2e tests do, and nothing restarts it. There is no scheduler: full syncs run only when the benchmark asks.
 *
 * The child loads this module (fastify, prom-client, …) only when a benchmark asks for it, so the other
 * benchmarks' figures (the child's RSS above all) stay those of the SyncService alone.
 */
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { TokenAuthority, buildApp, type App } from '../../services/core-sync/src/api/index.js';
import type { ServiceConfig } from '../../services/core-sync/src/config/index.js';
import { describeError } from '../../services/core-sync/src/errors/index.js';
import { ServiceEvents, publicEventTypes } from '../../services/core-sync/src/events/index.js';
import type { Logger } from '../../services/core-sync/src/logging/index.js';
import { ConfigFileAccess, SyncManager, conflictAccess } from '../../services/core-sync/src/manager/index.js';
import { createServiceMetrics, type ServiceMetrics } from '../../services/core-sync/src/metrics/index.js';
import type { StateStore, SyncHistoryKind } from '../../services/core-sync/src/store/index.js';
import type { SyncService } from '../../services/core-sync/src/sync/index.js';
import type { ChildMessage } from './service-protocol.js';

type FullSyncFinished = Extract<ChildMessage, { kind: 'full-sync-finished' }>;

/** The bus main.ts creates first: a listener that throws is logged (the child forwards errors to stderr). */
export function createEventBus(logger: Logger): ServiceEvents {
  return new ServiceEvents((error, event) =>
    logger.error({ error: describeError(error), eventType: event.type }, 'an event listener failed'),
  );
}

export interface CompositionOptions {
  readonly config: ServiceConfig;
  readonly configDocument: Record<string, unknown>;
  readonly store: StateStore;
  /** Created with `events` as its bus. */
  readonly service: SyncService;
  readonly events: ServiceEvents;
  readonly logger: Logger;
  readonly apiToken: string;
  /** Where the configuration file the API's config routes read and write is kept. */
  readonly workDirectory: string;
}

export class ServiceComposition {
  readonly #events: ServiceEvents;
  readonly #manager: SyncManager;
  readonly #metrics: ServiceMetrics;
  readonly #app: App;
  #runCount = 0;

  private constructor(events: ServiceEvents, manager: SyncManager, metrics: ServiceMetrics, app: App) {
    this.#events = events;
    this.#manager = manager;
    this.#metrics = metrics;
    this.#app = app;
  }

  /** Builds the manager, metrics and API around the (not yet started) service, and starts listening. */
  static async create(
    options: CompositionOptions,
  ): Promise<{ composition: ServiceComposition; apiPort: number }> {
    const { config, events, logger, service, store } = options;
    const metrics = createServiceMetrics({
      events,
      status: () => service.status,
      tables: () => config.sync.tables.map((table) => table.name),
      logger,
    });
    const manager = new SyncManager({ config: () => config, host: service, store, events, logger });
    const configPath = path.join(options.workDirectory, 'config.yaml');
    // JSON is YAML: the file the config routes would read.
    await writeFile(configPath, JSON.stringify(options.configDocument, null, 2));
    const app = buildApp({
      logger,
      status: () => service.status,
      requestTimeoutMs: config.server.readTimeoutMs,
      control: manager,
      conflicts: conflictAccess(store, (id, choice, resolvedBy) =>
        service.resolveConflict(id, choice, resolvedBy),
      ),
      pauses: {
        resume: () => Promise.reject(new Error('the benchmark child does not resume paused tables')),
      },
      configuration: new ConfigFileAccess({
        filePath: configPath,
        started: config,
        logger,
        applyLive: () =>
          Promise.reject(new Error('the benchmark child does not apply configuration changes while running')),
      }),
      metrics,
      events,
      tokens: new TokenAuthority({ authToken: options.apiToken, readOnlyTokens: [] }),
      server: { corsOrigins: [] },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') {
      await app.close();
      metrics.dispose();
      throw new Error(`the API listens on an unexpected address: ${String(address)}`);
    }
    return { composition: new ServiceComposition(events, manager, metrics, app), apiPort: address.port };
  }

  /**
   * Runs a full sync of `tables` (all when absent), recorded as a run of `runKind` (`manual` when absent); resolves
   * when the manager is idle again.
   */
  async runFullSync(
    tables: readonly string[] | undefined,
    runKind: SyncHistoryKind = 'manual',
  ): Promise<FullSyncFinished> {
    this.#runCount += 1;
    // The public events from the run's first `run` event (running) to its last (its final state), both
    // included: the window an SSE client can count by event id.
    const publicEvents: Record<string, number> = {};
    let counting = false;
    const unsubscribe = this.#events.subscribe((event) => {
      if (event.type === 'run' && event.progress.state === 'running') counting = true;
      if (counting && publicEventTypes.has(event.type)) {
        publicEvents[event.type] = (publicEvents[event.type] ?? 0) + 1;
      }
      if (event.type === 'run' && event.progress.state !== 'running') counting = false;
    });
    try {
      const startedAt = performance.now();
      await this.#manager.trigger(
        tables === undefined ? {} : { tables },
        'benchmark',
        `bench-full-sync-${this.#runCount}`,
        runKind,
      );
      await this.#manager.idle();
      const elapsedMs = performance.now() - startedAt;
      const progress = this.#manager.currentRun;
      if (progress === null) throw new Error('the sync manager has no run after a full sync');
      return { kind: 'full-sync-finished', elapsedMs, progress, publicEvents };
    } finally {
      unsubscribe();
    }
  }

  /** Before the service stops (as main.ts shuts down): stops a running full sync. */
  async stopRuns(): Promise<void> {
    await this.#manager.stop();
  }

  /** After the service stopped: closes the API (ending its event streams) and the metrics. */
  async close(): Promise<void> {
    await this.#app.close();
    this.#metrics.dispose();
  }
}
