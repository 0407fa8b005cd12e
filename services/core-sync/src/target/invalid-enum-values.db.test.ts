/**
 * The ENUM's invalid value '' (index 0) written by the strict service sessions: exactly, and never at the cost
 * of another value silently changed (invalid-enum-values.ts).
 */
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/test-database.js';
import type { Row, TableSchema } from '../model/index.js';
import { createMysqlPool, readTableSchema, type Pool } from '../mysql/index.js';
import { inWriteTransaction } from './write-transaction.js';
import { BatchWriter, UniqueKeyCollisionError, type WriteOperation } from './batch-writer.js';
import { moveRow } from './row-move.js';
import { testServerUrl } from '../../test/support/test-servers.js';

const itemsTable = `CREATE TABLE items (
  id INT PRIMARY KEY,
  code VARCHAR(8) NOT NULL UNIQUE,
  kind ENUM('shop', 'park') NOT NULL,
  spare ENUM('', 'x') NOT NULL DEFAULT 'x',
  note VARCHAR(5)
)`;
const exactly =
  'SELECT id, code, kind, kind + 0 AS kind_index, spare, spare + 0 AS spare_index, note FROM items ORDER BY id';

function upsert(row: Row): WriteOperation {
  return { kind: 'upsert', table: 'items', keyText: String(row.id), row, before: null };
}

async function itemsSchema(pool: Pool, database: string): Promise<TableSchema> {
  const schema = await readTableSchema(pool, database, 'items');
  if (schema === undefined) throw new Error('items is missing');
  return schema;
}

describe('the invalid ENUM value', () => {
  it('is written exactly, with the other rows of the batch, and the session stays strict', async () => {
    await using database = await createTestDatabase(testServerUrl('cloud'), 'invalid_enum');
    await database.query(`${itemsTable}; INSERT INTO items VALUES (2, 'b', 'park', 'x', NULL)`);
    const pool = createMysqlPool({ ...database.server, database: database.name }, { connectionLimit: 1 });
    try {
      const schema = await itemsSchema(pool, database.name);
      const writer = new BatchWriter(database.name, 100);
      const sqlMode = await inWriteTransaction(pool, async (connection) => {
        await writer.writeTable(connection, schema, [
          upsert({ id: 1, code: 'a', kind: 'shop', spare: '', note: 'one' }),
          upsert({ id: 2, code: 'b', kind: '', spare: 'x', note: 'two' }),
          upsert({ id: 3, code: 'c', kind: '', spare: '', note: null }),
        ]);
        const [rows] = await connection.query('SELECT @@SESSION.sql_mode AS sqlMode');
        return (rows as { sqlMode: string }[])[0]?.sqlMode;
      });
      expect(sqlMode).toContain('STRICT_ALL_TABLES');
      // `spare` has '' among its members: '' is that member (index 1).
      expect(await database.query(exactly)).toEqual([
        { id: 1, code: 'a', kind: 'shop', kind_index: 1, spare: '', spare_index: 1, note: 'one' },
        { id: 2, code: 'b', kind: '', kind_index: 0, spare: 'x', spare_index: 2, note: 'two' },
        { id: 3, code: 'c', kind: '', kind_index: 0, spare: '', spare_index: 1, note: null },
      ]);

      // A row move (an UPDATE of the primary key) carries it too.
      await inWriteTransaction(pool, (connection) =>
        moveRow(connection, database.name, schema, { id: 1 }, { id: 10, code: 'a', kind: '', spare: 'x' }),
      );
      expect(await database.query(`${exactly} LIMIT 1`)).toEqual([
        { id: 2, code: 'b', kind: '', kind_index: 0, spare: 'x', spare_index: 2, note: 'two' },
      ]);
      expect(await database.query('SELECT id, kind + 0 AS kind_index FROM items WHERE id = 10')).toEqual([
        { id: 10, kind_index: 0 },
      ]);
    } finally {
      await pool.end();
    }
  });

  it('is refused with the server’s own error when anything else about the row is wrong', async () => {
    await using database = await createTestDatabase(testServerUrl('cloud'), 'invalid_enum_refused');
    await database.query(`${itemsTable}; INSERT INTO items VALUES (1, 'taken', 'shop', 'x', NULL)`);
    const pool = createMysqlPool({ ...database.server, database: database.name }, { connectionLimit: 1 });
    try {
      const schema = await itemsSchema(pool, database.name);
      const writer = new BatchWriter(database.name, 100);
      const before = await database.query(exactly);
      // Too long for `note`: a relaxed session would cut it to 'too l' with a warning.
      await expect(
        inWriteTransaction(pool, (connection) =>
          writer.writeTable(connection, schema, [
            upsert({ id: 2, code: 'b', kind: '', spare: 'x', note: 'too long' }),
          ]),
        ),
      ).rejects.toMatchObject({ table: 'items', cause: { code: 'ER_DATA_TOO_LONG' } });
      // `code` is another row's: a relaxed session would turn that row's key into 0 with a warning.
      const collision: unknown = await inWriteTransaction(pool, (connection) =>
        writer.writeTable(connection, schema, [
          upsert({ id: 3, code: 'taken', kind: '', spare: 'x', note: null }),
        ]),
      ).then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect((collision as { cause?: unknown }).cause).toBeInstanceOf(UniqueKeyCollisionError);
      expect(await database.query(exactly)).toEqual(before);
    } finally {
      await pool.end();
    }
  });
});
