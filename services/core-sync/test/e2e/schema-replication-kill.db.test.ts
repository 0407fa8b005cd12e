/**
 * A replicated schema change and a crash (SIGKILL), at two moments:
 * - while the target runs the statement (held by a transaction on the target): the restart reads the statement
 *   again from the binlog, meets it still running and waits for it;
 * - right after the target ran it, before the service recorded it as applied (the ledger's row is held locked,
 *   so the mark waits): the restart finds the table changed since the ledger's record and runs nothing.
 * Either way the statement must run neither twice nor not at all. It adds an unnamed index: run twice, it would
 * add a second one (`payload_2`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { definitionOf } from '../support/table-definitions.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  waitUntilHealthy,
  type SyncFixture,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { testServerUrl } from '../support/test-servers.js';

const rowCount = 20_000;

async function runningStatements(database: TestDatabase, pattern: string): Promise<number> {
  const [row] = await database.query<{ running: number }>(
    'SELECT COUNT(*) AS running FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()',
    [pattern],
  );
  return Number(row?.running ?? 0);
}

async function payloadIndexes(database: TestDatabase): Promise<string[]> {
  const rows = await database.query<{ Key_name: string }>(
    "SHOW INDEX FROM big WHERE Column_name = 'payload'",
  );
  return rows.map((row) => row.Key_name);
}

async function syncedBigTable(fixture: SyncFixture): Promise<Record<string, unknown>> {
  await fixture.source.query(`
    CREATE TABLE big (id INT PRIMARY KEY, payload VARCHAR(40) NOT NULL, filler CHAR(100) NOT NULL DEFAULT '');
    INSERT INTO big (id, payload) SELECT seq, CONCAT('row ', seq) FROM seq_1_to_${rowCount}`);
  return fixture.configDocument({ tables: [{ name: 'big', primary_key: 'id' }] });
}

async function waitForCopy(fixture: SyncFixture): Promise<void> {
  await eventually(async () => {
    const [row] = await fixture.target.query<{ total: number }>('SELECT COUNT(*) AS total FROM big');
    expect(Number(row?.total)).toBe(rowCount);
  }, 120_000);
}

async function ledgerState(database: TestDatabase): Promise<string | undefined> {
  const [row] = await database.query<{ state: string }>(
    "SELECT state FROM _mysql_sync_schema_changes WHERE table_name = 'big'",
  );
  return row?.state;
}

describe('a replicated schema change and kill -9', () => {
  it('killed while the target runs the statement: the restart waits for it, finds it applied and runs it no second time; rows after it follow', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'ddlkill');
    const document = await syncedBigTable(fixture);
    const first = await fixture.spawnService(document);
    await waitUntilHealthy(first);
    await waitForCopy(fixture);

    // A transaction on the target holds the table: the statement the service runs there waits for it.
    const blocker = await mysql.createConnection({ ...fixture.target.server, database: fixture.target.name });
    await blocker.query('START TRANSACTION');
    await blocker.query('SELECT COUNT(*) FROM big');
    await fixture.source.query('ALTER TABLE big ADD INDEX (payload)');
    await fixture.source.query("INSERT INTO big (id, payload) VALUES (0, 'after the index')");
    await eventually(
      async () =>
        expect(await runningStatements(fixture.target, '/* mysql-sync: applied from local%')).toBe(1),
      60_000,
    );
    await first.kill('SIGKILL');
    // The server goes on with the statement after its client is gone: the restart comes while it still waits.
    const second = await fixture.spawnService(document);
    await waitUntilHealthy(second);
    await sleep(1_000);
    expect(await runningStatements(fixture.target, '/* mysql-sync: applied from local%')).toBe(1);
    expect(await ledgerState(fixture.target), 'recorded as started, not as applied').toBe('applying');
    await blocker.query('COMMIT');
    await blocker.end();
    await eventually(() => expectTablesEqual(fixture, 'big', 'id'), 60_000);
    expect(await payloadIndexes(fixture.target)).toEqual(['payload']);
    expect(await definitionOf(fixture.target, 'big')).toBe(await definitionOf(fixture.source, 'big'));
    await expectExactlyEqual(fixture.source, fixture.target, 'big', ['id']);
    // Once in all: the orphaned statement either ended with the change (found applied) or was given up by the
    // server when its client was gone (MariaDB ends a lock wait of a closed connection), and run once more.
    const outcomes = second.output().match(/schema change (?:applied|found applied already)/g) ?? [];
    expect(outcomes).toHaveLength(1);
    expect(await ledgerState(fixture.target)).toBe('applied');
    await second.kill('SIGTERM');
  });

  it('killed after the target ran the statement and before it was recorded as applied: the restart finds it applied and runs it no second time', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'ddlmark');
    const document = await syncedBigTable(fixture);
    const first = await fixture.spawnService(document);
    await waitUntilHealthy(first);
    await waitForCopy(fixture);

    const tableHolder = await mysql.createConnection({
      ...fixture.target.server,
      database: fixture.target.name,
    });
    const ledgerHolder = await mysql.createConnection({
      ...fixture.target.server,
      database: fixture.target.name,
    });
    try {
      await tableHolder.query('START TRANSACTION');
      await tableHolder.query('SELECT COUNT(*) FROM big');
      await fixture.source.query('ALTER TABLE big ADD INDEX (payload)');
      await fixture.source.query("INSERT INTO big (id, payload) VALUES (0, 'after the index')");
      await eventually(
        async () =>
          expect(await runningStatements(fixture.target, '/* mysql-sync: applied from local%')).toBe(1),
        60_000,
      );
      // The ledger row says `applying`; held locked, the mark that follows the statement waits for it.
      await ledgerHolder.query('START TRANSACTION');
      await ledgerHolder.query(
        "SELECT * FROM _mysql_sync_schema_changes WHERE table_name = 'big' FOR UPDATE",
      );
      await tableHolder.query('COMMIT');
      await eventually(async () => {
        expect(await runningStatements(fixture.target, '/* mysql-sync: applied from local%')).toBe(0);
        expect(await runningStatements(fixture.target, 'UPDATE %_mysql_sync_schema_changes%')).toBe(1);
      }, 60_000);
      expect(await payloadIndexes(fixture.target), 'the statement ran on the target').toEqual(['payload']);
      await first.kill('SIGKILL');
      // The server would finish the orphaned mark once the lock goes: end it, as a crash before it would have.
      const [orphans] = await ledgerHolder.query<mysql.RowDataPacket[]>(
        "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE %_mysql_sync_schema_changes%'",
      );
      for (const orphan of orphans) await ledgerHolder.query(`KILL ${Number(orphan.id)}`);
      await ledgerHolder.query('COMMIT');
      expect(await ledgerState(fixture.target), 'ran, but not recorded as applied').toBe('applying');
    } finally {
      await tableHolder.end();
      await ledgerHolder.end();
    }

    const second = await fixture.spawnService(document);
    await waitUntilHealthy(second);
    await eventually(() => expectTablesEqual(fixture, 'big', 'id'), 60_000);
    expect(await payloadIndexes(fixture.target)).toEqual(['payload']);
    expect(await definitionOf(fixture.target, 'big')).toBe(await definitionOf(fixture.source, 'big'));
    await expectExactlyEqual(fixture.source, fixture.target, 'big', ['id']);
    expect(second.output()).toContain('schema change found applied already');
    expect(second.output()).not.toMatch(/"msg":"schema change applied"/);
    expect(await ledgerState(fixture.target)).toBe('applied');
    await second.kill('SIGTERM');
  });
});
