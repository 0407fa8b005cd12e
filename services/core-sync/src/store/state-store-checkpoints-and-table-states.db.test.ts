/**
 * The state store's checkpoints (saved all or nothing, deleted by slot prefix) and per-table sync states,
 * run against both backends (SQLite and MySQL, see test/support/state-store-backends.ts).
 */
import { expect, it } from 'vitest';
import { describeWithStorage } from '../../test/support/state-store-backends.js';
import { checkpoint, tableState } from './testing/state-store-records.js';

describeWithStorage('state store', (backend) => {
  it('upserts, loads and deletes checkpoints', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    await store.saveCheckpoints([
      checkpoint('local', 'worker-2', 200),
      checkpoint('local', 'worker-1', 100),
      checkpoint('local', 'Worker-3', 300),
      checkpoint('local', 'work%x', 400),
      checkpoint('cloud', 'worker-1', 500),
    ]);
    await store.saveCheckpoints([{ ...checkpoint('local', 'worker-1', 150), gtid: null }]);
    expect(await store.loadCheckpoints('local')).toEqual([
      checkpoint('local', 'Worker-3', 300),
      checkpoint('local', 'work%x', 400),
      { ...checkpoint('local', 'worker-1', 150), gtid: null },
      checkpoint('local', 'worker-2', 200),
    ]);

    await store.deleteCheckpoints('local', 'worker-');
    expect((await store.loadCheckpoints('local')).map((record) => record.slot)).toEqual([
      'Worker-3',
      'work%x',
    ]);
    await store.deleteCheckpoints('local', 'work%');
    expect((await store.loadCheckpoints('local')).map((record) => record.slot)).toEqual(['Worker-3']);
    await store.deleteCheckpoints('local');
    expect(await store.loadCheckpoints('local')).toEqual([]);
    expect(await store.loadCheckpoints('cloud')).toEqual([checkpoint('cloud', 'worker-1', 500)]);
  });

  it('saves a batch of checkpoints all or nothing', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const invalid = { ...checkpoint('local', 'worker-2', 2), binlogFile: null as unknown as string };
    await expect(store.saveCheckpoints([checkpoint('local', 'worker-1', 1), invalid])).rejects.toMatchObject({
      code: 'STATE_STORE_FAILED',
    });
    expect(await store.loadCheckpoints('local')).toEqual([]);
  });

  it('upserts and lists table states, one per table and direction', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const paused = tableState('orders', 'cloud_to_local', {
      status: 'paused',
      errorMessage: 'DDL seen on orders',
      details: { ddl: 'ALTER TABLE orders ADD COLUMN note TEXT', position: { file: 'b.000002', offset: 9 } },
      gtid: '0-1-77',
      binlogFile: null,
      binlogPosition: null,
      lastSyncTime: null,
    });
    await store.upsertTableState(tableState('orders', 'local_to_cloud'));
    await store.upsertTableState(paused);
    await store.upsertTableState(tableState('customers', 'local_to_cloud'));
    await store.upsertTableState(
      tableState('orders', 'local_to_cloud', { rowsSynced: 12_345, status: 'idle' }),
    );
    expect(await store.listTableStates()).toEqual([
      tableState('customers', 'local_to_cloud'),
      paused,
      tableState('orders', 'local_to_cloud', { rowsSynced: 12_345, status: 'idle' }),
    ]);
  });
});
