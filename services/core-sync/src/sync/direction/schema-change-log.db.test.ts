/**
 * The columns the target side removed are remembered across a restart from the source's ledger, where the
 * service recorded the target side's statements it applied there: rows the source wrote before such a statement
 * reached it may be read again after the restart.
 */
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/test-database.js';
import { testServerUrl } from '../../../test/support/test-servers.js';
import { BinlogPosition } from '../../model/index.js';
import { createMysqlPool } from '../../mysql/index.js';
import { applySchemaChangeOnce } from '../../target/index.js';
import { SchemaChangeLog, rememberRemovedColumns } from './schema-change-log.js';

describe('removed columns remembered from the ledger', () => {
  it("reads the target side's applied statements on the source: renames and drops, and columns added again", async () => {
    await using database = await createTestDatabase(testServerUrl('local'), 'removedlog');
    const pool = createMysqlPool({ ...database.server, database: database.name });
    try {
      await database.query('CREATE TABLE items (id INT PRIMARY KEY, colour TEXT, size INT, note TEXT)');
      // Statements cloud made, applied on local (this direction's source) by the other direction.
      const fromCloud = {
        pool,
        database: database.name,
        sourceName: 'cloud' as const,
        sourceServer: 'server_id:2',
      };
      const statements = [
        'ALTER TABLE items RENAME COLUMN colour TO color',
        'ALTER TABLE items DROP COLUMN size',
        'ALTER TABLE items DROP COLUMN note',
        'ALTER TABLE items ADD COLUMN note TEXT',
      ];
      for (const [index, statement] of statements.entries()) {
        const position = new BinlogPosition('binlog.000001', 100 * (index + 1));
        await applySchemaChangeOnce(fromCloud, { table: 'items', statement, position });
      }
      const log = new SchemaChangeLog();
      await rememberRemovedColumns(log, pool, database.name, 'cloud');
      expect([...log.removedColumns('cloud', 'items')]).toEqual([
        ['colour', 'color'],
        ['size', null],
      ]);
      expect(log.latest('cloud', 'items'), 'remembered columns are not a change made now').toBeUndefined();
      // A database without a ledger remembers nothing, and creates none.
      await using empty = await createTestDatabase(testServerUrl('local'), 'noledger');
      const emptyPool = createMysqlPool({ ...empty.server, database: empty.name });
      try {
        const nothing = new SchemaChangeLog();
        await rememberRemovedColumns(nothing, emptyPool, empty.name, 'cloud');
        expect(nothing.removedColumns('cloud', 'items').size).toBe(0);
        expect(await empty.query('SHOW TABLES')).toEqual([]);
      } finally {
        await emptyPool.end();
      }
    } finally {
      await pool.end();
    }
  });
});
