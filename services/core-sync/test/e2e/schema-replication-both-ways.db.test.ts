/**
 * Each replicated kind of statement, both ways: a migration run half on local, half on cloud, one statement after
 * the other (each once the previous one reached the other side, as an operator's migration tool runs them), while
 * both sides write the table. Both sides end with the same definition and the same rows, value by value, every
 * row applied once, no conflict and no pause.
 */
import { describe, expect, it } from 'vitest';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { definitionOf } from '../support/table-definitions.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  stopLoads,
  type SyncFixture,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import {
  bothWaysDocument,
  createBothWaysTables,
  expectSyncedExactlyOnce,
  startBothWaysLoads,
  waitForProgress,
  writeLogTables,
  type WriteLoad,
} from '../support/write-log-load.js';
import { testServerUrl } from '../support/test-servers.js';

const notesTable = 'CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(40) NOT NULL)';

async function expectSameDefinition(fixture: SyncFixture, table: string): Promise<void> {
  expect(await definitionOf(fixture.target, table), `${table} on cloud`).toBe(
    await definitionOf(fixture.source, table),
  );
}

interface MigrationStep {
  readonly side: 'local' | 'cloud';
  readonly table: string;
  readonly statement: string;
}

/** Local's statements are run on the fixture's source, cloud's on its target. */
const migration: readonly MigrationStep[] = [
  {
    side: 'cloud',
    table: 'events',
    statement: "ALTER TABLE events ADD COLUMN note VARCHAR(20) NOT NULL DEFAULT 'none'",
  },
  { side: 'local', table: 'events', statement: 'ALTER TABLE events MODIFY payload VARCHAR(120) NOT NULL' },
  {
    side: 'cloud',
    table: 'events',
    statement:
      "INSERT INTO events (id, writer, payload) VALUES (5000001, 2, 'a payload wider than the hundred characters of before, written on cloud right after the change reached it')",
  },
  { side: 'local', table: 'events', statement: 'ALTER TABLE events RENAME COLUMN note TO remark' },
  { side: 'cloud', table: 'events', statement: 'CREATE INDEX events_writer ON events (writer, payload)' },
  { side: 'local', table: 'events', statement: 'DROP INDEX events_writer ON events' },
  {
    side: 'cloud',
    table: 'events',
    statement: "ALTER TABLE events ALTER COLUMN remark SET DEFAULT 'unset'",
  },
  { side: 'local', table: 'notes', statement: "ALTER TABLE notes COMMENT = 'kept in sync'" },
  { side: 'cloud', table: 'notes', statement: 'TRUNCATE TABLE notes' },
  { side: 'local', table: 'notes', statement: "INSERT INTO notes VALUES (3, 'after the truncate')" },
  { side: 'local', table: 'events', statement: 'ALTER TABLE events DROP COLUMN remark' },
];

describe('each replicated statement both ways', () => {
  it('MODIFY, RENAME COLUMN, CREATE/DROP INDEX, a default, a table option, TRUNCATE and DROP COLUMN from either side reach the other, under writes on both sides', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'ddlbothways',
    );
    await createBothWaysTables(fixture);
    await fixture.source.query(`${notesTable}; INSERT INTO notes VALUES (1, 'one'), (2, 'two')`);
    await fixture.target.query(notesTable);
    const running = await fixture.startService(
      bothWaysDocument(fixture, [...writeLogTables, { name: 'notes', primary_key: 'id' }]),
    );
    await eventually(() => expectTablesEqual(fixture, 'notes', 'id'), 30_000);
    const loads = await startBothWaysLoads(fixture);
    const sides: Record<MigrationStep['side'], { database: TestDatabase; load: WriteLoad }> = {
      local: { database: fixture.source, load: loads[0] },
      cloud: { database: fixture.target, load: loads[1] },
    };
    for (const step of migration) {
      const { database, load } = sides[step.side];
      await waitForProgress(load, 10);
      await database.query(step.statement);
      // The next statement may depend on this one: it runs once the other side has it.
      await eventually(() => expectSameDefinition(fixture, step.table), 30_000);
    }
    await waitForProgress(loads[0], 20);
    await waitForProgress(loads[1], 20);
    await stopLoads(loads);

    await expectSyncedExactlyOnce(fixture, ['source', 'target']);
    await eventually(() => expectTablesEqual(fixture, 'notes', 'id'), 30_000);
    for (const table of ['events', 'counters', 'notes']) await expectSameDefinition(fixture, table);
    await expectExactlyEqual(fixture.source, fixture.target, 'events', ['id']);
    await expectExactlyEqual(fixture.source, fixture.target, 'notes', ['id']);
    expect(await fixture.source.query('SELECT id, body FROM notes')).toEqual([
      { id: 3, body: 'after the truncate' },
    ]);
    expect(await fixture.source.query('SHOW INDEX FROM events')).toHaveLength(1);
    for (const direction of running.service.status.directions) {
      expect(direction.tables.map((table) => table.pause)).toEqual([null, null, null]);
      // Each side ran its own statements and followed the other's (echo): none paused or failed.
      const states = new Set(direction.schemaChanges.map((change) => change.state));
      expect([...states].sort()).toEqual(['applied', 'echo']);
    }
    expect((await running.store.listConflicts({ limit: 10, offset: 0 })).total).toBe(0);
  });
});

describe('a column renamed on one side while the other writes it', () => {
  it("the other side's rows written under the old name keep their values under the new one", async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'ddlrename',
    );
    const itemsTable = 'CREATE TABLE items (id INT PRIMARY KEY, colour VARCHAR(20) NULL)';
    await fixture.source.query(`${itemsTable}; INSERT INTO items VALUES (1, 'red'), (2, 'green')`);
    await fixture.target.query(itemsTable);
    const document = fixture.configDocument({
      tables: [{ name: 'items', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' }],
      sync: { mode: 'bidirectional' },
    });
    const first = await fixture.startService(document);
    await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
    await first.stop();
    // Cloud writes the column under its old name before the rename reaches it: its rows are in flight when
    // local, which renamed it, receives them.
    await fixture.target.query(`
      INSERT INTO items VALUES (3, 'blue'), (4, 'black');
      UPDATE items SET colour = 'crimson' WHERE id = 1`);
    await fixture.source.query('ALTER TABLE items RENAME COLUMN colour TO color');
    const second = await fixture.startService(document);
    await eventually(async () => {
      await expectSameDefinition(fixture, 'items');
      await expectTablesEqual(fixture, 'items', 'id');
    }, 30_000);
    await expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']);
    expect(await fixture.source.query('SELECT id, color FROM items ORDER BY id')).toEqual([
      { id: 1, color: 'crimson' },
      { id: 2, color: 'green' },
      { id: 3, color: 'blue' },
      { id: 4, color: 'black' },
    ]);
    for (const direction of second.service.status.directions) {
      expect(direction.tables.map((table) => table.pause)).toEqual([null]);
    }
  });
});
