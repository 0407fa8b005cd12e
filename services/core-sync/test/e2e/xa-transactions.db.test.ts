/**
 * XA transactions on the source through the whole service: applied at XA COMMIT (also from another session, and
 * after the service restarted while the transaction was prepared), never at XA PREPARE, never after XA ROLLBACK.
 *
 * MariaDB lets another session decide a prepared xid only once the session that prepared it has disconnected
 * (until then: XAER_NOTA, "Unknown XID"); the tests check that too, since every case here relies on it.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  type RunningService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import type { DirectionStatus } from '../../src/status/index.js';
import { testServerUrl } from '../support/test-servers.js';

const itemsTable = `CREATE TABLE items (
  id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, amount DECIMAL(12,2) NULL, payload VARBINARY(16) NULL,
  changed DATETIME(6) NULL
)`;

/** On the target only: every row the service inserts, so a change applied twice shows twice. */
const applyLog = `
  CREATE TABLE apply_log (row_id INT NOT NULL, name VARCHAR(40) NOT NULL);
  CREATE TRIGGER items_apply_log BEFORE INSERT ON items FOR EACH ROW INSERT INTO apply_log VALUES (NEW.id, NEW.name)`;

const tables = [{ name: 'items', primary_key: 'id' }];

/** A new session on the source database (its own connection, as an application's). */
async function openSession(source: TestDatabase): Promise<mysql.Connection> {
  return mysql.createConnection({
    ...source.server,
    database: source.name,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
}

/** Runs `XA START … XA PREPARE` with `statements` in a session of its own, which then disconnects. */
async function prepareInOwnSession(
  source: TestDatabase,
  xid: string,
  statements: readonly string[],
): Promise<void> {
  const session = await openSession(source);
  try {
    await session.query(`XA START ${xid}`);
    for (const statement of statements) await session.query(statement);
    await session.query(`XA END ${xid}`);
    await session.query(`XA PREPARE ${xid}`);
  } finally {
    await session.end();
  }
}

/** Decides a prepared xid from a new session, retrying while the preparing session's disconnect is processed. */
async function decide(source: TestDatabase, statement: string): Promise<void> {
  await eventually(async () => {
    const session = await openSession(source);
    try {
      await session.query(statement);
    } finally {
      await session.end();
    }
  }, 10_000);
}

/** A prefix unique to this run (the servers are shared): every xid of a test starts with it. */
function xidPrefix(): string {
  return `xa_${randomBytes(4).toString('hex')}`;
}

/** Rolls back anything a failed test left prepared under `prefix` (it would hold locks on the shared server). */
async function rollBackLeftovers(source: TestDatabase, prefix: string): Promise<void> {
  const session = await openSession(source);
  try {
    const [prepared] = await session.query<mysql.RowDataPacket[]>("XA RECOVER FORMAT='SQL'");
    for (const row of prepared) {
      const data = String(row.data);
      if (data.includes(Buffer.from(prefix).toString('hex')) || data.includes(prefix))
        await session.query(`XA ROLLBACK ${data}`);
    }
  } finally {
    await session.end();
  }
}

async function withXaFixture(label: string, body: (fixture: SyncFixture, prefix: string) => Promise<void>) {
  await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), label);
  await fixture.source.query(itemsTable);
  await fixture.target.query(`${itemsTable}; ${applyLog}`);
  const prefix = xidPrefix();
  try {
    await body(fixture, prefix);
  } finally {
    await rollBackLeftovers(fixture.source, prefix);
  }
}

function direction(running: RunningService): DirectionStatus {
  const [status] = running.service.status.directions;
  if (status === undefined) throw new Error('the service has no direction');
  return status;
}

async function targetIds(fixture: SyncFixture): Promise<number[]> {
  const rows = await fixture.target.query<{ id: number }>('SELECT id FROM items ORDER BY id');
  return rows.map((row) => row.id);
}

/** How often the service wrote each row version on the target (an update is written as an upsert: logged too). */
async function applications(
  fixture: SyncFixture,
): Promise<{ row_id: number; name: string; times: number }[]> {
  return fixture.target.query<{ row_id: number; name: string; times: number }>(
    'SELECT row_id, name, COUNT(*) AS times FROM apply_log GROUP BY row_id, name ORDER BY row_id, MIN(name)',
  );
}

/** An ordinary commit after the XA statements, and waits for it: the stream has read past them. */
async function commitAndWaitForMarker(fixture: SyncFixture, id: number): Promise<void> {
  await fixture.source.query(`INSERT INTO items VALUES (${id}, 'marker ${id}', NULL, NULL, NULL)`);
  await eventually(async () => expect(await targetIds(fixture)).toContain(id), 30_000);
}

describe('XA transactions on the source', () => {
  it('are applied at XA COMMIT from another session, with odd xids, and never at XA PREPARE', async () => {
    await withXaFixture('xa_commit', async (fixture, prefix) => {
      const running = await fixture.startService(fixture.configDocument({ tables }));
      // gtrid, bqual and format id, with a quote, a backslash, a zero byte and non-ASCII bytes in it.
      const xid = `'${prefix}''\\\\', X'00ff5c27e9', 7`;
      await prepareInOwnSession(fixture.source, xid, [
        "INSERT INTO items VALUES (1, 'first', 10.50, X'00ff', '2025-01-02 03:04:05.000006')",
        "INSERT INTO items VALUES (2, 'second', NULL, NULL, NULL)",
        "UPDATE items SET name = 'first, updated', amount = amount * 2 WHERE id = 1",
      ]);
      await commitAndWaitForMarker(fixture, 100);
      await sleep(1_500);
      expect(await targetIds(fixture), 'prepared rows must not reach the target').toEqual([100]);
      const waiting = direction(running).stream;
      expect(waiting?.preparedXa).toMatchObject({
        count: 1,
        oldestXid: `X'${Buffer.from(`${prefix}'\\`).toString('hex')}',X'00ff5c27e9',7`,
      });
      expect(waiting?.lagMs ?? 0, 'the lag counts the prepared transaction').toBeGreaterThan(0);

      // The session that prepared is gone, so another one can decide (MariaDB refuses while it is connected).
      await decide(fixture.source, `XA COMMIT ${xid}`);
      await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
      expect(await fixture.target.query('SELECT * FROM items ORDER BY id')).toEqual([
        {
          id: 1,
          name: 'first, updated',
          amount: '21.00',
          payload: Buffer.from([0x00, 0xff]),
          changed: '2025-01-02 03:04:05.000006',
        },
        { id: 2, name: 'second', amount: null, payload: null, changed: null },
        { id: 100, name: 'marker 100', amount: null, payload: null, changed: null },
      ]);
      expect(direction(running).stream?.preparedXa.count).toBe(0);
    });
  });

  it('are refused to another session while the preparing session is connected', async () => {
    await withXaFixture('xa_session', async (fixture, prefix) => {
      const preparing = await openSession(fixture.source);
      try {
        await preparing.query(`XA START '${prefix}'`);
        await preparing.query("INSERT INTO items VALUES (1, 'one', NULL, NULL, NULL)");
        await preparing.query(`XA END '${prefix}'`);
        await preparing.query(`XA PREPARE '${prefix}'`);
        const other = await openSession(fixture.source);
        try {
          await expect(other.query(`XA COMMIT '${prefix}'`)).rejects.toMatchObject({ code: 'ER_XAER_NOTA' });
        } finally {
          await other.end();
        }
      } finally {
        await preparing.end();
      }
      await decide(fixture.source, `XA ROLLBACK '${prefix}'`);
    });
  });

  it('are never applied after XA ROLLBACK; XA COMMIT … ONE PHASE is applied at once', async () => {
    await withXaFixture('xa_rollback', async (fixture, prefix) => {
      const running = await fixture.startService(fixture.configDocument({ tables }));
      await prepareInOwnSession(fixture.source, `'${prefix}_rolled_back'`, [
        "INSERT INTO items VALUES (1, 'rolled back', NULL, NULL, NULL)",
      ]);
      await commitAndWaitForMarker(fixture, 100);
      expect(direction(running).stream?.preparedXa.count).toBe(1);
      await decide(fixture.source, `XA ROLLBACK '${prefix}_rolled_back'`);

      const session = await openSession(fixture.source);
      try {
        await session.query(`XA START '${prefix}_one_phase'`);
        await session.query("INSERT INTO items VALUES (2, 'one phase', 2.50, NULL, NULL)");
        await session.query(`XA END '${prefix}_one_phase'`);
        await session.query(`XA COMMIT '${prefix}_one_phase' ONE PHASE`);
      } finally {
        await session.end();
      }
      await commitAndWaitForMarker(fixture, 101);
      await expectTablesEqual(fixture, 'items', 'id');
      expect(await targetIds(fixture)).toEqual([2, 100, 101]);
      expect(direction(running).stream?.preparedXa.count).toBe(0);
    });
  });

  it('keeps a prepared transaction across a restart of the service and applies it once at XA COMMIT', async () => {
    await withXaFixture('xa_restart', async (fixture, prefix) => {
      const document = fixture.configDocument({ tables });
      const first = await fixture.startService(document);
      await commitAndWaitForMarker(fixture, 100);
      const xid = `'${prefix}'`;
      await prepareInOwnSession(fixture.source, xid, [
        "INSERT INTO items VALUES (1, 'prepared before the restart', 1.00, NULL, NULL)",
        "UPDATE items SET name = 'changed by the XA transaction' WHERE id = 100",
      ]);
      // Applied after the prepare: the watermark would pass the prepare group without the source's hold.
      await commitAndWaitForMarker(fixture, 101);
      const heldAt = direction(first).stream?.preparedXa.restartPosition;
      expect(heldAt).not.toBeNull();
      await first.stop();

      const second = await fixture.startService(document);
      // The restart read the prepare group again: the transaction is held, not applied, not lost.
      await eventually(
        () =>
          expect(
            direction(second).stream?.preparedXa.count,
            'after the restart the prepare group is read again (the apply engine keeps its watermark at or before sourceHold())',
          ).toBe(1),
        30_000,
      );
      expect(direction(second).stream?.preparedXa.restartPosition).toBe(heldAt);
      await commitAndWaitForMarker(fixture, 102);
      expect(await targetIds(fixture)).toEqual([100, 101, 102]);

      await decide(fixture.source, `XA COMMIT ${xid}`);
      await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
      expect(await fixture.target.query('SELECT id, name, amount FROM items ORDER BY id')).toEqual([
        { id: 1, name: 'prepared before the restart', amount: '1.00' },
        { id: 100, name: 'changed by the XA transaction', amount: null },
        { id: 101, name: 'marker 101', amount: null },
        { id: 102, name: 'marker 102', amount: null },
      ]);
      // Every row inserted once: nothing read again after the restart was applied twice.
      expect(await applications(fixture)).toEqual([
        { row_id: 1, name: 'prepared before the restart', times: 1 },
        { row_id: 100, name: 'changed by the XA transaction', times: 1 },
        { row_id: 100, name: 'marker 100', times: 1 },
        { row_id: 101, name: 'marker 101', times: 1 },
        { row_id: 102, name: 'marker 102', times: 1 },
      ]);
      await second.stop();
    });
  });
});
