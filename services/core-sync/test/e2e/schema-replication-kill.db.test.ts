/**
 * A replicated schema change and a crash: the service is killed (SIGKILL) while the target runs the statement,
 * which the server finishes on its own, so the target has the change and the service never recorded it. The
 * restart reads the statement again from the binlog and must neither run it a second time nor skip it. The
 * statement adds an unnamed index: run twice, it would add a second one (`payload_2`), so a repeat shows.
 */
import { describe, expect, inject, it } from 'vitest';
import { comparableDefinition } from '../../src/target/index.js';
import { expectExactlyEqual } from '../support/exact-rows.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  waitUntilHealthy,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';

const rowCount = 200_000;

async function definitionOf(database: TestDatabase, table: string): Promise<string> {
  const [row] = await database.query<{ 'Create Table': string }>(`SHOW CREATE TABLE ${table}`);
  return comparableDefinition(row?.['Create Table'] ?? '');
}

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
  it('killed while the target runs the statement: the restart finds it applied and runs it no second time; rows after it follow', async () => {
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

    // A rebuild of the whole table (COPY), long enough on the target to be killed in the middle of.
    await fixture.source.query('ALTER TABLE big ADD INDEX (payload), ALGORITHM=COPY');
    await fixture.source.query("INSERT INTO big (id, payload) VALUES (0, 'after the index')");
    await eventually(
      async () => expect(await runningStatements(fixture.target, '%mysql-sync: applied from local%')).toBe(1),
      60_000,
      5,
    );
    await first.kill('SIGKILL');
    // The server finishes the statement after its client is gone.
    await eventually(
      async () => expect(await runningStatements(fixture.target, '%mysql-sync: applied from local%')).toBe(0),
      60_000,
    );
    expect(await payloadIndexes(fixture.target)).toEqual(['payload']);
    const [ledger] = await fixture.target.query<{ state: string }>(
      "SELECT state FROM _mysql_sync_schema_changes WHERE table_name = 'big'",
    );
    expect(ledger?.state, 'the kill came before the service recorded the statement as applied').toBe(
      'applying',
    );

    const second = await fixture.spawnService(document);
    await waitUntilHealthy(second);
    await eventually(() => expectTablesEqual(fixture, 'big', 'id'), 60_000);
    expect(await payloadIndexes(fixture.target)).toEqual(['payload']);
    expect(await definitionOf(fixture.target, 'big')).toBe(await definitionOf(fixture.source, 'big'));
    await expectExactlyEqual(fixture.source, fixture.target, 'big', ['id']);
    expect(second.output()).toContain('schema change found applied already');
    const [recorded] = await fixture.target.query<{ state: string }>(
      "SELECT state FROM _mysql_sync_schema_changes WHERE table_name = 'big'",
    );
    expect(recorded?.state).toBe('applied');
    await second.kill('SIGTERM');
  });
});
