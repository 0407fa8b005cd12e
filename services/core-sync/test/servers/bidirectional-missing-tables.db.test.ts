/**
 * Bidirectional mode, a synced table missing on one side (`sync.create_missing_tables`, issue 17): before either
 * direction starts, the table is created on the side that lacks it from the other side's definition, the start
 * plan copies the rows into it (compared value by value), and then changes on either side reach the other.
 * A table on neither side, or on one side with create_missing_tables false, refuses the start with TABLE_NOT_FOUND
 * naming the sides and databases, and creates nothing.
 */
import { describe, expect, it } from 'vitest';
import { otherSide, type SideName } from '../../src/model/index.js';
import { expectExactlyEqual } from '../support/exact-rows.js';
import {
  createSyncFixture,
  eventually,
  startDisposableService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { serverPair, skipped, type ServerPair } from './server-pairs.js';

const ordersTable = `CREATE TABLE orders (
  id INT NOT NULL PRIMARY KEY,
  customer VARCHAR(64) NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  note TEXT NULL,
  placed_at DATETIME(6) NOT NULL,
  KEY by_customer (customer)
) DEFAULT CHARSET=utf8mb4`;

const itemsTable = 'CREATE TABLE items (id INT NOT NULL PRIMARY KEY, label VARCHAR(64) NOT NULL)';

/** The rows seeded on the side that has the table. */
const seededOrders = 250;

function sideDatabase(fixture: SyncFixture, side: SideName): TestDatabase {
  return side === 'local' ? fixture.source : fixture.target;
}

async function insertOrders(database: TestDatabase, firstId: number, count: number): Promise<void> {
  const rows = Array.from({ length: count }, (_unused, offset) => {
    const id = firstId + offset;
    return [
      id,
      `customer ${id % 17} ${id % 3 === 0 ? 'Zoë' : 'Ann'}`,
      `${id}.${String(id % 100).padStart(2, '0')}`,
      id % 4 === 0 ? null : `note ${id}`,
      `2024-01-${String((id % 28) + 1).padStart(2, '0')} 10:20:30.${String(id).padStart(6, '0')}`,
    ];
  });
  await database.query(
    `INSERT INTO orders (id, customer, amount, note, placed_at) VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
    rows.flat(),
  );
}

async function tableExists(database: TestDatabase, table: string): Promise<boolean> {
  const rows = await database.query(
    'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database.name, table],
  );
  return rows.length > 0;
}

function bidirectionalDocument(
  fixture: SyncFixture,
  tables: readonly string[],
  sync: Record<string, unknown> = {},
): Record<string, unknown> {
  return fixture.configDocument({
    tables: tables.map((name) => ({
      name,
      primary_key: 'id',
      conflict_resolution: 'source_priority',
      prefer: 'cloud',
    })),
    sync: { mode: 'bidirectional', ...sync },
  });
}

/** An insert, an update and a delete on `side` reach the other side; both sides then hold the same rows. */
async function expectChangesFlowFrom(fixture: SyncFixture, side: SideName, firstId: number): Promise<void> {
  const database = sideDatabase(fixture, side);
  await insertOrders(database, firstId, 3);
  await database.query('UPDATE orders SET note = ?, amount = amount + 1 WHERE id IN (?, ?)', [
    `changed on ${side}`,
    firstId,
    side === 'local' ? 10 : 20,
  ]);
  await database.query('DELETE FROM orders WHERE id = ?', [side === 'local' ? 30 : 40]);
  const other = sideDatabase(fixture, otherSide(side));
  await eventually(async () => {
    const arrived = await other.query<{ note: string | null }>('SELECT note FROM orders WHERE id = ?', [
      firstId,
    ]);
    expect(arrived, `order ${firstId}, written on ${side}`).toEqual([{ note: `changed on ${side}` }]);
    await expectExactlyEqual(fixture.source, fixture.target, 'orders', ['id']);
  }, 30_000);
}

/**
 * `orders` only on the side other than `lacking`, with rows: the start creates it on `lacking`, copies every row
 * exactly, and then streams both ways.
 */
async function expectCreatedCopiedAndStreamed(
  pair: ServerPair,
  lacking: SideName,
  label: string,
): Promise<void> {
  await using fixture = await createSyncFixture(pair.sourceUrl, pair.targetUrl, label);
  const having = sideDatabase(fixture, otherSide(lacking));
  await having.query(ordersTable);
  await insertOrders(having, 1, seededOrders);
  await using running = await startDisposableService(fixture, bidirectionalDocument(fixture, ['orders']));

  expect(await tableExists(sideDatabase(fixture, lacking), 'orders'), `orders on ${lacking}`).toBe(true);
  await expectExactlyEqual(fixture.source, fixture.target, 'orders', ['id']);
  const copied = running.service.status.directions.find((direction) => direction.target === lacking);
  expect(copied?.tables).toMatchObject([{ table: 'orders', rowsCopied: seededOrders }]);

  await expectChangesFlowFrom(fixture, 'local', 1_001);
  await expectChangesFlowFrom(fixture, 'cloud', 2_001);
  const [count] = await fixture.source.query<{ total: number }>('SELECT COUNT(*) AS total FROM orders');
  expect(Number(count?.total)).toBe(seededOrders + 6 - 2);
  expect(running.service.status.directions.map((direction) => direction.state)).toEqual([
    'streaming',
    'streaming',
  ]);
  const pauses = running.service.status.directions.flatMap((direction) =>
    direction.tables.filter((table) => table.pause !== null),
  );
  expect(pauses).toEqual([]);
}

const mariadbPair = serverPair('mariadb', 'mariadb');
// Local on Oracle MySQL, cloud on MariaDB.
const mixedPair = serverPair('mysql', 'mariadb');

describe('bidirectional: a table missing on one side', () => {
  it('only on cloud: created on local, copied exactly, then streamed both ways (MariaDB)', async () => {
    await expectCreatedCopiedAndStreamed(mariadbPair, 'local', 'bimisslocal');
  });

  it('only on local: created on cloud, copied exactly, then streamed both ways (MariaDB)', async () => {
    await expectCreatedCopiedAndStreamed(mariadbPair, 'cloud', 'bimisscloud');
  });

  it.skipIf(skipped(mixedPair))(
    'only on the MariaDB cloud: created on the Oracle MySQL local, copied exactly, then streamed both ways',
    async () => {
      await expectCreatedCopiedAndStreamed(mixedPair, 'local', 'bimissmixed');
    },
  );

  it.skipIf(skipped(mixedPair))(
    'only on the Oracle MySQL local: created on the MariaDB cloud, copied exactly, then streamed both ways',
    async () => {
      await expectCreatedCopiedAndStreamed(mixedPair, 'cloud', 'bimissmixback');
    },
  );

  it('added to a pair that already ran: created on local, copied, and the other table carries on', async () => {
    await using fixture = await createSyncFixture(mariadbPair.sourceUrl, mariadbPair.targetUrl, 'bimissadd');
    await fixture.source.query(itemsTable);
    await fixture.target.query(itemsTable);
    {
      await using running = await startDisposableService(fixture, bidirectionalDocument(fixture, ['items']));
      await fixture.source.query("INSERT INTO items VALUES (1, 'from local')");
      await fixture.target.query("INSERT INTO items VALUES (2, 'from cloud')");
      await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']), 30_000);
      await running.stop();
    }
    // While the service is down: a row on each side, and the new table on cloud only.
    await fixture.source.query("INSERT INTO items VALUES (3, 'from local, while stopped')");
    await fixture.target.query("INSERT INTO items VALUES (4, 'from cloud, while stopped')");
    await fixture.target.query(ordersTable);
    await insertOrders(fixture.target, 1, seededOrders);
    await using running = await startDisposableService(
      fixture,
      bidirectionalDocument(fixture, ['items', 'orders']),
    );
    await expectExactlyEqual(fixture.source, fixture.target, 'orders', ['id']);
    await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'items', ['id']), 30_000);
    const [items] = await fixture.source.query<{ total: number }>('SELECT COUNT(*) AS total FROM items');
    expect(Number(items?.total)).toBe(4);
    await expectChangesFlowFrom(fixture, 'local', 1_001);
    await expectChangesFlowFrom(fixture, 'cloud', 2_001);
    const pauses = running.service.status.directions.flatMap((direction) =>
      direction.tables.filter((table) => table.pause !== null),
    );
    expect(pauses).toEqual([]);
  });

  it('on neither side: TABLE_NOT_FOUND naming both sides and their databases, nothing created', async () => {
    await using fixture = await createSyncFixture(mariadbPair.sourceUrl, mariadbPair.targetUrl, 'bimissboth');
    await fixture.source.query(itemsTable);
    await fixture.target.query(itemsTable);
    await expect(
      fixture.startService(bidirectionalDocument(fixture, ['items', 'orders'])),
    ).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
      message:
        `table orders exists on neither side: not in local database ${fixture.source.name}, not in cloud ` +
        `database ${fixture.target.name}. Create it on one side, or check sync.tables[].name`,
    });
    expect(await tableExists(fixture.source, 'orders')).toBe(false);
    expect(await tableExists(fixture.target, 'orders')).toBe(false);
  });

  it('only on cloud with create_missing_tables false: TABLE_NOT_FOUND naming local, nothing created', async () => {
    await using fixture = await createSyncFixture(mariadbPair.sourceUrl, mariadbPair.targetUrl, 'bimissoff');
    await fixture.target.query(ordersTable);
    await insertOrders(fixture.target, 1, 10);
    await expect(
      fixture.startService(bidirectionalDocument(fixture, ['orders'], { create_missing_tables: false })),
    ).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
      message:
        `table orders does not exist in local database ${fixture.source.name} (cloud has it) and ` +
        'sync.create_missing_tables is false: create it on local with the same columns and primary key, or set ' +
        'create_missing_tables to true',
    });
    expect(await tableExists(fixture.source, 'orders')).toBe(false);
  });
});
