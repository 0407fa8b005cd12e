/**
 * Conversions between the store's models and table rows, shared by both backends. Rows use the same column
 * names in both dialects; only timestamps differ in spelling (see `TimestampCodec`).
 */
import { SyncError } from '../errors/index.js';
import type { AppliedMigration } from './migrator.js';
import type {
  CheckpointRecord,
  ConflictRecord,
  ResolutionColumns,
  SyncHistoryChanges,
  SyncHistoryEntry,
  SyncHistoryKind,
  TableSyncState,
} from './state-store.js';
import { syncHistoryKinds } from './state-store.js';

/** A value bound to a statement placeholder. */
export type SqlParameter = string | number | null;
/** A row as a driver returns it. */
export type SqlRow = Readonly<Record<string, unknown>>;

/** How a dialect spells a UTC timestamp with milliseconds. */
export interface TimestampCodec {
  encode(date: Date): string;
  decode(text: string): Date;
}

/** SQLite: ISO-8601 text, `2024-05-01T12:00:00.123Z` (sorts as text). */
export const isoTimestampCodec: TimestampCodec = {
  encode: (date) => validDate(date).toISOString(),
  decode: (text) => parsedDate(text, text),
};

/** MySQL DATETIME(3) holding UTC: `2024-05-01 12:00:00.123`. */
export const datetimeTimestampCodec: TimestampCodec = {
  encode: (date) => validDate(date).toISOString().slice(0, 23).replace('T', ' '),
  decode: (text) => parsedDate(`${text.replace(' ', 'T')}Z`, text),
};

function validDate(date: Date): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw invalidArgument(`expected a valid Date, got ${String(date)}`);
  }
  return date;
}

function parsedDate(isoText: string, stored: string): Date {
  const date = new Date(isoText);
  if (Number.isNaN(date.getTime())) throw new Error(`the store holds an unreadable timestamp "${stored}"`);
  return date;
}

/** A caller passed a value the store cannot hold (a bug in the caller, so not retryable). */
export function invalidArgument(message: string): SyncError {
  return new SyncError('INTERNAL', `state store: ${message}`, { cause: new RangeError(message) });
}

export function integerParameter(value: number, field: string): number {
  if (!Number.isSafeInteger(value)) throw invalidArgument(`${field} must be a safe integer, got ${value}`);
  return value;
}

function nullableIntegerParameter(value: number | null, field: string): number | null {
  return value === null ? null : integerParameter(value, field);
}

/** JSON text for a JSON column: null and undefined become SQL NULL, bigints become decimal strings. */
export function encodeJson(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = JSON.stringify(value, (_key, member: unknown) =>
    typeof member === 'bigint' ? member.toString() : member,
  ) as string | undefined;
  if (text === undefined) throw invalidArgument(`cannot store a ${typeof value} as JSON`);
  return text;
}

function decodeJson(row: SqlRow, column: string): unknown {
  const text = readNullableString(row, column);
  return text === null ? null : (JSON.parse(text) as unknown);
}

function columnValue(row: SqlRow, column: string): unknown {
  if (!(column in row)) throw new Error(`the state store returned a row without column ${column}`);
  return row[column];
}

function readString(row: SqlRow, column: string): string {
  const value = columnValue(row, column);
  if (typeof value !== 'string') throw new Error(`column ${column} holds ${typeof value}, expected text`);
  return value;
}

function readNullableString(row: SqlRow, column: string): string | null {
  return columnValue(row, column) === null ? null : readString(row, column);
}

/** Accepts the driver's spellings of an integer: number, bigint, or decimal string (MySQL BIGINT). */
export function readInteger(row: SqlRow, column: string): number {
  const value = columnValue(row, column);
  const number = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw new Error(`column ${column} holds ${String(value)}, expected a safe integer`);
  }
  return number;
}

function readNullableInteger(row: SqlRow, column: string): number | null {
  return columnValue(row, column) === null ? null : readInteger(row, column);
}

function readBoolean(row: SqlRow, column: string): boolean {
  return readInteger(row, column) !== 0;
}

function readTimestamp(row: SqlRow, column: string, timestamps: TimestampCodec): Date {
  return timestamps.decode(readString(row, column));
}

function readNullableTimestamp(row: SqlRow, column: string, timestamps: TimestampCodec): Date | null {
  const text = readNullableString(row, column);
  return text === null ? null : timestamps.decode(text);
}

function encodeNullableTimestamp(date: Date | null, timestamps: TimestampCodec): string | null {
  return date === null ? null : timestamps.encode(date);
}

export const checkpointColumns = [
  'source_name',
  'slot',
  'binlog_file',
  'binlog_position',
  'gtid',
  'updated_at',
] as const;

export function checkpointParameters(record: CheckpointRecord, timestamps: TimestampCodec): SqlParameter[] {
  return [
    record.sourceName,
    record.slot,
    record.binlogFile,
    integerParameter(record.binlogPosition, 'binlogPosition'),
    record.gtid,
    timestamps.encode(record.updatedAt),
  ];
}

export function checkpointFromRow(row: SqlRow, timestamps: TimestampCodec): CheckpointRecord {
  return {
    sourceName: readString(row, 'source_name'),
    slot: readString(row, 'slot'),
    binlogFile: readString(row, 'binlog_file'),
    binlogPosition: readInteger(row, 'binlog_position'),
    gtid: readNullableString(row, 'gtid'),
    updatedAt: readTimestamp(row, 'updated_at', timestamps),
  };
}

export const tableStateColumns = [
  'table_name',
  'sync_direction',
  'status',
  'last_sync_time',
  'binlog_file',
  'binlog_position',
  'gtid',
  'rows_synced',
  'error_message',
  'details',
  'updated_at',
] as const;

export function tableStateParameters(state: TableSyncState, timestamps: TimestampCodec): SqlParameter[] {
  return [
    state.tableName,
    state.syncDirection,
    state.status,
    encodeNullableTimestamp(state.lastSyncTime, timestamps),
    state.binlogFile,
    nullableIntegerParameter(state.binlogPosition, 'binlogPosition'),
    state.gtid,
    integerParameter(state.rowsSynced, 'rowsSynced'),
    state.errorMessage,
    encodeJson(state.details),
    timestamps.encode(state.updatedAt),
  ];
}

export function tableStateFromRow(row: SqlRow, timestamps: TimestampCodec): TableSyncState {
  return {
    tableName: readString(row, 'table_name'),
    syncDirection: readString(row, 'sync_direction'),
    status: readString(row, 'status'),
    lastSyncTime: readNullableTimestamp(row, 'last_sync_time', timestamps),
    binlogFile: readNullableString(row, 'binlog_file'),
    binlogPosition: readNullableInteger(row, 'binlog_position'),
    gtid: readNullableString(row, 'gtid'),
    rowsSynced: readInteger(row, 'rows_synced'),
    errorMessage: readNullableString(row, 'error_message'),
    details: decodeJson(row, 'details') as Record<string, unknown> | null,
    updatedAt: readTimestamp(row, 'updated_at', timestamps),
  };
}

/** Each history field with its column and how to write it; the one list drives inserts and partial updates. */
const historyFields = {
  kind: { column: 'kind', encode: (entry, _timestamps) => historyKind(entry.kind) },
  startedAt: { column: 'started_at', encode: (entry, timestamps) => timestamps.encode(entry.startedAt) },
  completedAt: {
    column: 'completed_at',
    encode: (entry, timestamps) => encodeNullableTimestamp(entry.completedAt, timestamps),
  },
  direction: { column: 'direction', encode: (entry) => entry.direction },
  tablesSynced: { column: 'tables_synced', encode: (entry) => encodeJson(entry.tablesSynced) ?? '[]' },
  totalRows: { column: 'total_rows', encode: (entry) => integerParameter(entry.totalRows, 'totalRows') },
  rowsChanged: {
    column: 'rows_changed',
    encode: (entry) => integerParameter(entry.rowsChanged, 'rowsChanged'),
  },
  conflictsDetected: {
    column: 'conflicts_detected',
    encode: (entry) => integerParameter(entry.conflictsDetected, 'conflictsDetected'),
  },
  status: { column: 'status', encode: (entry) => entry.status },
  errorMessage: { column: 'error_message', encode: (entry) => entry.errorMessage },
  traceId: { column: 'trace_id', encode: (entry) => entry.traceId },
  triggerSource: { column: 'trigger_source', encode: (entry) => entry.triggerSource },
} as const satisfies {
  [Field in keyof Omit<SyncHistoryEntry, 'id'>]: {
    column: string;
    encode: (entry: Pick<SyncHistoryEntry, Field>, timestamps: TimestampCodec) => SqlParameter;
  };
};

type HistoryField = keyof typeof historyFields;
const historyFieldNames = Object.keys(historyFields) as HistoryField[];

function historyKind(kind: SyncHistoryKind): SyncHistoryKind {
  if (!syncHistoryKinds.includes(kind)) throw invalidArgument(`unknown sync history kind ${String(kind)}`);
  return kind;
}

export const historyColumns = ['id', ...historyFieldNames.map((field) => historyFields[field].column)];

export function historyParameters(entry: SyncHistoryEntry, timestamps: TimestampCodec): SqlParameter[] {
  return [entry.id, ...historyFieldNames.map((field) => encodeHistoryField(field, entry, timestamps))];
}

function encodeHistoryField(
  field: HistoryField,
  changes: SyncHistoryChanges,
  timestamps: TimestampCodec,
): SqlParameter {
  // The field is present in `changes` (the callers check), so the narrowing cast is sound.
  const encode = historyFields[field].encode as (
    entry: SyncHistoryChanges,
    timestamps: TimestampCodec,
  ) => SqlParameter;
  return encode(changes, timestamps);
}

/** The columns and values of the fields present in `changes`, in a fixed order (so statements repeat). */
export function historyChanges(
  changes: SyncHistoryChanges,
  timestamps: TimestampCodec,
): { columns: string[]; parameters: SqlParameter[] } {
  const present = historyFieldNames.filter((field) => changes[field] !== undefined);
  return {
    columns: present.map((field) => historyFields[field].column),
    parameters: present.map((field) => encodeHistoryField(field, changes, timestamps)),
  };
}

export function historyFromRow(row: SqlRow, timestamps: TimestampCodec): SyncHistoryEntry {
  const tablesSynced = decodeJson(row, 'tables_synced');
  return {
    id: readString(row, 'id'),
    kind: readString(row, 'kind') as SyncHistoryKind,
    startedAt: readTimestamp(row, 'started_at', timestamps),
    completedAt: readNullableTimestamp(row, 'completed_at', timestamps),
    direction: readString(row, 'direction'),
    tablesSynced: Array.isArray(tablesSynced) ? tablesSynced.map(String) : [],
    totalRows: readInteger(row, 'total_rows'),
    rowsChanged: readInteger(row, 'rows_changed'),
    conflictsDetected: readInteger(row, 'conflicts_detected'),
    status: readString(row, 'status'),
    errorMessage: readNullableString(row, 'error_message'),
    traceId: readNullableString(row, 'trace_id'),
    triggerSource: readNullableString(row, 'trigger_source'),
  };
}

export const conflictColumns = [
  'id',
  'table_name',
  'primary_key_value',
  'local_data',
  'cloud_data',
  'conflict_type',
  'source_position',
  'detected_at',
  'resolved',
  'resolution_strategy',
  'resolved_at',
  'resolved_data',
  'resolved_by',
  'resolution_side',
  'resolution_columns',
] as const;

export function conflictParameters(conflict: ConflictRecord, timestamps: TimestampCodec): SqlParameter[] {
  return [
    conflict.id,
    conflict.tableName,
    conflict.primaryKeyValue,
    encodeJson(conflict.localData),
    encodeJson(conflict.cloudData),
    conflict.conflictType,
    conflict.sourcePosition,
    timestamps.encode(conflict.detectedAt),
    conflict.resolved ? 1 : 0,
    conflict.resolutionStrategy,
    encodeNullableTimestamp(conflict.resolvedAt, timestamps),
    encodeJson(conflict.resolvedData),
    conflict.resolvedBy,
    conflict.resolutionSide,
    encodeJson(conflict.resolutionColumns),
  ];
}

export function conflictFromRow(row: SqlRow, timestamps: TimestampCodec): ConflictRecord {
  return {
    id: readString(row, 'id'),
    tableName: readString(row, 'table_name'),
    primaryKeyValue: readString(row, 'primary_key_value'),
    localData: decodeJson(row, 'local_data'),
    cloudData: decodeJson(row, 'cloud_data'),
    conflictType: readString(row, 'conflict_type'),
    sourcePosition: readNullableString(row, 'source_position'),
    detectedAt: readTimestamp(row, 'detected_at', timestamps),
    resolved: readBoolean(row, 'resolved'),
    resolutionStrategy: readNullableString(row, 'resolution_strategy'),
    resolvedAt: readNullableTimestamp(row, 'resolved_at', timestamps),
    resolvedData: decodeJson(row, 'resolved_data'),
    resolvedBy: readNullableString(row, 'resolved_by'),
    resolutionSide: readNullableString(row, 'resolution_side'),
    resolutionColumns: readResolutionColumns(row, 'resolution_columns'),
  };
}

function readResolutionColumns(row: SqlRow, column: string): ResolutionColumns | null {
  const value = decodeJson(row, column);
  if (value === null) return null;
  const { given, filledFrom, filled } = value as Partial<Record<keyof ResolutionColumns, unknown>>;
  const isNameList = (names: unknown): names is string[] =>
    Array.isArray(names) && names.every((name) => typeof name === 'string');
  if (!isNameList(given) || !isNameList(filled) || !['local', 'cloud', null].includes(filledFrom as string)) {
    throw new Error(
      `column ${column} holds ${JSON.stringify(value)}, expected { given, filledFrom, filled }`,
    );
  }
  return { given, filledFrom: filledFrom as ResolutionColumns['filledFrom'], filled };
}

export function appliedMigrationFromRow(row: SqlRow, timestamps: TimestampCodec): AppliedMigration {
  return {
    version: readInteger(row, 'version'),
    name: readString(row, 'name'),
    checksum: readString(row, 'checksum'),
    appliedAt: readTimestamp(row, 'applied_at', timestamps),
  };
}
