/**
 * Schema changes that are not carried over pause their table, with the statement and what to do in the status:
 * RENAME TABLE, DROP TABLE, a statement the target refuses, two sides changing one table at once into different
 * definitions, and a column added without a statement in the binlog. The same statement run on both sides at once
 * is not a conflict: both go on.
 */
import { describe, expect, it } from 'vitest';
import type { TablePause } from '../../src/status/index.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  type RunningService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { definitionOf } from '../support/table-definitions.js';
import { testServerUrl } from '../support/test-servers.js';

const tablesDdl = `
  CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL);
  INSERT INTO items VALUES (1, 'lamp'), (2, 'chair');
  CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(40) NOT NULL);
  INSERT INTO notes VALUES (1, 'first')`;
const tables = [
  { name: 'items', primary_key: 'id' },
  { name: 'notes', primary_key: 'id' },
];

function pauseOf(
  running: RunningService,
  directionIndex: number,
  table: string,
): TablePause | null | undefined {
  return running.service.status.directions[directionIndex]?.tables.find(
    (candidate) => candidate.table === table,
  )?.pause;
}

async function startOneWay(fixture: SyncFixture): Promise<RunningService> {
  await fixture.source.query(tablesDdl);
  const running = await fixture.startService(fixture.configDocument({ tables }));
  await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
  return running;
}

describe('schema changes that pause their table', () => {
  it('RENAME TABLE and DROP TABLE of a synced table pause it, naming the statement; the other table goes on', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'ddlrename',
    );
    const running = await startOneWay(fixture);
    await fixture.source.query('RENAME TABLE items TO items_before');
    await eventually(() => {
      expect(pauseOf(running, 0, 'items')).toMatchObject({
        reason: 'schema-change',
        code: 'TABLE_PAUSED_DDL',
        message: expect.stringMatching(
          /^RENAME TABLE renames a synced table on local \(RENAME TABLE items TO items_before\), which core-sync does not carry over: make items on cloud what it is on local, then resume/,
        ) as unknown,
      });
    }, 30_000);
    await fixture.source.query("INSERT INTO notes VALUES (2, 'still syncing')");
    await eventually(() => expectTablesEqual(fixture, 'notes', 'id'), 30_000);
    await fixture.source.query('DROP TABLE notes');
    await eventually(() => {
      expect(pauseOf(running, 0, 'notes')?.message).toMatch(/^DROP TABLE drops a synced table on local/);
    }, 30_000);
    // Nothing was run on the target.
    expect(await fixture.target.query('SELECT * FROM items ORDER BY id')).toHaveLength(2);
    expect(await fixture.target.query('SELECT * FROM notes ORDER BY id')).toHaveLength(2);
    expect(running.service.status.directions[0]?.schemaChanges.map((change) => change.state)).toEqual([
      'paused',
      'paused',
    ]);
  });

  it('a table swapped in by RENAME TABLE pauses until the target has the same columns; then a restart goes on without running anything', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'ddlswap');
    const running = await startOneWay(fixture);
    // What an online schema change tool does: a copy with the new definition, swapped in atomically.
    await fixture.source.query(`
      CREATE TABLE items_next LIKE items;
      ALTER TABLE items_next ADD COLUMN stock INT NOT NULL DEFAULT 0;
      INSERT INTO items_next (id, name) SELECT id, name FROM items;
      RENAME TABLE items TO items_previous, items_next TO items;
      INSERT INTO items VALUES (3, 'desk', 4)`);
    await eventually(() => {
      expect(pauseOf(running, 0, 'items')?.message).toMatch(
        /^RENAME TABLE renames a synced table on local \(RENAME TABLE items TO items_previous, items_next TO items\)/,
      );
    }, 30_000);
    await running.stop();
    await fixture.target.query('ALTER TABLE items ADD COLUMN stock INT NOT NULL DEFAULT 0');
    const restarted = await fixture.startService(fixture.configDocument({ tables }));
    await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
    expect(pauseOf(restarted, 0, 'items')).toBeNull();
    expect(restarted.service.status.directions[0]?.schemaChanges.map((change) => change.state)).toEqual([
      'followed',
    ]);
  });

  it('a statement the target refuses pauses the table with the server error; once the target is fixed, a restart runs it and the rows after it follow', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'ddlrefused',
    );
    const running = await startOneWay(fixture);
    // The target holds a row the source does not: the unique index cannot be built there.
    await fixture.target.query("INSERT INTO items VALUES (100, 'lamp')");
    await fixture.source.query(`
      ALTER TABLE items ADD UNIQUE INDEX items_name (name);
      INSERT INTO items VALUES (3, 'desk')`);
    await eventually(() => {
      expect(pauseOf(running, 0, 'items')).toMatchObject({
        code: 'TABLE_PAUSED_DDL',
        message: expect.stringMatching(
          /items refused the schema change: Duplicate entry 'lamp' for key 'items_name' \(statement from local: ALTER TABLE items ADD UNIQUE INDEX items_name \(name\)\); make items the same on both sides, then resume/,
        ) as unknown,
      });
    }, 30_000);
    expect(await fixture.target.query('SELECT id FROM items WHERE id = 3')).toEqual([]);

    await running.stop();
    await fixture.target.query('DELETE FROM items WHERE id = 100');
    const restarted = await fixture.startService(fixture.configDocument({ tables }));
    await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
    expect(await definitionOf(fixture.target, 'items')).toBe(await definitionOf(fixture.source, 'items'));
    expect(pauseOf(restarted, 0, 'items')).toBeNull();
    expect(restarted.service.status.directions[0]?.schemaChanges[0]?.state).toBe('applied');
  });

  describe('both ways', () => {
    const bothWays = (fixture: SyncFixture) =>
      fixture.configDocument({
        tables: tables.map((table) => ({
          ...table,
          conflict_resolution: 'source_priority',
          prefer: 'local',
        })),
        sync: { mode: 'bidirectional' },
      });

    /**
     * Starts both ways, then runs one statement on each side while the service is stopped, and starts it again:
     * both directions read their side's statement before either can carry the other's over (run while the service
     * streams, the first carried over would make the second fail in the test itself).
     */
    async function changeBothSidesAtOnce(
      fixture: SyncFixture,
      localStatement: string,
      cloudStatement: string,
    ): Promise<RunningService> {
      await fixture.source.query(tablesDdl);
      await fixture.target.query(tablesDdl.replace(/INSERT INTO[^;]*;?/g, ''));
      const first = await fixture.startService(bothWays(fixture));
      await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
      await first.stop();
      await fixture.source.query(localStatement);
      await fixture.target.query(cloudStatement);
      return fixture.startService(bothWays(fixture));
    }

    it('a column added on one side without a statement in the binlog (sql_log_bin = 0): a row with it pauses the table, naming the column, instead of reaching the other side without its value', async () => {
      await using fixture = await createSyncFixture(
        testServerUrl('local'),
        testServerUrl('cloud'),
        'ddlunlogged',
      );
      await fixture.source.query(tablesDdl);
      await fixture.target.query(tablesDdl.replace(/INSERT INTO[^;]*;?/g, ''));
      const running = await fixture.startService(bothWays(fixture));
      await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
      await fixture.source.query(`
        SET SESSION sql_log_bin = 0;
        ALTER TABLE items ADD COLUMN size INT NULL;
        SET SESSION sql_log_bin = 1;
        INSERT INTO items VALUES (3, 'desk', 42)`);
      await eventually(() => {
        expect(pauseOf(running, 0, 'items')?.message).toMatch(/Unknown column 'size'/);
      }, 60_000);
      expect(await fixture.target.query('SELECT id FROM items WHERE id = 3')).toEqual([]);
      // The other table goes on both ways.
      await fixture.source.query("INSERT INTO notes VALUES (6, 'from local')");
      await eventually(() => expectTablesEqual(fixture, 'notes', 'id'), 30_000);

      // Made the same on both sides, as the status asks, and restarted: the row comes with its value.
      await running.stop();
      await fixture.target.query('ALTER TABLE items ADD COLUMN size INT NULL');
      const restarted = await fixture.startService(bothWays(fixture));
      await eventually(async () => {
        await expectTablesEqual(fixture, 'items', 'id');
        expect(await fixture.target.query('SELECT size FROM items WHERE id = 3')).toEqual([{ size: 42 }]);
      }, 30_000);
      expect(pauseOf(restarted, 0, 'items')).toBeNull();
    });

    it('two sides changing one table at once into different definitions: both directions pause it, the status shows both statements', async () => {
      await using fixture = await createSyncFixture(
        testServerUrl('local'),
        testServerUrl('cloud'),
        'ddlclash',
      );
      const localStatement = 'ALTER TABLE items ADD COLUMN size INT NOT NULL DEFAULT 0';
      const cloudStatement = "ALTER TABLE items ADD COLUMN size VARCHAR(5) NOT NULL DEFAULT 'M'";
      const running = await changeBothSidesAtOnce(fixture, localStatement, cloudStatement);
      await eventually(() => {
        expect(pauseOf(running, 0, 'items')?.message).toContain(`statement from local: ${localStatement}`);
        expect(pauseOf(running, 1, 'items')?.message).toContain(`statement from cloud: ${cloudStatement}`);
      }, 30_000);
      const messages = [pauseOf(running, 0, 'items')?.message, pauseOf(running, 1, 'items')?.message].join(
        '\n',
      );
      expect(messages).toContain(localStatement);
      expect(messages).toContain(cloudStatement);
      // Neither statement ran on the other side: each keeps its own.
      expect(await definitionOf(fixture.source, 'items')).toContain('`size` int');
      expect(await definitionOf(fixture.target, 'items')).toContain('`size` varchar(5)');
      // The other table goes on both ways.
      await fixture.target.query("INSERT INTO notes VALUES (5, 'from cloud')");
      await eventually(() => expectTablesEqual(fixture, 'notes', 'id'), 30_000);
    });

    it('two sides changing one table at once into different definitions the other accepts: paused at the echo, with both statements', async () => {
      await using fixture = await createSyncFixture(
        testServerUrl('local'),
        testServerUrl('cloud'),
        'ddldiverge',
      );
      const localStatement = 'ALTER TABLE items MODIFY name VARCHAR(10) NOT NULL';
      const cloudStatement = 'ALTER TABLE items MODIFY name VARCHAR(60) NOT NULL';
      const running = await changeBothSidesAtOnce(fixture, localStatement, cloudStatement);
      // Each side ran the other's statement after its own: local ends with 60, cloud with 10.
      await eventually(() => {
        const messages = [pauseOf(running, 0, 'items')?.message, pauseOf(running, 1, 'items')?.message].join(
          '\n',
        );
        expect(messages).toContain(
          'local and cloud changed items at once and ended with different definitions (name (varchar(60) vs varchar(10)) of another type)',
        );
        expect(messages).toContain(localStatement);
        expect(messages).toContain(cloudStatement);
      }, 30_000);
    });

    it('the same statement run on both sides at once ends in the same definition: both go on, rows with the new column flow both ways', async () => {
      await using fixture = await createSyncFixture(
        testServerUrl('local'),
        testServerUrl('cloud'),
        'ddlsame',
      );
      const statement = "ALTER TABLE items ADD COLUMN color VARCHAR(10) NOT NULL DEFAULT 'none'";
      const running = await changeBothSidesAtOnce(fixture, statement, statement);
      await fixture.source.query("INSERT INTO items VALUES (10, 'desk', 'oak')");
      await fixture.target.query("UPDATE items SET color = 'red' WHERE id = 1");
      await eventually(async () => {
        await expectTablesEqual(fixture, 'items', 'id');
        expect(await fixture.source.query('SELECT color FROM items WHERE id IN (1, 10) ORDER BY id')).toEqual(
          [{ color: 'red' }, { color: 'oak' }],
        );
      }, 30_000);
      expect(await definitionOf(fixture.target, 'items')).toBe(await definitionOf(fixture.source, 'items'));
      for (const direction of running.service.status.directions) {
        expect(direction.tables.map((table) => table.pause)).toEqual([null, null]);
        // Each side's statement found the other side with the same change: nothing ran twice, nothing echoed.
        expect(direction.schemaChanges.map((change) => [change.statement, change.state])).toEqual([
          [statement, 'found-applied'],
        ]);
      }
    });
  });
});
