export { BinlogSource } from './binlog-source.js';
export type { ReadHold } from './dump/connection-gate.js';
export type {
  BinlogHandler,
  BinlogSourceOptions,
  SchemaChangeEvent,
  StreamState,
  StreamStatus,
} from './binlog-handler.js';
export type { PreparedXaStatus } from './prepared-xa-monitor.js';
export { listBinaryLogs, readCurrentPosition } from './server-position.js';
export { replacesTableContents } from './ddl-parser.js';
export { columnChangesOf, type ColumnChanges, type RemovedColumn } from './ddl-columns.js';
export { streamReadingEvents } from './stream-status.js';
export { noProgressTimeoutMs, readUntilEnd, type BoundedReadOptions } from './bounded-read.js';
export { checkReplicationAccess } from './replication-access.js';
export { checkSourceServer, readServerIdentity, sourceServerChanged } from './source-server.js';
export { GtidFollowRefusal, positionsOfGtidStates } from './gtid-positions.js';
export {
  classifySchemaChange,
  renamedTables,
  shadowTableBase,
  type ReplicatedStatement,
  type SchemaChangeClass,
} from './ddl-parser.js';
