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

  it('writes rows of differing column sets and key orders in one batch, leaving generated columns to the server', async () => {
    await using database = await createTestDatabase(inject('cloudServerUrl'), 'batch_writer_shapes');
    await database.query(
      `CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(20), price INT DEFAULT 7,
         doubled INT AS (price * 2) VIRTUAL)`,
    );
    const pool = createMysqlPool({ ...database.server, database: database.name });
    try {
      const schema = await readTableSchema(pool, database.name, 'items');
      if (schema === undefined) throw new Error('items is missing');
      const writer = new BatchWriter(database.name, 2);
      const upsert = (keyText: string, row: Record<string, string | number | null>) =>
        ({ kind: 'upsert', table: 'items', keyText, row, before: null }) as const;
      await inWriteTransaction(pool, (connection) =>
        writer.writeTable(connection, schema, [
          upsert('1', { id: 1, label: 'one', price: 10, doubled: 999 }),
          upsert('2', { id: 2, label: 'two', price: 20, doubled: 999 }),
          // Written before an ALTER added `price`: the server's default fills it.
          upsert('3', { id: 3, label: 'three' }),
          upsert('4', { label: 'four', id: 4, doubled: 0, price: 40 }),
          upsert('5', { id: 5, label: 'five', price: 50, doubled: 1 }),
        ]),
      );
      expect(await database.query('SELECT id, label, price, doubled FROM items ORDER BY id')).toEqual([
        { id: 1, label: 'one', price: 10, doubled: 20 },
        { id: 2, label: 'two', price: 20, doubled: 40 },
        { id: 3, label: 'three', price: 7, doubled: 14 },
        { id: 4, label: 'four', price: 40, doubled: 80 },
        { id: 5, label: 'five', price: 50, doubled: 100 },
      ]);
    } finally {
      await pool.end();
    }
  });
});
