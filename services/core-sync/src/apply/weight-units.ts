/**
 * The compact form of one collation's weights that collation-folds.ts folds with: every code point's weight cut
 * into units of the collation's width, with the units of contractions deleted. The BMP is a direct table; the
 * supplementary planes keep the block predictions of collation-weights.ts (a first weight per block, constant or
 * incrementing) and a sorted list of the code points that differ from them. About 0.6 MB per collation.
 */
import { blockCount, blockSize, type CollationWeights, type WeightAt } from './collation-weights.js';

export const firstSupplementary = 0x10000;

export interface UnitTable {
  readonly unitWidth: number;
  /** Start of each BMP code point's units in `units`; entry 0x10000 ends the last. */
  readonly bmpOffsets: Uint32Array;
  readonly units: Uint32Array;
  /** Supplementary code points whose weight is not their block's prediction, ascending. */
  readonly exceptionPoints: Uint32Array;
  /** Start of each exception's units in `exceptionUnits`; one more entry ends the last. */
  readonly exceptionOffsets: Uint32Array;
  readonly exceptionUnits: Uint32Array;
  /** Every block's first weight (bytes), from blockWeightOffsets[block] to blockWeightOffsets[block + 1]. */
  readonly blockWeights: Uint8Array;
  readonly blockWeightOffsets: Uint32Array;
  /** 1 when the block's weights grow by one per code point, 0 when they repeat the first. */
  readonly blockIncrements: Uint8Array;
  readonly deletedUnits: ReadonlySet<number>;
  /** The space's weight unit, or -1 when a space weighs nothing (or its unit is deleted). */
  readonly spaceUnit: number;
}

/** Cuts a weight into units of `unitWidth` bytes (big-endian). */
export function unitsOf(weight: Uint8Array, unitWidth: number): number[] {
  const units: number[] = [];
  for (let start = 0; start + unitWidth <= weight.length; start += unitWidth) {
    let unit = 0;
    for (let byte = 0; byte < unitWidth; byte += 1) unit = unit * 256 + (weight[start + byte] ?? 0);
    units.push(unit);
  }
  return units;
}

function greatestCommonDivisor(left: number, right: number): number {
  return right === 0 ? left : greatestCommonDivisor(right, left % right);
}

/** The weight unit: the common divisor of all weight lengths, at most 3 bytes (units stay below 2^24). */
export function unitWidthOf(weights: CollationWeights, weightAt: WeightAt): number {
  let divisor = 0;
  for (let codePoint = 0; codePoint < firstSupplementary; codePoint += 1) {
    divisor = greatestCommonDivisor(divisor, weightAt(codePoint).length);
  }
  for (const weight of weights.explicitWeights.values())
    divisor = greatestCommonDivisor(divisor, weight?.length ?? 0);
  if (divisor === 0) return 1;
  for (const width of [3, 2, 1]) if (divisor % width === 0) return width;
  return 1;
}

/** The space's unit from WEIGHT_STRING(' a') less WEIGHT_STRING('a'); -1 when empty, undefined when not one unit. */
export function spaceUnitOf(weights: CollationWeights, unitWidth: number): number | undefined {
  const { leadingSpace, letter } = weights.spaceProbe;
  if (leadingSpace === null || letter === null || letter.length > leadingSpace.length) return undefined;
  if (!leadingSpace.subarray(leadingSpace.length - letter.length).equals(letter)) return undefined;
  const space = leadingSpace.subarray(0, leadingSpace.length - letter.length);
  if (space.length === 0) return -1;
  return space.length === unitWidth ? (unitsOf(space, unitWidth)[0] ?? -1) : undefined;
}

export function buildUnitTable(
  weights: CollationWeights,
  weightAt: WeightAt,
  unitWidth: number,
  spaceUnit: number,
  deletedUnits: ReadonlySet<number>,
): UnitTable {
  const kept = (weight: Uint8Array): number[] =>
    unitsOf(weight, unitWidth).filter((unit) => !deletedUnits.has(unit));
  const bmpOffsets = new Uint32Array(firstSupplementary + 1);
  const bmpUnits: number[] = [];
  for (let codePoint = 0; codePoint < firstSupplementary; codePoint += 1) {
    bmpOffsets[codePoint] = bmpUnits.length;
    if (codePoint < 0xd800 || codePoint > 0xdfff) bmpUnits.push(...kept(weightAt(codePoint)));
  }
  bmpOffsets[firstSupplementary] = bmpUnits.length;

  const blockWeightOffsets = new Uint32Array(blockCount + 1);
  const blockBytes: number[] = [];
  const blockIncrements = new Uint8Array(blockCount);
  for (let block = 0; block < blockCount; block += 1) {
    blockWeightOffsets[block] = blockBytes.length;
    const first = weights.explicitWeights.get(block * blockSize) ?? null;
    const second = weights.explicitWeights.get(block * blockSize + 1) ?? null;
    if (first !== null) blockBytes.push(...first);
    blockIncrements[block] = first !== null && second !== null && !first.equals(second) ? 1 : 0;
  }
  blockWeightOffsets[blockCount] = blockBytes.length;
  const partial = {
    unitWidth,
    blockWeights: Uint8Array.from(blockBytes),
    blockWeightOffsets,
    blockIncrements,
    deletedUnits,
  };

  const exceptionPoints: number[] = [];
  const exceptionOffsets: number[] = [];
  const exceptionUnits: number[] = [];
  const predicted = new Uint32Array(16);
  const scratchBytes = new Uint8Array(8);
  const sortedPoints = [...weights.explicitWeights.keys()]
    .filter((point) => point >= firstSupplementary)
    .sort((left, right) => left - right);
  for (const codePoint of sortedPoints) {
    const actual = kept(weightAt(codePoint));
    const count = predictedUnits(partial, codePoint, predicted, scratchBytes);
    if (count === actual.length && actual.every((unit, index) => unit === predicted[index])) continue;
    exceptionPoints.push(codePoint);
    exceptionOffsets.push(exceptionUnits.length);
    exceptionUnits.push(...actual);
  }
  exceptionOffsets.push(exceptionUnits.length);
  return {
    ...partial,
    bmpOffsets,
    units: Uint32Array.from(bmpUnits),
    exceptionPoints: Uint32Array.from(exceptionPoints),
    exceptionOffsets: Uint32Array.from(exceptionOffsets),
    exceptionUnits: Uint32Array.from(exceptionUnits),
    spaceUnit: deletedUnits.has(spaceUnit) ? -1 : spaceUnit,
  };
}

type PredictionTable = Pick<
  UnitTable,
  'unitWidth' | 'blockWeights' | 'blockWeightOffsets' | 'blockIncrements' | 'deletedUnits'
>;

/**
 * Writes the kept units of a supplementary code point's predicted weight into `target` (block first weight,
 * plus the offset in an incrementing block); returns their count. `bytes` is scratch space of 8 bytes.
 */
export function predictedUnits(
  table: PredictionTable,
  codePoint: number,
  target: Uint32Array,
  bytes: Uint8Array,
): number {
  const block = Math.floor(codePoint / blockSize);
  const start = table.blockWeightOffsets[block] ?? 0;
  const length = (table.blockWeightOffsets[block + 1] ?? 0) - start;
  if (length === 0) return 0;
  if (table.blockIncrements[block] === 0 || length > bytes.length) {
    return cutInto(table, table.blockWeights, start, length, target);
  }
  let value = 0;
  for (let index = 0; index < length; index += 1)
    value = value * 256 + (table.blockWeights[start + index] ?? 0);
  value += codePoint % blockSize;
  for (let index = length - 1; index >= 0; index -= 1) {
    bytes[index] = value % 256;
    value = Math.floor(value / 256);
  }
  return cutInto(table, bytes, 0, length, target);
}

function cutInto(
  table: PredictionTable,
  source: Uint8Array,
  start: number,
  length: number,
  target: Uint32Array,
): number {
  let count = 0;
  for (
    let offset = 0;
    offset + table.unitWidth <= length && count < target.length;
    offset += table.unitWidth
  ) {
    let unit = 0;
    for (let byte = 0; byte < table.unitWidth; byte += 1)
      unit = unit * 256 + (source[start + offset + byte] ?? 0);
    if (!table.deletedUnits.has(unit)) {
      target[count] = unit;
      count += 1;
    }
  }
  return count;
}

/** Index of `codePoint` in the ascending `points`, or -1. */
export function exceptionIndex(points: Uint32Array, codePoint: number): number {
  let low = 0;
  let high = points.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const point = points[middle] ?? 0;
    if (point === codePoint) return middle;
    if (point < codePoint) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}
