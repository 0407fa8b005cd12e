/**
 * Reads what the target server knows about a collation, for collation-folds.ts: the weight string
 * (`WEIGHT_STRING`) of every code point, the weights of a few multi-character probes, and the contractions it
 * finds among likely pairs of characters. Nothing here is hand-written collation knowledge: every weight comes
 * from the server that will enforce the unique keys.
 *
 * The code space (U+0000…U+10FFFF less the surrogates) is read in blocks of 256 code points. The server returns
 * the first two code points of every block and only those others that differ from the block's prediction:
 * "constant" when the first two weights are equal (the block repeats the first weight), else "increment" (the
 * weight, read as a big-endian number of the first weight's length, grows by one per code point). That keeps the
 * answer small (about 10,000 rows for utf8mb4_general_ci, 30,000 for utf8mb4_unicode_520_ci) while every weight
 * stays exact. The candidate expressions are evaluated once per row: a merged derived table would evaluate an
 * expression once per reference.
 */
import type { Pool, QueryRow } from '../mysql/index.js';
import { SyncError } from '../errors/index.js';

/** Code points per block of the weight query. */
export const blockSize = 256;
/** Blocks in the code space (17 planes of 256 blocks). */
export const blockCount = 17 * 256;
const firstSurrogateBlock = 0xd800 / blockSize;
const lastSurrogateBlock = 0xdfff >> 8;

/** The weights of one collation as the server gives them. A null weight: the server returned NULL. */
export interface CollationWeights {
  readonly collation: string;
  readonly characterSet: string;
  /** Weights the block predictions do not give (always the first two of each block). */
  readonly explicitWeights: ReadonlyMap<number, Buffer | null>;
  /**
   * Whether the weight of every probe string (no spaces, no likely contractions) is the concatenation of its
   * characters' weights. Multi-level weight strings (`_cs`, `_as_cs`, latin2_czech_cs) fail.
   */
  readonly probesAgree: boolean;
  /** WEIGHT_STRING(' a') and WEIGHT_STRING('a'): the space's weight inside a string (trailing ones may be cut). */
  readonly spaceProbe: { readonly leadingSpace: Buffer | null; readonly letter: Buffer | null };
  /**
   * Character sequences whose weight is not the concatenation of their characters' weights; 'too many' when the
   * search found more than `maxContractions` pairs (or was skipped because the probes disagree).
   */
  readonly contractions: readonly Contraction[] | 'too many';
}

/** More contraction pairs than this and the collation is not worth a per-character fold. */
export const maxContractions = 4000;

export interface Contraction {
  readonly codePoints: readonly number[];
  readonly weight: Buffer | null;
}

/** Collation and character set names go into SQL text (COLLATE takes no parameter): only plain names pass. */
const plainName = /^[A-Za-z0-9_]+$/;

/** Probe strings for the concatenation check: multi-level weight strings (`_cs`, `_as_cs`) fail it. */
const probeTexts = ['ab', 'Zy', 'a\u00dfb', '\u00e9t\u00e9', '\u65e5\u672c', 'x1', 'Q\u0301r'];

/**
 * Ranges of first characters for the contraction search (start, count), each paired with itself and with the
 * joiners below as second characters: the scripts where MariaDB's and MySQL's collations (root DUCET and
 * language tailorings) have contractions — Latin, Greek, Cyrillic, Arabic, Indic, Thai/Lao, Tibetan, Myanmar,
 * Khmer, New Tai Lue, Balinese, kana, Tai Viet.
 */
const contractionRanges: readonly (readonly [number, number])[] = [
  [0x41, 0x20f],
  [0x1e00, 0x100],
  [0x370, 0x1c0],
  [0x530, 0x1d0],
  ...[0x900, 0x980, 0xa00, 0xa80, 0xb00, 0xb80, 0xc00, 0xc80, 0xd00, 0xd80].map(
    (start) => [start, 0x80] as const,
  ),
  [0xe00, 0x100],
  [0xf00, 0x100],
  [0x1000, 0xa0],
  [0x1780, 0x80],
  [0x1980, 0x60],
  [0x1b00, 0x80],
  [0x3040, 0xc0],
  [0xaa80, 0x60],
];
/** Second characters tried after every first character: combining marks, middle dot, ZWNJ/ZWJ, kana marks. */
const joinerRanges: readonly (readonly [number, number])[] = [
  [0x300, 0x70],
  [0xb7, 1],
  [0x200c, 2],
  [0x3099, 2],
  [0x30fc, 1],
];

const hexDigitsTable =
  'SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 ' +
  'UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10 ' +
  'UNION ALL SELECT 11 UNION ALL SELECT 12 UNION ALL SELECT 13 UNION ALL SELECT 14 UNION ALL SELECT 15';

/** Reads the weights of one collation; undefined when the server does not know it. */
export async function readCollationWeights(
  pool: Pool,
  collation: string,
): Promise<CollationWeights | undefined> {
  if (!plainName.test(collation)) return undefined;
  try {
    const [collationRows] = await pool.query<QueryRow[]>(
      'SELECT CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE COLLATION_NAME = ?',
      [collation],
    );
    const characterSet: unknown = collationRows[0]?.CHARACTER_SET_NAME;
    if (typeof characterSet !== 'string' || !plainName.test(characterSet)) return undefined;
    const character = (codePoint: string): string =>
      `CONVERT(CHAR(${codePoint} USING utf32) USING ${characterSet}) COLLATE ${collation}`;
    const explicitWeights = await readBlockWeights(
      pool,
      (codePoint) => `WEIGHT_STRING(${character(codePoint)})`,
    );
    const probes = await readProbes(pool, characterSet, collation);
    const weightAt = weightPredictor(explicitWeights);
    const probesAgree =
      weightAt !== undefined &&
      probes.slice(2).every((probe) => {
        const concatenated = Buffer.concat([...probe.text].map((text) => weightAt(text.codePointAt(0) ?? 0)));
        return probe.weight !== null && probe.weight.equals(concatenated);
      });
    return {
      collation,
      characterSet,
      explicitWeights,
      probesAgree,
      spaceProbe: { leadingSpace: probes[0]?.weight ?? null, letter: probes[1]?.weight ?? null },
      contractions: probesAgree ? await findContractions(pool, character, collation) : 'too many',
    };
  } catch (error) {
    throw new SyncError('DATABASE_UNAVAILABLE', `failed to read the weights of collation ${collation}`, {
      cause: error,
      details: { collation },
    });
  }
}

/** A code point's weight: from the explicit ones or its block's prediction. */
export type WeightAt = (codePoint: number) => Buffer;

/**
 * Every code point's weight from the explicit weights and the block predictions (as `readBlockWeights` makes
 * them); undefined when the server returned NULL for some code point.
 */
export function weightPredictor(explicitWeights: ReadonlyMap<number, Buffer | null>): WeightAt | undefined {
  for (const weight of explicitWeights.values()) if (weight === null) return undefined;
  const explicit = explicitWeights as ReadonlyMap<number, Buffer>;
  const empty = Buffer.alloc(0);
  return (codePoint) => {
    const known = explicit.get(codePoint);
    if (known !== undefined) return known;
    const blockStart = codePoint - (codePoint % blockSize);
    const first = explicit.get(blockStart);
    const second = explicit.get(blockStart + 1);
    if (first === undefined || second === undefined || first.equals(second)) return first ?? empty;
    return incrementedWeight(first, codePoint - blockStart);
  };
}

/** `weight` read as a big-endian number, plus `increment`, in as many bytes (the block prediction never overflows). */
export function incrementedWeight(weight: Buffer, increment: number): Buffer {
  let value = 0;
  for (const byte of weight) value = value * 256 + byte;
  value += increment;
  const bytes = Buffer.alloc(weight.length);
  for (let index = weight.length - 1; index >= 0; index -= 1) {
    bytes[index] = value % 256;
    value = Math.floor(value / 256);
  }
  return bytes;
}

async function readBlockWeights(
  pool: Pool,
  weightOf: (codePoint: string) => string,
): Promise<Map<number, Buffer | null>> {
  const blocks =
    `SELECT blockNumber, ${weightOf('blockNumber * 256')} AS firstWeight, ${weightOf('blockNumber * 256 + 1')} AS secondWeight ` +
    `FROM (SELECT plane.d * 256 + high.d * 16 + low.d AS blockNumber ` +
    `FROM (SELECT d FROM (${hexDigitsTable}) digits UNION ALL SELECT 16) plane, (${hexDigitsTable}) high, (${hexDigitsTable}) low) numbered ` +
    `WHERE blockNumber NOT BETWEEN ${firstSurrogateBlock} AND ${lastSurrogateBlock} LIMIT ${blockCount}`;
  const predicted =
    `SELECT blockBase.blockNumber, offsets.cellOffset, blockBase.firstWeight, ` +
    `COALESCE(HEX(${weightOf('blockBase.blockNumber * 256 + offsets.cellOffset')}), '-') AS weightHex, ` +
    `IF(blockBase.firstWeight = blockBase.secondWeight, HEX(blockBase.firstWeight), ` +
    `IF(LENGTH(HEX(blockBase.base + offsets.cellOffset)) > 2 * LENGTH(blockBase.firstWeight), NULL, ` +
    `LPAD(HEX(blockBase.base + offsets.cellOffset), 2 * LENGTH(blockBase.firstWeight), '0'))) AS expectedHex ` +
    `FROM (SELECT blockNumber, firstWeight, secondWeight, ` +
    `IF(LENGTH(firstWeight) BETWEEN 1 AND 6, CAST(CONV(HEX(firstWeight), 16, 10) AS UNSIGNED), NULL) AS base ` +
    `FROM (${blocks}) blockWeights LIMIT ${blockCount}) blockBase, ` +
    `(SELECT high.d * 16 + low.d AS cellOffset FROM (${hexDigitsTable}) high, (${hexDigitsTable}) low) offsets`;
  const sql =
    `SELECT blockNumber * 256 + cellOffset AS codePoint, weightHex FROM (${predicted}) candidates ` +
    `WHERE cellOffset < 2 OR NOT (weightHex <=> expectedHex)`;
  const [rows] = await pool.query<QueryRow[]>({ sql, rowsAsArray: true });
  const weights = new Map<number, Buffer | null>();
  for (const row of rows as unknown as [number | string, string][]) {
    const [codePoint, weightHex] = row;
    weights.set(Number(codePoint), weightHex === '-' ? null : Buffer.from(weightHex, 'hex'));
  }
  return weights;
}

async function readProbes(
  pool: Pool,
  characterSet: string,
  collation: string,
): Promise<{ text: string; weight: Buffer | null }[]> {
  const texts = [' a', 'a', ...probeTexts];
  const selects = texts.map(
    (_text, index) => `WEIGHT_STRING(CONVERT(? USING ${characterSet}) COLLATE ${collation}) AS probe${index}`,
  );
  const [rows] = await pool.query<QueryRow[]>(`SELECT ${selects.join(', ')}`, texts);
  const row: Record<string, unknown> = rows[0] ?? {};
  return texts.map((text, index) => {
    const weight: unknown = row[`probe${index}`];
    return { text, weight: Buffer.isBuffer(weight) ? weight : null };
  });
}

function rangeTable(ranges: readonly (readonly [number, number])[], withIdentity: boolean): string {
  return ranges
    .map(
      ([start, count], index) =>
        `SELECT ${withIdentity ? `${index} AS rangeId, ` : ''}${start} AS rangeStart, ${count} AS rangeSize`,
    )
    .join(' UNION ALL ');
}

/**
 * Pairs (first, second) with first and second from the same candidate range, or second a joiner, whose weight is
 * not the concatenation of their own; then triples extending every such pair by one more character of its range.
 * First characters with an empty weight are left out (MySQL may cut a trailing space-like weight, which would
 * look like a contraction with whatever follows).
 */
async function findContractions(
  pool: Pool,
  character: (codePoint: string) => string,
  collation: string,
): Promise<Contraction[] | 'too many'> {
  const numbers = `SELECT high.d * 256 + middle.d * 16 + low.d AS n FROM (${hexDigitsTable}) high, (${hexDigitsTable}) middle, (${hexDigitsTable}) low`;
  const firsts =
    `SELECT rangeId, codePoint, ${character('codePoint')} AS characterText, WEIGHT_STRING(${character('codePoint')}) AS weight ` +
    `FROM (SELECT ranges.rangeId, ranges.rangeStart + numbers.n AS codePoint FROM (${rangeTable(contractionRanges, true)}) ranges ` +
    `JOIN (${numbers}) numbers ON numbers.n < ranges.rangeSize) listed LIMIT 100000`;
  const joiners =
    `SELECT joiners.rangeStart + numbers.n AS codePoint FROM (${rangeTable(joinerRanges, false)}) joiners ` +
    `JOIN (${numbers}) numbers ON numbers.n < joiners.rangeSize`;
  const seconds =
    `SELECT rangeId, codePoint, ${character('codePoint')} AS characterText, WEIGHT_STRING(${character('codePoint')}) AS weight FROM (` +
    `SELECT ranges.rangeId, ranges.rangeStart + numbers.n AS codePoint FROM (${rangeTable(contractionRanges, true)}) ranges ` +
    `JOIN (${numbers}) numbers ON numbers.n < ranges.rangeSize UNION ALL ` +
    `SELECT ranges.rangeId, joinerPoints.codePoint FROM (${rangeTable(contractionRanges, true)}) ranges, (${joiners}) joinerPoints` +
    `) listed LIMIT 200000`;
  const sql =
    `SELECT firstChar.codePoint AS firstPoint, secondChar.codePoint AS secondPoint, firstChar.rangeId, ` +
    `WEIGHT_STRING(CONCAT(firstChar.characterText, secondChar.characterText) COLLATE ${collation}) AS pairWeight ` +
    `FROM (${firsts}) firstChar JOIN (${seconds}) secondChar ON secondChar.rangeId = firstChar.rangeId ` +
    `WHERE LENGTH(firstChar.weight) > 0 AND NOT (WEIGHT_STRING(CONCAT(firstChar.characterText, secondChar.characterText) COLLATE ${collation}) ` +
    `<=> CONCAT(firstChar.weight, secondChar.weight))`;
  const [pairRows] = await pool.query<QueryRow[]>({ sql, rowsAsArray: true });
  const contractions: Contraction[] = [];
  const pairs: [number, number, number][] = [];
  for (const [firstPoint, secondPoint, rangeId, weight] of pairRows as unknown as [
    number,
    number,
    number,
    unknown,
  ][]) {
    contractions.push({
      codePoints: [firstPoint, secondPoint],
      weight: Buffer.isBuffer(weight) ? weight : null,
    });
    pairs.push([Number(firstPoint), Number(secondPoint), Number(rangeId)]);
  }
  if (pairs.length === 0) return contractions;
  if (pairs.length > maxContractions) return 'too many';
  contractions.push(...(await findTriples(pool, character, collation, pairs, seconds)));
  return contractions;
}

/** Triples (pair, third) whose weight is not the pair's weight followed by the third character's. */
async function findTriples(
  pool: Pool,
  character: (codePoint: string) => string,
  collation: string,
  pairs: readonly [number, number, number][],
  seconds: string,
): Promise<Contraction[]> {
  const pairTable = pairs
    .map(
      ([first, second, rangeId]) =>
        `SELECT ${first} AS firstPoint, ${second} AS secondPoint, ${rangeId} AS rangeId`,
    )
    .join(' UNION ALL ');
  const pairText = `CONCAT(${character('pairs.firstPoint')}, ${character('pairs.secondPoint')})`;
  const sql =
    `SELECT pairs.firstPoint, pairs.secondPoint, thirdChar.codePoint, ` +
    `WEIGHT_STRING(CONCAT(${pairText}, thirdChar.characterText) COLLATE ${collation}) AS tripleWeight ` +
    `FROM (${pairTable}) pairs JOIN (${seconds}) thirdChar ON thirdChar.rangeId = pairs.rangeId ` +
    `WHERE NOT (WEIGHT_STRING(CONCAT(${pairText}, thirdChar.characterText) COLLATE ${collation}) ` +
    `<=> CONCAT(WEIGHT_STRING(${pairText} COLLATE ${collation}), thirdChar.weight))`;
  const [rows] = await pool.query<QueryRow[]>({ sql, rowsAsArray: true });
  return (rows as unknown as [number, number, number, unknown][]).map(([first, second, third, weight]) => ({
    codePoints: [Number(first), Number(second), Number(third)],
    weight: Buffer.isBuffer(weight) ? weight : null,
  }));
}
