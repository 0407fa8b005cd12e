import { describe, expect, it } from 'vitest';
import { targetCreateStatement } from './table-preparation.js';

describe('targetCreateStatement', () => {
  it('skips a table name holding parentheses, quotes and backticks, and drops only the table counter', () => {
    const source = [
      'CREATE TABLE `it``em\'s "list" (v1)` (',
      "  `id (x)` int(11) NOT NULL AUTO_INCREMENT COMMENT 'starts at AUTO_INCREMENT=1000 (see docs)',",
      "  `note` varchar(20) DEFAULT ')\\n) x',",
      '  PRIMARY KEY (`id (x)`)',
      ") ENGINE=InnoDB AUTO_INCREMENT=1042 DEFAULT CHARSET=utf8mb4 COMMENT='AUTO_INCREMENT=7'",
    ].join('\n');
    expect(targetCreateStatement(source, 'target db', 'it`em\'s "list" (v1)')).toBe(
      [
        'CREATE TABLE IF NOT EXISTS `target db`.`it``em\'s "list" (v1)` (',
        "  `id (x)` int(11) NOT NULL AUTO_INCREMENT COMMENT 'starts at AUTO_INCREMENT=1000 (see docs)',",
        "  `note` varchar(20) DEFAULT ')\\n) x',",
        '  PRIMARY KEY (`id (x)`)',
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='AUTO_INCREMENT=7'",
      ].join('\n'),
    );
  });

  it('keeps what follows the table options (partitions) and reads ANSI-quoted and bare names', () => {
    const partitioned = [
      'CREATE TABLE "a ""b""" (',
      '  "id" int(11) NOT NULL',
      ') ENGINE=InnoDB AUTO_INCREMENT=5',
      ' PARTITION BY HASH (`id`)',
      'PARTITIONS 2',
    ].join('\n');
    expect(targetCreateStatement(partitioned, 'db', 'a "b"')).toBe(
      [
        'CREATE TABLE IF NOT EXISTS `db`.`a "b"` (',
        '  "id" int(11) NOT NULL',
        ') ENGINE=InnoDB',
        ' PARTITION BY HASH (`id`)',
        'PARTITIONS 2',
      ].join('\n'),
    );
    expect(targetCreateStatement('CREATE TABLE plain (\n  `id` int\n) ENGINE=InnoDB', 'db', 'plain')).toBe(
      'CREATE TABLE IF NOT EXISTS `db`.`plain` (\n  `id` int\n) ENGINE=InnoDB',
    );
  });

  it('refuses a statement it cannot read, naming the table', () => {
    expect(() => targetCreateStatement('CREATE TABLE `unterminated (', 'db', 'unterminated')).toThrow(
      expect.objectContaining({
        code: 'SNAPSHOT_FAILED',
        message: 'cannot read the definition of table `unterminated` from SHOW CREATE TABLE',
      }),
    );
    expect(() => targetCreateStatement('CREATE VIEW `v` AS SELECT 1', 'db', 'v')).toThrow(
      expect.objectContaining({ code: 'SNAPSHOT_FAILED' }),
    );
  });
});
