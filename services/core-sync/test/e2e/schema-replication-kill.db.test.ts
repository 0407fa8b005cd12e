/**
 * A replicated schema change and a crash: the service is killed (SIGKILL) while the target runs the statement
 * (held by a transaction on the target), so the service never recorded it as applied. The restart reads the
 * statement again from the binlog, meets it still running, waits for it, and must neither run it a second time
 * nor skip it. The statement adds an unnamed index: run twice, it would add a second one (`payload_2`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { describe, expect, inject, it } from 'vitest';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { definitionOf } from '../support/table-definitions.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  waitUntilHealthy,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';

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

describe('a replicated schema change and kill -9', () => {
  it('killed while the target runs the statement: the restart waits for it, finds it applied and runs it no second time; rows after it follow', async () => {
    await using fixture = await createSyncFixture(
      inject('localServerUrl'),
      inject('cloudServerUrl'),
      'ddlkill',
    );
    await fixture.source.query(`
      CREATE TABLE big (id INT PRIMARY KEY, payload VARCHAR(40) NOT NULL, filler CHAR(100) NOT NULL DEFAULT '');
      INSERT INTO big (id, payload) SELECT seq, CONCAT('row ', seq) FROM seq_1_to_${rowCount}`);
    const document = fixture.configDocument({ tables: [{ name: 'big', primary_key: 'id' }] });
    const first = await fixture.spawnService(document);
    await waitUntilHealthy(first);
    await eventually(async () => {
      const [row] = await fixture.target.query<{ total: number }>('SELECT COUNT(*) AS total FROM big');
      expect(Number(row?.total)).toBe(rowCount);
    }, 120_000);

    // A transaction on the target holds the table: the statement the service runs there waits for it.
    const blocker = await mysql.createConnection({ ...fixture.target.server, database: fixture.target.name });
    await blocker.query('START TRANSACTION');
    await blocker.query('SELECT COUNT(*) FROM big');
    await fixture.source.query('ALTER TABLE big ADD INDEX (payload)');
    await fixture.source.query("INSERT INTO big (id, payload) VALUES (0, 'after the index')");
    await eventually(
      async () => expect(await runningStatements(fixture.target, '%mysql-sync: applied from local%')).toBe(1),
      60_000,
    );
    await first.kill('SIGKILL');
    // The server goes on with the statement after its client is gone: the restart comes while it still waits.
    const second = await fixture.spawnService(document);
    await waitUntilHealthy(second);
    await sleep(1_000);
    expect(await runningStatements(fixture.target, '%mysql-sync: applied from local%')).toBe(1);
    const [ledger] = await fixture.target.query<{ state: string }>(
      "SELECT state FROM _mysql_sync_schema_changes WHERE table_name = 'big'",
    );
    expect(ledger?.state, 'recorded as started, not as applied').toBe('applying');
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
    const [recorded] = await fixture.target.query<{ state: string }>(
      "SELECT state FROM _mysql_sync_schema_changes WHERE table_name = 'big'",
    );
    expect(recorded?.state).toBe('applied');
    await second.kill('SIGTERM');
  });
});
