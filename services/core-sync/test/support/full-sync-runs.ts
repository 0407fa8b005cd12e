/**
 * Runs a full sync on a service started by sync-fixture.ts, the way the API does (a SyncManager over the running
 * service), and waits for it to end; and changes a side's rows behind the service's back (the binlog off), so
 * that only a full sync can see the difference.
 */
import { pino } from 'pino';
import type { RunProgress } from '../../src/events/index.js';
import { SyncManager } from '../../src/manager/index.js';
import type { RunningService } from './sync-fixture.js';
import type { TestDatabase } from './test-database.js';

/** Runs `statements` on the side with sql_log_bin off: the streams never see these changes. */
export async function divergeSilently(database: TestDatabase, statements: string): Promise<void> {
  await database.query(`SET SESSION sql_log_bin = 0; ${statements}; SET SESSION sql_log_bin = 1`);
}

/** Triggers a full sync of every table (or of `tables`) and resolves with the finished run. */
export async function runFullSyncToEnd(
  running: RunningService,
  tables?: readonly string[],
): Promise<RunProgress> {
  const syncManager = new SyncManager({
    config: () => running.config,
    host: running.service,
    store: running.store,
    events: running.events,
    logger: pino({ level: process.env.MYSQL_SYNC_TEST_LOG_LEVEL ?? 'silent' }),
    progressIntervalMs: 0,
  });
  await syncManager.trigger(tables === undefined ? {} : { tables }, 'test', 'trace-full-sync');
  await syncManager.idle();
  const run = syncManager.currentRun;
  if (run === null) throw new Error('the full sync did not run');
  return run;
}
