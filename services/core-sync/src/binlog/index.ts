export { BinlogSource } from './binlog-source.js';
export type {
  BinlogHandler,
  BinlogSourceOptions,
  SchemaChangeEvent,
  StreamState,
  StreamStatus,
} from './binlog-handler.js';
export { readCurrentPosition } from './server-position.js';
export { checkReplicationAccess } from './replication-access.js';
