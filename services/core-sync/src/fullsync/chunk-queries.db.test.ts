/**
 * A full sync's key ranges on a composite primary key (region, label, sequence), written column by column so
 * MariaDB resolves them on the index (mysql/key-bounds.ts, through chunk-queries.ts `rangeCondition`), select
 * exactly the rows the row comparison `(region, label, sequence) > (…) AND (region, label, sequence) <= (…)`
 * selects — under a case- and accent-insensitive collation that pads spaces — for random rows and random bounds,
 * on a real server; and the server reads a chunk through the index, not the whole table.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TableSchema } from '../model/index.js';
import { createTestDatabase } from '../../test/support/test-database.js';
import { rangeCondition } from './chunk-queries.js';
import { testServerUrl } from '../../test/support/test-servers.js';

const primaryKey = ['region', 'label', 'sequence'];
const schema = { name: 'keyed', primaryKey } as unknown as TableSchema;

const keyArbitrary = fc.record({
  region: fc.integer({ min: -2, max: 2 }),
  label: fc.constantFrom('a', 'A', 'a ', 'b', 'B', 'é', 'e', ''),
  sequence: fc.integer({ min: 0, max: 3 }),
});

describe('rangeCondition on a composite key', () => {
  it('selects what the row comparison selects, for random rows and bounds', async () => {
    await using database = await createTestDatabase(testServerUrl('local'), 'rangekeys');
    await database.query(`CREATE TABLE keyed (
      region INT NOT NULL,
      label VARCHAR(8) COLLATE utf8mb4_unicode_ci NOT NULL,
      sequence INT NOT NULL,
      PRIMARY KEY (region, label, sequence)
    )`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(keyArbitrary, { minLength: 1, maxLength: 40 }),
        fc.option(keyArbitrary, { nil: null }),
        fc.option(keyArbitrary, { nil: null }),
        async (rows, lower, upper) => {
          await database.query('DELETE FROM keyed');
          await database.query('INSERT IGNORE INTO keyed (region, label, sequence) VALUES ?', [
            rows.map((row) => [row.region, row.label, row.sequence]),
          ]);
          const condition = rangeCondition(primaryKey, {
            lower: lower,
            upper: upper,
          });
          const selected = await database.query(
            `SELECT region, label, sequence FROM keyed WHERE ${condition.sql} ORDER BY region, label, sequence`,
            condition.values,
          );
          const rowComparison = [
            ...(lower === null ? [] : ['(region, label, sequence) > (?, ?, ?)']),
            ...(upper === null ? [] : ['(region, label, sequence) <= (?, ?, ?)']),
          ];
          const expected = await database.query(
            `SELECT region, label, sequence FROM keyed WHERE ${rowComparison.length === 0 ? '1 = 1' : rowComparison.join(' AND ')} ORDER BY region, label, sequence`,
            [lower, upper].flatMap((bound) =>
              bound === null ? [] : [bound.region, bound.label, bound.sequence],
            ),
          );
          expect(selected).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads a chunk through the primary key, not the whole table', async () => {
    await using database = await createTestDatabase(testServerUrl('local'), 'rangeplan');
    await database.query(`CREATE TABLE keyed (
      region INT NOT NULL, label VARCHAR(8) NOT NULL, sequence INT NOT NULL, PRIMARY KEY (region, label, sequence))`);
    await database.query(
      'INSERT INTO keyed SELECT seq DIV 1000, CHAR(97 + seq MOD 7), seq FROM seq_1_to_50000',
    );
    await database.query('ANALYZE TABLE keyed');
    const condition = rangeCondition(schema.primaryKey, {
      lower: { region: 20, label: 'c', sequence: 20_000 },
      upper: { region: 21, label: 'b', sequence: 21_000 },
    });
    const [plan] = await database.query<{ type: string; key: string | null; rows: number }>(
      `EXPLAIN SELECT COUNT(*) FROM keyed WHERE ${condition.sql}`,
      condition.values,
    );
    expect(plan).toMatchObject({ type: 'range', key: 'PRIMARY' });
    expect(Number(plan?.rows)).toBeLessThan(5_000);
  });
});
