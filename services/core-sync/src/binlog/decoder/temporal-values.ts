/**
 * Date and time values of row events, as the text a SELECT gives (mysql2 with `dateStrings`, session time zone
 * UTC): `YYYY-MM-DD`, `HH:MM:SS[.f…]` (negative and past 24 h for TIME), `YYYY-MM-DD HH:MM:SS[.f…]`, with as
 * many fractional digits as the column declares. Zero dates stay zero dates.
 */
import type { ByteReader } from './byte-reader.js';

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Bytes of the fraction of a TIME2/DATETIME2/TIMESTAMP2 with `digits` fractional digits. */
function fractionBytes(digits: number): number {
  return Math.floor((digits + 1) / 2);
}

/** The fraction read as microseconds (the stored digits scaled to 6). */
function readFraction(reader: ByteReader, digits: number): number {
  const byteCount = fractionBytes(digits);
  if (byteCount === 0) return 0;
  return reader.uintBE(byteCount, 'a fraction of a second') * 10 ** (6 - byteCount * 2);
}

function fractionText(microseconds: number, digits: number): string {
  if (digits === 0) return '';
  return `.${pad(microseconds, 6).slice(0, digits)}`;
}

export function readDate(reader: ByteReader): string {
  const packed = reader.uintLE(3, 'a DATE');
  const day = packed & 31;
  const month = (packed >> 5) & 15;
  const year = packed >> 9;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** DATETIME2: 5 bytes big-endian (sign bit, year*13+month, day, hour, minute, second), then the fraction. */
export function readDatetime2(reader: ByteReader, digits: number): string {
  const packed = reader.uintBE(5, 'a DATETIME') - 0x8000000000;
  const yearMonthDay = Math.floor(packed / 2 ** 17);
  const hourMinuteSecond = packed % 2 ** 17;
  const yearMonth = Math.floor(yearMonthDay / 32);
  const day = yearMonthDay % 32;
  const year = Math.floor(yearMonth / 13);
  const month = yearMonth % 13;
  const hour = hourMinuteSecond >> 12;
  const minute = (hourMinuteSecond >> 6) & 63;
  const second = hourMinuteSecond & 63;
  const microseconds = readFraction(reader, digits);
  return (
    `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}` +
    fractionText(microseconds, digits)
  );
}

/** The old DATETIME: 8 bytes holding YYYYMMDDhhmmss as a decimal number. */
export function readDatetime(reader: ByteReader): string {
  const value = reader.uint64('a DATETIME');
  const text = value.toString().padStart(14, '0');
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)} ${text.slice(8, 10)}:${text.slice(10, 12)}:${text.slice(12, 14)}`;
}

/** A Unix time in UTC, as the session time zone +00:00 prints it; 0 is the zero timestamp. */
function timestampText(seconds: number, microseconds: number, digits: number): string {
  if (seconds === 0 && microseconds === 0) return `0000-00-00 00:00:00${fractionText(0, digits)}`;
  const date = new Date(seconds * 1000);
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} ` +
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}` +
    fractionText(microseconds, digits)
  );
}

export function readTimestamp2(reader: ByteReader, digits: number): string {
  const seconds = reader.uintBE(4, 'a TIMESTAMP');
  return timestampText(seconds, readFraction(reader, digits), digits);
}

export function readTimestamp(reader: ByteReader): string {
  return timestampText(reader.uint32('a TIMESTAMP'), 0, 0);
}

/**
 * TIME2: 3 bytes big-endian with an offset (sign, hour, minute, second) and the fraction; a negative value is
 * stored as the two's complement of the whole packed value, so the fraction borrows from the seconds. Decoding
 * the parts without that borrow gave '-00:00:64' for '-00:01:00'.
 */
export function readTime2(reader: ByteReader, digits: number): string {
  let packed: bigint;
  if (digits >= 5) {
    packed = BigInt(reader.uintBE(6, 'a TIME')) - 0x800000000000n;
  } else {
    let integerPart = reader.uintBE(3, 'a TIME') - 0x800000;
    let fraction = 0;
    if (digits >= 3) {
      fraction = reader.uintBE(2, 'a fraction of a second');
      if (integerPart < 0 && fraction !== 0) {
        integerPart += 1;
        fraction -= 0x10000;
      }
      fraction *= 100;
    } else if (digits >= 1) {
      fraction = reader.uintBE(1, 'a fraction of a second');
      if (integerPart < 0 && fraction !== 0) {
        integerPart += 1;
        fraction -= 0x100;
      }
      fraction *= 10000;
    }
    packed = (BigInt(integerPart) << 24n) + BigInt(fraction);
  }
  const negative = packed < 0n;
  const magnitude = negative ? -packed : packed;
  const hourMinuteSecond = Number(magnitude >> 24n);
  const microseconds = Number(magnitude % (1n << 24n));
  const hour = (hourMinuteSecond >> 12) % (1 << 10);
  const minute = (hourMinuteSecond >> 6) % (1 << 6);
  const second = hourMinuteSecond % (1 << 6);
  return `${negative ? '-' : ''}${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fractionText(microseconds, digits)}`;
}

/** The old TIME: 3 bytes holding ±HHMMSS as a decimal number. */
export function readTime(reader: ByteReader): string {
  let value = reader.uintLE(3, 'a TIME');
  if (value >= 0x800000) value -= 0x1000000;
  const negative = value < 0;
  const magnitude = Math.abs(value);
  return `${negative ? '-' : ''}${pad(Math.floor(magnitude / 10000), 2)}:${pad(Math.floor(magnitude / 100) % 100, 2)}:${pad(magnitude % 100, 2)}`;
}
