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
 * The tables themselves (about 0.8 MB per collation) are built by weight-units.ts. Folding allocates nothing: it
 * reads the table and writes units to the sink (the key hasher).
 *
 * The coarse fold gives nothing: every value of the column is one key. It stands in for collations that are not
 * loaded (a DDL brought a new one), unknown to the server, or found unsafe.
 */
import { columnText, type Pool, type QueryRow } from '../mysql/index.js';
import { readCollationWeights, weightPredictor, type CollationWeights } from './collation-weights.js';
import {
  buildUnitTable,
  exceptionIndex,
  firstSupplementary,
  predictedUnits,
  spaceUnitOf,
  unitsOf,
  unitWidthOf,
  type UnitTable,
} from './weight-units.js';
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

const replacementCharacter = 0xfffd;

class WeightTableFold implements StringFold {
  readonly collation: string;
  readonly coarseReason = null;
  readonly #offsets: Uint32Array;
  readonly #units: Uint32Array;
  readonly #table: UnitTable;
  readonly #spaceUnit: number;
  /** Units of the supplementary code point last located (reused: no allocation per character). */
  readonly #scratch = new Uint32Array(64);
  readonly #scratchBytes = new Uint8Array(8);
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
    const table = this.#table;
    const exception = exceptionIndex(table.exceptionPoints, codePoint);
    if (exception >= 0) {
      this.#located = table.exceptionUnits;
      this.#locatedStart = table.exceptionOffsets[exception] ?? 0;
      return (table.exceptionOffsets[exception + 1] ?? 0) - this.#locatedStart;
    }
    this.#located = this.#scratch;
    this.#locatedStart = 0;
    return predictedUnits(table, codePoint, this.#scratch, this.#scratchBytes);
  }
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

/** Folds learned in this process, by server version and collation (see `CollationFolds.load`). */
const learnedFolds = new Map<string, Promise<StringFold>>();

async function learnFold(pool: Pool, collation: string): Promise<StringFold> {
  if (isContractionTailoring(collation))
    return coarseFold(collation, 'a language tailoring known for contractions');
  const weights = await readCollationWeights(pool, collation);
  return weights === undefined
    ? coarseFold(collation, 'the server does not know it')
    : foldFromWeights(weights);
}

/** The folds of the collations in use, learned from one server. */
export class CollationFolds {
  readonly #folds: ReadonlyMap<string, StringFold>;

  constructor(folds: Iterable<StringFold>) {
    this.#folds = new Map([...folds].map((fold) => [fold.collation, fold]));
  }

  /**
   * Learns the fold of every named collation from the server (`binary` needs none and is skipped). A collation's
   * weights are fixed by the server's build, so folds are kept for the process by server version and collation:
   * a restart of the sync service (a configuration change, a resume) does not read them again.
   */
  static async load(pool: Pool, collations: Iterable<string>): Promise<CollationFolds> {
    const [versionRows] = await pool.query<QueryRow[]>('SELECT @@version AS version');
    const version = columnText(versionRows[0]?.version);
    const folds: StringFold[] = [];
    for (const collation of new Set(collations)) {
      if (collation === 'binary') continue;
      const cacheKey = `${version}\u0000${collation}`;
      let fold = learnedFolds.get(cacheKey);
      if (fold === undefined) {
        fold = learnFold(pool, collation);
        learnedFolds.set(cacheKey, fold);
        // A failed read is not kept: the next start asks the server again.
        fold.catch(() => learnedFolds.delete(cacheKey));
      }
      folds.push(await fold);
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
  if (weights.contractions.some((contraction) => contraction.weight === null)) {
    return coarseFold(collation, 'the server gave no weight for a contraction');
  }
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
  return new WeightTableFold(
    collation,
    buildUnitTable(weights, weightAt, unitWidth, spaceUnit, deletedUnits),
  );
}
