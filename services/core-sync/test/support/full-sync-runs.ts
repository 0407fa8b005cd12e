/** Full syncs in the end-to-end tests: a SyncManager over a running service, and a run to its end. */
import { pino } from 'pino';
import type { RunProgress } from '../../src/events/index.js';
import { SyncManager } from '../../src/manager/index.js';
import type { RunningService } from './sync-fixture.js';

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
): Promise<RunProgress> {
  await syncManager.trigger({}, 'test', traceId);
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
