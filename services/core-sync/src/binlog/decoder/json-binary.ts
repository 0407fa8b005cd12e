/**
 * Oracle MySQL's binary JSON (the JSON column in row events), written as the text a SELECT of the column gives,
 * byte for byte: members in stored order, `", "` and `": "` between them, a DOUBLE in MySQL's own notation
 * (`100.0`, `1e20`, `0.0000001`), a DECIMAL with its scale (`19.90`), dates and times as quoted strings. zongji
 * turned a DECIMAL into a string (`"19.90"`), so JSON_TYPE changed from DECIMAL to STRING on the way.
 */
import { ByteReader } from './byte-reader.js';
import { mysqlDoubleText, mysqlJsonString } from '../../mysql/json-text.js';
import { readDecimal } from './decimal-values.js';

const jsonType = {
  smallObject: 0x00,
  largeObject: 0x01,
  smallArray: 0x02,
  largeArray: 0x03,
  literal: 0x04,
  int16: 0x05,
  uint16: 0x06,
  int32: 0x07,
  uint32: 0x08,
  int64: 0x09,
  uint64: 0x0a,
  double: 0x0b,
  string: 0x0c,
  opaque: 0x0f,
} as const;

const fieldType = { newdecimal: 246, date: 10, time: 11, datetime: 12, timestamp: 7 } as const;

function variableLength(reader: ByteReader): number {
  let length = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const byte = reader.uint8('a JSON length');
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return length;
  }
  throw new Error('a JSON length is longer than 5 bytes');
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** The packed date/time of a JSON opaque value (MySQL's longlong packed format), as MySQL prints it. */
function packedTemporalText(type: number, packed: bigint): string {
  const negative = packed < 0n;
  const magnitude = negative ? -packed : packed;
  const microseconds = Number(magnitude % (1n << 24n));
  const whole = Number(magnitude >> 24n);
  if (type === fieldType.time) {
    const hour = (whole >> 12) % (1 << 10);
    return `${negative ? '-' : ''}${pad(hour, 2)}:${pad((whole >> 6) % 64, 2)}:${pad(whole % 64, 2)}.${pad(microseconds, 6)}`;
  }
  const yearMonthDay = Math.floor(whole / 2 ** 17);
  const hourMinuteSecond = whole % 2 ** 17;
  const yearMonth = Math.floor(yearMonthDay / 32);
  const date = `${pad(Math.floor(yearMonth / 13), 4)}-${pad(yearMonth % 13, 2)}-${pad(yearMonthDay % 32, 2)}`;
  if (type === fieldType.date) return date;
  const time = `${pad(hourMinuteSecond >> 12, 2)}:${pad((hourMinuteSecond >> 6) % 64, 2)}:${pad(hourMinuteSecond % 64, 2)}`;
  return `${date} ${time}.${pad(microseconds, 6)}`;
}

function opaqueText(reader: ByteReader): string {
  const type = reader.uint8('a JSON opaque type');
  const data = reader.view(variableLength(reader), 'a JSON opaque value');
  const inner = new ByteReader(data);
  if (type === fieldType.newdecimal) {
    const precision = inner.uint8('a JSON DECIMAL precision');
    const scale = inner.uint8('a JSON DECIMAL scale');
    return readDecimal(inner, precision, scale);
  }
  if (
    type === fieldType.date ||
    type === fieldType.time ||
    type === fieldType.datetime ||
    type === fieldType.timestamp
  ) {
    return `"${packedTemporalText(type, inner.int64('a JSON date or time'))}"`;
  }
  return `"base64:type${type}:${data.toString('base64')}"`;
}

function scalarText(type: number, reader: ByteReader): string {
  switch (type) {
    case jsonType.literal: {
      const literal = reader.uint8('a JSON literal');
      if (literal === 0) return 'null';
      if (literal === 1) return 'true';
      if (literal === 2) return 'false';
      throw new Error(`unknown JSON literal ${literal}`);
    }
    case jsonType.int16:
      return String(reader.intLE(2, 'a JSON integer'));
    case jsonType.uint16:
      return String(reader.uint16('a JSON integer'));
    case jsonType.int32:
      return String(reader.intLE(4, 'a JSON integer'));
    case jsonType.uint32:
      return String(reader.uint32('a JSON integer'));
    case jsonType.int64:
      return reader.int64('a JSON integer').toString();
    case jsonType.uint64:
      return reader.uint64('a JSON integer').toString();
    case jsonType.double:
      return mysqlDoubleText(reader.float64('a JSON double'));
    case jsonType.string:
      return mysqlJsonString(reader.view(variableLength(reader), 'a JSON string').toString('utf8'));
    case jsonType.opaque:
      return opaqueText(reader);
    default:
      throw new Error(`unknown JSON value type 0x${type.toString(16)}`);
  }
}

function containerText(type: number, reader: ByteReader): string {
  const large = type === jsonType.largeObject || type === jsonType.largeArray;
  const isObject = type === jsonType.smallObject || type === jsonType.largeObject;
  const offsetSize = large ? 4 : 2;
  const start = reader.offset;
  const count = reader.uintLE(offsetSize, 'a JSON element count');
  reader.skip(offsetSize, 'a JSON size');
  const keys: string[] = [];
  if (isObject) {
    const keyEntries = Array.from({ length: count }, () => ({
      offset: reader.uintLE(offsetSize, 'a JSON key offset'),
      length: reader.uint16('a JSON key length'),
    }));
    for (const entry of keyEntries) {
      keys.push(
        new ByteReader(
          reader.buffer,
          start + entry.offset,
          start + entry.offset + entry.length,
        ).restAsString(),
      );
    }
  }
  const values: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const valueType = reader.uint8('a JSON value type');
    const inlined =
      valueType === jsonType.literal ||
      valueType === jsonType.int16 ||
      valueType === jsonType.uint16 ||
      (large && (valueType === jsonType.int32 || valueType === jsonType.uint32));
    if (inlined) {
      const entry = new ByteReader(reader.buffer, reader.offset, reader.offset + offsetSize);
      values.push(scalarText(valueType, entry));
      reader.skip(offsetSize);
    } else {
      const offset = reader.uintLE(offsetSize, 'a JSON value offset');
      values.push(valueText(valueType, new ByteReader(reader.buffer, start + offset, reader.end)));
    }
  }
  if (isObject)
    return `{${keys.map((key, index) => `${mysqlJsonString(key)}: ${values[index] ?? ''}`).join(', ')}}`;
  return `[${values.join(', ')}]`;
}

function valueText(type: number, reader: ByteReader): string {
  if (type <= jsonType.largeArray) return containerText(type, reader);
  return scalarText(type, reader);
}

/** The JSON text of a binary JSON value; an empty value (a JSON column set to '' without strict mode) is null. */
export function binaryJsonText(bytes: Buffer): string {
  if (bytes.length === 0) return 'null';
  const reader = new ByteReader(bytes);
  return valueText(reader.uint8('a JSON value type'), reader);
}
