/**
 * A streaming 64-bit hash of a sequence of small non-negative integers ("symbols"), for the dependency keys:
 * two murmur3-style 32-bit lanes with different seeds and multipliers. Not cryptographic: a collision makes two
 * unrelated changes look dependent, which only costs parallelism. Allocation-free until `digest`.
 *
 * Symbols below `firstMarkerSymbol` are content (characters, bytes, collation weight units: all < 2^24); the
 * markers at and above it frame the values, so a sequence of values hashes unambiguously.
 */

/** Content symbols are below this; framing markers are at or above it. */
export const firstMarkerSymbol = 0x1000000;

/** The framing markers a key's symbol stream uses. */
export const keyMarkers = {
  /** Ends one value. */
  valueEnd: firstMarkerSymbol,
  /** Starts a value given by its canonical text (numbers, temporal values, decimals). */
  text: firstMarkerSymbol + 1,
  /** Starts a value given as bytes (binary strings). */
  bytes: firstMarkerSymbol + 2,
  /** Starts a string value folded under its collation. */
  folded: firstMarkerSymbol + 3,
  /** A value that stands for every value of its column (coarse fold, generated column, absent from the row). */
  anyValue: firstMarkerSymbol + 4,
} as const;

// The lanes stay 32-bit integers (`| 0` after each sum): a sum past 2^31 would make the next `^` convert a double,
// which V8 does with a floating-point remainder (fmod: 2 % of the service's CPU in a catch-up profile).
const laneOneSeed = 0x9747b28c | 0;
const laneTwoSeed = 0x2f8d6a13;

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

function finalMix(value: number): number {
  let mixed = value ^ (value >>> 16);
  mixed = Math.imul(mixed, 0x85ebca6b);
  mixed ^= mixed >>> 13;
  mixed = Math.imul(mixed, 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

/** Where a fold writes its symbols: the hasher, or a collector in tests. */
export interface SymbolSink {
  add(symbol: number): void;
}

export class KeyHasher implements SymbolSink {
  #laneOne = laneOneSeed;
  #laneTwo = laneTwoSeed;
  #length = 0;

  /** Starts a new hash (from the seeds, or from a state saved with `laneOne`/`laneTwo`/`length`). */
  reset(laneOne = laneOneSeed, laneTwo = laneTwoSeed, length = 0): void {
    this.#laneOne = laneOne;
    this.#laneTwo = laneTwo;
    this.#length = length;
  }

  get laneOne(): number {
    return this.#laneOne;
  }

  get laneTwo(): number {
    return this.#laneTwo;
  }

  get length(): number {
    return this.#length;
  }

  /** Adds one symbol (an integer in [0, 2^31)). */
  add(symbol: number): void {
    let block = Math.imul(symbol, 0xcc9e2d51);
    block = Math.imul(rotateLeft(block, 15), 0x1b873593);
    this.#laneOne = (Math.imul(rotateLeft(this.#laneOne ^ block, 13), 5) + 0xe6546b64) | 0;
    let other = Math.imul(symbol ^ 0x5bd1e995, 0x27d4eb2f);
    other = Math.imul(rotateLeft(other, 17), 0x165667b1);
    this.#laneTwo = (Math.imul(rotateLeft(this.#laneTwo ^ other, 11), 9) + 0x7f4a7c15) | 0;
    this.#length += 1;
  }

  /** Adds every UTF-16 code unit of a text. */
  addText(text: string): void {
    for (let index = 0; index < text.length; index += 1) this.add(text.charCodeAt(index));
  }

  /** The hash of the symbols added since the last reset, as 16 hexadecimal characters. */
  digest(): string {
    const one = finalMix(this.#laneOne ^ this.#length ^ Math.imul(this.#laneTwo, 0x9e3779b1));
    const two = finalMix(this.#laneTwo ^ Math.imul(this.#length, 0x85ebca77) ^ one);
    return hex32(one) + hex32(two);
  }
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
