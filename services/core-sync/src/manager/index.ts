export type {
  ConfigAccess,
  ConfigUpdateResult,
  ConfigView,
  ConflictAccess,
  PauseControl,
  ResumedTable,
  SyncControl,
  TriggerRequest,
} from './contracts.js';
export { SyncManager, type FullSyncHost, type SyncManagerOptions } from './sync-manager.js';
export { RunStateMachine, nextRunState, runEvents, runStates, type RunEvent } from './run-state.js';
export { Scheduler, type SchedulerOptions, type SchedulerTickOutcome } from './scheduler.js';
export { ServiceSupervisor, type ServiceSupervisorOptions } from './service-supervisor.js';
export {
  ConfigFileAccess,
  changedKeyPaths,
  isLiveKeyPath,
  type ConfigFileAccessOptions,
} from './config-access.js';
export { conflictAccess } from './conflict-access.js';
export { liveConfigChanges, pausedTablesControl, type LiveChangeTargets } from './live-changes.js';
export { Leadership, type LeadershipOptions, type LeadershipRole } from './leadership.js';
