/**
 * Adoption of tables linked by a foreign key with ON DELETE CASCADE. MariaDB does not log a cascade: deleting an
 * order deletes its lines on that side, and the binlog shows the order's delete only. The adoption run replays the
 * order's delete on the other side with the foreign-key checks on, so the lines go there too, as the stream's
 * delete would have done; and it repairs the orders before their lines, so the lines' compare finds them gone on
 * both sides instead of on one side only with no logged delete.
 */
import { describe, expect, it } from 'vitest';
import { SyncError } from '../../src/errors/index.js';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { runFullSyncToEnd } from '../support/full-sync-runs.js';
import { createOnBothSides, createSyncFixture, startDisposableService } from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { testServerUrl } from '../support/test-servers.js';

const schema = `
  CREATE TABLE orders (id INT PRIMARY KEY, label VARCHAR(32) NOT NULL);
  CREATE TABLE order_lines (
    order_id INT NOT NULL,
    line INT NOT NULL,
    product VARCHAR(32) NOT NULL,
    PRIMARY KEY (order_id, line),
    CONSTRAINT lines_of_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
  )`;

async function orderIds(database: TestDatabase, table: string, column: string): Promise<number[]> {
  const rows = await database.query<{ id: number }>(
    `SELECT DISTINCT ${column} AS id FROM ${table} ORDER BY 1`,
  );
  return rows.map((row) => row.id);
}

describe('adopting tables linked by a cascading foreign key', () => {
  it('an order deleted on one side takes its lines with it on the other side, and nothing is left undecided', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'adopt_cascade',
    );
    await createOnBothSides(fixture, schema);
    const backup = `
      INSERT INTO orders SELECT seq, CONCAT('order ', seq) FROM seq_1_to_20;
      INSERT INTO order_lines SELECT orders.id, line_numbers.seq, CONCAT('product ', line_numbers.seq)
        FROM orders JOIN seq_1_to_3 AS line_numbers`;
    await createOnBothSides(fixture, backup);
    // Since the backup: local deleted orders 3 and 4 (their lines went by cascade, unlogged), cloud deleted 7, and
    // local took a new order with its lines.
    await fixture.source.query(`
      DELETE FROM orders WHERE id IN (3, 4);
      INSERT INTO orders VALUES (30, 'order 30');
      INSERT INTO order_lines VALUES (30, 1, 'product 1'), (30, 2, 'product 2')`);
    await fixture.target.query('DELETE FROM orders WHERE id = 7');
    // The lines' table comes first in the configuration: the run still repairs the orders first.
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: [
          {
            name: 'order_lines',
            primary_key: ['order_id', 'line'],
            conflict_resolution: 'source_priority',
            prefer: 'local',
          },
          { name: 'orders', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' },
        ],
        // One table at a time: the order of the run decides what the lines' compare finds.
        sync: { mode: 'bidirectional', batch_insert_size: 100, snapshot_concurrency: 1 },
      }),
    );
    expect([...running.service.adoptingTables].sort()).toEqual(['order_lines', 'orders']);

    const run = await runFullSyncToEnd(running, ['order_lines', 'orders']);
    const lines = run.tables.find((table) => table.table === 'order_lines');
    expect(run.tables.map((table) => table.state)).toEqual(['done', 'done']);
    // The lines of the deleted orders went with them: no line was on one side only when its table was compared.
    expect(lines?.changes.undecided).toBe(0);
    expect(lines?.changes.copied).toEqual({ local: 0, cloud: 2 });
    await expectExactlyEqual(fixture.source, fixture.target, 'orders', ['id']);
    await expectExactlyEqual(fixture.source, fixture.target, 'order_lines', ['order_id', 'line']);
    const expectedOrders = [1, 2, 5, 6, ...Array.from({ length: 13 }, (_unused, index) => index + 8), 30];
    for (const side of [fixture.source, fixture.target]) {
      expect(await orderIds(side, 'orders', 'id')).toEqual(expectedOrders);
      expect(await orderIds(side, 'order_lines', 'order_id')).toEqual(expectedOrders);
    }
    const { total } = await running.store.listConflicts({ resolved: false, limit: 1, offset: 0 });
    expect(total).toBe(0);
    expect(running.service.adoptingTables).toEqual([]);
  });

  it('resolving a line before its order is refused with the reason, writing nothing; after the order it is written', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'adopt_parent_first',
    );
    await createOnBothSides(fixture, schema);
    await createOnBothSides(
      fixture,
      `INSERT INTO orders SELECT seq, CONCAT('order ', seq) FROM seq_1_to_5;
       INSERT INTO order_lines SELECT orders.id, line_numbers.seq, 'product'
         FROM orders JOIN seq_1_to_3 AS line_numbers`,
    );
    // Local deleted order 3 (its lines by cascade, unlogged) while cloud changed it: both wait for a person.
    await fixture.source.query('DELETE FROM orders WHERE id = 3');
    await fixture.target.query("UPDATE orders SET label = 'changed on cloud' WHERE id = 3");
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: [
          { name: 'orders', primary_key: 'id', conflict_resolution: 'manual' },
          { name: 'order_lines', primary_key: ['order_id', 'line'], conflict_resolution: 'manual' },
        ],
        sync: { mode: 'bidirectional', batch_insert_size: 100 },
      }),
    );
    await runFullSyncToEnd(running, ['orders', 'order_lines']);
    const { conflicts } = await running.store.listConflicts({ resolved: false, limit: 10, offset: 0 });
    const byKey = new Map(conflicts.map((conflict) => [conflict.primaryKeyValue, conflict]));
    const order = byKey.get('{"id":3}');
    const line = byKey.get('{"order_id":3,"line":1}');
    expect([order?.conflictType, line?.conflictType]).toEqual(['delete_update', 'insert_or_delete']);
    if (order === undefined || line === undefined) throw new Error('the conflicts are missing');

    const refused = await running.service.resolveConflict(line.id, { side: 'cloud' }, 'test').then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(SyncError);
    expect(refused).toMatchObject({ code: 'CONFLICT_RESOLUTION_REFUSED' });
    expect((refused as SyncError).message).toMatch(/^local refuses the chosen version of order_lines row/);
    const lineCounts = async (): Promise<number[]> =>
      Promise.all(
        [fixture.source, fixture.target].map(async (side) => {
          const rows = await side.query<{ lineCount: number }>(
            'SELECT COUNT(*) AS lineCount FROM order_lines WHERE order_id = 3 AND line = 1',
          );
          return Number(rows[0]?.lineCount);
        }),
      );
    expect(await lineCounts()).toEqual([0, 1]);
    expect((await running.store.getConflict(line.id))?.resolved).toBe(false);

    await running.service.resolveConflict(order.id, { side: 'cloud' }, 'test');
    await running.service.resolveConflict(line.id, { side: 'cloud' }, 'test');
    expect(await lineCounts()).toEqual([1, 1]);
  });

  it('with a restricting foreign key, the lines deleted before their order are replayed in their turn, and nothing pauses', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'adopt_restrict',
    );
    await createOnBothSides(fixture, schema.replace(' ON DELETE CASCADE', ''));
    await createOnBothSides(
      fixture,
      `INSERT INTO orders SELECT seq, CONCAT('order ', seq) FROM seq_1_to_5;
       INSERT INTO order_lines SELECT orders.id, line_numbers.seq, 'product'
         FROM orders JOIN seq_1_to_3 AS line_numbers`,
    );
    // The application deletes an order's lines, then the order: every delete is in local's binlog.
    await fixture.source.query('DELETE FROM order_lines WHERE order_id = 2; DELETE FROM orders WHERE id = 2');
    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: [
          { name: 'orders', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' },
          {
            name: 'order_lines',
            primary_key: ['order_id', 'line'],
            conflict_resolution: 'source_priority',
            prefer: 'local',
          },
        ],
        sync: { mode: 'bidirectional', batch_insert_size: 100 },
      }),
    );
    const run = await runFullSyncToEnd(running, ['orders', 'order_lines']);
    expect(run.tables.map((table) => [table.table, table.state, table.changes.deleted.cloud])).toEqual([
      ['orders', 'done', 1],
      ['order_lines', 'done', 3],
    ]);
    await expectExactlyEqual(fixture.source, fixture.target, 'orders', ['id']);
    await expectExactlyEqual(fixture.source, fixture.target, 'order_lines', ['order_id', 'line']);
    const pauses = running.service.status.directions.flatMap((direction) =>
      direction.tables.filter((table) => table.pause !== null),
    );
    expect(pauses).toEqual([]);
  });
});
