export {
  loadConfig,
  parseConfig,
  validateConfigDocument,
  defaultConfigPath,
  type LoadConfigOptions,
} from './loader.js';
export { redactConfig, redactedText } from './redact.js';
export { parseDuration, formatDuration } from './duration.js';
export { environmentPrefix, readEnvironmentOverrides, type EnvironmentOverride } from './environment.js';
export { formatKeyPath, invalidConfigError, orderProblems, type ConfigProblem } from './problems.js';
export type {
  ServiceConfig,
  DatabaseConfig,
  StateStorageConfig,
  SqliteStateStorageConfig,
  MysqlStateStorageConfig,
  SyncConfig,
  TableConfig,
  LastWriteWinsTableConfig,
  SourcePriorityTableConfig,
  ManualTableConfig,
  SchedulerConfig,
  ServerConfig,
  LoggingConfig,
  HighAvailabilityConfig,
  SyncMode,
  ExistingDataPolicy,
  DdlPolicy,
  SyncSide,
  ConflictResolution,
  ConfigLogLevel,
  ConfigLogFormat,
} from './types.js';
export {
  syncModes,
  syncSides,
  conflictResolutions,
  existingDataPolicies,
  ddlPolicies,
  readsBinlogs,
} from './types.js';
export {
  configToDocument,
  passwordKeyPaths,
  redactDocument,
  secretKeyPaths,
  setValueAt,
  valueAt,
  type ConfigDocument,
} from './document.js';
export { isLoopbackListenAddress, openWhileListeningProblems } from './cross-checks.js';
