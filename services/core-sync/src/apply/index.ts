export { ApplyEngine } from './apply-engine.js';
export { DependencyKeys } from './dependency-keys.js';
export type {
  ApplyEngineOptions,
  ApplyHooks,
  ApplyFailure,
  AppliedBatch,
  BatchConflictCheck,
  ConflictCheckOutcome,
  RefreshOutcome,
  RefreshResolver,
  ChangeKeys,
} from './engine-types.js';
export type { QueuedWrite } from './queued-write.js';
export { CheckpointState } from './checkpoint-state.js';
export { TransactionTracker } from './transaction-tracker.js';
export { rowOnColumns, writesOnTargetColumns, type RemovedColumns } from './target-columns.js';
