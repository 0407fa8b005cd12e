/**
 * Online schema change tools on a synced table, both ways, while both sides write it: the real
 * pt-online-schema-change (Debian's percona-toolkit), and gh-ost's statements in its order (gh-ost is not packaged
 * here). The shadow copy's rows are not synced; at the swap the other side's table gets the equivalent ALTER, and
 * both sides end with the same definition and the same rows, row by row.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { definitionOf } from '../support/table-definitions.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  type SyncFixture,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { testServerUrl } from '../support/test-servers.js';

const run = promisify(execFile);
const rowCount = 200_000;
const ptOnlineSchemaChange = '/usr/bin/pt-online-schema-change';

interface TableWriter {
  readonly written: () => number;
  stop(): Promise<void>;
}

/** Inserts rows from `firstId` up, updates and deletes some of its own, until stopped. */
async function startWriter(database: TestDatabase, firstId: number): Promise<TableWriter> {
  const connection = await mysql.createConnection({ ...database.server, database: database.name });
  let running = true;
  let written = 0;
  const loop = (async () => {
    try {
      for (let id = firstId; running; id += 1) {
        await connection.query('INSERT INTO items (id, writer, payload) VALUES (?, ?, ?)', [
          id,
          firstId,
          `p${id}`,
        ]);
        if (id % 3 === 0)
          await connection.query('UPDATE items SET payload = ? WHERE id = ?', [`u${id}`, id - 1]);
        if (id % 7 === 0) await connection.query('DELETE FROM items WHERE id = ?', [id - 2]);
        written += 1;
        await sleep(2);
      }
    } finally {
      await connection.end();
    }
  })();
  loop.catch(() => undefined);
  return {
    written: () => written,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Both ways, `items` holding `rowCount` rows on local and copied to cloud at start, both sides writing. */
async function startBothWaysWithWriters(fixture: SyncFixture) {
  const definition =
    'CREATE TABLE items (id INT PRIMARY KEY, writer INT NOT NULL, payload VARCHAR(40) NOT NULL)';
  await fixture.source.query(
    `${definition}; INSERT INTO items SELECT seq, 0, CONCAT('row ', seq) FROM seq_1_to_${rowCount}`,
  );
  await fixture.target.query(definition);
  const running = await fixture.startService(
    fixture.configDocument({
      tables: [{ name: 'items', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' }],
      sync: { mode: 'bidirectional' },
    }),
  );
  await eventually(async () => {
    const [row] = await fixture.target.query<{ total: number }>('SELECT COUNT(*) AS total FROM items');
    expect(Number(row?.total)).toBe(rowCount);
  }, 120_000);
  const writers = [
    await startWriter(fixture.source, 1_000_001),
    await startWriter(fixture.target, 2_000_001),
  ];
  return { running, writers };
}

async function expectBothSidesSame(fixture: SyncFixture, writers: readonly TableWriter[]): Promise<void> {
  for (const writer of writers) expect(writer.written()).toBeGreaterThan(20);
  await Promise.all(writers.map((writer) => writer.stop()));
  await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 60_000);
  expect(await definitionOf(fixture.target, 'items')).toBe(await definitionOf(fixture.source, 'items'));
  await expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']);
}

describe('online schema change tools on a synced table, both sides writing', () => {
  it('pt-online-schema-change adds a column and an index on local: cloud gets the same ALTER at the swap, nothing lost', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'ptosc');
    const { running, writers } = await startBothWaysWithWriters(fixture);
    const { host, port, user, password } = fixture.source.server;
    const dsn = `h=${host},P=${port},u=${user},D=${fixture.source.name},t=items${password === '' ? '' : `,p=${password}`}`;
    const tool = await run(
      ptOnlineSchemaChange,
      [
        "--alter=ADD COLUMN note VARCHAR(20) NOT NULL DEFAULT 'none', ADD INDEX items_writer (writer)",
        '--execute',
        '--recursion-method=none',
        '--chunk-size=5000',
        '--no-check-alter',
        dsn,
      ],
      { timeout: 300_000 },
    ).catch((error: unknown) => {
      throw new Error(
        `${ptOnlineSchemaChange} failed (Debian's percona-toolkit; .ci/test-tools installs it)`,
        {
          cause: error,
        },
      );
    });
    expect(tool.stdout).toContain('Successfully altered');
    await sleep(500);
    await expectBothSidesSame(fixture, writers);
    expect(await definitionOf(fixture.target, 'items')).toContain('KEY `items_writer` (`writer`)');
    // The copy's rows were not synced: cloud never had the shadow tables.
    expect(await fixture.target.query("SHOW TABLES LIKE '\\_items%'")).toEqual([]);
    const [direction] = running.service.status.directions;
    expect(direction?.tables.map((table) => table.pause)).toEqual([null]);
    expect(direction?.schemaChanges[0]).toMatchObject({ state: 'applied' });
    expect(direction?.schemaChanges[0]?.statement).toMatch(
      /^RENAME TABLE .*items.* TO .*_items_old.*_items_new.* TO .*items/,
    );
  });

  it("gh-ost's statements (shadow _gho, changelog _ghc, sentry _del, atomic swap) on cloud: local gets the same ALTER", async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'ghost');
    const { running, writers } = await startBothWaysWithWriters(fixture);
    const cloud = fixture.target;
    // gh-ost's statements on the server it migrates, in its order. gh-ost keeps its copy current from the binlog;
    // here triggers do (as pt-online-schema-change's do), which writes the same rows into the copy.
    await cloud.query(`
      CREATE TABLE _items_ghc (id BIGINT AUTO_INCREMENT PRIMARY KEY, hint VARCHAR(64) NOT NULL, value VARCHAR(4096));
      CREATE TABLE _items_gho LIKE items;
      ALTER TABLE _items_gho ADD COLUMN size INT NULL, ADD INDEX items_payload (payload);
      CREATE TRIGGER items_copy_insert AFTER INSERT ON items FOR EACH ROW
        REPLACE INTO _items_gho (id, writer, payload) VALUES (NEW.id, NEW.writer, NEW.payload);
      CREATE TRIGGER items_copy_update AFTER UPDATE ON items FOR EACH ROW
        REPLACE INTO _items_gho (id, writer, payload) VALUES (NEW.id, NEW.writer, NEW.payload);
      CREATE TRIGGER items_copy_delete AFTER DELETE ON items FOR EACH ROW DELETE FROM _items_gho WHERE id = OLD.id`);
    await cloud.query('INSERT INTO _items_ghc (hint, value) VALUES (?, ?)', ['state', 'GhostTableMigrated']);
    // The copy, in chunks of the key (the writers' rows included); rows written meanwhile reach it through the triggers.
    const chunks = [
      [1, 50_000],
      [50_001, 100_000],
      [100_001, 150_000],
      [150_001, 200_000],
      [200_001, 2 ** 31 - 1],
    ];
    for (const [first, last] of chunks) {
      await cloud.query(
        'INSERT IGNORE INTO _items_gho (id, writer, payload) SELECT id, writer, payload FROM items WHERE id BETWEEN ? AND ? LOCK IN SHARE MODE',
        [first, last],
      );
    }
    // The cut-over: a sentry table, both locked, the swap queued behind the lock, the sentry dropped, unlock.
    const locker = await mysql.createConnection({ ...cloud.server, database: cloud.name });
    const swapper = await mysql.createConnection({ ...cloud.server, database: cloud.name });
    try {
      await locker.query('CREATE TABLE _items_del (id INT PRIMARY KEY) ENGINE=InnoDB');
      await locker.query('LOCK TABLES items WRITE, _items_del WRITE');
      const swap = swapper.query('RENAME TABLE items TO _items_del, _items_gho TO items');
      await sleep(200);
      await locker.query('DROP TABLE _items_del');
      await locker.query('UNLOCK TABLES');
      await swap;
    } finally {
      await locker.end();
      await swapper.end();
    }
    await cloud.query('DROP TABLE _items_del, _items_ghc');
    await sleep(500);
    await expectBothSidesSame(fixture, writers);
    expect(await definitionOf(fixture.source, 'items')).toContain('KEY `items_payload` (`payload`)');
    expect(await fixture.source.query("SHOW TABLES LIKE '\\_items%'")).toEqual([]);
    const reverse = running.service.status.directions[1];
    expect(reverse?.tables.map((table) => table.pause)).toEqual([null]);
    expect(reverse?.schemaChanges[0]).toMatchObject({
      statement: 'RENAME TABLE items TO _items_del, _items_gho TO items',
      state: 'applied',
    });
  }, 300_000);
});
