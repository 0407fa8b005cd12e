import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnChangesOf, type ColumnChanges, type RemovedColumn } from './ddl-columns.js';

function dropped(name: string): RemovedColumn {
  return { name, renamedTo: null };
}

function changes(removed: RemovedColumn[], added: string[] = []): ColumnChanges {
  return { removed, added };
}

describe('columnChangesOf', () => {
  it.each([
    ['ALTER TABLE t DROP COLUMN a', changes([dropped('a')])],
    ['ALTER TABLE t DROP a, DROP COLUMN IF EXISTS `b c`', changes([dropped('a'), dropped('b c')])],
    [
      '/* mysql-sync: applied from cloud at binlog.000001:4 */ ALTER TABLE `db`.t RENAME COLUMN old TO new',
      changes([{ name: 'old', renamedTo: 'new' }], ['new']),
    ],
    [
      'ALTER TABLE t CHANGE COLUMN a b INT NOT NULL, CHANGE c c BIGINT',
      changes([{ name: 'a', renamedTo: 'b' }], ['b']),
    ],
    ['ALTER TABLE t CHANGE IF EXISTS `Name` name VARCHAR(10)', changes([])],
    ['ALTER TABLE t RENAME COLUMN `A` TO a', changes([])],
    [
      "ALTER TABLE t ADD COLUMN a INT, ADD b TEXT DEFAULT ('x, y'), ADD COLUMN IF NOT EXISTS c INT",
      changes([], ['a', 'b', 'c']),
    ],
    ['ALTER TABLE t ADD (a INT, b DECIMAL(10, 2) NOT NULL), ADD INDEX (a)', changes([], ['a', 'b'])],
    [
      'ALTER TABLE t RENAME COLUMN status TO status_old, ADD COLUMN status INT',
      changes([{ name: 'status', renamedTo: 'status_old' }], ['status_old', 'status']),
    ],
    ['ALTER TABLE t MODIFY b TEXT, ALTER COLUMN c DROP DEFAULT', changes([])],
    [
      'ALTER TABLE t DROP INDEX a, DROP KEY b, DROP PRIMARY KEY, DROP FOREIGN KEY c, DROP CONSTRAINT d, DROP CHECK e',
      changes([]),
    ],
    ['ALTER TABLE t ADD PRIMARY KEY (a), ADD UNIQUE KEY (b), ADD CONSTRAINT c CHECK (d > 0)', changes([])],
    ['ALTER TABLE t DROP PARTITION p1, DROP SYSTEM VERSIONING', changes([])],
    ['CREATE INDEX a ON t (b)', changes([])],
    ['DROP TABLE t', changes([])],
  ])('%s', (statement, expected) => {
    expect(columnChangesOf(statement)).toEqual(expected);
  });

  it('names each column of any list, whatever the other items', () => {
    const identifier = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);
    const item = fc.oneof(
      identifier.map((name) => ({ sql: `DROP COLUMN \`${name}\``, expected: changes([dropped(name)]) })),
      identifier.map((name) => ({
        sql: `ADD COLUMN \`${name}\` INT DEFAULT (1 + 2)`,
        expected: changes([], [name]),
      })),
      fc.tuple(identifier, identifier).map(([first, second]) => ({
        sql: `ADD (\`${first}\` INT, \`${second}\` VARCHAR(3))`,
        expected: changes([], [first, second]),
      })),
      identifier.map((name) => ({ sql: `DROP INDEX \`${name}\``, expected: changes([]) })),
      fc
        .tuple(identifier, identifier)
        .filter(([from, to]) => from !== to)
        .map(([from, to]) => ({
          sql: `RENAME COLUMN \`${from}\` TO \`${to}\``,
          expected: changes([{ name: from, renamedTo: to }], [to]),
        })),
    );
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), (items) => {
        const statement = `ALTER TABLE t ${items.map((entry) => entry.sql).join(', ')}`;
        expect(columnChangesOf(statement)).toEqual({
          removed: items.flatMap((entry) => entry.expected.removed),
          added: items.flatMap((entry) => entry.expected.added),
        });
      }),
    );
  });
});
