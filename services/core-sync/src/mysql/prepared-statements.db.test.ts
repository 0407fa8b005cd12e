import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/test-database.js';
import { createMysqlPool, preparedStatementsPerConnection } from './connection.js';
import { dropParameterDefinitions, executePrepared } from './prepared-statements.js';
import { driverConnection } from './driver-types.js';
import { testServerUrl } from '../../test/support/test-servers.js';

describe('executePrepared against a real server', () => {
  it('prepares once per connection, keeps no parameter definitions, and writes every value exactly', async () => {
    await using database = await createTestDatabase(testServerUrl('cloud'), 'prepared');
    await database.query(`CREATE TABLE numbers (
      id BIGINT UNSIGNED PRIMARY KEY, small INT, amount DECIMAL(20,4), ratio DOUBLE, note VARCHAR(20), raw VARBINARY(4)
    )`);
    const pool = createMysqlPool({ ...database.server, database: database.name });
    try {
      const connection = await pool.getConnection();
      try {
        const sql = 'INSERT INTO numbers VALUES (?, ?, ?, ?, ?, ?)';
        const prepares = async (): Promise<number> => {
          const [rows] = await connection.query("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'");
          return Number((rows as { Value: string }[])[0]?.Value);
        };
        const before = await prepares();
        await executePrepared(connection, sql, [
          '18446744073709551615',
          -7,
          '12345678901234.5678',
          0.1,
          'é',
          Buffer.from([0, 255]),
        ]);
        await executePrepared(connection, sql, [9_007_199_254_740_991, null, null, -1e300, null, null]);
        expect((await prepares()) - before).toBe(1);
        // The cached statement carries no parameter definitions any more.
        expect(dropParameterDefinitions(await driverConnection(connection).prepare(sql))).toBe(0);
      } finally {
        connection.release();
      }
      expect(await database.query('SELECT * FROM numbers ORDER BY id')).toEqual([
        { id: 9_007_199_254_740_991, small: null, amount: null, ratio: -1e300, note: null, raw: null },
        {
          id: '18446744073709551615',
          small: -7,
          amount: '12345678901234.5678',
          ratio: 0.1,
          note: 'é',
          raw: Buffer.from([0, 255]),
        },
      ]);
    } finally {
      await pool.end();
    }
  });

  it('keeps at most the configured number of statements per connection, closing the oldest on the server', async () => {
    await using database = await createTestDatabase(testServerUrl('cloud'), 'prepared_cap');
    await database.query('CREATE TABLE items (id INT PRIMARY KEY)');
    const pool = createMysqlPool({ ...database.server, database: database.name });
    try {
      const connection = await pool.getConnection();
      try {
        const count = preparedStatementsPerConnection + 20;
        for (let rows = 1; rows <= count; rows += 1) {
          const sql = `INSERT INTO items VALUES ${Array.from({ length: rows }, () => '(?)').join(', ')}`;
          await executePrepared(
            connection,
            sql,
            Array.from({ length: rows }, (_unused, index) => rows * 1_000 + index),
          );
        }
        const [rows] = await connection.query("SHOW SESSION STATUS LIKE 'Com_stmt_close'");
        expect(Number((rows as { Value: string }[])[0]?.Value)).toBe(20);
      } finally {
        connection.release();
      }
    } finally {
      await pool.end();
    }
  });
});
