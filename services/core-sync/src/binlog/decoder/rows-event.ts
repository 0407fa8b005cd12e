/**
 * WRITE/UPDATE/DELETE_ROWS events (v1, which MariaDB writes, and v2, which MySQL writes) and MySQL's
 * PARTIAL_UPDATE_ROWS: each row's before and after images, by column name, in the canonical value form.
 *
 * A row image holds only the columns its bitmap marks present. With `binlog_row_image=FULL` that is every
 * column; a session that set NOBLOB or MINIMAL sends fewer, and such an image must never be applied as if it
 * were whole (NOBLOB nulled unchanged BLOBs on the target, MINIMAL deleted rows): the event says which columns
 * are missing, and the table pauses.
 */
import type { Row, RowChange } from '../../model/index.js';
import type { ByteReader } from './byte-reader.js';
import type { CharsetLookup } from './charsets.js';
import { readColumnValue } from './column-values.js';
import { applyJsonDiffs } from './json-diff.js';
import { columnType, type MappedColumn, type TableMap } from './table-map.js';

export type RowsKind = 'insert' | 'update' | 'delete';

export interface DecodedRows {
  readonly changes: RowChange[];
  /** Columns some image of the event lacked (a session's binlog_row_image was not FULL); empty when whole. */
  readonly missingColumns: readonly string[];
}

export interface RowsEventLayout {
  readonly kind: RowsKind;
  /** v2 events carry an extra-data block after the flags. */
  readonly version2: boolean;
  /** PARTIAL_UPDATE_ROWS: the after image may hold JSON diffs instead of whole JSON values. */
  readonly partialJson: boolean;
}

const partialJsonUpdates = 1;

/** The table id at the start of a rows event's post-header (to find its table map before decoding). */
export function readRowsTableId(reader: ByteReader, tableIdLength: number): number {
  return reader.uintLE(tableIdLength, 'the table id');
}

function readImage(
  reader: ByteReader,
  presentColumns: readonly MappedColumn[],
  charsets: CharsetLookup,
  partial: { readonly before: Row | null; readonly jsonPartial: ReadonlySet<number> } | null,
): Row {
  const nulls = reader.bitmap(presentColumns.length, 'a null bitmap');
  const row: Row = {};
  presentColumns.forEach((column, position) => {
    if (nulls[position] === true) {
      row[column.name] = null;
    } else if (partial?.jsonPartial.has(column.index) === true) {
      const diffs = reader.view(reader.uintLE(column.packLength, 'a JSON diff length'), 'JSON diffs');
      const before = partial.before?.[column.name];
      if (typeof before !== 'string') {
        throw new Error(`a partial JSON update of ${column.name} has no JSON before image to apply to`);
      }
      row[column.name] = applyJsonDiffs(before, diffs);
    } else {
      row[column.name] = readColumnValue(reader, column, charsets);
    }
  });
  return row;
}

/** The JSON columns whose after-image value is a diff (PARTIAL_UPDATE_ROWS with partial JSON updates). */
function readPartialJsonColumns(reader: ByteReader, columns: readonly MappedColumn[]): Set<number> {
  const partial = new Set<number>();
  const options = reader.packedInteger('the value options');
  if ((options & partialJsonUpdates) === 0) return partial;
  const jsonColumns = columns.filter((column) => column.type === columnType.json);
  reader.bitmap(jsonColumns.length, 'the partial JSON bitmap').forEach((isPartial, position) => {
    if (isPartial) partial.add((jsonColumns[position] as MappedColumn).index);
  });
  return partial;
}

/** Decodes the rest of a rows event (after its table id) with the table map it refers to. */
export function readRows(
  reader: ByteReader,
  layout: RowsEventLayout,
  tableMap: TableMap,
  charsets: CharsetLookup,
): DecodedRows {
  reader.skip(2, 'rows event flags');
  if (layout.version2) {
    const extraLength = reader.uint16('the extra data length');
    reader.skip(Math.max(0, extraLength - 2), 'extra data');
  }
  const columnCount = reader.packedInteger('the column count');
  const columns = tableMap.columns;
  if (columnCount !== columns.length) {
    throw new Error(
      `a rows event of ${tableMap.database}.${tableMap.table} has ${columnCount} columns, its table map ${columns.length}`,
    );
  }
  const presentBefore = reader.bitmap(columnCount, 'the columns bitmap');
  const presentAfter =
    layout.kind === 'update' ? reader.bitmap(columnCount, 'the after columns bitmap') : presentBefore;
  const missing = new Set<string>();
  const imageBitmaps = layout.kind === 'update' ? [presentBefore, presentAfter] : [presentBefore];
  for (const bitmap of imageBitmaps) {
    bitmap.forEach((present, index) => {
      if (!present) missing.add((columns[index] as MappedColumn).name);
    });
  }
  const table = tableMap.table;
  // The columns each image holds, worked out once per event rather than per row.
  const beforeColumns = columns.filter((_column, index) => presentBefore[index] === true);
  const afterColumns = columns.filter((_column, index) => presentAfter[index] === true);
  const changes: RowChange[] = [];
  while (reader.remaining > 0) {
    if (layout.kind === 'insert') {
      changes.push({
        kind: 'insert',
        table,
        before: null,
        after: readImage(reader, beforeColumns, charsets, null),
      });
    } else if (layout.kind === 'delete') {
      changes.push({
        kind: 'delete',
        table,
        before: readImage(reader, beforeColumns, charsets, null),
        after: null,
      });
    } else {
      const before = readImage(reader, beforeColumns, charsets, null);
      const jsonPartial = layout.partialJson ? readPartialJsonColumns(reader, columns) : new Set<number>();
      const after = readImage(reader, afterColumns, charsets, { before, jsonPartial });
      changes.push({ kind: 'update', table, before, after });
    }
  }
  return { changes, missingColumns: [...missing] };
}
