/**
 * Bidirectional sync against two real MariaDB servers: changes flow both ways, nothing echoes, and rows changed
 * on both sides end as the table's strategy dictates.
 */
import { describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/test-database.js';
import {
  bidirectionalItemsDocument,
  binlogSequence,
  createOnBothSides,
  createSyncFixture,
  eventually,
  expectBinlogsStandStill,
  expectTablesEqual,
  startDisposableService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const itemsTable = `CREATE TABLE items (
  id INT PRIMARY KEY,
  label VARCHAR(64) NOT NULL,
  quantity INT NOT NULL,
  updated_at DATETIME(6) NOT NULL DEFAULT '2000-01-01 00:00:00'
)`;

describe('bidirectional sync', () => {
  it('syncs changes both ways, and each side applies about one transaction per change, then stays still', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'bidi');
    await createOnBothSides(fixture, itemsTable);
    await using running = await startDisposableService(
      fixture,
      bidirectionalItemsDocument(fixture, { conflict_resolution: 'source_priority', prefer: 'cloud' }),
    );
    const changes = 150;
    const localBefore = await binlogSequence(fixture.source);
    const cloudBefore = await binlogSequence(fixture.target);
    await Promise.all([writeBurst(fixture.source, 1, changes), writeBurst(fixture.target, 100_001, changes)]);
    await eventually(async () => {
      const [count] = await fixture.target.query<{ total: number }>('SELECT COUNT(*) AS total FROM items');
      expect(Number(count?.total)).toBe(changes * 2);
      await expectTablesEqual(fixture, 'items', 'id');
    }, 30_000);
    // Each burst is `changes` transactions on its own side; the other side applies them in fewer batches.
    await eventually(async () => {
      const localGrowth = (await binlogSequence(fixture.source)) - localBefore - changes;
      const cloudGrowth = (await binlogSequence(fixture.target)) - cloudBefore - changes;
      expect(localGrowth).toBeGreaterThan(0);
      expect(cloudGrowth).toBeGreaterThan(0);
      expect(localGrowth).toBeLessThanOrEqual(changes + 10);
      expect(cloudGrowth).toBeLessThanOrEqual(changes + 10);
    }, 10_000);
    await expectBinlogsStandStill(fixture);
    await expectTablesEqual(fixture, 'items', 'id');
    expect(running.service.status.directions.map((direction) => direction.state)).toEqual([
      'streaming',
      'streaming',
    ]);
    // sync.queue_capacity (10,000 by default) is the process's budget: each direction queues half of it.
    expect(running.config.sync.queueCapacity).toBe(10_000);
    expect(
      running.service.status.directions.map((direction) => direction.backpressure?.queueCapacity),
    ).toEqual([5_000, 5_000]);
  });

  it('copies a table that is empty on one side from the other, then streams both ways', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'bidicopy');
    await createOnBothSides(fixture, itemsTable);
    await writeBurst(fixture.target, 1, 500);
    await using running = await startDisposableService(
      fixture,
      bidirectionalItemsDocument(fixture, { conflict_resolution: 'source_priority', prefer: 'local' }),
    );
    await expectTablesEqual(fixture, 'items', 'id');
    await fixture.source.query("UPDATE items SET label = 'changed on local' WHERE id <= 10");
    await fixture.target.query("UPDATE items SET label = 'changed on cloud' WHERE id > 490");
    await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 20_000);
    const [changed] = await fixture.source.query<{ total: number }>(
      "SELECT COUNT(*) AS total FROM items WHERE label LIKE 'changed on %'",
    );
    expect(Number(changed?.total)).toBe(20);
    expect(running.service.status.directions.map((direction) => direction.tables[0]?.rowsCopied)).toEqual([
      0, 500,
    ]);
  });

  it('with on_existing_data: refuse, refuses to start when a table has rows on both sides and no checkpoint', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'bididiv');
    await createOnBothSides(fixture, itemsTable);
    await writeBurst(fixture.source, 1, 3);
    await writeBurst(fixture.target, 1, 3);
    const document = bidirectionalItemsDocument(fixture, { conflict_resolution: 'manual' });
    const sync = document.sync as Record<string, unknown>;
    await expect(
      fixture.startService({ ...document, sync: { ...sync, on_existing_data: 'refuse' } }),
    ).rejects.toMatchObject({
      code: 'TABLES_DIVERGED',
      message: expect.stringContaining('items') as unknown,
    });
  });
});

/** Conflicting changes made while the service is stopped, then judged by each strategy when it starts again. */
describe('bidirectional conflicts', () => {
  /**
   * Rows 1–4 start equal on both sides; then, with the service stopped: row 1 updated on both sides
   * (update_update), row 2 updated on local and deleted on cloud (update_delete), row 3 deleted on local and
   * updated on cloud (delete_update), row 5 inserted on both sides with different content (insert_insert).
   * Local's changes are stamped later than cloud's.
   */
  async function makeConflicts(fixture: SyncFixture, document: Record<string, unknown>): Promise<void> {
    await createOnBothSides(fixture, itemsTable);
    {
      await using running = await startDisposableService(fixture, document);
      await fixture.source.query(
        "INSERT INTO items VALUES (1, 'one', 1, '2024-01-01 00:00:00'), (2, 'two', 2, '2024-01-01 00:00:00'), " +
          "(3, 'three', 3, '2024-01-01 00:00:00'), (4, 'four', 4, '2024-01-01 00:00:00')",
      );
      await eventually(() => expectTablesEqual(fixture, 'items', 'id'));
      expect(running.service.status.directions).toHaveLength(2);
    }
    await fixture.target.query(`
      UPDATE items SET label = 'one on cloud', updated_at = '2024-06-01 00:00:00.000001' WHERE id = 1;
      DELETE FROM items WHERE id = 2;
      UPDATE items SET label = 'three on cloud', updated_at = '2024-06-01 00:00:00.000001' WHERE id = 3;
      INSERT INTO items VALUES (5, 'five on cloud', 50, '2024-06-01 00:00:00.000001')`);
    await fixture.source.query(`
      UPDATE items SET label = 'one on local', updated_at = '2024-06-01 00:00:00.000002' WHERE id = 1;
      UPDATE items SET label = 'two on local', updated_at = '2024-06-01 00:00:00.000002' WHERE id = 2;
      DELETE FROM items WHERE id = 3;
      INSERT INTO items VALUES (5, 'five on local', 5, '2024-06-01 00:00:00.000002')`);
  }

  async function labels(database: TestDatabase): Promise<Record<number, string>> {
    const rows = await database.query<{ id: number; label: string }>(
      'SELECT id, label FROM items ORDER BY id',
    );
    return Object.fromEntries(rows.map((row) => [row.id, row.label]));
  }

  it('source_priority: the preferred side wins every conflict, on both sides', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'prio');
    const document = bidirectionalItemsDocument(fixture, {
      conflict_resolution: 'source_priority',
      prefer: 'cloud',
    });
    await makeConflicts(fixture, document);
    await using running = await startDisposableService(fixture, document);
    const expected = { 1: 'one on cloud', 3: 'three on cloud', 4: 'four', 5: 'five on cloud' };
    await eventually(async () => {
      expect(await labels(fixture.source)).toEqual(expected);
      expect(await labels(fixture.target)).toEqual(expected);
      await expectTablesEqual(fixture, 'items', 'id');
    }, 20_000);
    const { conflicts } = await running.store.listConflicts({ limit: 50, offset: 0 });
    expect(new Set(conflicts.map((conflict) => conflict.conflictType))).toEqual(
      new Set(['update_update', 'update_delete', 'delete_update', 'insert_insert']),
    );
    expect(conflicts.every((conflict) => conflict.resolved && conflict.resolutionSide === 'cloud')).toBe(
      true,
    );
    expect(conflicts.every((conflict) => conflict.resolutionStrategy === 'source_priority')).toBe(true);
  });

  it('last_write_wins: the newer timestamp wins; a version that exists beats a delete', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'lww');
    const document = bidirectionalItemsDocument(fixture, {
      conflict_resolution: 'last_write_wins',
      timestamp_column: 'updated_at',
    });
    await makeConflicts(fixture, document);
    await using running = await startDisposableService(fixture, document);
    // Rows 1 and 5: local's stamp is later. Rows 2 and 3: the updated version survives the other side's delete.
    const expected = {
      1: 'one on local',
      2: 'two on local',
      3: 'three on cloud',
      4: 'four',
      5: 'five on local',
    };
    await eventually(async () => {
      expect(await labels(fixture.source)).toEqual(expected);
      expect(await labels(fixture.target)).toEqual(expected);
      await expectTablesEqual(fixture, 'items', 'id');
    }, 20_000);
    const { conflicts } = await running.store.listConflicts({ resolved: true, limit: 50, offset: 0 });
    expect(conflicts.length).toBeGreaterThanOrEqual(4);
    expect(conflicts.every((conflict) => conflict.resolutionStrategy === 'last_write_wins')).toBe(true);
  });

  it('manual: both sides keep their version and the conflicts wait; resolving makes both sides agree', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'manual');
    const document = bidirectionalItemsDocument(fixture, { conflict_resolution: 'manual' });
    await makeConflicts(fixture, document);
    const localVersion = await labels(fixture.source);
    const cloudVersion = await labels(fixture.target);
    await using running = await startDisposableService(fixture, document);
    let open: Awaited<ReturnType<typeof running.store.listConflicts>>['conflicts'] = [];
    await eventually(async () => {
      open = (await running.store.listConflicts({ resolved: false, limit: 50, offset: 0 })).conflicts;
      expect(new Set(open.map((conflict) => conflict.conflictType))).toEqual(
        new Set(['update_update', 'update_delete', 'delete_update', 'insert_insert']),
      );
    }, 20_000);
    expect(open).toHaveLength(4);
    expect(await labels(fixture.source)).toEqual(localVersion);
    expect(await labels(fixture.target)).toEqual(cloudVersion);

    // A later change to a row in conflict is recorded against it, not applied over the other side.
    await fixture.source.query("UPDATE items SET label = 'one on local again' WHERE id = 1");
    const rowOne = open.find((conflict) => conflict.conflictType === 'update_update');
    await eventually(async () => {
      const stored = await running.store.getConflict(rowOne?.id ?? '');
      expect(stored?.localData).toMatchObject({ label: 'one on local again' });
    });
    expect((await labels(fixture.target))[1]).toBe('one on cloud');

    for (const conflict of open) {
      const choice =
        conflict.conflictType === 'update_update'
          ? { data: { id: 1, label: 'merged', quantity: 11, updated_at: '2024-07-01 00:00:00.000000' } }
          : { side: conflict.conflictType === 'insert_insert' ? ('local' as const) : ('cloud' as const) };
      const resolved = await running.service.resolveConflict(conflict.id, choice, 'test');
      expect(resolved).toMatchObject({ resolved: true, resolvedBy: 'test', resolutionStrategy: 'manual' });
    }
    await expect(
      running.service.resolveConflict(rowOne?.id ?? '', { side: 'local' }, 'test'),
    ).rejects.toMatchObject({ code: 'CONFLICT_ALREADY_RESOLVED' });
    const expected = { 1: 'merged', 3: 'three on cloud', 4: 'four', 5: 'five on local' };
    expect(await labels(fixture.source)).toEqual(expected);
    expect(await labels(fixture.target)).toEqual(expected);
    await expectTablesEqual(fixture, 'items', 'id');
    // After resolution the row syncs normally again, and the resolution writes did not echo.
    await fixture.target.query("UPDATE items SET label = 'after resolution' WHERE id = 1");
    await eventually(async () => expect((await labels(fixture.source))[1]).toBe('after resolution'));
    await expectTablesEqual(fixture, 'items', 'id');
  });
});

/**
 * The same change made on both sides before either crossed over (sysbench's `k = k + 1` on both sides at once)
 * leaves rows that differ only in the columns the conflict check leaves out of the row hash (the timestamp
 * column, columns the server stamps ON UPDATE). They are not conflicts, but both sides must still end with one
 * version of the whole row: the one the table's strategy prefers.
 */
describe('the same change on both sides', () => {
  /** Rows 1 and 2 synced, then changed alike on both sides with the service stopped by `change(side)`. */
  async function changeAlike(
    fixture: SyncFixture,
    table: string,
    document: Record<string, unknown>,
    change: (database: TestDatabase, side: 'local' | 'cloud') => Promise<void>,
  ): Promise<void> {
    await createOnBothSides(fixture, table);
    {
      await using running = await startDisposableService(fixture, document);
      await fixture.source.query(
        "INSERT INTO items (id, label, quantity) VALUES (1, 'one', 1), (2, 'two', 2)",
      );
      await eventually(() => expectTablesEqual(fixture, 'items', 'id'));
      expect(running.service.status.directions).toHaveLength(2);
    }
    await change(fixture.target, 'cloud');
    await change(fixture.source, 'local');
  }

  async function stamps(database: TestDatabase, column: string): Promise<Record<number, string>> {
    const rows = await database.query<{ id: number; stamp: string }>(
      `SELECT id, CAST(${column} AS CHAR) AS stamp FROM items ORDER BY id`,
    );
    return Object.fromEntries(rows.map((row) => [row.id, row.stamp]));
  }

  it('last_write_wins: both sides keep the newer timestamp', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'lwwalike');
    const document = bidirectionalItemsDocument(fixture, {
      conflict_resolution: 'last_write_wins',
      timestamp_column: 'updated_at',
    });
    // Row 1 is stamped later on local, row 2 later on cloud.
    await changeAlike(fixture, itemsTable, document, async (database, side) => {
      await database.query('UPDATE items SET quantity = quantity + 10, updated_at = ? WHERE id = 1', [
        side === 'local' ? '2024-06-01 00:00:00.000002' : '2024-06-01 00:00:00.000001',
      ]);
      await database.query('UPDATE items SET quantity = quantity + 10, updated_at = ? WHERE id = 2', [
        side === 'cloud' ? '2024-06-01 00:00:00.000002' : '2024-06-01 00:00:00.000001',
      ]);
    });
    await using running = await startDisposableService(fixture, document);
    const expected = { 1: '2024-06-01 00:00:00.000002', 2: '2024-06-01 00:00:00.000002' };
    await eventually(async () => {
      expect(await stamps(fixture.source, 'updated_at')).toEqual(expected);
      expect(await stamps(fixture.target, 'updated_at')).toEqual(expected);
      await expectTablesEqual(fixture, 'items', 'id');
    }, 20_000);
    // Not conflicts: the rows' content was the same on both sides.
    const { conflicts } = await running.store.listConflicts({ limit: 50, offset: 0 });
    expect(conflicts).toEqual([]);
  });

  it("source_priority: both sides keep the preferred side's ON UPDATE timestamp", async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'prioalike',
    );
    const table = `CREATE TABLE items (
      id INT PRIMARY KEY,
      label VARCHAR(64) NOT NULL,
      quantity INT NOT NULL,
      touched_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
    )`;
    const document = bidirectionalItemsDocument(fixture, {
      conflict_resolution: 'source_priority',
      prefer: 'cloud',
    });
    // The server stamps touched_at from the session's clock, set apart on each side.
    await changeAlike(fixture, table, document, async (database, side) => {
      await database.query(
        `SET @@timestamp = ${side === 'cloud' ? 1717200000 : 1717300000}; ` +
          "UPDATE items SET label = CONCAT(label, ' changed') WHERE id IN (1, 2); SET @@timestamp = DEFAULT",
      );
    });
    await using running = await startDisposableService(fixture, document);
    await eventually(async () => {
      expect(Object.values(await stamps(fixture.source, 'touched_at'))).toEqual([
        '2024-06-01 00:00:00.000000',
        '2024-06-01 00:00:00.000000',
      ]);
      await expectTablesEqual(fixture, 'items', 'id');
    }, 20_000);
    const { conflicts } = await running.store.listConflicts({ limit: 50, offset: 0 });
    expect(conflicts).toEqual([]);
  });
});

/** `count` single-row insert transactions with ids from `firstId`. */
async function writeBurst(database: TestDatabase, firstId: number, count: number): Promise<void> {
  for (let offset = 0; offset < count; offset += 1) {
    await database.query('INSERT INTO items (id, label, quantity) VALUES (?, ?, ?)', [
      firstId + offset,
      `item ${firstId + offset}`,
      offset,
    ]);
  }
}
