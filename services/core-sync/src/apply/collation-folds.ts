/**
 * Equality-preserving folds of string values, one per collation, learned from the target server
 * (collation-weights.ts): two strings the server calls equal under a collation fold to the same symbols. The
 * converse need not hold — a fold may merge strings the server tells apart (a false dependency only costs
 * parallelism), it must never separate strings the server calls equal (a missed dependency loses rows).
 *
 * The fold of a string is the concatenation of its characters' weight units (WEIGHT_STRING of each code point,
 * cut into units of the collation's weight width), with trailing space units removed: PAD SPACE collations
 * (MariaDB's `_bin` ones too) ignore trailing weights equal to the space's, whatever character gave them
 * (U+00A0 and U+3000 weigh like a space under utf8mb4_unicode_ci); for NO PAD collations the cut only merges more.
 * Ignorable characters weigh nothing and vanish; expansions (ß → ss) give several units.
 *
 * Per-character concatenation is exact unless the collation has contractions (a sequence weighing other than its
 * characters) or multi-level weight strings. Multi-level ones fail the probe check and get the coarse fold. For
 * contractions the fold deletes every weight unit that occurs in a contraction's weight or in a weight of one of
 * its characters, from every character's weights: deletion is applied alike to both sides of any equality, so the
 * fold stays sound (it merges more strings, e.g. under a DUCET collation with the `l·` contraction every `l`
 * vanishes). Language tailorings with contractions (Czech `ch`, Danish `aa`…) get the coarse fold instead: their
 * contractions reach further than the search in collation-weights.ts looks.
 *
 * The coarse fold gives nothing: every value of the column is one key. It stands in for collations that are not
 * loaded (a DDL brought a new one), unknown to the server, or found unsafe.
 */
import type { Pool } from 'mysql2/promise';
import {
  blockCount,
  blockSize,
  incrementedWeight,
  readCollationWeights,
  weightPredictor,
  type CollationWeights,
  type WeightAt,
} from './collation-weights.js';
import type { SymbolSink } from './key-hasher.js';

export interface StringFold {
  readonly collation: string;
  /** Null for a per-character fold; for the coarse fold, why it is coarse. */
  readonly coarseReason: string | null;
  /** Adds the fold of `text` (of its first `prefixLength` characters when not null) to `sink`. */
  foldInto(sink: SymbolSink, text: string, prefixLength: number | null): void;
}

/** The fold that merges every value: sound for any collation. */
export function coarseFold(collation: string, reason: string): StringFold {
  return { collation, coarseReason: reason, foldInto: () => undefined };
}

/** Language tailorings known for contractions (MariaDB and MySQL names), coarse whatever the search finds. */
const contractionTailorings = [
  'czech',
  'slovak',
  'spanish2',
  'traditional_spanish',
  'hungarian',
  'croatian',
  'vietnamese',
  'sinhala',
  'myanmar',
  'danish',
  'norwegian',
  'thai_520_w2',
  'cs',
  'sk',
  'es_trad',
  'hu',
  'hr',
  'vi',
  'da',
  'nb',
  'nn',
  'bs',
  'sr_latn',
  'ja',
  'mn_cyrl',
];

function isContractionTailoring(collation: string): boolean {
  return contractionTailorings.some((name) => collation.includes(`_${name}_`));
}

/** Root collations (no language tailoring): their contractions are the DUCET's few, handled by unit deletion. */
const rootCollation =
  /^[a-z0-9]+_(general|unicode|unicode_520|0900|uca1400|bin|nopad_bin|general_nopad|unicode_nopad|unicode_520_nopad)(_|$)/;

const firstSupplementary = 0x10000;
const replacementCharacter = 0xfffd;

/** The weights of every code point, cut into units, with the units of contractions deleted. */
interface UnitTable {
  readonly unitWidth: number;
  /** Start of each BMP code point's units in `units`; entry 0x10000 ends the last. */
  readonly bmpOffsets: Uint32Array;
  readonly units: Uint32Array;
  /** Supplementary code points the block predictions do not give. */
  readonly supplementaryExplicit: ReadonlyMap<number, Uint32Array>;
  /** Per block: its first weight (constant and increment blocks) and whether it increments. */
  readonly blockFirst: readonly (Buffer | null)[];
  readonly blockIncrements: Uint8Array;
  readonly deletedUnits: ReadonlySet<number>;
  /** The space's weight unit, or -1 when a space weighs nothing. */
  readonly spaceUnit: number;
}

class WeightTableFold implements StringFold {
  readonly collation: string;
  readonly coarseReason = null;
  readonly #offsets: Uint32Array;
  readonly #units: Uint32Array;
  readonly #table: UnitTable;
  readonly #spaceUnit: number;
  /** Units of the supplementary code point last located (reused: no allocation per character). */
  readonly #scratch = new Uint32Array(64);
  #located: Uint32Array = this.#scratch;
  #locatedStart = 0;

  constructor(collation: string, table: UnitTable) {
    this.collation = collation;
    this.#table = table;
    this.#offsets = table.bmpOffsets;
    this.#units = table.units;
    this.#spaceUnit = table.spaceUnit;
  }

  foldInto(sink: SymbolSink, text: string, prefixLength: number | null): void {
    const end = prefixLength === null ? text.length : indexAfterCodePoints(text, prefixLength);
    let cutIndex = end;
    let cutUnits = 0;
    if (this.#spaceUnit >= 0) {
      cutIndex = 0;
      let index = end;
      while (index > 0) {
        let start = index - 1;
        let codePoint = text.charCodeAt(start);
        if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
          const high = start > 0 ? text.charCodeAt(start - 1) : 0;
          if (codePoint >= 0xdc00 && high >= 0xd800 && high <= 0xdbff) {
            start -= 1;
            codePoint = ((high - 0xd800) << 10) + (codePoint - 0xdc00) + firstSupplementary;
          } else codePoint = replacementCharacter;
        }
        const count = this.#locate(codePoint);
        let kept = count;
        while (kept > 0 && this.#located[this.#locatedStart + kept - 1] === this.#spaceUnit) kept -= 1;
        if (kept > 0) {
          cutIndex = start;
          cutUnits = kept;
          break;
        }
        index = start;
      }
    }
    this.#emitRange(sink, text, cutIndex);
    if (cutUnits > 0) {
      this.#locate(codePointAt(text, cutIndex));
      for (let unit = 0; unit < cutUnits; unit += 1) sink.add(this.#located[this.#locatedStart + unit] ?? 0);
    }
  }

  /** Adds the units of every character in text[0, end). */
  #emitRange(sink: SymbolSink, text: string, end: number): void {
    const offsets = this.#offsets;
    const units = this.#units;
    let index = 0;
    while (index < end) {
      let codePoint = text.charCodeAt(index);
      index += 1;
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
        const low = index < text.length ? text.charCodeAt(index) : 0;
        if (codePoint <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
          index += 1;
          codePoint = ((codePoint - 0xd800) << 10) + (low - 0xdc00) + firstSupplementary;
        } else codePoint = replacementCharacter;
      }
      if (codePoint < firstSupplementary) {
        const stop = offsets[codePoint + 1] ?? 0;
        for (let unit = offsets[codePoint] ?? 0; unit < stop; unit += 1) sink.add(units[unit] ?? 0);
      } else {
        const count = this.#locate(codePoint);
        for (let unit = 0; unit < count; unit += 1) sink.add(this.#located[this.#locatedStart + unit] ?? 0);
      }
    }
  }

  /** Points #located/#locatedStart at the units of one code point; returns their count. */
  #locate(codePoint: number): number {
    if (codePoint < firstSupplementary) {
      this.#located = this.#units;
      this.#locatedStart = this.#offsets[codePoint] ?? 0;
      return (this.#offsets[codePoint + 1] ?? 0) - this.#locatedStart;
    }
    this.#locatedStart = 0;
    const explicit = this.#table.supplementaryExplicit.get(codePoint);
    if (explicit !== undefined) {
      this.#located = explicit;
      return explicit.length;
    }
    this.#located = this.#scratch;
    const block = Math.floor(codePoint / blockSize);
    const first = this.#table.blockFirst[block] ?? null;
    if (first === null) return 0;
    if (this.#table.blockIncrements[block] === 0) return unitsInto(first, 0, this.#table, this.#scratch);
    return unitsInto(first, codePoint % blockSize, this.#table, this.#scratch);
  }
}

/** Writes the units of `weight` plus `increment` (collation-weights.ts) into `target`, less deleted ones. */
function unitsInto(weight: Buffer, increment: number, table: UnitTable, target: Uint32Array): number {
  const bytes = increment === 0 ? weight : incrementedWeight(weight, increment);
  let count = 0;
  for (
    let start = 0;
    start + table.unitWidth <= bytes.length && count < target.length;
    start += table.unitWidth
  ) {
    let unit = 0;
    for (let byte = 0; byte < table.unitWidth; byte += 1) unit = unit * 256 + (bytes[start + byte] ?? 0);
    if (!table.deletedUnits.has(unit)) {
      target[count] = unit;
      count += 1;
    }
  }
  return count;
}

function codePointAt(text: string, index: number): number {
  const codePoint = text.codePointAt(index) ?? replacementCharacter;
  return codePoint >= 0xd800 && codePoint <= 0xdfff ? replacementCharacter : codePoint;
}

/** The UTF-16 index just after the first `count` code points of `text`. */
function indexAfterCodePoints(text: string, count: number): number {
  let index = 0;
  for (let seen = 0; seen < count && index < text.length; seen += 1) {
    const unit = text.charCodeAt(index);
    const next = index + 1 < text.length ? text.charCodeAt(index + 1) : 0;
    index += unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
  }
  return index;
}

/** The folds of the collations in use, learned from one server. */
export class CollationFolds {
  readonly #folds: ReadonlyMap<string, StringFold>;

  constructor(folds: Iterable<StringFold>) {
    this.#folds = new Map([...folds].map((fold) => [fold.collation, fold]));
  }

  /** Learns the fold of every named collation from the server (`binary` needs none and is skipped). */
  static async load(pool: Pool, collations: Iterable<string>): Promise<CollationFolds> {
    const folds: StringFold[] = [];
    for (const collation of new Set(collations)) {
      if (collation === 'binary') continue;
      if (isContractionTailoring(collation)) {
        folds.push(coarseFold(collation, 'a language tailoring known for contractions'));
        continue;
      }
      const weights = await readCollationWeights(pool, collation);
      folds.push(
        weights === undefined
          ? coarseFold(collation, 'the server does not know it')
          : foldFromWeights(weights),
      );
    }
    return new CollationFolds(folds);
  }

  /** The fold of a collation: the learned one, else the coarse one. */
  foldFor(collation: string): StringFold {
    return this.#folds.get(collation) ?? coarseFold(collation, 'not loaded');
  }

  get folds(): readonly StringFold[] {
    return [...this.#folds.values()];
  }
}

/** Builds the fold of one collation from its weights; the coarse fold when they show it unsafe. */
export function foldFromWeights(weights: CollationWeights): StringFold {
  const { collation } = weights;
  if (isContractionTailoring(collation)) {
    return coarseFold(collation, 'a language tailoring known for contractions');
  }
  const weightAt = weightPredictor(weights.explicitWeights);
  if (weightAt === undefined) return coarseFold(collation, 'the server gave no weight for some characters');
  if (!weights.probesAgree) {
    return coarseFold(collation, 'its weights are not per character (multi-level weights or contractions)');
  }
  if (weights.contractions === 'too many') return coarseFold(collation, 'too many contractions');
  if (weights.contractions.length > 0 && !rootCollation.test(collation)) {
    return coarseFold(collation, 'a language tailoring with contractions');
  }
  const unitWidth = unitWidthOf(weights, weightAt);
  const spaceUnit = spaceUnitOf(weights, unitWidth);
  if (spaceUnit === undefined) return coarseFold(collation, 'its space weight is not one unit');
  const deletedUnits = new Set<number>();
  for (const contraction of weights.contractions) {
    for (const unit of unitsOf(contraction.weight ?? Buffer.alloc(0), unitWidth)) deletedUnits.add(unit);
    for (const codePoint of contraction.codePoints) {
      for (const unit of unitsOf(weightAt(codePoint), unitWidth)) deletedUnits.add(unit);
    }
  }
  return new WeightTableFold(collation, buildTable(weights, weightAt, unitWidth, spaceUnit, deletedUnits));
}

function greatestCommonDivisor(left: number, right: number): number {
  return right === 0 ? left : greatestCommonDivisor(right, left % right);
}

/** The weight unit: the common divisor of all weight lengths, at most 3 bytes (units stay below 2^24). */
function unitWidthOf(weights: CollationWeights, weightAt: WeightAt): number {
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
function spaceUnitOf(weights: CollationWeights, unitWidth: number): number | undefined {
  const { leadingSpace, letter } = weights.spaceProbe;
  if (leadingSpace === null || letter === null || letter.length > leadingSpace.length) return undefined;
  if (!leadingSpace.subarray(leadingSpace.length - letter.length).equals(letter)) return undefined;
  const space = leadingSpace.subarray(0, leadingSpace.length - letter.length);
  if (space.length === 0) return -1;
  return space.length === unitWidth ? (unitsOf(space, unitWidth)[0] ?? -1) : undefined;
}

function unitsOf(weight: Buffer, unitWidth: number): number[] {
  const units: number[] = [];
  for (let start = 0; start + unitWidth <= weight.length; start += unitWidth) {
    let unit = 0;
    for (let byte = 0; byte < unitWidth; byte += 1) unit = unit * 256 + (weight[start + byte] ?? 0);
    units.push(unit);
  }
  return units;
}

function buildTable(
  weights: CollationWeights,
  weightAt: WeightAt,
  unitWidth: number,
  spaceUnit: number,
  deletedUnits: ReadonlySet<number>,
): UnitTable {
  const kept = (weight: Buffer): number[] =>
    unitsOf(weight, unitWidth).filter((unit) => !deletedUnits.has(unit));
  const bmpOffsets = new Uint32Array(firstSupplementary + 1);
  const bmpUnits: number[] = [];
  for (let codePoint = 0; codePoint < firstSupplementary; codePoint += 1) {
    bmpOffsets[codePoint] = bmpUnits.length;
    if (codePoint < 0xd800 || codePoint > 0xdfff) bmpUnits.push(...kept(weightAt(codePoint)));
  }
  bmpOffsets[firstSupplementary] = bmpUnits.length;
  const supplementaryExplicit = new Map<number, Uint32Array>();
  for (const [codePoint, weight] of weights.explicitWeights) {
    if (codePoint >= firstSupplementary)
      supplementaryExplicit.set(codePoint, Uint32Array.from(kept(weight ?? Buffer.alloc(0))));
  }
  const blockFirst: (Buffer | null)[] = [];
  const blockIncrements = new Uint8Array(blockCount);
  for (let block = 0; block < blockCount; block += 1) {
    const first = weights.explicitWeights.get(block * blockSize) ?? null;
    const second = weights.explicitWeights.get(block * blockSize + 1) ?? null;
    blockFirst.push(first);
    blockIncrements[block] = first !== null && second !== null && !first.equals(second) ? 1 : 0;
  }
  return {
    unitWidth,
    bmpOffsets,
    units: Uint32Array.from(bmpUnits),
    supplementaryExplicit,
    blockFirst,
    blockIncrements,
    deletedUnits,
    spaceUnit: deletedUnits.has(spaceUnit) ? -1 : spaceUnit,
  };
}
