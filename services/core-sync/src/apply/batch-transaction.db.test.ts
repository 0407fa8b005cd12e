import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../test/support/test-database.js';
import { BinlogPosition } from '../model/index.js';
import { createMysqlPool } from '../mysql/index.js';
import { BatchTransactions } from './batch-transaction.js';
import { ensureCheckpointTable, raiseFence, readSlots } from './checkpoint-table.js';

describe('fenced batch transactions (high availability)', () => {
  it("refuses an older leader's batch once a newer one raised the fence, and writes nothing of it", async () => {
    await using database = await createTestDatabase(inject('cloudServerUrl'), 'fence');
    const pool = createMysqlPool({ ...database.server, database: database.name });
    try {
      await ensureCheckpointTable(pool, database.name);
      await database.query('CREATE TABLE items (id INT PRIMARY KEY)');
      const transactions = (fenceEpoch: number) =>
        new BatchTransactions({
          targetPool: pool,
          targetDatabase: database.name,
          sourceName: 'local',
          readCommitted: false,
          fenceEpoch,
          logger: pino({ level: 'silent' }),
        });
      const slot = (offset: number) => [
        { slot: 'p:1:0:items', position: new BinlogPosition('binlog.000001', offset) },
      ];
      await raiseFence(pool, database.name, 'local', 1);
      const oldLeader = transactions(1);
      await oldLeader.run(slot(100), async (connection) => {
        await connection.query('INSERT INTO items VALUES (1)');
      });
      await raiseFence(pool, database.name, 'local', 2);
      await expect(
        oldLeader.run(slot(200), async (connection) => {
          await connection.query('INSERT INTO items VALUES (2)');
        }),
      ).rejects.toMatchObject({ code: 'LEASE_LOST', details: { epoch: 1, currentEpoch: 2 } });
      await transactions(2).run(slot(300), async (connection) => {
        await connection.query('INSERT INTO items VALUES (3)');
      });
      expect(await database.query('SELECT id FROM items ORDER BY id')).toEqual([{ id: 1 }, { id: 3 }]);
      // The fence row is not a position: readers of the slots never see it.
      expect((await readSlots(pool, database.name, 'local')).map((entry) => entry.slot)).toEqual([
        'p:1:0:items',
      ]);
      // A leader that finds a newer fence than its own epoch at start learns it was deposed.
      await expect(raiseFence(pool, database.name, 'local', 1)).rejects.toMatchObject({ code: 'LEASE_LOST' });
    } finally {
      await pool.end();
    }
  });
});
