/**
 * The two versions of a conflicting row, column by column: which columns differ (for highlighting), and the
 * merged row an operator edits from them.
 */

export type RowValue = unknown;
export type Row = Readonly<Record<string, RowValue>>;

export interface ColumnComparison {
  readonly column: string;
  readonly local: RowValue;
  readonly cloud: RowValue;
  /** False when the row is absent on that side, or lacks the column. */
  readonly inLocal: boolean;
  readonly inCloud: boolean;
  readonly differs: boolean;
}

export interface RowComparison {
  /** Local columns in their order, then columns only the cloud row has. */
  readonly columns: readonly ColumnComparison[];
  readonly localAbsent: boolean;
  readonly cloudAbsent: boolean;
  readonly differingCount: number;
}

export function asRow(value: unknown): Row | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Row) : null;
}

/** Equal as the database would store them: same type and value; objects compared by content, key order aside. */
export function valuesEqual(first: RowValue, second: RowValue): boolean {
  return canonicalJson(first) === canonicalJson(second);
}

function canonicalJson(value: RowValue): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, (_key, nested: unknown) => {
    if (typeof nested !== 'object' || nested === null || Array.isArray(nested)) return nested;
    const record = nested as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, record[key]]),
    );
  });
}

export function compareRows(localData: unknown, cloudData: unknown): RowComparison {
  const local = asRow(localData);
  const cloud = asRow(cloudData);
  const names = [...Object.keys(local ?? {})];
  for (const column of Object.keys(cloud ?? {})) if (!names.includes(column)) names.push(column);
  const columns = names.map((column): ColumnComparison => {
    const inLocal = local !== null && Object.hasOwn(local, column);
    const inCloud = cloud !== null && Object.hasOwn(cloud, column);
    const localValue = inLocal ? local[column] : undefined;
    const cloudValue = inCloud ? cloud[column] : undefined;
    return {
      column,
      local: localValue,
      cloud: cloudValue,
      inLocal,
      inCloud,
      differs: inLocal !== inCloud || !valuesEqual(localValue, cloudValue),
    };
  });
  return {
    columns,
    localAbsent: local === null,
    cloudAbsent: cloud === null,
    differingCount: columns.filter((column) => column.differs).length,
  };
}

/** How a value reads in a cell: `NULL` for SQL NULL, JSON for objects. */
export function displayValue(value: RowValue): string {
  if (value === null) return 'NULL';
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}

/** One column of the merged row being edited: its text, or SQL NULL. */
export interface MergedCell {
  readonly text: string;
  readonly isNull: boolean;
}

export type MergedDraft = Readonly<Record<string, MergedCell>>;

export function cellFrom(value: RowValue): MergedCell {
  return value === null || value === undefined
    ? { text: '', isNull: true }
    : { text: displayValue(value), isNull: false };
}

/** The draft an operator starts editing from: the given side's values (the other side's where it has none). */
export function draftFrom(comparison: RowComparison, side: 'local' | 'cloud'): MergedDraft {
  return Object.fromEntries(
    comparison.columns.map((column) => {
      const preferred = side === 'local' ? column.inLocal : column.inCloud;
      const value = preferred ? column[side] : side === 'local' ? column.cloud : column.local;
      return [column.column, cellFrom(value)];
    }),
  );
}

/**
 * The row to send, with every column of the two versions (the service refuses a row that leaves one out, since
 * each side would keep its own value there): `null` for NULL, and for a column without a cell too (the editor
 * shows it as NULL). A cell whose text is still a side's value sends that value exactly (bytes stay
 * `{ "$base64": … }`, numbers stay numbers); edited text is typed like the column's values on the two sides (a
 * number when the column holds numbers and the text is one; bytes when it holds bytes and the text is their
 * JSON), else sent as text, for the service to refuse with its own message.
 */
export function mergedRow(comparison: RowComparison, draft: MergedDraft): Record<string, RowValue> {
  const row: Record<string, RowValue> = {};
  for (const column of comparison.columns) {
    const cell = draft[column.column];
    row[column.column] = cell === undefined || cell.isNull ? null : cellValue(column, cell.text);
  }
  return row;
}

function cellValue(column: ColumnComparison, text: string): RowValue {
  const sides = [column.local, column.cloud].filter((value) => value !== null && value !== undefined);
  const unchanged = sides.find((value) => displayValue(value) === text);
  if (unchanged !== undefined) return unchanged;
  const asNumber = Number(text);
  if (sides.some((value) => typeof value === 'number') && text.trim() !== '' && Number.isFinite(asNumber))
    return asNumber;
  if (sides.some((value) => typeof value === 'object')) {
    const parsed = parsedObject(text);
    if (parsed !== undefined) return parsed;
  }
  return text;
}

function parsedObject(text: string): Row | undefined {
  try {
    return asRow(JSON.parse(text)) ?? undefined;
  } catch {
    // Not JSON: the text goes as it is.
    return undefined;
  }
}
