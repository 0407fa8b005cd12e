import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { BinlogPosition, type RowChange, type SourceTransaction, type TableSchema } from '../model/index.js';
import { createMysqlPool, readTableSchema, type Pool } from '../mysql/index.js';
import type { SyncError } from '../errors/index.js';
import { ApplyEngine } from './apply-engine.js';
import { DependencyKeys } from './dependency-keys.js';
import { CheckpointState } from './checkpoint-state.js';
import { ensureCheckpointTable, readSlots } from '../target/index.js';
import type { TablePause } from '../status/index.js';
import { testServerUrl } from '../../test/support/test-servers.js';

const silentLogger = pino({ level: 'silent' });

function transaction(sequence: number, changes: RowChange[]): SourceTransaction {
  return {
    source: 'local',
    commitPosition: new BinlogPosition('binlog.000001', 1000 + sequence * 100),
    commitTimestamp: Date.now(),
    changes,
  };
}

const insert = (table: string, after: Record<string, string | number | null>): RowChange => ({
  kind: 'insert',
  table,
  before: null,
  after,
});
const update = (
  table: string,
  before: Record<string, string | number | null>,
  after: Record<string, string | number | null>,
): RowChange => ({ kind: 'update', table, before, after });
const remove = (table: string, before: Record<string, string | number | null>): RowChange => ({
  kind: 'delete',
  table,
  before,
  after: null,
});

async function prepareTarget(
  target: TestDatabase,
): Promise<{ pool: Pool; schemas: Map<string, TableSchema> }> {
  await target.query(`
    CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(5) NOT NULL, score DECIMAL(10,2) NULL);
    CREATE TABLE orders (tenant INT, id BIGINT UNSIGNED, note TEXT, PRIMARY KEY (tenant, id));
    CREATE TABLE insert_log (table_name VARCHAR(20), row_id BIGINT);
    CREATE TRIGGER users_insert_log BEFORE INSERT ON users FOR EACH ROW INSERT INTO insert_log VALUES ('users', NEW.id);
  `);
  const pool = createMysqlPool({ ...target.server, database: target.name }, { connectionLimit: 6 });
  await ensureCheckpointTable(pool, target.name);
  const schemas = new Map<string, TableSchema>();
  for (const table of ['users', 'orders'])
    schemas.set(table, (await readTableSchema(pool, target.name, table))!);
  return { pool, schemas };
}

async function createEngine(
  pool: Pool,
  target: TestDatabase,
  schemas: Map<string, TableSchema>,
  checkpoints: CheckpointState,
  pauses: TablePause[] = [],
): Promise<ApplyEngine> {
  return new ApplyEngine({
    sourceName: 'local',
    targetName: 'cloud',
    targetPool: pool,
    targetDatabase: target.name,
    tables: schemas,
    workerCount: 4,
    changeKeys: await DependencyKeys.load(pool, schemas.values()),
    batchSize: 3,
    maxRowsPerStatement: 2,
    queueCapacity: 100,
    checkpoints,
    startPosition: new BinlogPosition('binlog.000001', 4),
    logger: silentLogger,
    hooks: {
      pauseSource: () => undefined,
      resumeSource: () => undefined,
      onTablePaused: (pause) => pauses.push(pause),
      onFatalError: (error: SyncError) => {
        throw error;
      },
    },
  });
}

const workload: SourceTransaction[] = [
  transaction(0, [
    insert('users', { id: 1, name: 'ann', score: '1.50' }),
    insert('users', { id: 2, name: 'bob', score: null }),
  ]),
  transaction(1, [insert('orders', { tenant: 1, id: '18446744073709551615', note: 'big 😀' })]),
  transaction(2, [
    update('users', { id: 1, name: 'ann', score: '1.50' }, { id: 1, name: 'anna', score: '2.00' }),
    update('users', { id: 2, name: 'bob', score: null }, { id: 20, name: 'bob', score: null }),
  ]),
  transaction(3, []),
  transaction(4, [
    remove('orders', { tenant: 1, id: '18446744073709551615', note: 'big 😀' }),
    insert('orders', { tenant: 2, id: 7, note: null }),
  ]),
  ...Array.from({ length: 40 }, (_, index) =>
    transaction(5 + index, [insert('users', { id: 100 + index, name: `u${index}`, score: `${index}.25` })]),
  ),
];

describe('ApplyEngine', () => {
  it('applies transactions in order per row and resumes exactly once from the target checkpoints', async () => {
    await using target = await createTestDatabase(testServerUrl('cloud'), 'apply');
    const { pool, schemas } = await prepareTarget(target);
    try {
      const first = await createEngine(pool, target, schemas, new CheckpointState([]));
      first.start();
      for (const sourceTransaction of workload) first.dispatch(sourceTransaction);
      await first.drainAndStop();
      expect(first.watermark?.toString()).toBe(workload.at(-1)!.commitPosition.toString());

      const users = await target.query('SELECT id, name, score FROM users ORDER BY id');
      expect(users.slice(0, 2)).toEqual([
        { id: 1, name: 'anna', score: '2.00' },
        { id: 20, name: 'bob', score: null },
      ]);
      expect(users).toHaveLength(42);
      expect(await target.query('SELECT tenant, id, note FROM orders')).toEqual([
        { tenant: 2, id: 7, note: null },
      ]);

      // A restart replays the stream from an older position: the target's checkpoints make every change a no-op.
      const checkpoints = new CheckpointState(await readSlots(pool, target.name, 'local'));
      expect(checkpoints.watermark?.toString()).toBe(workload.at(-1)!.commitPosition.toString());
      const insertsPerRow = (): Promise<unknown[]> =>
        target.query(
          'SELECT table_name, row_id, COUNT(*) AS attempts FROM insert_log GROUP BY 1, 2 ORDER BY 1, 2',
        );
      const before = await insertsPerRow();
      const second = await createEngine(pool, target, schemas, checkpoints);
      second.start();
      for (const sourceTransaction of workload) second.dispatch(sourceTransaction);
      await second.drainAndStop();
      // Not one row written again (the trigger counts every INSERT, upserts included).
      expect(await insertsPerRow()).toEqual(before);
    } finally {
      await pool.end();
    }
  });

  it('pauses only the table whose row the target refuses, with the row, error and position', async () => {
    await using target = await createTestDatabase(testServerUrl('cloud'), 'reject');
    const { pool, schemas } = await prepareTarget(target);
    try {
      const pauses: TablePause[] = [];
      const engine = await createEngine(pool, target, schemas, new CheckpointState([]), pauses);
      engine.start();
      engine.dispatch(transaction(0, [insert('users', { id: 1, name: 'ok', score: null })]));
      engine.dispatch(transaction(1, [insert('users', { id: 2, name: 'much too long', score: null })]));
      engine.dispatch(transaction(2, [insert('orders', { tenant: 1, id: 1, note: 'applied' })]));
      engine.dispatch(transaction(3, [insert('users', { id: 3, name: 'later', score: null })]));
      await engine.drainAndStop();

      expect(pauses).toHaveLength(1);
      expect(pauses[0]).toMatchObject({
        table: 'users',
        reason: 'row-rejected',
        errorCode: 'ER_DATA_TOO_LONG',
        row: { id: 2, name: 'much too long', score: null },
        position: workload[1]!.commitPosition,
        resumePosition: workload[0]!.commitPosition,
      });
      const users = await target.query<{ id: number }>('SELECT id FROM users ORDER BY id');
      // Transactions commit in order: nothing of users after the refused row is applied.
      expect(users.map((row) => row.id)).toEqual([1]);
      expect(await target.query('SELECT note FROM orders')).toEqual([{ note: 'applied' }]);
      // The watermark stays before the refused row so a restart reads it (and what follows) again.
      expect(engine.committedWatermark?.toString()).toBe(workload[0]!.commitPosition.toString());

      // The operator widens the column and restarts: the refused row and everything after it arrive, once.
      await target.query('ALTER TABLE users MODIFY name VARCHAR(50) NOT NULL');
      const checkpoints = new CheckpointState(await readSlots(pool, target.name, 'local'));
      const restarted = await createEngine(pool, target, schemas, checkpoints, pauses);
      restarted.start();
      for (const sequence of [0, 1, 2, 3]) {
        restarted.dispatch(
          transaction(
            sequence,
            [
              [insert('users', { id: 1, name: 'ok', score: null })],
              [insert('users', { id: 2, name: 'much too long', score: null })],
              [insert('orders', { tenant: 1, id: 1, note: 'applied' })],
              [insert('users', { id: 3, name: 'later', score: null })],
            ][sequence]!,
          ),
        );
      }
      await restarted.drainAndStop();
      expect(pauses).toHaveLength(1);
      expect(await target.query('SELECT id, name FROM users ORDER BY id')).toEqual([
        { id: 1, name: 'ok' },
        { id: 2, name: 'much too long' },
        { id: 3, name: 'later' },
      ]);
      expect(
        await target.query(
          'SELECT row_id, COUNT(*) AS attempts FROM insert_log GROUP BY row_id ORDER BY row_id',
        ),
      ).toEqual([
        { row_id: 1, attempts: 1 },
        { row_id: 2, attempts: 1 },
        { row_id: 3, attempts: 1 },
      ]);
    } finally {
      await pool.end();
    }
  });

  it('lets the queue grow while the group whose turn it is waits for a lock, and stays responsive', async () => {
    await using target = await createTestDatabase(testServerUrl('cloud'), 'trickle');
    const { pool, schemas } = await prepareTarget(target);
    await target.query("INSERT INTO users VALUES (1, 'old', NULL)");
    const reader = await target.pool.getConnection();
    try {
      await reader.query('START TRANSACTION');
      await reader.query('SELECT * FROM users WHERE id = 1 FOR UPDATE');
      const engine = await createEngine(pool, target, schemas, new CheckpointState([]));
      engine.start();
      // Group 0 waits for the reader's lock; group 1 is written and waits for its turn; the rest is too little
      // for a group of its own: the workers wait for a commit rather than spin on it.
      const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 150));
      engine.dispatch(
        transaction(0, [
          update('users', { id: 1, name: 'old', score: null }, { id: 1, name: 'new', score: null }),
        ]),
      );
      await pause();
      engine.dispatch(transaction(1, [insert('users', { id: 2, name: 'two', score: null })]));
      await pause();
      engine.dispatch(transaction(2, [insert('users', { id: 3, name: 'three', score: null })]));
      const timerFiredAfterMs = await new Promise<number>((resolve) => {
        const startedAt = Date.now();
        setTimeout(() => resolve(Date.now() - startedAt), 50);
      });
      expect(timerFiredAfterMs).toBeLessThan(1_000);
      expect(await target.query('SELECT id FROM users ORDER BY id')).toEqual([{ id: 1 }]);
      await reader.query('COMMIT');
      await engine.drainAndStop();
      expect(await target.query('SELECT id, name FROM users ORDER BY id')).toEqual([
        { id: 1, name: 'new' },
        { id: 2, name: 'two' },
        { id: 3, name: 'three' },
      ]);
    } finally {
      reader.release();
      await pool.end();
    }
  });
});
