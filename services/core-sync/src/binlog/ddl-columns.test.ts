import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnsRemovedBy, type RemovedColumn } from './ddl-columns.js';

function dropped(name: string): RemovedColumn {
  return { name, renamedTo: null };
}

describe('columnsRemovedBy', () => {
  it.each([
    ['ALTER TABLE t DROP COLUMN a', [dropped('a')]],
    ['ALTER TABLE t DROP a, DROP COLUMN IF EXISTS `b c`', [dropped('a'), dropped('b c')]],
    [
      '/* mysql-sync: applied from cloud at binlog.000001:4 */ ALTER TABLE `db`.t RENAME COLUMN old TO new',
      [{ name: 'old', renamedTo: 'new' }],
    ],
    ['ALTER TABLE t CHANGE COLUMN a b INT NOT NULL, CHANGE c c BIGINT', [{ name: 'a', renamedTo: 'b' }]],
    ['ALTER TABLE t CHANGE IF EXISTS `Name` name VARCHAR(10)', []],
    ['ALTER TABLE t ADD COLUMN a INT, MODIFY b TEXT, ALTER COLUMN c DROP DEFAULT', []],
    [
      'ALTER TABLE t DROP INDEX a, DROP KEY b, DROP PRIMARY KEY, DROP FOREIGN KEY c, DROP CONSTRAINT d, DROP CHECK e',
      [],
    ],
    ['ALTER TABLE t DROP PARTITION p1, DROP SYSTEM VERSIONING', []],
    ['CREATE INDEX a ON t (b)', []],
    ['DROP TABLE t', []],
    ['TRUNCATE t', []],
  ])('%s', (statement, expected) => {
    expect(columnsRemovedBy(statement)).toEqual(expected);
  });

  it('names each dropped column of any list, whatever the other items', () => {
    const identifier = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);
    const item = fc.oneof(
      identifier.map((name) => ({ sql: `DROP COLUMN \`${name}\``, removed: [dropped(name)] })),
      identifier.map((name) => ({
        sql: `ADD COLUMN \`${name}\` INT DEFAULT (1 + 2)`,
        removed: [] as RemovedColumn[],
      })),
      identifier.map((name) => ({ sql: `DROP INDEX \`${name}\``, removed: [] as RemovedColumn[] })),
      fc.tuple(identifier, identifier).map(([from, to]) => ({
        sql: `RENAME COLUMN \`${from}\` TO \`${to}\``,
        removed: [{ name: from, renamedTo: to }],
      })),
    );
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), (items) => {
        const statement = `ALTER TABLE t ${items.map((entry) => entry.sql).join(', ')}`;
        expect(columnsRemovedBy(statement)).toEqual(items.flatMap((entry) => entry.removed));
      }),
    );
  });
});
