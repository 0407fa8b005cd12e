/**
 * The composition root: configuration → logger → state store → sync service → HTTP server; on SIGTERM/SIGINT,
 * stop in reverse order (stop reading the binlog, apply what is queued, write the checkpoint, close) and exit 0.
 */
import { buildApp } from './api/index.js';
import { loadConfig, redactConfig, type ServiceConfig } from './config/index.js';
import { SyncError, describeError } from './errors/index.js';
import { createLogger, type Logger } from './logging/index.js';
import { limitHeapGrowth } from './runtime/index.js';
import { openStateStore } from './store/index.js';
import { SyncService } from './sync/index.js';

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
  const store = await openStateStore(config.stateStorage, { logger });
  const service = new SyncService({ config, store, logger });
  const app = buildApp({
    logger,
    status: () => service.status,
    requestTimeoutMs: config.server.readTimeoutMs,
  });
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
      await service.stop();
      await app.close();
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
  try {
    await service.start();
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
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
