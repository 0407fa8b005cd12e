export { BinlogPosition } from './binlog-position.js';
export {
  otherSide,
  directionName,
  type DirectionName,
  type SideName,
  type ColumnValue,
  type Row,
  type ChangeKind,
  type RowChange,
  type SourceTransaction,
} from './row-change.js';
export {
  writableColumns,
  type ColumnSchema,
  type ForeignKey,
  type IndexKey,
  type IndexKeyColumn,
  type SystemPeriod,
  type TableSchema,
} from './table-schema.js';
export { primaryKeyText } from './primary-key-text.js';
