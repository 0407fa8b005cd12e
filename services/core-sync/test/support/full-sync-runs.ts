/**
 * Full syncs in the end-to-end tests: a SyncManager over a running service (started by sync-fixture.ts), a run
 * to its end, and changes to a side's rows behind the service's back (the binlog off), which only a full sync sees.
 */
import { pino } from 'pino';
import { SyncManager } from '../../src/manager/index.js';
import type { RunningService } from './sync-fixture.js';
import type { TestDatabase } from './test-database.js';
import type { RunProgress } from '../../src/status/index.js';

/** Runs `statements` on the side with sql_log_bin off: the streams never see these changes. */
export async function divergeSilently(database: TestDatabase, statements: string): Promise<void> {
  await database.query(`SET SESSION sql_log_bin = 0; ${statements}; SET SESSION sql_log_bin = 1`);
}

/** The manager that triggers full syncs on `running` (progress events every `progressIntervalMs`; 0: none). */
export function fullSyncManager(running: RunningService, progressIntervalMs = 0): SyncManager {
  return new SyncManager({
    config: () => running.config,
    host: running.service,
    store: running.store,
    events: running.events,
    logger: pino({ level: process.env.MYSQL_SYNC_TEST_LOG_LEVEL ?? 'silent' }),
    progressIntervalMs,
  });
}

/** Runs a full sync to its end; fails when it has not ended within `timeoutMs` (a repair retrying forever). */
export async function runFullSync(
  syncManager: SyncManager,
  traceId: string,
  timeoutMs = 30_000,
  tables?: readonly string[],
): Promise<RunProgress> {
  await syncManager.trigger(tables === undefined ? {} : { tables }, 'test', traceId);
  const deadline = AbortSignal.timeout(timeoutMs);
  await Promise.race([
    syncManager.idle(),
    new Promise((_resolve, reject) => {
      deadline.addEventListener('abort', () => {
        reject(
          new Error(
            `the full sync did not end within ${timeoutMs} ms: ${JSON.stringify(syncManager.currentRun)}`,
          ),
        );
      });
    }),
  ]);
  const run = syncManager.currentRun;
  if (run === null) throw new Error('the full sync left no run');
  return run;
}

/** Triggers a full sync of every table (or of `tables`) on `running` and resolves with the finished run. */
export async function runFullSyncToEnd(
  running: RunningService,
  tables?: readonly string[],
): Promise<RunProgress> {
  return runFullSync(fullSyncManager(running), 'trace-full-sync', 60_000, tables);
}
