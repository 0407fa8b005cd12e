import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/test-database.js';
import { createMysqlPool, readTableSchema } from '../mysql/index.js';
import { inWriteTransaction } from './write-transaction.js';
import { BatchWriter, UniqueKeyCollisionError } from './batch-writer.js';
import { testServerUrl } from '../../test/support/test-servers.js';

describe('BatchWriter against a real server', () => {
  it('upserts over an existing row, but an insert-only write of an existing key fails with a duplicate key', async () => {
    await using database = await createTestDatabase(testServerUrl('cloud'), 'batch_writer');
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
    await using database = await createTestDatabase(testServerUrl('cloud'), 'batch_writer_shapes');
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

  it('never rewrites another row that holds a unique value: the upsert fails instead, whatever the key collation', async () => {
    await using database = await createTestDatabase(testServerUrl('cloud'), 'batch_writer_unique');
    await database.query(
      `CREATE TABLE users (id VARCHAR(10) COLLATE utf8mb4_unicode_ci PRIMARY KEY,
         email VARCHAR(20) NOT NULL UNIQUE, tenant INT NOT NULL);
       INSERT INTO users VALUES ('alice', 'a@x', 1), ('bob', 'b@x', 1)`,
    );
    const pool = createMysqlPool({ ...database.server, database: database.name });
    try {
      const schema = await readTableSchema(pool, database.name, 'users');
      if (schema === undefined) throw new Error('users is missing');
      const writer = new BatchWriter(database.name, 100);
      const upsert = (row: Record<string, string | number>) =>
        ({ kind: 'upsert', table: 'users', keyText: String(row.id), row, before: null }) as const;
      // The same key in another case is this row (its collation says so): updated, key bytes included.
      await inWriteTransaction(pool, (connection) =>
        writer.writeTable(connection, schema, [upsert({ id: 'Alice', email: 'a@x', tenant: 2 })]),
      );
      // Carol's email is Bob's: a plain upsert would turn Bob's row into Carol's.
      const refused = inWriteTransaction(pool, (connection) =>
        writer.writeTable(connection, schema, [upsert({ id: 'carol', email: 'b@x', tenant: 3 })]),
      );
      const error: unknown = await refused.then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(error).toMatchObject({ table: 'users', cause: { cause: { code: 'ER_BAD_NULL_ERROR' } } });
      expect((error as { cause?: unknown }).cause).toBeInstanceOf(UniqueKeyCollisionError);
      expect(await database.query('SELECT HEX(id) AS id, email, tenant FROM users ORDER BY email')).toEqual([
        { id: Buffer.from('Alice').toString('hex').toUpperCase(), email: 'a@x', tenant: 2 },
        { id: Buffer.from('bob').toString('hex').toUpperCase(), email: 'b@x', tenant: 1 },
      ]);
    } finally {
      await pool.end();
    }
  });
});
