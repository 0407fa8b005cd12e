import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../test/support/test-database.js';
import { createMysqlPool, inWriteTransaction, readTableSchema } from '../mysql/index.js';
import { BatchWriter } from './batch-writer.js';

describe('BatchWriter against a real server', () => {
  it('upserts over an existing row, but an insert-only write of an existing key fails with a duplicate key', async () => {
    await using database = await createTestDatabase(inject('cloudServerUrl'), 'batch_writer');
    await database.query(
      "CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(20)); INSERT INTO items VALUES (1, 'there')",
    );
    const pool = createMysqlPool({ ...database.server, database: database.name });
    try {
      const schema = await readTableSchema(pool, database.name, 'items');
      if (schema === undefined) throw new Error('items is missing');
      const writer = new BatchWriter(database.name, 100);
      await inWriteTransaction(pool, (connection) =>
        writer.writeTable(connection, schema, [
          { kind: 'upsert', table: 'items', keyText: '1', row: { id: 1, label: 'upserted' }, before: null },
          {
            kind: 'upsert',
            table: 'items',
            keyText: '2',
            row: { id: 2, label: 'new' },
            before: null,
            insertOnly: true,
          },
        ]),
      );
      expect(await database.query('SELECT id, label FROM items ORDER BY id')).toEqual([
        { id: 1, label: 'upserted' },
        { id: 2, label: 'new' },
      ]);
      await expect(
        inWriteTransaction(pool, (connection) =>
          writer.writeTable(connection, schema, [
            {
              kind: 'upsert',
              table: 'items',
              keyText: '2',
              row: { id: 2, label: 'lost?' },
              before: null,
              insertOnly: true,
            },
          ]),
        ),
      ).rejects.toMatchObject({ cause: { code: 'ER_DUP_ENTRY' } });
      expect(await database.query('SELECT label FROM items WHERE id = 2')).toEqual([{ label: 'new' }]);
    } finally {
      await pool.end();
    }
  });
});
