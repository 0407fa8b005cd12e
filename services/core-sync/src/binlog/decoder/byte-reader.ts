/**
 * A cursor over the bytes of one binlog event. Integers are little-endian unless the name says otherwise (the
 * temporal and DECIMAL encodings are big-endian). Reading past the end throws a TruncatedEventError, so a short
 * or corrupt event is an error naming what was being read, never a silently wrong value.
 */
export class TruncatedEventError extends Error {
  constructor(what: string, needed: number, available: number) {
    super(`binlog event too short reading ${what}: needs ${needed} more bytes, ${available} left`);
    this.name = 'TruncatedEventError';
  }
}

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);
const minSafe = BigInt(Number.MIN_SAFE_INTEGER);

/** A 64-bit integer as the canonical form has it: a number when exact, else its decimal text. */
export function integerValue(value: bigint): number | string {
  return value <= maxSafe && value >= minSafe ? Number(value) : value.toString();
}

export class ByteReader {
  readonly buffer: Buffer;
  offset: number;
  readonly end: number;

  constructor(buffer: Buffer, offset = 0, end = buffer.length) {
    this.buffer = buffer;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  #need(byteCount: number, what: string): number {
    if (byteCount < 0 || this.offset + byteCount > this.end) {
      throw new TruncatedEventError(what, byteCount, this.remaining);
    }
    const start = this.offset;
    this.offset += byteCount;
    return start;
  }

  skip(byteCount: number, what = 'skipped bytes'): void {
    this.#need(byteCount, what);
  }

  uint8(what = 'a byte'): number {
    return this.buffer.readUInt8(this.#need(1, what));
  }

  int8(what = 'a byte'): number {
    return this.buffer.readInt8(this.#need(1, what));
  }

  uint16(what = 'a 2-byte integer'): number {
    return this.buffer.readUInt16LE(this.#need(2, what));
  }

  uint24(what = 'a 3-byte integer'): number {
    return this.buffer.readUIntLE(this.#need(3, what), 3);
  }

  uint32(what = 'a 4-byte integer'): number {
    return this.buffer.readUInt32LE(this.#need(4, what));
  }

  /** Little-endian unsigned integer of 1–6 bytes. */
  uintLE(byteCount: number, what = 'an integer'): number {
    if (byteCount === 0) return 0;
    return this.buffer.readUIntLE(this.#need(byteCount, what), byteCount);
  }

  /** Little-endian signed integer of 1–6 bytes. */
  intLE(byteCount: number, what = 'an integer'): number {
    return this.buffer.readIntLE(this.#need(byteCount, what), byteCount);
  }

  uint64(what = 'an 8-byte integer'): bigint {
    return this.buffer.readBigUInt64LE(this.#need(8, what));
  }

  int64(what = 'an 8-byte integer'): bigint {
    return this.buffer.readBigInt64LE(this.#need(8, what));
  }

  /** Big-endian unsigned integer of 1–6 bytes (temporal and DECIMAL encodings). */
  uintBE(byteCount: number, what = 'a big-endian integer'): number {
    if (byteCount === 0) return 0;
    return this.buffer.readUIntBE(this.#need(byteCount, what), byteCount);
  }

  float32(what = 'a FLOAT'): number {
    return this.buffer.readFloatLE(this.#need(4, what));
  }

  float64(what = 'a DOUBLE'): number {
    return this.buffer.readDoubleLE(this.#need(8, what));
  }

  /** A copy of the next `byteCount` bytes (values outlive the event's buffer). */
  bytes(byteCount: number, what = 'bytes'): Buffer {
    const start = this.#need(byteCount, what);
    return Buffer.from(this.buffer.subarray(start, start + byteCount));
  }

  /** A view of the next `byteCount` bytes, valid while the event's buffer is. */
  view(byteCount: number, what = 'bytes'): Buffer {
    const start = this.#need(byteCount, what);
    return this.buffer.subarray(start, start + byteCount);
  }

  /** The protocol's length-encoded ("packed") integer. */
  packedInteger(what = 'a packed integer'): number {
    const first = this.uint8(what);
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.uint16(what);
    if (first === 0xfd) return this.uint24(what);
    if (first === 0xfe) {
      const value = this.uint64(what);
      if (value > maxSafe) throw new RangeError(`${what} is ${value}, past what this decoder handles`);
      return Number(value);
    }
    throw new RangeError(`${what} starts with 0x${first.toString(16)}, which is not a packed integer`);
  }

  /** `byteCount` bytes as text (UTF-8), trailing NULs and anything after the first NUL dropped. */
  fixedString(byteCount: number, what = 'a string'): string {
    const raw = this.view(byteCount, what);
    const nul = raw.indexOf(0);
    return raw.subarray(0, nul === -1 ? raw.length : nul).toString('utf8');
  }

  /** The rest of the event as text (UTF-8). */
  restAsString(): string {
    return this.view(this.remaining, 'the rest of the event').toString('utf8');
  }

  /** A bitmap of `bitCount` bits, least significant bit of the first byte first (the rows-event layout). */
  bitmap(bitCount: number, what = 'a bitmap'): boolean[] {
    const raw = this.view(Math.floor((bitCount + 7) / 8), what);
    const bits = new Array<boolean>(bitCount);
    for (let index = 0; index < bitCount; index += 1) {
      bits[index] = ((raw[index >> 3] as number) & (1 << (index & 7))) !== 0;
    }
    return bits;
  }
}
