/**
 * The row a hand resolution writes to both sides. Both sides must end with the same whole row, so the row has a
 * value for every column of the table (generated columns aside: each server computes them):
 * - a side's stored row is written as it is (the row is deleted on both sides when it is absent on that side);
 * - edited data gives every column, or names with `fillFrom` the side whose stored row fills the columns it
 *   leaves out. Anything else is refused before a row is written, naming the columns.
 * The resolution records which columns were given and which were filled from which side.
 */
import {
  primaryKeyText,
  writableColumns,
  type Row,
  type SideName,
  type TableSchema,
} from '../model/index.js';
import { rowFromJson } from '../conflict/index.js';
import { SyncError, describeError } from '../errors/index.js';
import type { ConflictRecord, ResolutionColumns } from '../store/index.js';

/** Keep one side's version, or write edited data (column values keeping the row's key), maybe filled from a side. */
export type ConflictChoice =
  { readonly side: SideName } | { readonly data: unknown; readonly fillFrom?: SideName };

export interface ResolutionRow {
  /** The row written to both sides; null deletes it on both. */
  readonly row: Row | null;
  /** For edited data: which columns were given and which filled; null when a side's row was chosen. */
  readonly columns: ResolutionColumns | null;
}

export interface ResolutionTable {
  readonly primaryKey: readonly string[];
  /** The table as each side has it now. */
  readonly schemas: Readonly<Record<SideName, TableSchema>>;
}

const sides: readonly SideName[] = ['local', 'cloud'];

/** The row to write for `choice`; throws CONFLICT_RESOLUTION_INVALID or CONFLICT_RESOLUTION_INCOMPLETE. */
export function resolutionRow(
  conflict: ConflictRecord,
  choice: ConflictChoice,
  table: ResolutionTable,
): ResolutionRow {
  if ('side' in choice) {
    const stored = storedRow(conflict, choice.side);
    if (stored === null) return { row: null, columns: null };
    checkKnownColumns(stored, table, `the stored ${choice.side} row`);
    const unset = writtenColumns(table).filter((column) => !Object.hasOwn(stored, column));
    if (unset.length > 0) {
      throw incomplete(
        `the stored ${choice.side} row has no value for ${columnsNamed(unset)} (added to the table after the ` +
          'conflict was stored): resolve with data that gives every column',
        unset,
      );
    }
    return { row: stored, columns: null };
  }
  const given = editedRow(conflict, choice.data, table.primaryKey);
  checkKnownColumns(given, table, 'data');
  const columns = writtenColumns(table);
  const omitted = columns.filter((column) => !Object.hasOwn(given, column));
  const givenColumns = columns.filter((column) => Object.hasOwn(given, column));
  if (omitted.length === 0) {
    return { row: pick(given, columns), columns: { given: givenColumns, filledFrom: null, filled: [] } };
  }
  const { fillFrom } = choice;
  if (fillFrom === undefined) {
    throw incomplete(
      `data leaves out ${columnsNamed(omitted)} of ${conflict.tableName}: give every column, or name the side ` +
        'whose stored row fills the rest with "fillFrom": "local" or "cloud"',
      omitted,
    );
  }
  const source = storedRow(conflict, fillFrom);
  if (source === null) {
    throw incomplete(
      `fillFrom ${fillFrom}: the row is absent on ${fillFrom} (${conflict.conflictType}), so nothing there fills ` +
        `${columnsNamed(omitted)}: give every column, or fill from the other side`,
      omitted,
    );
  }
  const unfillable = omitted.filter((column) => !Object.hasOwn(source, column));
  if (unfillable.length > 0) {
    throw incomplete(
      `fillFrom ${fillFrom}: the stored ${fillFrom} row has no value for ${columnsNamed(unfillable)} (added to ` +
        'the table after the conflict was stored): give those columns in data',
      unfillable,
    );
  }
  return {
    row: pick({ ...source, ...given }, columns),
    columns: { given: givenColumns, filledFrom: fillFrom, filled: omitted },
  };
}

/** The columns the written row must hold: each side's non-generated columns, local's order first. */
function writtenColumns(table: ResolutionTable): string[] {
  const names: string[] = [];
  for (const side of sides) {
    for (const column of writableColumns(table.schemas[side])) {
      if (!names.includes(column.name)) names.push(column.name);
    }
  }
  return names;
}

/** Refuses columns either side's table lacks. */
function checkKnownColumns(row: Row, table: ResolutionTable, what: string): void {
  for (const side of sides) {
    const schema = table.schemas[side];
    const known = new Set(schema.columns.map((column) => column.name));
    const unknown = Object.keys(row).filter((column) => !known.has(column));
    if (unknown.length > 0) {
      throw new SyncError(
        'CONFLICT_RESOLUTION_INVALID',
        `${what}: ${side}.${schema.name} has no ${columnsNamed(unknown)}`,
        { details: { unknownColumns: unknown, side } },
      );
    }
  }
}

function storedRow(conflict: ConflictRecord, side: SideName): Row | null {
  const data = side === 'local' ? conflict.localData : conflict.cloudData;
  return data === null || data === undefined ? null : rowFromJson(data);
}

function editedRow(conflict: ConflictRecord, data: unknown, primaryKey: readonly string[]): Row {
  let row: Row;
  try {
    row = rowFromJson(data);
  } catch (error) {
    throw new SyncError('CONFLICT_RESOLUTION_INVALID', `data: ${describeError(error)}`, { cause: error });
  }
  const missing = primaryKey.filter((column) => !Object.hasOwn(row, column));
  if (missing.length > 0) {
    throw new SyncError(
      'CONFLICT_RESOLUTION_INVALID',
      `data: the primary key column ${missing.join(', ')} is missing`,
    );
  }
  const keyRow = rowFromJson(JSON.parse(conflict.primaryKeyValue));
  if (primaryKeyText(row, primaryKey) !== primaryKeyText(keyRow, primaryKey)) {
    throw new SyncError(
      'CONFLICT_RESOLUTION_INVALID',
      `data: the primary key must stay ${conflict.primaryKeyValue}`,
    );
  }
  return row;
}

/** The row's values of `columns`, in that order (generated columns are left to each server). */
function pick(row: Row, columns: readonly string[]): Row {
  const picked: Row = {};
  for (const column of columns) picked[column] = row[column] ?? null;
  return picked;
}

function columnsNamed(columns: readonly string[]): string {
  return `${columns.length === 1 ? 'column' : 'columns'} ${columns.join(', ')}`;
}

function incomplete(message: string, missingColumns: readonly string[]): SyncError {
  return new SyncError('CONFLICT_RESOLUTION_INCOMPLETE', message, { details: { missingColumns } });
}
