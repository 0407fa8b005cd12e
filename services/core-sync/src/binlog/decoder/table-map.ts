/**
 * TABLE_MAP events: the layout of a table's rows in the rows events that follow, with the optional metadata
 * `binlog_row_metadata=FULL` adds (column names, signedness, character sets, ENUM and SET values, visibility).
 * Both MariaDB (10.5+) and Oracle MySQL (8.0+) write it the same way.
 */
import { ByteReader } from './byte-reader.js';

/** The MySQL protocol's column type codes, as the binlog uses them. */
export const columnType = {
  decimal: 0,
  tiny: 1,
  short: 2,
  long: 3,
  float: 4,
  double: 5,
  null: 6,
  timestamp: 7,
  longlong: 8,
  int24: 9,
  date: 10,
  time: 11,
  datetime: 12,
  year: 13,
  newdate: 14,
  varchar: 15,
  bit: 16,
  timestamp2: 17,
  datetime2: 18,
  time2: 19,
  typedArray: 20,
  /** MariaDB: VARCHAR/VARBINARY … COMPRESSED in row events. */
  blobCompressed: 140,
  varcharCompressed: 141,
  vector: 242,
  json: 245,
  newdecimal: 246,
  enum: 247,
  set: 248,
  tinyBlob: 249,
  mediumBlob: 250,
  longBlob: 251,
  blob: 252,
  varString: 253,
  string: 254,
  geometry: 255,
} as const;

export interface MappedColumn {
  readonly index: number;
  /** From the optional metadata; `column_<n>` when the server did not send names (binlog_row_metadata=MINIMAL). */
  readonly name: string;
  /** The type code; for CHAR/ENUM/SET (type `string`) the real one (`enum`, `set` or `string`). */
  readonly type: number;
  /** Bytes of a BLOB/JSON/GEOMETRY length, of a FLOAT/DOUBLE, or of an ENUM/SET value. */
  readonly packLength: number;
  /** Maximum length in bytes of a VARCHAR or CHAR. */
  readonly maxLength: number;
  readonly precision: number;
  readonly scale: number;
  /** Fractional-second digits of a TIME2/DATETIME2/TIMESTAMP2. */
  readonly fractionalDigits: number;
  /** BIT(n): whole bytes and remaining bits. */
  readonly bitBytes: number;
  readonly bitRemainder: number;
  readonly unsigned: boolean;
  /** The collation of a character column (CHAR, VARCHAR, TEXT, BLOB: 63 is binary), or null. */
  readonly collationId: number | null;
  readonly enumValues: readonly Buffer[] | null;
  readonly setValues: readonly Buffer[] | null;
  readonly visible: boolean;
}

export interface TableMap {
  readonly tableId: number;
  readonly database: string;
  readonly table: string;
  readonly columns: readonly MappedColumn[];
  /** False when the server sent no column names (binlog_row_metadata=MINIMAL): the rows cannot be named. */
  readonly hasNames: boolean;
}

const optionalField = {
  signedness: 1,
  defaultCharset: 2,
  columnCharset: 3,
  columnName: 4,
  setStrValue: 5,
  enumStrValue: 6,
  geometryType: 7,
  simplePrimaryKey: 8,
  primaryKeyWithPrefix: 9,
  enumAndSetDefaultCharset: 10,
  enumAndSetColumnCharset: 11,
  columnVisibility: 12,
} as const;

/** The columns the SIGNEDNESS bitmap covers: the numeric ones, YEAR among them (the servers store it as a TINYINT). */
const numericTypes = new Set<number>([
  columnType.year,
  columnType.decimal,
  columnType.tiny,
  columnType.short,
  columnType.long,
  columnType.float,
  columnType.double,
  columnType.longlong,
  columnType.int24,
  columnType.newdecimal,
]);

const characterTypes = new Set<number>([
  columnType.string,
  columnType.varString,
  columnType.varchar,
  columnType.tinyBlob,
  columnType.mediumBlob,
  columnType.longBlob,
  columnType.blob,
  columnType.blobCompressed,
  columnType.varcharCompressed,
]);

interface ColumnDraft {
  type: number;
  packLength: number;
  maxLength: number;
  precision: number;
  scale: number;
  fractionalDigits: number;
  bitBytes: number;
  bitRemainder: number;
}

function readColumnMetadata(reader: ByteReader, wireType: number): ColumnDraft {
  const draft: ColumnDraft = {
    type: wireType,
    packLength: 0,
    maxLength: 0,
    precision: 0,
    scale: 0,
    fractionalDigits: 0,
    bitBytes: 0,
    bitRemainder: 0,
  };
  switch (wireType) {
    case columnType.float:
    case columnType.double:
    case columnType.tinyBlob:
    case columnType.mediumBlob:
    case columnType.longBlob:
    case columnType.blob:
    case columnType.blobCompressed:
    case columnType.json:
    case columnType.geometry:
    case columnType.vector:
      draft.packLength = reader.uint8('column metadata');
      break;
    case columnType.varchar:
    case columnType.varString:
    case columnType.varcharCompressed:
      draft.maxLength = reader.uint16('column metadata');
      break;
    case columnType.bit:
      draft.bitRemainder = reader.uint8('column metadata');
      draft.bitBytes = reader.uint8('column metadata');
      break;
    case columnType.newdecimal:
      draft.precision = reader.uint8('column metadata');
      draft.scale = reader.uint8('column metadata');
      break;
    case columnType.timestamp2:
    case columnType.datetime2:
    case columnType.time2:
      draft.fractionalDigits = reader.uint8('column metadata');
      break;
    case columnType.string:
    case columnType.enum:
    case columnType.set: {
      const first = reader.uint8('column metadata');
      const second = reader.uint8('column metadata');
      if (first === columnType.enum || first === columnType.set) {
        draft.type = first;
        draft.packLength = second;
      } else {
        // CHAR: the real type keeps bits 4-5 set; when they are not, they carry the length's high bits.
        draft.type = (first & 0x30) === 0x30 ? first : first | 0x30;
        draft.maxLength = second | (((first & 0x30) ^ 0x30) << 4);
      }
      break;
    }
    default:
      break;
  }
  return draft;
}

/** Reads a TABLE_MAP event's body (after the common header); `tableIdLength` is 6 (or 4 on old servers). */
export function readTableMap(reader: ByteReader, tableIdLength: number): TableMap {
  const tableId = reader.uintLE(tableIdLength, 'the table id');
  reader.skip(2, 'table map flags');
  const database = reader.fixedString(reader.uint8('the schema name length'), 'the schema name');
  reader.skip(1, 'a NUL');
  const table = reader.fixedString(reader.uint8('the table name length'), 'the table name');
  reader.skip(1, 'a NUL');
  const columnCount = reader.packedInteger('the column count');
  const wireTypes = Array.from({ length: columnCount }, () => reader.uint8('a column type'));
  const metadataLength = reader.packedInteger('the metadata length');
  const metadataEnd = reader.offset + metadataLength;
  const drafts = wireTypes.map((wireType) => readColumnMetadata(reader, wireType));
  if (reader.offset !== metadataEnd) {
    throw new Error(
      `table map of ${database}.${table}: column metadata is ${metadataLength} bytes, read ${metadataLength - (metadataEnd - reader.offset)}`,
    );
  }
  reader.skip(Math.floor((columnCount + 7) / 8), 'the nullability bitmap');
  const optional = readOptionalMetadata(reader, drafts);
  const columns = drafts.map((draft, index): MappedColumn => ({
    index,
    name: optional.names[index] ?? `column_${index + 1}`,
    ...draft,
    unsigned: optional.unsigned.get(index) ?? false,
    collationId: optional.collations.get(index) ?? null,
    enumValues: optional.enumValues.get(index) ?? null,
    setValues: optional.setValues.get(index) ?? null,
    visible: optional.visibility.get(index) ?? true,
  }));
  return { tableId, database, table, columns, hasNames: optional.names.length === columnCount };
}

interface OptionalMetadata {
  names: string[];
  unsigned: Map<number, boolean>;
  collations: Map<number, number>;
  enumValues: Map<number, Buffer[]>;
  setValues: Map<number, Buffer[]>;
  visibility: Map<number, boolean>;
}

function indexesWhere(drafts: readonly ColumnDraft[], predicate: (draft: ColumnDraft) => boolean): number[] {
  return drafts.flatMap((draft, index) => (predicate(draft) ? [index] : []));
}

/** A bitmap whose first bit is the most significant bit of the first byte (the optional metadata's layout). */
function readBigEndianBits(reader: ByteReader, count: number): boolean[] {
  const raw = reader.view(Math.floor((count + 7) / 8), 'an optional metadata bitmap');
  return Array.from(
    { length: count },
    (_unused, index) => ((raw[index >> 3] as number) & (0x80 >> (index & 7))) !== 0,
  );
}

function readStringLists(reader: ByteReader, end: number): Buffer[][] {
  const lists: Buffer[][] = [];
  while (reader.offset < end) {
    const count = reader.packedInteger('a value count');
    lists.push(
      Array.from({ length: count }, () => reader.bytes(reader.packedInteger('a value length'), 'a value')),
    );
  }
  return lists;
}

/** Default collation, then (column number, collation) pairs for the columns that differ from it. */
function readDefaultCharset(
  reader: ByteReader,
  end: number,
  indexes: readonly number[],
  into: Map<number, number>,
): void {
  const defaultCollation = reader.packedInteger('a default collation');
  for (const index of indexes) into.set(index, defaultCollation);
  while (reader.offset < end) {
    const position = reader.packedInteger('a column number');
    const collation = reader.packedInteger('a collation');
    const index = indexes[position];
    if (index !== undefined) into.set(index, collation);
  }
}

function readOptionalMetadata(reader: ByteReader, drafts: readonly ColumnDraft[]): OptionalMetadata {
  const metadata: OptionalMetadata = {
    names: [],
    unsigned: new Map(),
    collations: new Map(),
    enumValues: new Map(),
    setValues: new Map(),
    visibility: new Map(),
  };
  const numeric = indexesWhere(drafts, (draft) => numericTypes.has(draft.type));
  const character = indexesWhere(drafts, (draft) => characterTypes.has(draft.type));
  const enumOrSet = indexesWhere(
    drafts,
    (draft) => draft.type === columnType.enum || draft.type === columnType.set,
  );
  const enums = indexesWhere(drafts, (draft) => draft.type === columnType.enum);
  const sets = indexesWhere(drafts, (draft) => draft.type === columnType.set);
  while (reader.remaining > 0) {
    const fieldType = reader.uint8('an optional metadata type');
    const length = reader.packedInteger('an optional metadata length');
    const end = reader.offset + length;
    switch (fieldType) {
      case optionalField.signedness:
        readBigEndianBits(reader, numeric.length).forEach((unsigned, position) =>
          metadata.unsigned.set(numeric[position] as number, unsigned),
        );
        break;
      case optionalField.defaultCharset:
        readDefaultCharset(reader, end, character, metadata.collations);
        break;
      case optionalField.columnCharset:
        for (const index of character) metadata.collations.set(index, reader.packedInteger('a collation'));
        break;
      case optionalField.enumAndSetDefaultCharset:
        readDefaultCharset(reader, end, enumOrSet, metadata.collations);
        break;
      case optionalField.enumAndSetColumnCharset:
        for (const index of enumOrSet) metadata.collations.set(index, reader.packedInteger('a collation'));
        break;
      case optionalField.columnName:
        while (reader.offset < end) {
          metadata.names.push(
            reader.view(reader.packedInteger('a name length'), 'a column name').toString('utf8'),
          );
        }
        break;
      case optionalField.enumStrValue:
        readStringLists(reader, end).forEach((values, position) =>
          metadata.enumValues.set(enums[position] as number, values),
        );
        break;
      case optionalField.setStrValue:
        readStringLists(reader, end).forEach((values, position) =>
          metadata.setValues.set(sets[position] as number, values),
        );
        break;
      case optionalField.columnVisibility:
        readBigEndianBits(reader, drafts.length).forEach((visible, index) =>
          metadata.visibility.set(index, visible),
        );
        break;
      default:
        // Geometry types and primary keys: not needed to decode values.
        break;
    }
    reader.offset = end;
  }
  return metadata;
}
