/**
 * The composition root: configuration → logger → event bus → state store → sync service (under its supervisor,
 * which restarts it on configuration changes) → metrics → sync manager → scheduler → HTTP server; on
 * SIGTERM/SIGINT, stop in reverse order (stop the scheduler and any full sync, stop reading the binlog, apply
 * what is queued, write the checkpoints, close) and exit 0.
 */
import path from 'node:path';
import { TokenAuthority, buildApp } from './api/index.js';
import { defaultConfigPath, loadConfig, redactConfig, type ServiceConfig } from './config/index.js';
import { SyncError, describeError } from './errors/index.js';
import { ServiceEvents } from './events/index.js';
import { createLogger, newTraceId, type Logger } from './logging/index.js';
import {
  ConfigFileAccess,
  Leadership,
  Scheduler,
  ServiceSupervisor,
  SyncManager,
  conflictAccess,
  liveConfigChanges,
  pausedTablesControl,
} from './manager/index.js';
import { createServiceMetrics } from './metrics/index.js';
import { limitHeapGrowth } from './runtime/index.js';
import { openStateStore } from './store/index.js';

async function main(): Promise<number> {
  limitHeapGrowth();
  let config: ServiceConfig;
  try {
    config = loadConfig();
  } catch (error) {
    // Before the logger exists: one plain message listing every problem.
    process.stderr.write(`mysql-sync: ${describeError(error)}\n`);
    return 2;
  }
  const logger = createLogger({ level: config.logging.level, format: config.logging.format });
  logger.info({ config: redactConfig(config) }, 'configuration loaded');
  try {
    return await run(config, logger);
  } catch (error) {
    logger.fatal(
      {
        errorCode: error instanceof SyncError ? error.code : 'INTERNAL',
        error: describeError(error),
        details: error instanceof SyncError ? error.details : undefined,
      },
      'mysql-sync could not start',
    );
    logger.flush();
    return 1;
  }
}

async function run(config: ServiceConfig, logger: Logger): Promise<number> {
  const events = new ServiceEvents((error, event) =>
    logger.error({ error: describeError(error), eventType: event.type }, 'an event listener failed'),
  );
  const store = await openStateStore(config.stateStorage, { logger });
  const supervisor = new ServiceSupervisor({ config, store, events, logger });
  const metrics = createServiceMetrics({
    events,
    status: () => supervisor.status,
    tables: () => supervisor.config.sync.tables.map((table) => table.name),
    logger,
  });
  const manager = new SyncManager({
    config: () => supervisor.config,
    host: supervisor,
    store,
    events,
    logger,
  });
  // With scheduler.resync_on_purged_binlog: a direction whose binlog was purged copies its tables again.
  const resyncAfterPurge = (source: 'local' | 'cloud'): Promise<void> =>
    manager.recordRun('fallback', 'binlog-purged', newTraceId(), () => supervisor.resnapshot(source));
  const createScheduler = (schedulerConfig: ServiceConfig['scheduler']): Scheduler =>
    new Scheduler({
      config: schedulerConfig,
      manager,
      status: () => supervisor.status,
      adoptAtOnce: () => supervisor.config.sync.realtime,
      logger,
      resyncAfterPurge,
      followSourceServer: () => supervisor.restartService('a source moved to another server (failover)'),
    });
  let scheduler = createScheduler(config.scheduler);
  const tokens = new TokenAuthority(config.server);
  const liveChanges = {
    supervisor,
    manager,
    replaceScheduler: (schedulerConfig: ServiceConfig['scheduler']) => {
      scheduler.stop();
      scheduler = createScheduler(schedulerConfig);
      scheduler.start();
    },
    setLogLevel: (level: ServiceConfig['logging']['level']) => {
      logger.level = level;
    },
    replaceTokens: (server: ServiceConfig['server']) => tokens.replace(server),
    logger,
  };
  const configuration = new ConfigFileAccess({
    filePath: path.resolve(process.env.CONFIG_PATH ?? defaultConfigPath),
    started: config,
    logger,
    applyLive: liveConfigChanges(liveChanges),
  });
  const app = buildApp({
    logger,
    // The tables whose last adoption run failed come from the manager, which runs them.
    status: () => ({ ...supervisor.status, adoptionFailures: manager.adoptionFailures }),
    requestTimeoutMs: config.server.readTimeoutMs,
    control: manager,
    conflicts: conflictAccess(store, (id, choice, resolvedBy) =>
      supervisor.resolveConflict(id, choice, resolvedBy),
    ),
    pauses: pausedTablesControl(liveChanges),
    configuration,
    metrics,
    events,
    tokens,
    server: config.server,
  });
  // High availability: this replica syncs only while it holds the lease (manager/leadership.ts).
  const leadership = config.highAvailability.enabled
    ? new Leadership({
        config: config.highAvailability,
        store,
        logger,
        onElected: async (epoch) => {
          await supervisor.start(epoch);
          // Only the leader runs full syncs: what an earlier leader left running was interrupted.
          await manager.closeInterruptedRuns();
          scheduler.start();
        },
        onDeposed: async () => {
          scheduler.stop();
          await manager.stop();
          await supervisor.stepDown();
        },
        fencedOut: () =>
          supervisor.status.directions.some(
            (direction) => direction.state === 'failed' && direction.error?.code === 'LEASE_LOST',
          ),
      })
    : undefined;
  if (leadership !== undefined) supervisor.markStandby();
  let shuttingDown: Promise<number> | undefined;
  const shutdown = (signal: string): Promise<number> => {
    shuttingDown ??= (async () => {
      logger.info({ signal }, 'shutting down');
      const forceExit = setTimeout(() => {
        logger.error(
          { timeoutMs: config.sync.shutdownTimeoutMs + 10_000 },
          'shutdown did not finish in time; exiting',
        );
        process.exit(1);
      }, config.sync.shutdownTimeoutMs + 10_000);
      forceExit.unref();
      scheduler.stop();
      await manager.stop();
      await leadership?.stop();
      await supervisor.stop();
      await app.close();
      metrics.dispose();
      await store.close();
      logger.info('stopped');
      logger.flush();
      return 0;
    })();
    return shuttingDown;
  };
  const stopped = new Promise<number>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void shutdown(signal).then(resolve);
      });
    }
  });
  await app.listen({ port: config.server.port, host: config.server.host });
  if (leadership !== undefined) {
    leadership.start();
  } else {
    try {
      await supervisor.start();
    } catch (error) {
      await app.close();
      metrics.dispose();
      await store.close();
      throw error;
    }
    await manager.closeInterruptedRuns();
    scheduler.start();
  }
  logger.info({ mode: config.sync.mode, tables: config.sync.tables.length }, 'mysql-sync is running');
  return stopped;
}

main().then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    process.stderr.write(`mysql-sync: unexpected failure: ${describeError(error)}\n`);
    process.exitCode = 1;
  },
);
