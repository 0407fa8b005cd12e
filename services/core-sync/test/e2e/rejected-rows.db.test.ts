import { describe, expect, it } from 'vitest';
import { createSyncFixture, eventually, expectTablesEqual } from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const tables = [
  { name: 'people', primary_key: 'id' },
  { name: 'notes', primary_key: 'id' },
];

describe('a row the target rejects, end to end', () => {
  it('pauses only that table with the row, the error and the position; after a fix and a restart nothing is lost', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'reject');
    await fixture.source.query(`
      CREATE TABLE people (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL, note TEXT);
      INSERT INTO people VALUES (1, 'abc', 'first');
      CREATE TABLE notes (id INT PRIMARY KEY, body TEXT);
      INSERT INTO notes VALUES (1, 'first')`);
    const document = fixture.configDocument({ tables });
    const running = await fixture.startService(document);
    await expectTablesEqual(fixture, 'people', 'id');
    // Someone narrows the target column while the service streams (column types are compared at start only).
    // The service's apply sessions use STRICT_ALL_TABLES, so a longer value is refused, never truncated.
    await fixture.target.query('ALTER TABLE people MODIFY code VARCHAR(5) NOT NULL');

    await fixture.source.query("INSERT INTO people VALUES (2, 'ab', 'fits')");
    await fixture.source.query(`
      INSERT INTO people VALUES (3, 'much too long', 'refused by the target');
      INSERT INTO people VALUES (4, 'ok', 'after the refused row');
      UPDATE people SET note = 'changed after the refused row' WHERE id = 1;
      INSERT INTO notes VALUES (2, 'notes go on')`);

    await eventually(() => {
      const people = running.service.status.directions[0]?.tables.find((table) => table.table === 'people');
      expect(people).toMatchObject({
        state: 'paused',
        pause: {
          reason: 'row-rejected',
          errorCode: 'ER_DATA_TOO_LONG',
          row: { id: 3, code: 'much too long', note: 'refused by the target' },
        },
      });
      expect(people?.pause?.message).toMatch(
        /^the target refused a row of people: .*Data too long for column 'code'/,
      );
      expect(people?.pause?.position).not.toBeNull();
    }, 30_000);
    await fixture.source.query("INSERT INTO notes VALUES (3, 'notes go on after the pause')");
    await eventually(async () => {
      await expectTablesEqual(fixture, 'notes', 'id');
      // Everything before the refused row arrived; the refused row did not, nor anything truncated. (Later
      // changes to other keys may have been applied by other workers before the pause: order is kept per row.)
      const targetPeople = await fixture.target.query('SELECT * FROM people ORDER BY id');
      expect(targetPeople).toContainEqual({ id: 2, code: 'ab', note: 'fits' });
      expect(targetPeople.map((row) => Number(row.id))).not.toContain(3);
    }, 30_000);
    expect(running.service.status.directions[0]).toMatchObject({
      state: 'streaming',
      tables: [
        { table: 'people', state: 'paused' },
        { table: 'notes', state: 'streaming', pause: null },
      ],
    });
    const pausePosition = running.service.status.directions[0]?.tables[0]?.pause?.position?.toString();
    const storedState = (await running.store.listTableStates()).find((state) => state.tableName === 'people');
    expect(storedState).toMatchObject({
      status: 'paused',
      details: {
        reason: 'row-rejected',
        errorCode: 'ER_DATA_TOO_LONG',
        position: pausePosition,
        row: { id: 3, code: 'much too long', note: 'refused by the target' },
      },
    });

    // The operator widens the column and restarts: the refused row and everything after it arrive.
    await running.stop();
    await fixture.target.query('ALTER TABLE people MODIFY code VARCHAR(20) NOT NULL');
    const restarted = await fixture.startService(document);
    await eventually(async () => {
      await expectTablesEqual(fixture, 'people', 'id');
      await expectTablesEqual(fixture, 'notes', 'id');
    }, 30_000);
    expect(restarted.service.status.directions[0]?.tables).toMatchObject([
      { table: 'people', state: 'streaming', pause: null },
      { table: 'notes', state: 'streaming', pause: null },
    ]);
  });
});
