export { runFullSync, type FullSyncDirection, type FullSyncRunOptions } from './full-sync-run.js';
export { RunProgressTracker, type RunIdentity } from './run-progress.js';
export {
  bidirectionalRefreshResolver,
  generatedColumns,
  oneWayRefreshResolver,
} from './refresh-resolvers.js';
export { compareTable, diffRows, type ChunkDifference, type CompareSide } from './table-compare.js';
export { ChangeTally, noChanges } from './table-changes.js';
export { BinlogKeyHistory, type HistorySide, type KeyHistoryReader } from './key-history.js';
export type { UndecidedRow } from './repair-types.js';
