/** `parseConfig` on `primary_key`, written as comma-separated text or as a list of column names. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../test/support/config-problems.js';
import { parseConfig } from './index.js';
import { withSync } from './testing/config-documents.js';

describe('parseConfig', () => {
  it('splits a text primary key on commas and trims it, and keeps the names of a list exactly', () => {
    const primaryKeyOf = (primaryKey: unknown) =>
      parseConfig(withSync({ tables: [{ name: 'items', primary_key: primaryKey }] }), 't').sync.tables[0]
        ?.primaryKey;
    expect(primaryKeyOf(' ke,y , order')).toEqual(['ke', 'y', 'order']);
    expect(primaryKeyOf(['ke,y', ' order', 'it`s "x"'])).toEqual(['ke,y', ' order', 'it`s "x"']);
    expect(problemsOf(withSync({ tables: [{ name: 'items', primary_key: ['id', ' '] }] }))).toEqual([
      { path: 'sync.tables[0].primary_key', message: 'must name at least one column and no empty ones' },
    ]);
  });

  it('normalises primary keys the same whether written as text or as a list', () => {
    const column = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);
    fc.assert(
      fc.property(fc.uniqueArray(column, { minLength: 1, maxLength: 4 }), (columns) => {
        const fromText = parseConfig(
          withSync({ tables: [{ name: 'items', primary_key: columns.join(', ') }] }),
          't',
        );
        const fromList = parseConfig(withSync({ tables: [{ name: 'items', primary_key: columns }] }), 't');
        expect(fromText.sync.tables[0]?.primaryKey).toEqual(columns);
        expect(fromList.sync.tables[0]?.primaryKey).toEqual(columns);
      }),
      { numRuns: 50 },
    );
  });
});
