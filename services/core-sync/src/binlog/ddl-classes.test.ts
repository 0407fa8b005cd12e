import { describe, expect, it } from 'vitest';
import { classifySchemaChange } from './ddl-parser.js';

describe('classifySchemaChange', () => {
  it('replicates ALTER TABLE, CREATE INDEX, DROP INDEX and TRUNCATE', () => {
    expect(classifySchemaChange('ALTER TABLE items ADD COLUMN c INT, DROP COLUMN d')).toEqual({
      replicable: true,
      statement: 'ALTER TABLE',
    });
    expect(classifySchemaChange('alter online ignore table `shop`.`items` rename column a to b')).toEqual({
      replicable: true,
      statement: 'ALTER TABLE',
    });
    expect(classifySchemaChange('ALTER TABLE items RENAME INDEX i TO j, RENAME KEY k TO l')).toMatchObject({
      replicable: true,
    });
    expect(classifySchemaChange('ALTER TABLE items DROP PRIMARY KEY, ADD PRIMARY KEY (id, v)')).toMatchObject(
      {
        replicable: true,
      },
    );
    expect(classifySchemaChange('CREATE UNIQUE INDEX i ON items (name)')).toEqual({
      replicable: true,
      statement: 'CREATE INDEX',
    });
    expect(classifySchemaChange('DROP INDEX i ON items')).toEqual({
      replicable: true,
      statement: 'DROP INDEX',
    });
    expect(classifySchemaChange('TRUNCATE TABLE items')).toEqual({ replicable: true, statement: 'TRUNCATE' });
    expect(
      classifySchemaChange("/* c */ ALTER TABLE items COMMENT 'RENAME TO x, DROP PARTITION p'"),
    ).toMatchObject({ replicable: true });
  });

  it('pauses what drops, renames or replaces the table, or works on partitions and tablespaces', () => {
    const reasons = {
      'RENAME TABLE items TO items_old': 'RENAME TABLE renames a synced table',
      'DROP TABLE IF EXISTS items': 'DROP TABLE drops a synced table',
      'CREATE OR REPLACE TABLE items (id INT PRIMARY KEY)': 'CREATE TABLE replaces a synced table',
      'ALTER TABLE items ADD COLUMN c INT, RENAME TO items_old':
        'ALTER TABLE … RENAME renames a synced table',
      'ALTER TABLE items RENAME AS items_old': 'ALTER TABLE … RENAME renames a synced table',
      'ALTER TABLE items DROP PARTITION p1': 'ALTER TABLE … DROP PARTITION deletes rows without row events',
      'ALTER TABLE items TRUNCATE PARTITION p1':
        'ALTER TABLE … TRUNCATE PARTITION works on partitions, whose layout may differ on the other side',
      'ALTER TABLE items EXCHANGE PARTITION p1 WITH TABLE other':
        'ALTER TABLE … EXCHANGE PARTITION works on partitions, whose layout may differ on the other side',
      'ALTER TABLE items DISCARD TABLESPACE':
        "ALTER TABLE … DISCARD TABLESPACE replaces the table's data files",
    };
    for (const [statement, reason] of Object.entries(reasons)) {
      expect(classifySchemaChange(statement), statement).toEqual({ replicable: false, reason });
    }
  });

  it('reads a string with a backslash both ways, and pauses when either reading renames the table', () => {
    // Under NO_BACKSLASH_ESCAPES the comment is `C:\` and the table is renamed.
    expect(classifySchemaChange("ALTER TABLE staging COMMENT 'C:\\', RENAME TO items")).toMatchObject({
      replicable: false,
    });
  });
});

describe('versioned comments', () => {
  it('are read as the code the server runs: a rename inside one pauses, a qualifier inside one is seen', () => {
    expect(classifySchemaChange('ALTER TABLE t ADD c INT /*!80000 , RENAME TO u */')).toEqual({
      replicable: false,
      reason: 'ALTER TABLE … RENAME renames a synced table',
    });
    expect(classifySchemaChange('ALTER TABLE t ADD c INT /*M!100100 , RENAME TO u */')).toMatchObject({
      replicable: false,
    });
    expect(classifySchemaChange('ALTER TABLE t ADD c INT /* , RENAME TO u */')).toMatchObject({
      replicable: true,
    });
  });
});
