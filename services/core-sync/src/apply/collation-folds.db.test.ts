import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { CollationFolds, foldFromWeights, type StringFold } from './collation-folds.js';
import { readCollationWeights } from './collation-weights.js';
import { testServerUrl } from '../../test/support/test-servers.js';

/** Runs per collation; FAST_CHECK_RUNS raises it (e.g. 20000 for a long soak). */
const runsPerCollation = Number(process.env.FAST_CHECK_RUNS ?? 300);

const collations = [
  'utf8mb4_general_ci',
  'utf8mb4_unicode_ci',
  'utf8mb4_unicode_520_ci',
  'utf8mb4_bin',
  'utf8mb3_general_ci',
  'latin1_swedish_ci',
  'utf8mb4_uca1400_ai_ci',
  'utf8mb4_nopad_bin',
];

/**
 * Characters where collations disagree: both cases, digits, spaces (incl. other space characters), accents
 * precomposed and decomposed, ß/ss, æ/ae, œ, ø, Turkish dotless/dotted i, fullwidth, ligatures, zero-width and
 * control characters, supplementary characters (emoji, mathematical letters, CJK extension B, a variation
 * selector), U+FFFD, '?', and a lone surrogate (sent as U+FFFD).
 */
const alphabet = [
  ...'aAbBcCfFiIoOsSzZ09 ',
  '\t',
  ...'éÉèüÜñåÅç',
  'e\u0301',
  'E\u0301',
  'u\u0308',
  'a\u030a',
  'n\u0303',
  ...'ßẞæÆœŒøØ',
  'ss',
  'SS',
  'ae',
  'oe',
  '\u0131',
  '\u0130',
  '\uff21',
  '\uff41',
  '\ufb01',
  'fi',
  '\u200b',
  '\u200c',
  '\u200d',
  '\ufeff',
  '\u00ad',
  '\u0001',
  '\u001f',
  '\u007f',
  '\u00a0',
  '\u3000',
  '\u2003',
  '\u{1f600}',
  '\u{1f601}',
  '\u{1d400}',
  '\u{20000}',
  '\u{e0100}',
  '\ufe0f',
  '\ufffd',
  '?',
  '\ud800',
];

const tokens = fc.array(fc.constantFrom(...alphabet), { maxLength: 8 }).map((parts) => parts.join(''));

const stripMarks = (text: string) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
const expansions: [RegExp, string][] = [
  [/ß/g, 'ss'],
  [/æ/g, 'ae'],
  [/Æ/g, 'AE'],
  [/œ/g, 'oe'],
  [/ø/g, 'o'],
  [/\ufb01/g, 'fi'],
  [/\u0131/g, 'i'],
  [/\u0130/g, 'I'],
];

/** Changes that keep strings equal under some collation: case, accents, normal forms, padding, ignorables. */
const transformation = fc.oneof(
  fc.constant((text: string) => text.toUpperCase()),
  fc.constant((text: string) => text.toLowerCase()),
  fc.constant((text: string) => text.normalize('NFD')),
  fc.constant((text: string) => text.normalize('NFC')),
  fc.constant((text: string) => text.normalize('NFKC')),
  fc.constant(stripMarks),
  fc.constant((text: string) =>
    expansions.reduce((result, [pattern, value]) => result.replace(pattern, value), text),
  ),
  fc.constantFrom(' ', '  ', '\u00a0', '\u3000', '\t').map((padding) => (text: string) => text + padding),
  fc.constant((text: string) => text.trimEnd()),
  fc
    .tuple(fc.constantFrom('\u200b', '\u00ad', '\u0001', '\ufeff', '\u{e0100}'), fc.nat())
    .map(([ignorable, position]) => (text: string) => {
      const characters = [...text];
      characters.splice(position % (characters.length + 1), 0, ignorable);
      return characters.join('');
    }),
);

/**
 * Pairs where the second string is derived from the first most of the time, independent otherwise, and now and
 * then the same string: under a binary NO PAD collation only identical strings are equal, and derived ones are
 * rarely identical, so without these the share of equal pairs hovered at the test's floor.
 */
const pairs = fc
  .oneof(
    { weight: 4, arbitrary: fc.tuple(tokens, fc.array(transformation, { minLength: 1, maxLength: 3 })) },
    { weight: 1, arbitrary: fc.tuple(tokens, fc.constant([])) },
    { weight: 1, arbitrary: fc.tuple(tokens, fc.constant([(text: string) => text])) },
  )
  .chain(([first, changes]) =>
    changes.length === 0
      ? fc.tuple(fc.constant(first), tokens)
      : fc.constant([first, changes.reduce((text, change) => change(text), first)] as [string, string]),
  );

/**
 * Asks the server whether two strings are equal under `collation` and, when they are, expects their folds equal.
 * True when the server called them equal.
 */
async function expectFoldedAlikeWhenEqual(
  database: TestDatabase,
  fold: StringFold,
  characterSet: string,
  collation: string,
  first: string,
  second: string,
): Promise<boolean> {
  const [row] = await database.query<{ same: number }>(
    `SELECT CONVERT(? USING ${characterSet}) COLLATE ${collation} = CONVERT(? USING ${characterSet}) AS same`,
    [first, second],
  );
  if (row?.same !== 1) return false;
  expect({ first, fold: foldSymbols(fold, first) }).toEqual({ first, fold: foldSymbols(fold, second) });
  return true;
}

function foldSymbols(fold: StringFold, text: string): string {
  const symbols: number[] = [];
  fold.foldInto({ add: (symbol) => symbols.push(symbol) }, text, null);
  return symbols.map((symbol) => symbol.toString(16)).join('.');
}

describe('collation folds against the server', () => {
  let database: TestDatabase;
  let available: Set<string>;

  beforeAll(async () => {
    database = await createTestDatabase(testServerUrl('local'), 'folds');
    const rows = await database.query<{ COLLATION_NAME: string }>(
      'SELECT COLLATION_NAME FROM information_schema.COLLATIONS',
    );
    available = new Set(rows.map((row) => row.COLLATION_NAME));
  });
  afterAll(async () => {
    await database[Symbol.asyncDispose]();
  });

  for (const collation of collations) {
    it(`strings equal under ${collation} fold alike`, async (context) => {
      if (!available.has(collation)) context.skip(`the server has no ${collation}`);
      const characterSet = collation.slice(0, collation.indexOf('_'));
      const folds = await CollationFolds.load(database.pool, [collation]);
      const fold = folds.foldFor(collation);
      expect(fold.coarseReason).toBeNull();
      let equalPairs = 0;
      let pairsTried = 0;
      await fc.assert(
        fc.asyncProperty(pairs, async ([first, second]) => {
          pairsTried += 1;
          if (await expectFoldedAlikeWhenEqual(database, fold, characterSet, collation, first, second))
            equalPairs += 1;
        }),
        { numRuns: runsPerCollation },
      );
      // The generator must produce equal pairs often, or the property says little.
      expect({ pairsTried, enoughEqualPairs: equalPairs > runsPerCollation / 5 }).toEqual({
        pairsTried: runsPerCollation,
        enoughEqualPairs: true,
      });
    });
  }

  it('folds known equalities alike and keeps known differences apart', async () => {
    const folds = await CollationFolds.load(database.pool, ['utf8mb4_unicode_ci', 'utf8mb4_general_ci']);
    const unicode = folds.foldFor('utf8mb4_unicode_ci');
    const general = folds.foldFor('utf8mb4_general_ci');
    expect(foldSymbols(unicode, 'Alice ')).toBe(foldSymbols(unicode, 'alice'));
    expect(foldSymbols(unicode, 'alice\u3000')).toBe(foldSymbols(unicode, 'ALICE'));
    expect(foldSymbols(unicode, 'straße')).toBe(foldSymbols(unicode, 'STRASSE'));
    expect(foldSymbols(unicode, 'alice')).not.toBe(foldSymbols(unicode, 'alicf'));
    expect(foldSymbols(general, 'a\u{1f600}')).toBe(foldSymbols(general, 'a\ufffd'));
    expect(foldSymbols(general, 'alice\u3000')).not.toBe(foldSymbols(general, 'alice'));
    expect(folds.foldFor('utf8mb4_czech_ci').coarseReason).toBe('not loaded');
  });

  // Root collations with contractions (the DUCET's `l·` under MySQL's utf8mb4_0900_ai_ci) delete the units of
  // every contraction. MariaDB's root collations have none, so the deletion is checked on tailorings that have
  // some (Croatian dž/lj/nj, traditional Spanish ch/ll), their weights given a root collation's name.
  for (const collation of ['utf8mb4_croatian_ci', 'utf8mb4_spanish2_ci']) {
    it(`deleting the units of contractions keeps ${collation} sound`, async () => {
      const weights = await readCollationWeights(database.pool, collation);
      expect(weights?.contractions).not.toHaveLength(0);
      const fold = foldFromWeights({ ...weights!, collation: 'utf8mb4_unicode_ci' });
      expect(fold.coarseReason).toBeNull();
      const latinTokens = fc
        .array(
          fc.constantFrom(...'cChHlLdDjJnNžŽaA ', 'dž', 'DŽ', 'lj', 'LJ', 'nj', 'ch', 'll', 'Ll', '\u00b7'),
          {
            maxLength: 8,
          },
        )
        .map((parts) => parts.join(''));
      let equalPairs = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(
            latinTokens,
            fc.constantFrom<(text: string) => string>(
              (text) => text.toUpperCase(),
              (text) => text.toLowerCase(),
              (text) => text.normalize('NFD'),
              (text) => `${text} `,
            ),
          ),
          async ([first, change]) => {
            if (await expectFoldedAlikeWhenEqual(database, fold, 'utf8mb4', collation, first, change(first)))
              equalPairs += 1;
          },
        ),
        { numRuns: runsPerCollation },
      );
      expect(equalPairs).toBeGreaterThan(runsPerCollation / 5);
    });
  }

  it('gives the coarse fold to tailorings with contractions and to multi-level weights', async () => {
    const folds = await CollationFolds.load(database.pool, [
      'utf8mb4_czech_ci',
      'utf8mb4_croatian_ci',
      'latin2_czech_cs',
      'utf8mb4_thai_520_w2',
      'no_such_collation',
    ]);
    expect(Object.fromEntries(folds.folds.map((fold) => [fold.collation, fold.coarseReason]))).toEqual({
      utf8mb4_czech_ci: 'a language tailoring known for contractions',
      utf8mb4_croatian_ci: 'a language tailoring known for contractions',
      latin2_czech_cs: 'a language tailoring known for contractions',
      utf8mb4_thai_520_w2: 'its weights are not per character (multi-level weights or contractions)',
      no_such_collation: 'the server does not know it',
    });
  });
});
