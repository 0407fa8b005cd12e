import { describe, expect, it } from 'vitest';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const tablesDdl = `
  CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(8,2));
  INSERT INTO items VALUES (1, 'lamp', 19.99), (2, 'chair', 49.00);
  CREATE TABLE notes (id INT PRIMARY KEY, body TEXT);
  INSERT INTO notes VALUES (1, 'first')`;
const tables = [
  { name: 'items', primary_key: 'id' },
  { name: 'notes', primary_key: 'id' },
];

async function startWithTables(fixture: SyncFixture, ddl: 'replicate' | 'pause') {
  await fixture.source.query(tablesDdl);
  const running = await fixture.startService(fixture.configDocument({ tables, sync: { ddl } }));
  await expectTablesEqual(fixture, 'items', 'id');
  await expectTablesEqual(fixture, 'notes', 'id');
  return running;
}

describe('DDL on a synced table end to end', () => {
  it('follows ALTER TABLE ... ADD COLUMN the operator ran on both sides: the target refuses it as there already, and rows keep coming with the new column', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'ddlboth');
    const running = await startWithTables(fixture, 'replicate');

    await fixture.target.query("ALTER TABLE items ADD COLUMN color VARCHAR(10) NOT NULL DEFAULT 'none'");
    await fixture.source.query(`
      ALTER TABLE items ADD COLUMN color VARCHAR(10) NOT NULL DEFAULT 'none';
      INSERT INTO items VALUES (3, 'desk', 120.00, 'oak');
      UPDATE items SET color = 'black', price = price + 1 WHERE id = 1;
      DELETE FROM items WHERE id = 2;
      INSERT INTO notes VALUES (2, 'after the alter')`);
    await eventually(async () => {
      await expectTablesEqual(fixture, 'items', 'id');
      await expectTablesEqual(fixture, 'notes', 'id');
    }, 30_000);
    expect(await fixture.target.query('SELECT * FROM items ORDER BY id')).toEqual([
      { id: 1, name: 'lamp', price: '20.99', color: 'black' },
      { id: 3, name: 'desk', price: '120.00', color: 'oak' },
    ]);
    expect(running.service.status.directions[0]?.tables).toMatchObject([
      { table: 'items', state: 'streaming', pause: null },
      { table: 'notes', state: 'streaming', pause: null },
    ]);
  });

  it('sync.ddl: pause pauses a table whose DDL the target lacks, naming the column; other tables go on; nothing wrong is written', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'ddlsource',
    );
    const running = await startWithTables(fixture, 'pause');
    await fixture.source.query("INSERT INTO items VALUES (3, 'desk', 120.00)");
    await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
    const itemsBeforeAlter = await fixture.source.query('SELECT * FROM items ORDER BY id');

    await fixture.source.query(`
      ALTER TABLE items ADD COLUMN stock INT NOT NULL DEFAULT 0;
      INSERT INTO items VALUES (4, 'shelf', 35.50, 7);
      UPDATE items SET stock = 3, name = 'big lamp' WHERE id = 1;
      INSERT INTO notes VALUES (2, 'notes keep syncing')`);
    await eventually(() => {
      const itemsStatus = running.service.status.directions[0]?.tables.find(
        (table) => table.table === 'items',
      );
      expect(itemsStatus).toMatchObject({
        state: 'paused',
        pause: {
          reason: 'schema-change',
          message: expect.stringMatching(
            /ALTER TABLE items ADD COLUMN stock.* is not on cloud: columns stock differ/,
          ) as unknown,
        },
      });
    }, 30_000);
    await fixture.source.query("INSERT INTO notes VALUES (3, 'still syncing after the pause')");
    await eventually(() => expectTablesEqual(fixture, 'notes', 'id'), 30_000);
    expect(running.service.status.directions[0]).toMatchObject({
      state: 'streaming',
      tables: [
        { table: 'items', state: 'paused' },
        { table: 'notes', state: 'streaming', pause: null },
      ],
    });
    // The target's items are exactly what they were before the ALTER: no row after it was written.
    expect(await fixture.target.query('SELECT * FROM items ORDER BY id')).toEqual(itemsBeforeAlter);
    const storedState = (await running.store.listTableStates()).find((state) => state.tableName === 'items');
    expect(storedState).toMatchObject({ status: 'paused', details: { reason: 'schema-change' } });
    expect(storedState?.errorMessage).toContain('columns stock differ');

    // Doing what the status says (the same change on the target, then a restart) brings the held rows.
    await running.stop();
    await fixture.target.query('ALTER TABLE items ADD COLUMN stock INT NOT NULL DEFAULT 0');
    const restarted = await fixture.startService(fixture.configDocument({ tables, sync: { ddl: 'pause' } }));
    await eventually(async () => {
      await expectTablesEqual(fixture, 'items', 'id');
      await expectTablesEqual(fixture, 'notes', 'id');
    }, 30_000);
    expect(restarted.service.status.directions[0]?.tables).toMatchObject([
      { table: 'items', state: 'streaming', pause: null },
      { table: 'notes', state: 'streaming', pause: null },
    ]);
  });
});
