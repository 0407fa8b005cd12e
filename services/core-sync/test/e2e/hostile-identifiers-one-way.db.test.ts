/**
 * Hostile identifiers (see test/support/hostile-tables.ts) one way: such tables snapshot, stream inserts, updates
 * and deletes, resume after a restart, have DDL naming them recognised, and are repaired by a full sync.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SyncManager } from '../../src/manager/index.js';
import type { RunProgress } from '../../src/status/index.js';
import {
  countOf,
  createStatement,
  divergeSilently,
  expectSameRows,
  hostileDatabaseLabel,
  quoted,
  reservedTable,
  reservedTableDdl,
} from '../support/hostile-tables.js';
import { createSyncFixture, eventually, startDisposableService } from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { testServerUrl } from '../support/test-servers.js';

/** One-way table: a composite primary key whose first column's name has a comma (so only the list form works). */
const wideTable = 'it`em\'s "list", v.1 \\ (ordér) 表';
const wideKey = ['ke`y,"one"', 'order'] as const;
const wideColumns = {
  select: 'VARCHAR(40) NOT NULL',
  group: 'INT NULL',
  key: 'VARCHAR(20) NULL',
  'col.with dots': 'TEXT NULL',
  'back\\slash': 'VARCHAR(20) NULL',
  'naïve 中文 Ünïcode': 'VARCHAR(40) NULL',
  constructor: 'INT NULL',
  "it's": 'VARCHAR(10) NULL',
} as const;

const wideTableDdl = createStatement(
  wideTable,
  { [wideKey[0]]: 'INT NOT NULL', [wideKey[1]]: 'VARCHAR(20) NOT NULL', ...wideColumns },
  wideKey,
);

/** Inserts `count` rows of the wide table from `first`, every column filled (some NULL), quotes in the values too. */
async function insertWideRows(database: TestDatabase, first: number, count: number): Promise<void> {
  const rows = Array.from({ length: count }, (_unused, offset) => {
    const index = first + offset;
    return [
      index,
      index % 3 === 0 ? 'a,b' : `o'r\`d"e\\r ${index}`,
      `sel ${index}`,
      index % 5 === 0 ? null : index * 7,
      `k${index}`,
      index % 4 === 0 ? null : 'dots.and, commas',
      'a\\b',
      `é 中 ${index}`,
      index,
      "'",
    ];
  });
  await database.query(`INSERT INTO ${quoted(wideTable)} VALUES ?`, [rows]);
}

describe('hostile identifiers', () => {
  it('one way: snapshot, streamed inserts, updates and deletes, a restart, DDL and a full-sync repair', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      hostileDatabaseLabel,
    );
    await fixture.source.query(`${wideTableDdl}; ${reservedTableDdl}`);
    await insertWideRows(fixture.source, 1, 240);
    await fixture.source.query(
      `INSERT INTO ${quoted(reservedTable)} SELECT seq, CONCAT('g', seq) FROM seq_1_to_120`,
    );
    // The text form of primary_key splits on commas: it cannot name this key, and start-up says so.
    await expect(
      fixture.startService(
        fixture.configDocument({ tables: [{ name: wideTable, primary_key: wideKey.join(',') }] }),
      ),
    ).rejects.toMatchObject({
      code: 'TABLE_NO_PRIMARY_KEY',
      message: `table ${wideTable}: sync.tables[].primary_key is (\`ke\`\`y\`, \`"one"\`, \`order\`) but the table's primary key is (\`ke\`\`y,"one"\`, \`order\`)`,
    });
    const document = fixture.configDocument({
      tables: [
        { name: wideTable, primary_key: [...wideKey] },
        { name: reservedTable, primary_key: 'key' },
      ],
      sync: { snapshot_chunk_size: 50 },
    });
    const first = await fixture.startService(document);
    // The snapshot created the missing target tables from the source definitions and copied every row.
    await expectSameRows(fixture, wideTable, wideKey);
    await expectSameRows(fixture, reservedTable, ['key']);
    expect(await countOf(fixture.target, wideTable)).toBe(240);

    await insertWideRows(fixture.source, 1000, 5);
    await fixture.source
      .query(`      UPDATE ${quoted(wideTable)} SET ${quoted('select')} = 'changed', ${quoted('naïve 中文 Ünïcode')} = NULL WHERE ${quoted(wideKey[0])} <= 10;
      UPDATE ${quoted(wideTable)} SET ${quoted('order')} = 'moved' WHERE ${quoted(wideKey[0])} = 20;
      DELETE FROM ${quoted(wideTable)} WHERE ${quoted(wideKey[0])} BETWEEN 30 AND 39;
      UPDATE ${quoted(reservedTable)} SET ${quoted('group')} = 'regrouped' WHERE ${quoted('key')} % 10 = 0;
      DELETE FROM ${quoted(reservedTable)} WHERE ${quoted('key')} > 110`);
    await eventually(async () => {
      await expectSameRows(fixture, wideTable, wideKey);
      await expectSameRows(fixture, reservedTable, ['key']);
    }, 30_000);
    expect(await countOf(fixture.target, wideTable)).toBe(240 + 5 - 10);

    // Stopped and started again, it resumes from the checkpoints it keeps per table name.
    await first.stop();
    await fixture.source.query(
      `UPDATE ${quoted(wideTable)} SET ${quoted("it's")} = 'stopped' WHERE ${quoted(wideKey[0])} BETWEEN 40 AND 60;
       DELETE FROM ${quoted(reservedTable)} WHERE ${quoted('key')} = 1`,
    );
    await using running = await startDisposableService(fixture, document);
    await eventually(async () => {
      await expectSameRows(fixture, wideTable, wideKey);
      await expectSameRows(fixture, reservedTable, ['key']);
    }, 30_000);
    expect(running.service.status.directions[0]?.tables.map((table) => table.rowsCopied)).toEqual([0, 0]);

    await divergeSilently(
      fixture.target,
      `DELETE FROM ${quoted(wideTable)} WHERE ${quoted(wideKey[0])} IN (1, 100, 240);
       UPDATE ${quoted(wideTable)} SET ${quoted('back\\slash')} = 'diverged', ${quoted('group')} = NULL WHERE ${quoted(wideKey[0])} = 50;
       INSERT INTO ${quoted(wideTable)} (${quoted(wideKey[0])}, ${quoted(wideKey[1])}, ${quoted('select')}) VALUES (5000, 'extra', 'x');
       DELETE FROM ${quoted(reservedTable)} WHERE ${quoted('key')} = 7`,
    );
    const syncManager = new SyncManager({
      config: () => running.config,
      host: running.service,
      store: running.store,
      events: running.events,
      logger: pino({ level: 'silent' }),
      progressIntervalMs: 0,
    });
    await syncManager.trigger({}, 'test', 'trace-hostile');
    await syncManager.idle();
    const run = syncManager.currentRun as RunProgress;
    expect(run).toMatchObject({ state: 'completed', rowsChanged: 6, error: null });
    expect(run.tables.map((table) => [table.table, table.state])).toEqual([
      [wideTable, 'done'],
      [reservedTable, 'done'],
    ]);
    await expectSameRows(fixture, wideTable, wideKey);
    await expectSameRows(fixture, reservedTable, ['key']);

    // DDL naming the tables by their quoted names is recognised: a column added on both sides is found there
    // already; one added on the source only is carried over (sync.ddl: replicate), its quoted name intact.
    const addColumn = `ALTER TABLE ${quoted(wideTable)} ADD COLUMN ${quoted('new "col", x')} INT NOT NULL DEFAULT 1`;
    await fixture.target.query(addColumn);
    await fixture.source.query(`${addColumn};
      ALTER TABLE ${quoted(reservedTable)} ADD COLUMN ${quoted('from')} INT;
      UPDATE ${quoted(wideTable)} SET ${quoted('new "col", x')} = 2 WHERE ${quoted(wideKey[0])} = 2;
      UPDATE ${quoted(reservedTable)} SET ${quoted('from')} = 7`);
    await eventually(async () => {
      expect(running.service.status.directions[0]?.tables).toMatchObject([
        { table: wideTable, state: 'streaming', pause: null },
        { table: reservedTable, state: 'streaming', pause: null },
      ]);
      await expectSameRows(fixture, reservedTable, ['key']);
    }, 30_000);
    expect(running.service.status.directions[0]?.schemaChanges.map((change) => change.state)).toEqual([
      'applied',
      'found-applied',
    ]);
    await fixture.source.query(`DELETE FROM ${quoted(wideTable)} WHERE ${quoted(wideKey[0])} = 3`);
    await eventually(() => expectSameRows(fixture, wideTable, wideKey), 30_000);
    expect(running.listenerErrors).toEqual([]);
  });
});
