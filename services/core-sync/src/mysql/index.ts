export {
  createMysqlPool,
  createMysqlConnection,
  endpointOptions,
  serverConnectionOf,
  canonicalValueOptions,
  preparedStatementsPerConnection,
  serviceSqlMode,
  sessionSetupStatement,
  setUpEverySession,
  statementSilenceCode,
  watchStatementSilence,
  runWithoutSilenceLimit,
  type MysqlEndpoint,
  type PoolOptions,
} from './connection.js';
export type {
  Pool,
  PoolConnection,
  Connection,
  Queryable,
  QueryRow,
  QueryResult,
  StatementOptions,
  WriteResult,
} from './driver-types.js';
export { columnText, connectionIdOf } from './driver-types.js';
export { ConnectionTls, loadTls, type TlsMode, type TlsOrigin, type TlsSettings } from './tls.js';
export {
  checkConnection,
  describeEncryption,
  logLoginCheck,
  type CheckedEndpoint,
  type SecuredEndpoint,
  type SessionEncryption,
} from './connection-check.js';
export { quoteIdentifier, qualifiedName, columnList } from './identifiers.js';
export { keyAfter, keyAtMost, type KeyCondition } from './key-bounds.js';
export {
  readTableSchema,
  readCreateTableStatement,
  describeColumnDifferences,
} from './schema-introspection.js';
export {
  checkDatabaseExists,
  readServerInfo,
  readServerVariables,
  checkBinlogSettings,
  formatSettingProblems,
  type DatabaseLabel,
  type ServerFlavor,
  type ServerInfo,
  type SettingProblem,
} from './server-checks.js';
export {
  classifyDriverError,
  isConnectionError,
  isConnectionLost,
  type DriverErrorKind,
} from './driver-errors.js';
export {
  readBinlogEnd,
  readExecutedGtidState,
  showBinlogStatus,
  type BinlogStatusRow,
  type ExecutedGtidState,
} from './binlog-status.js';
export { keyValues, keysPerLookup, selectByKeysSql, selectRowsByKeys, tableHasRows } from './rows-by-key.js';
export {
  columnBinders,
  columnParameter,
  dropParameterDefinitions,
  executePrepared,
  type ParameterBinder,
} from './prepared-statements.js';
export { maxAllowedPacket } from './packet-limit.js';
export {
  asRows,
  exactColumnExpression,
  exactQueryOptions,
  exactSelectList,
  exactValueText,
  isFloatingPoint,
  type ExactReadOptions,
} from './exact-columns.js';
export { decimalLeaves, type DecimalLeaf } from './json-decimals.js';
export { mysqlDoubleText, mysqlJsonString } from './json-text.js';
export { asHeldByMysqlJson, mysqlHeldJsonText, mysqlJsonColumns } from './json-held-text.js';
export {
  CommandChannel,
  type CommandWriter,
  type PausableConnection,
  type ProtocolCommand,
  type ProtocolPacket,
} from './command-channel.js';
export {
  createStateStorePool,
  createStateStoreConnection,
  type StateStorePoolOptions,
} from './state-store-pool.js';
export { TokenCursor, tokenize, type NamedTable, type QualifiedTable, type Token } from './sql-tokens.js';
