/**
 * MariaDB system-versioned tables (`WITH SYSTEM VERSIONING`): the current rows are synced, the period columns
 * (row start and end, written by each server itself) never are. The source's binlog also carries its history
 * rows (an UPDATE writes the old version as a new row, a DELETE is an UPDATE that ends the row's period, DELETE
 * HISTORY deletes old versions): only what happens to current rows reaches the target, which keeps a history of
 * its own when it is versioned too, and only the current rows when it is not.
 */
import { describe, expect, it } from 'vitest';
import { divergeSilently, runFullSyncToEnd } from '../support/full-sync-runs.js';
import {
  createSyncFixture,
  eventually,
  expectSameRows,
  startDisposableService,
} from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const tables = {
  // Implicit period columns (row_start, row_end), not in information_schema.
  implicit: `CREATE TABLE implicit_periods (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT)
    WITH SYSTEM VERSIONING`,
  // Explicit TIMESTAMP(6) period columns, invisible; the server adds the row end to the primary key.
  explicit: `CREATE TABLE explicit_periods (
      id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT,
      valid_from TIMESTAMP(6) GENERATED ALWAYS AS ROW START INVISIBLE,
      valid_to TIMESTAMP(6) GENERATED ALWAYS AS ROW END INVISIBLE,
      PERIOD FOR SYSTEM_TIME (valid_from, valid_to)
    ) WITH SYSTEM VERSIONING`,
};
const versionedOnSourceOnly = {
  source: `CREATE TABLE current_only (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT) WITH SYSTEM VERSIONING`,
  target: `CREATE TABLE current_only (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT)`,
};
const tableNames = ['implicit_periods', 'explicit_periods', 'current_only'];
/** Transaction-precise periods (transaction ids, not times): MariaDB logs their changes as statements. */
const transactionPeriods = `CREATE TABLE transaction_periods (
    id INT PRIMARY KEY, name VARCHAR(40) NOT NULL,
    trx_start BIGINT UNSIGNED GENERATED ALWAYS AS ROW START,
    trx_end BIGINT UNSIGNED GENERATED ALWAYS AS ROW END,
    PERIOD FOR SYSTEM_TIME (trx_start, trx_end)
  ) ENGINE=InnoDB WITH SYSTEM VERSIONING`;

/** The rows as an application sees them: the current ones, without the period columns. */
function currentRows(table: string): string {
  return `SELECT id, name, qty FROM ${table} ORDER BY id`;
}

async function expectCurrentRowsEqual(
  fixture: Parameters<typeof expectSameRows>[0],
  stage: string,
): Promise<void> {
  for (const table of tableNames) await expectSameRows(fixture, currentRows(table), `${table} ${stage}`);
}

describe('system-versioned tables', () => {
  it('copies and streams the current rows; each side keeps its own period columns and history', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'versioned',
    );
    const versioned = Object.values(tables).join('; ');
    await fixture.source.query(`${versioned}; ${versionedOnSourceOnly.source}`);
    await fixture.target.query(`${versioned}; ${versionedOnSourceOnly.target}`);
    for (const table of tableNames) {
      await fixture.source.query(
        `INSERT INTO ${table} (id, name, qty) SELECT seq, CONCAT('row ', seq), seq FROM seq_1_to_50`,
      );
      // History on the source before the copy: only the current versions are copied.
      await fixture.source.query(`UPDATE ${table} SET qty = qty + 1000 WHERE id <= 10`);
      await fixture.source.query(`DELETE FROM ${table} WHERE id BETWEEN 11 AND 15`);
    }
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({ tables: tableNames.map((name) => ({ name, primary_key: 'id' })) }),
    );
    await expectCurrentRowsEqual(fixture, 'after the snapshot');

    for (const table of tableNames) {
      await fixture.source.query(`
        INSERT INTO ${table} (id, name, qty) VALUES (100, 'inserted', 1), (101, 'inserted', 2), (102, 'inserted', 3);
        UPDATE ${table} SET qty = 7 WHERE id = 100;
        UPDATE ${table} SET name = 'updated twice', qty = qty * 2 WHERE id IN (20, 21);
        UPDATE ${table} SET qty = qty + 1 WHERE id IN (20, 21);
        DELETE FROM ${table} WHERE id IN (22, 101);
        DELETE FROM ${table} WHERE id = 23;
        INSERT INTO ${table} (id, name, qty) VALUES (23, 'deleted and inserted again', 23);
        UPDATE ${table} SET id = 200 WHERE id = 24`);
    }
    // Old versions deleted on the source: the target's current rows stay.
    await fixture.source.query('DELETE HISTORY FROM implicit_periods; DELETE HISTORY FROM explicit_periods');
    await eventually(() => expectCurrentRowsEqual(fixture, 'after the stream'), 30_000);
    expect(
      await fixture.target.query(
        'SELECT id, name, qty FROM implicit_periods WHERE id IN (20, 23, 100, 200) ORDER BY id',
      ),
    ).toEqual([
      { id: 20, name: 'updated twice', qty: 41 },
      { id: 23, name: 'deleted and inserted again', qty: 23 },
      { id: 100, name: 'inserted', qty: 7 },
      { id: 200, name: 'row 24', qty: 24 },
    ]);
    expect(running.service.status.directions[0]?.tables).toMatchObject(
      tableNames.map((table) => ({ table, state: 'streaming', pause: null })),
    );
    // The versioned targets keep their own history of what the service applied: row 20 was copied, then
    // changed (one or two versions, as the changes were batched); row 22 was copied, then deleted.
    for (const table of ['implicit_periods', 'explicit_periods']) {
      const history = await fixture.target.query<{ id: number; versions: number | string }>(
        `SELECT id, COUNT(*) AS versions FROM ${table} FOR SYSTEM_TIME ALL WHERE id IN (20, 22) GROUP BY id ORDER BY id`,
      );
      expect(
        history.map((row) => row.id),
        `${table} history`,
      ).toEqual([20, 22]);
      expect(Number(history[0]?.versions), `${table} versions of row 20`).toBeGreaterThanOrEqual(2);
      expect(Number(history[1]?.versions), `${table} versions of row 22`).toBe(1);
    }

    // A full sync compares the current rows only, and repairs them.
    await divergeSilently(
      fixture.target,
      tableNames.map((table) => `UPDATE ${table} SET qty = -1 WHERE id = 30`).join('; '),
    );
    expect(await runFullSyncToEnd(running)).toMatchObject({ state: 'completed', rowsChanged: 3 });
    await eventually(() => expectCurrentRowsEqual(fixture, 'after the full sync'), 20_000);
    expect(running.listenerErrors).toEqual([]);
  });

  it('bidirectional: changes on either side reach the other, the history rows of either never', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'versioned3',
    );
    await fixture.source.query(`${tables.implicit}; ${tables.explicit}`);
    await fixture.target.query(`${tables.implicit}; ${tables.explicit}`);
    const versionedTables = ['implicit_periods', 'explicit_periods'];
    for (const table of versionedTables) {
      await fixture.source.query(
        `INSERT INTO ${table} (id, name, qty) SELECT seq, CONCAT('row ', seq), seq FROM seq_1_to_20`,
      );
    }
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: versionedTables.map((name) => ({ name, primary_key: 'id', conflict_resolution: 'manual' })),
        sync: { mode: 'bidirectional' },
      }),
    );
    for (const table of versionedTables) {
      await fixture.source.query(
        `UPDATE ${table} SET qty = 100 WHERE id = 1; DELETE FROM ${table} WHERE id = 2`,
      );
      await fixture.target.query(
        `UPDATE ${table} SET name = 'from cloud' WHERE id = 3; DELETE FROM ${table} WHERE id = 4;
         INSERT INTO ${table} (id, name, qty) VALUES (30, 'inserted on cloud', 30)`,
      );
    }
    await eventually(async () => {
      for (const table of versionedTables) await expectSameRows(fixture, currentRows(table), table);
    }, 30_000);
    expect(
      await fixture.source.query(
        'SELECT id, name, qty FROM explicit_periods WHERE id <= 4 OR id = 30 ORDER BY id',
      ),
    ).toEqual([
      { id: 1, name: 'row 1', qty: 100 },
      { id: 3, name: 'from cloud', qty: 3 },
      { id: 30, name: 'inserted on cloud', qty: 30 },
    ]);
    expect((await running.store.listConflicts({ limit: 10, offset: 0 })).total).toBe(0);
    for (const direction of running.service.status.directions) {
      expect(direction.tables).toMatchObject(
        versionedTables.map((table) => ({ table, state: 'streaming', pause: null })),
      );
    }
  });

  it('refuses, by name, a table versioned by transaction id: its changes are logged as statements', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'versioned2',
    );
    await fixture.source.query(transactionPeriods);
    await expect(
      fixture.startService(
        fixture.configDocument({ tables: [{ name: 'transaction_periods', primary_key: 'id' }] }),
      ),
    ).rejects.toMatchObject({
      code: 'TABLE_VERSIONING_UNSUPPORTED',
      message: expect.stringMatching(
        /^table transaction_periods in local database \S+ is system-versioned by transaction id \(period columns trx_start, trx_end\)/,
      ) as unknown,
    });
  });
});
