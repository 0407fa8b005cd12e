/**
 * Everything that writes to a database: the write transaction, the batch writer and its SQL, the checkpoint table
 * (slots, fence, echo markers, the source server), and how a target's refusals are described. The apply engine
 * (apply/), copies (snapshot/), conflict write-backs (conflict/) and resolutions (sync/) all write through here.
 */
export {
  inWriteTransaction,
  targetConnectionLost,
  type WriteTransactionOptions,
} from './write-transaction.js';
export {
  BatchAttempts,
  BatchTransactions,
  type BatchOutcome,
  type BatchRunOptions,
  type BatchTransactionOptions,
} from './batch-transaction.js';
export {
  BatchWriter,
  TableWriteError,
  UniqueKeyCollisionError,
  chunksOfPowerOfTwoSizes,
  type WriteOperation,
} from './batch-writer.js';
export { isMove, moveRow } from './row-move.js';
export {
  checkpointTableName,
  ensureCheckpointTable,
  readSlots,
  writeSlots,
  lockSlots,
  deleteSlots,
  deleteSource,
  readSourceServer,
  writeSourceServer,
  partitionSlot,
  tableSlot,
  snapshotSlot,
  watermarkSlot,
  fenceSlot,
  type SlotPosition,
} from './checkpoint-table.js';
export { raiseFence, raiseLeaderFence, checkFence } from './fence.js';
export type { BlockedHandler } from './blocking-connections.js';
export {
  EchoMarkers,
  writeMarker,
  writeEndMarker,
  isEndMarker,
  markerSlot,
  tableMarkerSlot,
  readMarkedTables,
  type TableWork,
  deleteMarkers,
} from './echo-markers.js';
export {
  describeCopyRefusal,
  describeTargetRefusal,
  heldChangesMessage,
  stoppedCopyMessage,
  resumeOrRestart,
  rowForPause,
  type CopyRefusal,
  type TargetRefusal,
} from './refusals.js';
export {
  alterOfShadowAsTable,
  appliedFrom,
  appliedStatementMarker,
  statementForTarget,
} from './schema-change-statement.js';
export {
  applySchemaChangeOnce,
  markApplied,
  type LedgerEntry,
  type LedgerOutcome,
} from './schema-change-ledger.js';
export { schemaChangeLedgerName, type SchemaChangeTarget } from './ledger-table.js';
export { comparableDefinition } from './table-state.js';
export {
  appliedStatements,
  recordShadowStatement,
  shadowStatements,
  type AppliedStatement,
  type ShadowStatement,
} from './shadow-statements.js';
