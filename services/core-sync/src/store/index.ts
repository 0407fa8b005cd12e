export {
  openStateStore,
  type MysqlStateStoreConfig,
  type SqliteStateStoreConfig,
} from './open-state-store.js';
export {
  syncHistoryKinds,
  type StateStore,
  type StateStoreConfig,
  type StateStoreDialect,
  type StateStoreAvailability,
  type OpenStateStoreOptions,
  type CheckpointRecord,
  type TableSyncState,
  type SyncHistoryEntry,
  type SyncHistoryKind,
  type SyncHistoryChanges,
  type ConflictRecord,
  type ConflictResolution,
  type ResolutionColumns,
  type ConflictFilter,
  type PageRequest,
  type LeaseState,
} from './state-store.js';
export { findMigrationsDirectory } from './migrator.js';
