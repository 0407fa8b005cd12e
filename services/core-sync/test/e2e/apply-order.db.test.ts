/**
 * Issue 14's reproductions, end to end from a real source binlog: rows that meet through a unique key, a
 * case-insensitive primary key or a foreign key must reach the target in the order the source made them, even
 * when a reader on the target holds one of them locked for a while. Each case ends with both sides compared row
 * by row, with the bytes of the strings.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/test-database.js';
import {
  createOnBothSides,
  createSyncFixture,
  eventually,
  expectBinlogsStandStill,
  expectTablesEqual,
  startDisposableService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

/** Holds `lockingRead` (a SELECT … FOR UPDATE) on the target for `holdMs`, in a transaction of its own. */
async function holdLock(
  database: TestDatabase,
  lockingRead: string,
  holdMs: number,
): Promise<{ released: Promise<void> }> {
  const connection = await database.pool.getConnection();
  await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await connection.query('START TRANSACTION');
  await connection.query(lockingRead);
  const released = (async () => {
    await sleep(holdMs);
    await connection.query('COMMIT');
    connection.release();
  })();
  return { released };
}

/** Both sides hold the same rows, compared with the bytes of every string column too. */
async function expectSameBytes(fixture: SyncFixture, table: string, columns: string): Promise<void> {
  const query = `SELECT HEX(CONCAT_WS(0x1F, ${columns})) AS bytes FROM ${table} ORDER BY HEX(CONCAT_WS(0x1F, ${columns}))`;
  const [sourceRows, targetRows] = await Promise.all([
    fixture.source.query(query),
    fixture.target.query(query),
  ]);
  expect(targetRows).toEqual(sourceRows);
}

async function caughtUp(fixture: SyncFixture, table: string, orderBy: string): Promise<void> {
  await eventually(() => expectTablesEqual(fixture, table, orderBy), 60_000);
}

/** Parents with a unique, case-insensitive code; children following the id (cascade) and the code. */
const cascadeTables = `CREATE TABLE parent (id INT PRIMARY KEY, code VARCHAR(16) COLLATE utf8mb4_unicode_ci NOT NULL UNIQUE);
  CREATE TABLE child_cascade (id INT PRIMARY KEY, parent_id INT NOT NULL,
    FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE ON UPDATE CASCADE);
  CREATE TABLE child_code (id INT PRIMARY KEY, parent_code VARCHAR(16) COLLATE utf8mb4_unicode_ci NULL,
    FOREIGN KEY (parent_code) REFERENCES parent (code) ON UPDATE CASCADE ON DELETE SET NULL)`;

/** Both sides hold the same parents and children, byte for byte. */
async function sidesAgree(fixture: SyncFixture): Promise<void> {
  await eventually(async () => {
    await expectSameBytes(fixture, 'parent', 'id, code');
    await expectSameBytes(fixture, 'child_cascade', 'id, parent_id');
    await expectSameBytes(fixture, 'child_code', 'id, IFNULL(parent_code, 0x00)');
  }, 60_000);
}

describe('apply order: no row lost when rows meet', () => {
  it('F2: a unique value freed by a delete and taken by another row arrives whole while a reader delays the first', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'f2');
    await createOnBothSides(
      fixture,
      'CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(64) NOT NULL UNIQUE)',
    );
    await using _service = await startDisposableService(
      fixture,
      fixture.configDocument({ tables: [{ name: 'u', primary_key: 'id' }], sync: { batch_insert_size: 1 } }),
    );
    const { released } = await holdLock(fixture.target, 'SELECT * FROM u WHERE id = 10 FOR UPDATE', 4_000);
    await fixture.source.query("INSERT INTO u VALUES (10, 'a@x')");
    await fixture.source.query('DELETE FROM u WHERE id = 10');
    await fixture.source.query("INSERT INTO u VALUES (20, 'a@x')");
    await released;
    await caughtUp(fixture, 'u', 'id');
    expect(await fixture.target.query('SELECT id, email FROM u')).toEqual([{ id: 20, email: 'a@x' }]);
  });

  it('F1: renames of a case- and accent-insensitive primary key never delete the renamed row', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'f1');
    await createOnBothSides(
      fixture,
      'CREATE TABLE t (name VARCHAR(32) COLLATE utf8mb4_unicode_ci PRIMARY KEY, version INT NOT NULL)',
    );
    const names = Array.from({ length: 12 }, (_, index) => `user${index}`);
    await fixture.source.query(`INSERT INTO t VALUES ${names.map((name) => `('${name}', 0)`).join(', ')}`);
    await using _service = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: [{ name: 't', primary_key: 'name' }],
        sync: { batch_insert_size: 2 },
      }),
    );
    await caughtUp(fixture, 't', 'name');
    const spellings = [
      (name: string) => name.toUpperCase(),
      (name: string) => `${name} `,
      (name: string) => name.replace('u', 'ü'),
    ];
    for (const [round, spell] of spellings.entries()) {
      const { released } = await holdLock(
        fixture.target,
        "SELECT * FROM t WHERE name = 'user3' FOR UPDATE",
        1_500,
      );
      for (const name of names) {
        await fixture.source.query('UPDATE t SET name = ?, version = ? WHERE name = ?', [
          spell(name),
          round + 1,
          name,
        ]);
      }
      await released;
      await caughtUp(fixture, 't', 'name');
      await expectSameBytes(fixture, 't', 'name, version');
      await fixture.source.query('UPDATE t SET name = TRIM(REPLACE(LOWER(name), "ü", "u"))');
      await caughtUp(fixture, 't', 'name');
    }
    await expectSameBytes(fixture, 't', 'name, version');
    expect(await fixture.target.query('SELECT COUNT(*) AS total FROM t')).toEqual([{ total: names.length }]);
  });

  it('F11: a unique-key swap inside one transaction and a REPLACE over another row apply without a pause', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'f11');
    await createOnBothSides(
      fixture,
      'CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(64) NOT NULL UNIQUE, points INT NULL)',
    );
    await fixture.source.query("INSERT INTO u VALUES (1, 'a@x', 1), (2, 'b@x', 2)");
    await using service = await startDisposableService(
      fixture,
      fixture.configDocument({ tables: [{ name: 'u', primary_key: 'id' }] }),
    );
    await caughtUp(fixture, 'u', 'id');
    await fixture.source.query(`START TRANSACTION;
      UPDATE u SET email = 'tmp' WHERE id = 1;
      UPDATE u SET email = 'a@x' WHERE id = 2;
      UPDATE u SET email = 'b@x' WHERE id = 1;
      COMMIT`);
    await caughtUp(fixture, 'u', 'id');
    expect(await fixture.target.query('SELECT id, email FROM u ORDER BY id')).toEqual([
      { id: 1, email: 'b@x' },
      { id: 2, email: 'a@x' },
    ]);
    // Row 1 holds b@x now: REPLACE of row 2 with b@x deletes row 1 on the source.
    await fixture.source.query("REPLACE INTO u VALUES (2, 'b@x', 22)");
    await caughtUp(fixture, 'u', 'id');
    expect(await fixture.target.query('SELECT id, email, points FROM u')).toEqual([
      { id: 2, email: 'b@x', points: 22 },
    ]);
    const status = service.service.status;
    expect(
      status.directions.map((direction) => direction.tables.filter((table) => table.state === 'paused')),
    ).toEqual([[]]);
  });

  it('F6: foreign-key cascades (ON DELETE CASCADE, ON UPDATE CASCADE, SET NULL) happen on the target too, also when a parent changes its primary key', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'f6');
    await createOnBothSides(
      fixture,
      `CREATE TABLE parent (id INT PRIMARY KEY, code VARCHAR(16) NOT NULL UNIQUE);
       CREATE TABLE child_cascade (id INT PRIMARY KEY, parent_id INT NOT NULL,
         FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE);
       CREATE TABLE child_code (id INT PRIMARY KEY, parent_code VARCHAR(16) NULL,
         FOREIGN KEY (parent_code) REFERENCES parent (code) ON UPDATE CASCADE ON DELETE SET NULL)`,
    );
    await fixture.source.query(`INSERT INTO parent VALUES (1, 'one'), (2, 'two'), (3, 'three'), (5, 'five');
      INSERT INTO child_cascade VALUES (10, 1), (11, 1), (20, 2);
      INSERT INTO child_code VALUES (100, 'one'), (200, 'two'), (300, 'three'), (500, 'five')`);
    const tables = ['parent', 'child_cascade', 'child_code'].map((name) => ({ name, primary_key: 'id' }));
    await using _service = await startDisposableService(fixture, fixture.configDocument({ tables }));
    for (const table of ['parent', 'child_cascade', 'child_code']) await caughtUp(fixture, table, 'id');

    await fixture.source.query('DELETE FROM parent WHERE id = 1');
    await fixture.source.query("UPDATE parent SET code = 'deux' WHERE id = 2");
    await fixture.source.query('DELETE FROM parent WHERE id = 3');
    // The child follows the code, which stays: a delete and an insert of the parent would have set it NULL.
    await fixture.source.query('UPDATE parent SET id = 50 WHERE id = 5');
    // New rows after the cascades arrive in order with them.
    await fixture.source.query(
      "INSERT INTO parent VALUES (4, 'four'); INSERT INTO child_cascade VALUES (40, 4)",
    );
    for (const table of ['parent', 'child_cascade', 'child_code']) await caughtUp(fixture, table, 'id');
    expect(await fixture.target.query('SELECT id, parent_id FROM child_cascade ORDER BY id')).toEqual([
      { id: 20, parent_id: 2 },
      { id: 40, parent_id: 4 },
    ]);
    expect(await fixture.target.query('SELECT id, parent_code FROM child_code ORDER BY id')).toEqual([
      { id: 100, parent_code: null },
      { id: 200, parent_code: 'deux' },
      { id: 300, parent_code: null },
      { id: 500, parent_code: 'five' },
    ]);
  });

  it('F6 both ways: parents deleted, re-keyed and renamed on either side cascade on both, without conflicts or echoes', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'f6bidi');
    await createOnBothSides(fixture, cascadeTables);
    const tables = ['parent', 'child_cascade', 'child_code'].map((name) => ({
      name,
      primary_key: 'id',
      conflict_resolution: 'source_priority',
      prefer: 'cloud',
    }));
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({ tables, sync: { mode: 'bidirectional' } }),
    );
    const parents = [1, 2, 3, 4, 5, 6, 7, 8];
    await fixture.source
      .query(`INSERT INTO parent VALUES ${parents.map((id) => `(${id}, 'p${id}')`).join(', ')};
      INSERT INTO child_cascade VALUES ${parents.map((id) => `(${id * 10 + 1}, ${id}), (${id * 10 + 2}, ${id})`).join(', ')};
      INSERT INTO child_code VALUES ${parents.map((id) => `(${id * 100}, 'p${id}')`).join(', ')}`);
    await sidesAgree(fixture);

    // Each side deletes, re-keys and renames its own parents at the same time; the other side must cascade alike.
    await Promise.all([
      fixture.source.query(`DELETE FROM parent WHERE id = 1;
        UPDATE parent SET code = 'p2-new' WHERE id = 2;
        UPDATE parent SET id = 50 WHERE id = 5;
        START TRANSACTION;
        DELETE FROM parent WHERE id = 8;
        INSERT INTO parent VALUES (8, 'p8');
        INSERT INTO child_cascade VALUES (81, 8);
        COMMIT`),
      fixture.target.query(`DELETE FROM parent WHERE id = 3;
        UPDATE parent SET code = 'p4-new' WHERE id = 4;
        UPDATE parent SET id = 60 WHERE id = 6;
        UPDATE parent SET code = 'P7' WHERE id = 7`),
    ]);
    await sidesAgree(fixture);
    for (const database of [fixture.source, fixture.target]) {
      expect(
        await database.query('SELECT id, parent_id FROM child_cascade ORDER BY id'),
        database.name,
      ).toEqual(
        [
          [21, 2],
          [22, 2],
          [41, 4],
          [42, 4],
          [51, 50],
          [52, 50],
          [61, 60],
          [62, 60],
          [71, 7],
          [72, 7],
          [81, 8],
        ].map(([id, parentId]) => ({ id, parent_id: parentId })),
      );
      expect(
        await database.query('SELECT id, parent_code FROM child_code ORDER BY id'),
        database.name,
      ).toEqual(
        [
          [100, null],
          [200, 'p2-new'],
          [300, null],
          [400, 'p4-new'],
          [500, 'p5'],
          [600, 'p6'],
          [700, 'P7'],
          [800, null],
        ].map(([id, parentCode]) => ({ id, parent_code: parentCode })),
      );
    }

    // One parent changed on one side, then deleted on the other once both agree.
    await fixture.source.query("UPDATE parent SET code = 'p2-newer', id = 20 WHERE id = 2");
    await sidesAgree(fixture);
    await fixture.target.query('DELETE FROM parent WHERE id = 20');
    await sidesAgree(fixture);
    for (const database of [fixture.source, fixture.target]) {
      expect(
        await database.query(
          'SELECT (SELECT COUNT(*) FROM child_cascade WHERE parent_id IN (2, 20)) AS children, (SELECT parent_code FROM child_code WHERE id = 200) AS code',
        ),
        database.name,
      ).toEqual([{ children: 0, code: null }]);
    }

    await expectBinlogsStandStill(fixture);
    await sidesAgree(fixture);
    expect(await running.store.listConflicts({ limit: 100, offset: 0 }), 'conflicts recorded').toEqual({
      conflicts: [],
      total: 0,
    });
    expect(
      running.service.status.directions.map((direction) => ({
        state: direction.state,
        paused: direction.tables.filter((table) => table.state === 'paused'),
      })),
    ).toEqual([
      { state: 'streaming', paused: [] },
      { state: 'streaming', paused: [] },
    ]);
  });
});
