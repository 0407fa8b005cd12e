import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { FaultProxy } from '../../test/support/fault-proxy.js';
import { createTestDatabase } from '../../test/support/test-database.js';
import { BinlogPosition } from '../model/index.js';
import { createMysqlPool, type Pool, type PoolConnection } from '../mysql/index.js';
import { BatchAttempts, BatchTransactions } from './batch-transaction.js';
import { inWriteTransaction } from './write-transaction.js';
import { ensureCheckpointTable, readSlots, type SlotPosition } from './checkpoint-table.js';
import { raiseFence } from './fence.js';
import { testServerUrl } from '../../test/support/test-servers.js';

/** The batch transactions of source `local` on `database`, fenced at `fenceEpoch` when given. */
function batchTransactions(pool: Pool, database: string, fenceEpoch?: number): BatchTransactions {
  return new BatchTransactions({
    targetPool: pool,
    targetDatabase: database,
    sourceName: 'local',
    readCommitted: false,
    ...(fenceEpoch === undefined ? {} : { fenceEpoch }),
    logger: pino({ level: 'silent' }),
  });
}

/** One slot, `slot`, at a position of binlog.000001. */
function slotsAt(slot: string): (offset: number) => SlotPosition[] {
  return (offset) => [{ slot, position: new BinlogPosition('binlog.000001', offset) }];
}

describe('fenced batch transactions (high availability)', () => {
  it("refuses an older leader's batch once a newer one raised the fence, and writes nothing of it", async () => {
    await using database = await createTestDatabase(testServerUrl('cloud'), 'fence');
    const pool = createMysqlPool({ ...database.server, database: database.name });
    try {
      await ensureCheckpointTable(pool, database.name);
      await database.query('CREATE TABLE items (id INT PRIMARY KEY)');
      const transactions = (fenceEpoch: number) => batchTransactions(pool, database.name, fenceEpoch);
      const slot = slotsAt('t:items');
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
      expect((await readSlots(pool, database.name, 'local')).map((entry) => entry.slot)).toEqual(['t:items']);
      // A leader that finds a newer fence than its own epoch at start learns it was deposed.
      await expect(raiseFence(pool, database.name, 'local', 1)).rejects.toMatchObject({ code: 'LEASE_LOST' });
    } finally {
      await pool.end();
    }
  });
});

describe('batch transactions whose connection is lost', () => {
  it('learn whether a batch held at its COMMIT committed late, and end it when it had not', async () => {
    await using database = await createTestDatabase(testServerUrl('cloud'), 'uncertain');
    await using proxy = await FaultProxy.start(database.server);
    const pool = createMysqlPool(
      { ...database.server, host: proxy.host, port: proxy.port, database: database.name },
      { queryTimeoutMs: 2_000, queryTimeoutSetting: 'test query_timeout' },
    );
    try {
      await ensureCheckpointTable(pool, database.name);
      await database.query('CREATE TABLE items (id INT PRIMARY KEY)');
      const transactions = batchTransactions(pool, database.name);
      const slot = slotsAt('t:items');
      const insert = (id: number, runs: number[]) => async (connection: PoolConnection) => {
        runs.push(id);
        await connection.query('INSERT INTO items VALUES (?)', [id]);
      };

      // Held at COMMIT past the timeout, then delivered: the server commits after the service gave up on it.
      const lateCommit = new BatchAttempts(() => new Set(['t:items']));
      const runs: number[] = [];
      const held = proxy.onClientText('COMMIT', 'hold');
      await expect(
        transactions.run(slot(100), insert(1, runs), { attempts: lateCommit }),
      ).rejects.toMatchObject({
        code: 'ETIMEDOUT',
      });
      await held;
      expect(lateCommit.uncertain).toEqual(slot(100));
      proxy.heal();
      await expect(transactions.run(slot(100), insert(1, runs), { attempts: lateCommit })).resolves.toBe(
        'committed-earlier',
      );
      expect(runs).toEqual([1]);
      expect(lateCommit.uncertain).toBeUndefined();

      // Held at COMMIT and never delivered: the server keeps the transaction open, with its locks, until the
      // retry ends it; the retry then writes the batch once.
      const lostCommit = new BatchAttempts(() => new Set(['t:items']));
      const stuck = proxy.onClientText('COMMIT', 'hold');
      await expect(
        transactions.run(slot(200), insert(2, runs), { attempts: lostCommit }),
      ).rejects.toMatchObject({
        code: 'ETIMEDOUT',
      });
      await stuck;
      await expect(transactions.run(slot(200), insert(2, runs), { attempts: lostCommit })).resolves.toBe(
        'committed',
      );
      proxy.heal();
      expect(runs).toEqual([1, 2, 2]);
      expect(await database.query('SELECT id FROM items ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
      expect(await readSlots(pool, database.name, 'local')).toEqual(slot(200));
    } finally {
      await pool.end();
    }
  });
});

describe('the session settings of write transactions', () => {
  it("cascades a batch's deletes on a connection that a plain write transaction used in between", async () => {
    await using database = await createTestDatabase(testServerUrl('cloud'), 'session');
    // One connection: every transaction below runs on the same server session.
    const pool = createMysqlPool({ ...database.server, database: database.name }, { connectionLimit: 1 });
    try {
      await ensureCheckpointTable(pool, database.name);
      await database.query('CREATE TABLE parents (id INT PRIMARY KEY)');
      await database.query(
        'CREATE TABLE children (id INT PRIMARY KEY, parent INT, FOREIGN KEY (parent) REFERENCES parents (id) ON DELETE CASCADE)',
      );
      await database.query('INSERT INTO parents VALUES (1), (2)');
      await database.query('INSERT INTO children VALUES (10, 1), (20, 2)');
      const transactions = batchTransactions(pool, database.name);
      const slot = slotsAt('t:parents');
      const deleteParent = (id: number) => async (connection: PoolConnection) => {
        await connection.query('DELETE FROM parents WHERE id = ?', [id]);
      };
      await transactions.run(slot(100), deleteParent(1), { foreignKeyChecks: true });
      // A copy chunk, a write-back or a checkpoint record: written without foreign key checks.
      await inWriteTransaction(pool, async (connection) => {
        await connection.query('INSERT INTO children VALUES (30, 99)');
      });
      await transactions.run(slot(200), deleteParent(2), { foreignKeyChecks: true });
      // Both deletes cascaded to the children, as on the source; the row written without checks stays.
      expect(await database.query('SELECT id, parent FROM children ORDER BY id')).toEqual([
        { id: 30, parent: 99 },
      ]);
    } finally {
      await pool.end();
    }
  });
});
