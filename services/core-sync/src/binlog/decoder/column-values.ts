/**
 * One column's value in a row image, in the canonical form of model/row-change.ts:
 * - integers as numbers, or as decimal text past 2^53; DECIMAL as its text with the column's scale;
 * - FLOAT and DOUBLE as the stored IEEE value;
 * - temporal values as text (temporal-values.ts); YEAR as a number;
 * - text in a UTF-8 (or ASCII) character set as a string; text in any other character set, binary strings,
 *   BIT and spatial values as their bytes (a Buffer), exactly as the server stores them: decoding them here with
 *   another program's tables changed bytes (cp932 ED40 became FA5C) and paused tables on others;
 * - ENUM and SET as their text (an invalid ENUM's index 0 is ''), in the column's bytes for non-UTF-8 sets;
 * - JSON as its text, numbers written as the server stores them (json-binary.ts).
 */
import type { ColumnValue } from '../../model/index.js';
import { integerValue, type ByteReader } from './byte-reader.js';
import type { CharsetLookup } from './charsets.js';
import { readDecimal } from './decimal-values.js';
import { binaryJsonText } from './json-binary.js';
import { columnType, type MappedColumn } from './table-map.js';
import {
  readDate,
  readDatetime,
  readDatetime2,
  readTime,
  readTime2,
  readTimestamp,
  readTimestamp2,
} from './temporal-values.js';

/** Thrown for a column type this decoder cannot carry exactly; the table it belongs to pauses. */
export class UnsupportedColumnError extends Error {
  constructor(column: MappedColumn, why: string) {
    super(`column ${column.name} (binlog type ${column.type}): ${why}`);
    this.name = 'UnsupportedColumnError';
  }
}

function readInteger(reader: ByteReader, byteCount: number, unsigned: boolean): number | string {
  if (byteCount === 8) return integerValue(unsigned ? reader.uint64('a BIGINT') : reader.int64('a BIGINT'));
  return unsigned ? reader.uintLE(byteCount, 'an integer') : reader.intLE(byteCount, 'an integer');
}

/** Bytes of the length prefix of a VARCHAR or CHAR with `maxLength` bytes at most. */
function lengthBytes(maxLength: number): number {
  return maxLength > 255 ? 2 : 1;
}

function text(bytes: Buffer, column: MappedColumn, charsets: CharsetLookup): ColumnValue {
  return charsets.isUtf8(column.collationId) ? bytes.toString('utf8') : bytes;
}

function readEnum(reader: ByteReader, column: MappedColumn, charsets: CharsetLookup): ColumnValue {
  const index = reader.uintLE(column.packLength, 'an ENUM');
  if (index === 0) return '';
  const value = column.enumValues?.[index - 1];
  if (value === undefined) {
    throw new UnsupportedColumnError(
      column,
      `ENUM index ${index} has no value (binlog_row_metadata must be FULL)`,
    );
  }
  return text(value, column, charsets);
}

function readSet(reader: ByteReader, column: MappedColumn, charsets: CharsetLookup): ColumnValue {
  const bits = reader.bytes(column.packLength, 'a SET');
  const values = column.setValues;
  if (values === null)
    throw new UnsupportedColumnError(column, 'SET values are missing (binlog_row_metadata must be FULL)');
  const members: Buffer[] = [];
  values.forEach((value, index) => {
    if (((bits[index >> 3] as number) & (1 << (index & 7))) !== 0) members.push(value);
  });
  return text(
    Buffer.concat(members.flatMap((member, index) => (index === 0 ? [member] : [Buffer.from(','), member]))),
    column,
    charsets,
  );
}

/** Reads one non-NULL value of `column`. */
export function readColumnValue(
  reader: ByteReader,
  column: MappedColumn,
  charsets: CharsetLookup,
): ColumnValue {
  switch (column.type) {
    case columnType.tiny:
      return readInteger(reader, 1, column.unsigned);
    case columnType.short:
      return readInteger(reader, 2, column.unsigned);
    case columnType.int24:
      return readInteger(reader, 3, column.unsigned);
    case columnType.long:
      return readInteger(reader, 4, column.unsigned);
    case columnType.longlong:
      return readInteger(reader, 8, column.unsigned);
    case columnType.year: {
      const year = reader.uint8('a YEAR');
      return year === 0 ? 0 : 1900 + year;
    }
    case columnType.float:
      return reader.float32();
    case columnType.double:
      return reader.float64();
    case columnType.newdecimal:
      return readDecimal(reader, column.precision, column.scale);
    case columnType.date:
    case columnType.newdate:
      return readDate(reader);
    case columnType.time:
      return readTime(reader);
    case columnType.time2:
      return readTime2(reader, column.fractionalDigits);
    case columnType.datetime:
      return readDatetime(reader);
    case columnType.datetime2:
      return readDatetime2(reader, column.fractionalDigits);
    case columnType.timestamp:
      return readTimestamp(reader);
    case columnType.timestamp2:
      return readTimestamp2(reader, column.fractionalDigits);
    case columnType.varchar:
    case columnType.varString:
      return text(reader.bytes(reader.uintLE(lengthBytes(column.maxLength)), 'a VARCHAR'), column, charsets);
    case columnType.string: {
      const bytes = reader.bytes(reader.uintLE(lengthBytes(column.maxLength)), 'a CHAR');
      // BINARY(n) is stored without its trailing 0x00 padding; a SELECT returns all n bytes.
      if (charsets.isBinary(column.collationId) && bytes.length < column.maxLength) {
        return Buffer.concat([bytes, Buffer.alloc(column.maxLength - bytes.length)]);
      }
      return text(bytes, column, charsets);
    }
    case columnType.enum:
      return readEnum(reader, column, charsets);
    case columnType.set:
      return readSet(reader, column, charsets);
    case columnType.bit:
      return reader.bytes(column.bitBytes + (column.bitRemainder > 0 ? 1 : 0), 'a BIT');
    case columnType.tinyBlob:
    case columnType.mediumBlob:
    case columnType.longBlob:
    case columnType.blob:
      return text(
        reader.bytes(reader.uintLE(column.packLength, 'a BLOB length'), 'a BLOB'),
        column,
        charsets,
      );
    case columnType.geometry:
      return reader.bytes(reader.uintLE(column.packLength, 'a GEOMETRY length'), 'a GEOMETRY');
    case columnType.json:
      return binaryJsonText(reader.view(reader.uintLE(column.packLength, 'a JSON length'), 'a JSON value'));
    default:
      throw new UnsupportedColumnError(column, 'this type is not decoded');
  }
}
