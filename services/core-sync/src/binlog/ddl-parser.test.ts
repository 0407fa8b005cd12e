import { describe, expect, it } from 'vitest';
import { replacesTableContents, tablesChangedByStatement } from './ddl-parser.js';

const inShop = (...tables: string[]) => tables.map((table) => ({ database: 'shop', table }));

describe('tablesChangedByStatement', () => {
  it('reads quoted names holding backticks, quotes, dots, commas, blanks and reserved words as one name', () => {
    expect(
      tablesChangedByStatement('ALTER TABLE `it``em\'s "list", v.1 \\ (x)` ADD COLUMN c INT', 'shop'),
    ).toEqual(inShop('it`em\'s "list", v.1 \\ (x)'));
    expect(
      tablesChangedByStatement('DROP TABLE IF EXISTS `select`, `a.b`, `other db`.`order`', 'shop'),
    ).toEqual([...inShop('select', 'a.b'), { database: 'other db', table: 'order' }]);
    expect(tablesChangedByStatement('RENAME TABLE `表 é` TO `new name`, x TO `y``z`', 'shop')).toEqual(
      inShop('表 é', 'new name', 'x', 'y`z'),
    );
    expect(tablesChangedByStatement('TRUNCATE `group`', 'shop')).toEqual(inShop('group'));
    expect(tablesChangedByStatement('CREATE INDEX `i,x` ON `k.e.y` (`a`)', 'shop')).toEqual(inShop('k.e.y'));
  });

  it('reads names in double quotes (ANSI_QUOTES) and bare unicode names', () => {
    expect(tablesChangedByStatement('ALTER TABLE "a ""b""" ADD c INT', 'shop')).toEqual(inShop('a "b"'));
    expect(tablesChangedByStatement('alter table café add c int', 'shop')).toEqual(inShop('café'));
  });

  it('finds a RENAME after string literals with escaped and doubled quotes, and skips comments', () => {
    expect(
      tablesChangedByStatement(
        "ALTER TABLE /* `not`.`this` */ items COMMENT 'a''b, RENAME TO fake', RENAME TO `real`",
        'shop',
      ),
    ).toEqual(inShop('items', 'real'));
    expect(
      tablesChangedByStatement("ALTER TABLE items COMMENT 'ends with \\\\', RENAME TO `real`", 'shop'),
    ).toEqual(inShop('items', 'real'));
  });

  it('reads a string with a backslash both ways: the session may have had NO_BACKSLASH_ESCAPES', () => {
    // Valid only under NO_BACKSLASH_ESCAPES: the comment is `C:\` and the table is renamed to items.
    expect(tablesChangedByStatement("ALTER TABLE staging COMMENT 'C:\\', RENAME TO items", 'shop')).toEqual(
      inShop('staging', 'items'),
    );
    // Read without escapes, this one renames to fake (a syntax error under NO_BACKSLASH_ESCAPES, so never logged
    // that way): fake is reported too, and its schema check finds nothing changed.
    expect(
      tablesChangedByStatement(
        "ALTER TABLE items COMMENT 'it\\'s, RENAME TO fake', RENAME TO `real`",
        'shop',
      ),
    ).toEqual(inShop('items', 'real', 'fake'));
  });

  it('ignores statements that change no table', () => {
    expect(tablesChangedByStatement("INSERT INTO `items` VALUES (1, 'ALTER TABLE x')", 'shop')).toEqual([]);
    expect(tablesChangedByStatement('CREATE TEMPORARY TABLE `t` (a INT)', 'shop')).toEqual([]);
    expect(tablesChangedByStatement('CREATE DATABASE `x`', 'shop')).toEqual([]);
  });
});

describe('replacesTableContents', () => {
  it('says yes to DDL that may replace the rows without row events', () => {
    for (const statement of [
      'TRUNCATE `items`',
      'truncate table shop.items',
      'DROP TABLE IF EXISTS items, other',
      'RENAME TABLE items TO items_old, items_new TO items',
      'CREATE OR REPLACE TABLE items (id INT PRIMARY KEY)',
      'ALTER TABLE items RENAME TO items_old',
      "ALTER TABLE items COMMENT 'x', RENAME AS `elsewhere`",
      'ALTER TABLE items TRUNCATE PARTITION p0',
      'ALTER TABLE items DROP PARTITION p0',
      'ALTER TABLE items EXCHANGE PARTITION p0 WITH TABLE swap',
      'ALTER TABLE items DISCARD TABLESPACE',
      'ALTER TABLE items IMPORT TABLESPACE',
      'ALTER TABLE items DROP PRIMARY KEY, ADD PRIMARY KEY (id, label)',
      'ALTER TABLE items ADD CONSTRAINT `key name` PRIMARY KEY (id)',
      'ALTER TABLE items ADD CONSTRAINT PRIMARY KEY (id)',
    ]) {
      expect([statement, replacesTableContents(statement)]).toEqual([statement, true]);
    }
  });

  it('says no to DDL that keeps every row under its key', () => {
    for (const statement of [
      'ALTER TABLE items ADD COLUMN note TEXT',
      'ALTER TABLE items RENAME COLUMN note TO remark, RENAME INDEX a TO b',
      "ALTER TABLE items COMMENT 'RENAME TO fake, TRUNCATE PARTITION p0'",
      'ALTER TABLE items DROP COLUMN note, ADD INDEX (label)',
      // The table did not exist (a DROP or RENAME before it is logged on its own), or IF NOT EXISTS kept it.
      'CREATE TABLE items (id INT PRIMARY KEY)',
      'CREATE TABLE IF NOT EXISTS items (id INT PRIMARY KEY)',
      'CREATE INDEX by_label ON items (label)',
      'DROP INDEX by_label ON items',
      'CREATE TEMPORARY TABLE scratch (id INT)',
      "INSERT INTO items VALUES (1, 'TRUNCATE items')",
    ]) {
      expect([statement, replacesTableContents(statement)]).toEqual([statement, false]);
    }
  });
});
