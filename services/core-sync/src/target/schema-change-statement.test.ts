import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteIdentifier, tokenize } from '../mysql/index.js';
import { appliedFrom, appliedStatementMarker, statementForTarget } from './schema-change-statement.js';

describe('the statement run on the target', () => {
  it('is marked as the service own, which the other direction recognises, and nothing else is', () => {
    const statement = statementForTarget('ALTER TABLE items ADD c INT', 'local', 'shop', 'shop');
    expect(statement).toBe('/* mysql-sync: applied from local */ ALTER TABLE items ADD c INT');
    expect(appliedFrom(statement)).toBe('local');
    expect(appliedFrom(appliedStatementMarker('cloud') + ' TRUNCATE t')).toBe('cloud');
    expect(appliedFrom('ALTER TABLE items ADD c INT /* mysql-sync: applied from local */')).toBeUndefined();
    expect(appliedFrom('/* mysql-sync: applied from somewhere */ ALTER TABLE t ADD c INT')).toBeUndefined();
  });

  it("names the target's database where the statement qualified a name with the source's, and nowhere else", () => {
    expect(
      statementForTarget(
        "ALTER TABLE shop.items ADD CONSTRAINT fk FOREIGN KEY (o) REFERENCES `shop`.orders (id), COMMENT 'shop.items'",
        'local',
        'shop',
        'shop_cloud',
      ),
    ).toBe(
      "/* mysql-sync: applied from local */ ALTER TABLE `shop_cloud`.items ADD CONSTRAINT fk FOREIGN KEY (o) REFERENCES `shop_cloud`.orders (id), COMMENT 'shop.items'",
    );
    // Another database's name and an unqualified name stay.
    expect(
      statementForTarget('ALTER TABLE items ADD c INT REFERENCES other.t (id)', 'cloud', 'shop', 'x'),
    ).toBe('/* mysql-sync: applied from cloud */ ALTER TABLE items ADD c INT REFERENCES other.t (id)');
  });

  it('rewrites every qualifier of any database name, quoted or not, leaving the rest of the statement as it was', () => {
    const name = fc.string({ minLength: 1, maxLength: 12 }).filter((text) => !text.includes('\u0000'));
    fc.assert(
      fc.property(name, name, name, fc.boolean(), (sourceDatabase, targetDatabase, table, quoted) => {
        const qualifier =
          quoted || !/^\w+$/.test(sourceDatabase) ? quoteIdentifier(sourceDatabase) : sourceDatabase;
        const statement = `ALTER TABLE ${qualifier}.${quoteIdentifier(table)} ADD COLUMN c INT`;
        const rewritten = statementForTarget(statement, 'local', sourceDatabase, targetDatabase);
        const tokens = tokenize(rewritten);
        expect(tokens.slice(0, 5).map((token) => token.text)).toEqual([
          'ALTER',
          'TABLE',
          targetDatabase,
          '.',
          table,
        ]);
        expect(rewritten.endsWith(' ADD COLUMN c INT')).toBe(true);
      }),
    );
  });
});

describe('versioned comments in the statement', () => {
  it("rewrite the source database's qualifier inside them too", () => {
    expect(statementForTarget('ALTER TABLE /*!50100 shop.*/items ADD c INT', 'local', 'shop', 'other')).toBe(
      '/* mysql-sync: applied from local */ ALTER TABLE /*!50100 `other`.*/items ADD c INT',
    );
  });
});
