/**
 * What the API's configuration and resume requests do to the running service: a saved configuration's live keys
 * take effect (the sync service restarts from its checkpoints, the scheduler is replaced, the log level and the
 * tokens change), and paused tables resume. Neither while a full sync runs: it would lose its directions.
 */
import type { ServiceConfig } from '../config/index.js';
import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { PauseControl } from './contracts.js';
import type { ServiceSupervisor } from './service-supervisor.js';
import type { SyncManager } from './sync-manager.js';

/** The configuration keys whose change replaces the API tokens while running. */
const tokenKeyPaths = ['server.auth_token', 'server.read_only_tokens'];

export interface LiveChangeTargets {
  readonly supervisor: Pick<ServiceSupervisor, 'reconfigure' | 'resumePausedTables'>;
  readonly manager: Pick<SyncManager, 'isRunning'>;
  /** Stops the scheduler and starts one with these settings. */
  readonly replaceScheduler: (config: ServiceConfig['scheduler']) => void;
  readonly setLogLevel: (level: ServiceConfig['logging']['level']) => void;
  readonly replaceTokens: (server: ServiceConfig['server']) => void;
  readonly logger: Logger;
}

/** Applies a saved configuration's changed live keys (config-access.ts `applyLive`). */
export function liveConfigChanges(
  targets: LiveChangeTargets,
): (next: ServiceConfig, changed: readonly string[]) => Promise<void> {
  return async (next, changed) => {
    if (changed.some((keyPath) => keyPath.startsWith('sync.') || keyPath.startsWith('databases.'))) {
      refuseDuringFullSync(targets.manager, 'changing sync or database settings');
      await targets.supervisor.reconfigure(next);
    }
    if (changed.some((keyPath) => keyPath.startsWith('scheduler.'))) targets.replaceScheduler(next.scheduler);
    if (changed.includes('logging.level')) targets.setLogLevel(next.logging.level);
    if (changed.some((keyPath) => tokenKeyPaths.includes(keyPath))) targets.replaceTokens(next.server);
  };
}

/** Resumes the paused tables (`POST /api/v1/sync/resume`). */
export function pausedTablesControl(targets: LiveChangeTargets): PauseControl {
  return {
    resume: async (resumedBy) => {
      refuseDuringFullSync(targets.manager, 'resuming paused tables');
      targets.logger.info({ resumedBy }, 'resuming paused tables');
      return { resumed: await targets.supervisor.resumePausedTables() };
    },
  };
}

function refuseDuringFullSync(manager: Pick<SyncManager, 'isRunning'>, action: string): void {
  if (manager.isRunning) {
    throw new SyncError(
      'SYNC_ALREADY_RUNNING',
      `a full sync is running: stop it or wait for it before ${action}`,
    );
  }
}
