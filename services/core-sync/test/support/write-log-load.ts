/**
 * A continuous write load for fault tests, and the proof that nothing was lost or applied twice: the synced tables
 * `events` and `counters`, and on each side that receives changes a `write_log` that triggers fill with every row
 * the service writes. An INSERT … ON DUPLICATE KEY UPDATE fires BEFORE INSERT on each attempt, so a source
 * transaction applied twice logs the same event id (or the same counter value) twice; the log rows commit or roll
 * back with the batch that wrote them.
 *
 * Bidirectional: both sides get the target's tables (`createBothWaysTables`), each side's load writes its own
 * event ids and counter rows (`firstId`, `counterIds`), and each side's write_log also holds its load's own inserts:
 * an event echoed back to where it was written logs its id twice there.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { expect } from 'vitest';
import { driverErrorCode } from '../../src/errors/index.js';
import { isConnectionLost } from '../../src/mysql/index.js';
import { eventually, expectTablesEqual, type SyncFixture } from './sync-fixture.js';
import type { TestDatabase } from './test-database.js';

export const sourceTables = `
  CREATE TABLE events (id INT AUTO_INCREMENT PRIMARY KEY, writer INT NOT NULL, payload VARCHAR(100) NOT NULL);
  CREATE TABLE counters (id INT PRIMARY KEY, value INT NOT NULL);
  INSERT INTO counters VALUES (1, 0), (2, 0)`;

/** The target's tables, with the triggers that log every row written to them (see the header). */
export const targetTables = `
  CREATE TABLE events (id INT AUTO_INCREMENT PRIMARY KEY, writer INT NOT NULL, payload VARCHAR(100) NOT NULL);
  CREATE TABLE counters (id INT PRIMARY KEY, value INT NOT NULL);
  CREATE TABLE write_log (table_name VARCHAR(20) NOT NULL, row_id INT NOT NULL, value INT NOT NULL);
  CREATE TRIGGER events_write_log BEFORE INSERT ON events FOR EACH ROW
    INSERT INTO write_log VALUES ('events', NEW.id, 0);
  CREATE TRIGGER counters_write_log BEFORE INSERT ON counters FOR EACH ROW
    INSERT INTO write_log VALUES ('counters', NEW.id, NEW.value)`;

/**
 * Bidirectional: the target's tables (events, counters, write_log and its triggers) on both sides, and the counter
 * rows 1…4 on the source only (the service copies them to the target at start; rows on both sides and no
 * checkpoint would be refused as diverged). Give one side's load counters 1 and 2, the other's 3 and 4.
 */
export async function createBothWaysTables(fixture: SyncFixture): Promise<void> {
  await fixture.source.query(targetTables);
  await fixture.target.query(targetTables);
  await fixture.source.query('INSERT INTO counters VALUES (1, 0), (2, 0), (3, 0), (4, 0)');
}

export const writeLogTables = [
  { name: 'events', primary_key: 'id' },
  { name: 'counters', primary_key: 'id' },
];

export interface WriteLoad {
  /** Source transactions committed so far. */
  readonly committed: () => number;
  /** Stops writing and resolves when the last transaction has finished (rejects if a write failed). */
  stop(): Promise<void>;
}

export interface WriteLoadOptions {
  /** Ids of the events it inserts, counting up from here (default: AUTO_INCREMENT). Bidirectional: disjoint ranges. */
  readonly firstId?: number;
  /** The two counter rows it bumps (default 1 and 2); they must exist. */
  readonly counterIds?: readonly [number, number];
  /** A pause after each transaction, to hold the rate to what the test needs (default none). */
  readonly pauseMs?: number;
  /**
   * When the connection is lost (its server stopped or crashed), connect again until the server answers instead
   * of failing. The transaction it was in is not counted: the server never acknowledged it (its COMMIT may still
   * have been durable; nothing here relies on the count being exact, only on what the tables hold).
   */
  readonly reconnect?: boolean;
}

/**
 * Writes until stopped: each transaction inserts three events, deletes one of the writer's old ones now and then,
 * and bumps a counter — so every kind of change is in flight when a fault hits.
 */
export async function startWriteLoad(
  database: TestDatabase,
  writer: number,
  options: WriteLoadOptions = {},
): Promise<WriteLoad> {
  const connect = (): Promise<mysql.Connection> =>
    mysql.createConnection({ ...database.server, database: database.name, connectTimeout: 2_000 });
  let connection = await connect();
  /** False while a lost connection has not been replaced yet. */
  let open = true;
  const [firstCounter, secondCounter] = options.counterIds ?? [1, 2];
  let nextId = options.firstId;
  const eventId = (): number | null => {
    if (nextId === undefined) return null;
    nextId += 1;
    return nextId - 1;
  };
  let running = true;
  let committed = 0;
  const writeTransaction = async (): Promise<void> => {
    await connection.beginTransaction();
    const values = ['a', 'b', 'c'].flatMap((prefix) => [eventId(), writer, `${prefix}${committed}`]);
    await connection.query(
      'INSERT INTO events (id, writer, payload) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)',
      values,
    );
    if (committed % 7 === 0) {
      // With ids of its own, a range of the primary key: the scan locks none of the rows others write.
      if (options.firstId === undefined)
        await connection.query('DELETE FROM events WHERE writer = ? ORDER BY id LIMIT 1', [writer]);
      else
        await connection.query('DELETE FROM events WHERE id >= ? AND id < ? ORDER BY id LIMIT 1', [
          options.firstId,
          nextId,
        ]);
    }
    await connection.query('UPDATE counters SET value = value + 1 WHERE id = ?', [
      committed % 2 === 0 ? firstCounter : secondCounter,
    ]);
    await connection.commit();
  };
  /** Replaces a lost connection once the server answers again (or gives up when the load is stopped). */
  const reconnect = async (): Promise<void> => {
    connection.destroy();
    open = false;
    while (running && !open) {
      try {
        connection = await connect();
        open = true;
      } catch (error) {
        if (!isConnectionLost(error)) throw error;
        await sleep(100);
      }
    }
  };
  const loop = (async () => {
    try {
      while (running) {
        try {
          await writeTransaction();
          committed += 1;
          if (options.pauseMs !== undefined) await sleep(options.pauseMs);
        } catch (error) {
          if (options.reconnect === true && isConnectionLost(error)) {
            await reconnect();
            continue;
          }
          // As an application would: a deadlock or lock wait (with the service's batches) is retried.
          await connection.rollback();
          if (!isLockConflict(error)) throw error;
        }
      }
    } finally {
      if (open) await connection.end();
    }
  })();
  // stop() reports a failure; until then the loop's rejection is not unhandled.
  loop.catch(() => undefined);
  return {
    committed: () => committed,
    async stop() {
      running = false;
      await loop;
    },
  };
}

function isLockConflict(error: unknown): boolean {
  const code = driverErrorCode(error);
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

/** Waits until the load committed `transactions` more transactions. */
export async function waitForProgress(load: WriteLoad, transactions: number): Promise<void> {
  const target = load.committed() + transactions;
  await eventually(() => expect(load.committed()).toBeGreaterThanOrEqual(target), 30_000, 20);
}

/**
 * Both tables equal on both sides, and no row written twice on the sides that receive changes (`logged`: the
 * target in one-way mode, both in bidirectional mode).
 */
export async function expectSyncedExactlyOnce(
  fixture: SyncFixture,
  logged: readonly ('source' | 'target')[] = ['target'],
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(async () => {
    await expectTablesEqual(fixture, 'events', 'id');
    await expectTablesEqual(fixture, 'counters', 'id');
  }, timeoutMs);
  for (const side of logged) {
    const database = fixture[side];
    const repeated = await database.query(
      'SELECT table_name, row_id, value, COUNT(*) AS writes FROM write_log GROUP BY table_name, row_id, value HAVING writes > 1',
    );
    expect(repeated, `rows written more than once on the ${side} side`).toEqual([]);
    const written = await database.query<{ table_name: string }>(
      'SELECT table_name, COUNT(*) AS writes FROM write_log GROUP BY table_name ORDER BY table_name',
    );
    expect(written.map((row) => row.table_name)).toEqual(['counters', 'events']);
  }
}

/**
 * Bidirectional: a load on each side, each on its own event ids and counter rows (createBothWaysTables), with a
 * short pause between transactions; local's first.
 */
export async function startBothWaysLoads(fixture: SyncFixture): Promise<[WriteLoad, WriteLoad]> {
  const local = await startWriteLoad(fixture.source, 1, { firstId: 1, counterIds: [1, 2], pauseMs: 2 });
  const cloud = await startWriteLoad(fixture.target, 2, {
    firstId: 1_000_001,
    counterIds: [3, 4],
    pauseMs: 2,
  });
  return [local, cloud];
}

/** Bidirectional over `tables` (the write-log tables and any others), local's rows preferred in a conflict. */
export function bothWaysDocument(
  fixture: SyncFixture,
  tables: readonly { readonly name: string; readonly primary_key: string }[] = writeLogTables,
): Record<string, unknown> {
  return fixture.configDocument({
    tables: tables.map((table) => ({ ...table, conflict_resolution: 'source_priority', prefer: 'local' })),
    sync: { mode: 'bidirectional', batch_insert_size: 50 },
  });
}
