/**
 * Schema changes replicated with the rows (sync.ddl: replicate, the default), under a write load on the synced
 * table: each statement reaches the other side in order with the rows around it, once, and both sides end with
 * the same definition and the same rows, row by row.
 */
import { describe, expect, it } from 'vitest';
import type { SchemaChangeStepEvent } from '../../src/events/index.js';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { definitionOf } from '../support/table-definitions.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  stopLoads,
  type SyncFixture,
} from '../support/sync-fixture.js';
import {
  bothWaysDocument,
  createBothWaysTables,
  expectSyncedExactlyOnce,
  sourceTables,
  startBothWaysLoads,
  startWriteLoad,
  targetTables,
  waitForProgress,
  writeLogTables,
} from '../support/write-log-load.js';
import { testServerUrl } from '../support/test-servers.js';

/** Both sides' SHOW CREATE TABLE are the same, auto-increment counters aside. */
async function expectSameDefinition(fixture: SyncFixture, table: string): Promise<void> {
  expect(await definitionOf(fixture.target, table), `${table} on the target`).toBe(
    await definitionOf(fixture.source, table),
  );
}

const notesTable = `CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(40) NOT NULL)`;

describe('schema changes replicated with the rows', () => {
  it('one way: ALTER (add, modify, rename, drop a column; qualified name), CREATE/DROP INDEX and TRUNCATE reach the target in order, under writes', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'ddlrepl');
    await fixture.source.query(
      `${sourceTables}; ${notesTable}; INSERT INTO notes VALUES (1, 'one'), (2, 'two')`,
    );
    // The target's events and counters log every row written to them: a row applied twice shows.
    await fixture.target.query(targetTables);
    const running = await fixture.startService(
      fixture.configDocument({
        tables: [...writeLogTables, { name: 'notes', primary_key: 'id' }],
        sync: { batch_insert_size: 50 },
      }),
    );
    const steps: SchemaChangeStepEvent[] = [];
    running.events.subscribe((event) => {
      if (event.type === 'schema-change') steps.push(event);
    });
    const load = await startWriteLoad(fixture.source, 1, { pauseMs: 2 });
    const statements = [
      "ALTER TABLE events ADD COLUMN note VARCHAR(20) NOT NULL DEFAULT 'none'",
      "INSERT INTO events (id, writer, payload, note) VALUES (-1, 7, 'explicit', 'noted')",
      'ALTER TABLE notes ADD COLUMN stars TINYINT NOT NULL DEFAULT 0',
      'UPDATE notes SET stars = id + 2',
      'CREATE INDEX events_writer ON events (writer, payload)',
      'ALTER TABLE events MODIFY payload VARCHAR(120) NOT NULL',
      "INSERT INTO events (id, writer, payload) VALUES (-2, 7, 'a payload wider than the forty characters of before')",
      'ALTER TABLE notes MODIFY body VARCHAR(80) NOT NULL',
      "UPDATE notes SET body = CONCAT(body, ' is now longer than forty characters wide') WHERE id = 1",
      'ALTER TABLE events RENAME COLUMN note TO remark',
      "INSERT INTO events (id, writer, payload, remark) VALUES (-3, 7, 'renamed', 'remarked')",
      'ALTER TABLE notes RENAME COLUMN stars TO rating',
      'UPDATE notes SET rating = 9 WHERE id = 2',
      'DROP INDEX events_writer ON events',
      `ALTER TABLE \`${fixture.source.name}\`.events DROP COLUMN remark, ADD COLUMN size INT NULL`,
      'INSERT INTO events (id, writer, payload, size) VALUES (-4, 7, "sized", 4)',
      'ALTER TABLE counters ADD COLUMN touched DATETIME(6) NULL DEFAULT NULL',
      'TRUNCATE TABLE notes',
      "INSERT INTO notes (id, body) VALUES (3, 'after the truncate')",
    ];
    for (const statement of statements) {
      await waitForProgress(load, 5);
      await fixture.source.query(statement);
    }
    await waitForProgress(load, 20);
    await stopLoads([load]);

    await expectSyncedExactlyOnce(fixture);
    await eventually(() => expectTablesEqual(fixture, 'notes', 'id'), 30_000);
    for (const table of ['events', 'counters', 'notes']) await expectSameDefinition(fixture, table);
    await expectExactlyEqual(fixture.source, fixture.target, 'events', ['id']);
    expect(await fixture.target.query('SELECT * FROM notes')).toEqual([
      { id: 3, body: 'after the truncate', rating: 0 },
    ]);
    expect(await fixture.target.query('SELECT id, size FROM events WHERE id < 0 ORDER BY id DESC')).toEqual([
      { id: -1, size: null },
      { id: -2, size: null },
      { id: -3, size: null },
      { id: -4, size: 4 },
    ]);
    expect(running.service.status.directions[0]?.tables.map((table) => table.pause)).toEqual([
      null,
      null,
      null,
    ]);
    // Visible: each statement in the status, newest first, and each step on the event stream.
    const ddl = statements.filter((statement) => !/^(INSERT|UPDATE)/.test(statement));
    const views = running.service.status.directions[0]?.schemaChanges ?? [];
    expect(views.map((view) => [view.statement, view.state])).toEqual(
      ddl.map((statement) => [statement, 'applied']).reverse(),
    );
    expect(views.every((view) => view.durationMs !== null && view.message === null)).toBe(true);
    const firstStatement = views.at(-1)?.position;
    expect(
      steps.filter((step) => step.change.position === firstStatement).map((step) => step.change.state),
    ).toEqual(['waiting', 'applying', 'applied']);
  });

  it('both ways: a DDL from the cloud side while local writes the same table, then one from local, under writes on both sides', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'ddlboth');
    await createBothWaysTables(fixture);
    const running = await fixture.startService(bothWaysDocument(fixture));
    await eventually(() => expectTablesEqual(fixture, 'counters', 'id'), 30_000);
    const loads = await startBothWaysLoads(fixture);
    const [localLoad, cloudLoad] = loads;
    await waitForProgress(localLoad, 20);
    // From the cloud side, while local writes events: local's rows in flight lack the column for a moment.
    await fixture.target.query("ALTER TABLE events ADD COLUMN origin VARCHAR(10) NOT NULL DEFAULT 'either'");
    await waitForProgress(cloudLoad, 10);
    await fixture.target.query(
      "INSERT INTO events (id, writer, payload, origin) VALUES (2000001, 2, 'from cloud', 'cloud')",
    );
    await waitForProgress(localLoad, 20);
    // Local's own statement below names the new column: it runs once local has it, as a migration tool would.
    await eventually(() => expectSameDefinition(fixture, 'events'), 30_000);
    await fixture.source.query('CREATE INDEX events_payload ON events (payload)');
    await fixture.source.query(
      "INSERT INTO events (id, writer, payload, origin) VALUES (3000001, 1, 'from local', 'local')",
    );
    await waitForProgress(cloudLoad, 20);
    // And a column dropped on one side while the other writes rows that still have it.
    await fixture.source.query('ALTER TABLE events DROP COLUMN origin');
    await waitForProgress(cloudLoad, 20);
    await waitForProgress(localLoad, 20);
    await stopLoads(loads);

    await expectSyncedExactlyOnce(fixture, ['source', 'target']);
    for (const table of ['events', 'counters']) await expectSameDefinition(fixture, table);
    await expectExactlyEqual(fixture.source, fixture.target, 'events', ['id']);
    for (const direction of running.service.status.directions) {
      expect(direction.tables.map((table) => table.pause)).toEqual([null, null]);
    }
    // The loads write rows of their own: a row in flight compared with its new columns would have been a conflict.
    expect((await running.store.listConflicts({ limit: 10, offset: 0 })).total).toBe(0);
  });
  it('one way: a statement run while the service was stopped is carried over at the next start, before the rows after it', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'ddlstopped',
    );
    await fixture.source.query(`${notesTable}; INSERT INTO notes VALUES (1, 'one')`);
    const document = fixture.configDocument({ tables: [{ name: 'notes', primary_key: 'id' }] });
    const first = await fixture.startService(document);
    await eventually(() => expectTablesEqual(fixture, 'notes', 'id'), 30_000);
    await first.stop();
    await fixture.source.query(`
      ALTER TABLE notes ADD COLUMN stars TINYINT NOT NULL DEFAULT 3;
      INSERT INTO notes VALUES (2, 'two', 5)`);
    const second = await fixture.startService(document);
    await eventually(() => expectTablesEqual(fixture, 'notes', 'id'), 30_000);
    await expectSameDefinition(fixture, 'notes');
    expect(second.service.status.directions[0]?.schemaChanges.map((change) => change.state)).toEqual([
      'applied',
    ]);
  });
  it('both ways: a row the other side changed with the old schema reaches a side whose new column is NOT NULL without a default', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'ddlnotnull',
    );
    await fixture.source.query(`${notesTable}; INSERT INTO notes VALUES (1, 'one'), (2, 'two')`);
    await fixture.target.query(notesTable);
    const document = fixture.configDocument({
      tables: [{ name: 'notes', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' }],
      sync: { mode: 'bidirectional' },
    });
    const first = await fixture.startService(document);
    await eventually(() => expectTablesEqual(fixture, 'notes', 'id'), 30_000);
    await first.stop();
    // Local's new column has no default; cloud changes a row before it has the column.
    await fixture.source.query('ALTER TABLE notes ADD COLUMN stars INT NOT NULL');
    await fixture.source.query('UPDATE notes SET stars = 4 WHERE id = 1');
    await fixture.target.query("UPDATE notes SET body = 'two, changed on cloud' WHERE id = 2");
    const second = await fixture.startService(document);
    await eventually(async () => {
      await expectTablesEqual(fixture, 'notes', 'id');
      expect(await fixture.source.query('SELECT id, body, stars FROM notes ORDER BY id')).toEqual([
        { id: 1, body: 'one', stars: 4 },
        { id: 2, body: 'two, changed on cloud', stars: 0 },
      ]);
    }, 30_000);
    await expectSameDefinition(fixture, 'notes');
    for (const direction of second.service.status.directions) {
      expect(direction.tables.map((table) => table.pause)).toEqual([null]);
    }
  });
});
