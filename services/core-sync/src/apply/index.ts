export { ApplyEngine } from './apply-engine.js';
export { DependencyKeys } from './dependency-keys.js';
export type {
  ApplyEngineOptions,
  ApplyHooks,
  ApplyFailure,
  BatchAppliedEvent,
  BatchConflictCheck,
  ConflictCheckOutcome,
  RefreshOutcome,
  RefreshResolver,
  ChangeKeys,
} from './engine-types.js';
export type { QueuedWrite } from './queued-write.js';
export {
  BatchWriter,
  TableWriteError,
  chunksOfPowerOfTwoSizes,
  type WriteOperation,
} from './batch-writer.js';
export { CheckpointState } from './checkpoint-state.js';
export {
  checkpointTableName,
  ensureCheckpointTable,
  readSlots,
  writeSlots,
  raiseFence,
  checkFence,
  fenceSlot,
  readSourceServer,
  writeSourceServer,
  writeMarker,
  markerSlot,
  copyMarkerSlot,
  readUnfinishedCopies,
  deleteSlots,
  deleteMarkers,
  deleteSource,
  partitionSlot,
  tableSlot,
  snapshotSlot,
  watermarkSlot,
  type SlotPosition,
} from './checkpoint-table.js';
export { partitionFor, primaryKeyText } from './partitioner.js';
export { CollationFolds, coarseFold, type StringFold } from './collation-folds.js';
export { TransactionTracker } from './transaction-tracker.js';
export {
  describeCopyRefusal,
  describeTargetRefusal,
  stoppedCopyMessage,
  resumeOrRestart,
  rowForPause,
  type CopyRefusal,
  type TargetRefusal,
} from './table-pauses.js';
