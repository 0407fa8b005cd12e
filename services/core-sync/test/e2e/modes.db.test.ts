import { describe, expect, it } from 'vitest';
import { createSyncFixture, eventually, expectTablesEqual } from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const ordersTable = `CREATE TABLE orders (
  id INT PRIMARY KEY, customer VARCHAR(40) NOT NULL, total DECIMAL(10,2), placed DATETIME(6), notes JSON
)`;
const ordersRows = `INSERT INTO orders VALUES
  (1, 'ada', 12.50, '2025-01-01 10:00:00.000001', '{"gift": true}'),
  (2, 'grace', 99.99, '2025-01-02 11:30:00.5', NULL),
  (3, 'linus 🐧', NULL, NULL, '[1, 2, 3]')`;
const liveChanges = `
  INSERT INTO orders VALUES (4, 'margaret', 1.00, '2025-02-03 04:05:06.789', '{}');
  UPDATE orders SET total = total + 1, notes = JSON_OBJECT('edited', 1) WHERE id = 1;
  DELETE FROM orders WHERE id = 2;
  UPDATE orders SET id = 30 WHERE id = 3`;

describe('sync modes end to end', () => {
  it('cloud_to_local snapshots the cloud tables onto the local side, then streams', async () => {
    // The source database lives on the "cloud" server and the target on the "local" one.
    await using fixture = await createSyncFixture(testServerUrl('cloud'), testServerUrl('local'), 'c2l');
    await fixture.source.query(`${ordersTable}; ${ordersRows}`);
    const document = fixture.configDocument({
      tables: [{ name: 'orders', primary_key: 'id' }],
      sync: { mode: 'cloud_to_local' },
    });
    const databases = document.databases as Record<string, unknown>;
    document.databases = { local: databases.cloud, cloud: databases.local };
    const running = await fixture.startService(document);

    await expectTablesEqual(fixture, 'orders', 'id');
    await fixture.source.query(liveChanges);
    await eventually(() => expectTablesEqual(fixture, 'orders', 'id'), 30_000);
    expect(running.service.status.directions).toMatchObject([
      {
        source: 'cloud',
        target: 'local',
        state: 'streaming',
        stream: { state: 'streaming' },
        tables: [{ table: 'orders', state: 'streaming', rowsCopied: 3 }],
      },
    ]);
    // The target (the local side) holds the checkpoints of what it applied from the cloud: the snapshot's and
    // those the streamed batches wrote.
    const checkpoints = await fixture.target.query<{ source_name: string; slot: string }>(
      'SELECT source_name, slot FROM _mysql_sync_checkpoint ORDER BY slot',
    );
    expect(new Set(checkpoints.map((checkpoint) => checkpoint.source_name))).toEqual(new Set(['cloud']));
    expect(checkpoints.map((checkpoint) => checkpoint.slot)).toEqual(
      expect.arrayContaining(['snapshot:orders', expect.stringMatching(/^t:\d+:orders$/)]),
    );
  });

  it('realtime: false copies the snapshot, marks the tables synced, and streams nothing afterwards', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'norealtime',
    );
    await fixture.source.query(`${ordersTable}; ${ordersRows}`);
    const running = await fixture.startService(
      fixture.configDocument({
        tables: [{ name: 'orders', primary_key: 'id' }],
        sync: { realtime: false },
      }),
    );

    await expectTablesEqual(fixture, 'orders', 'id');
    expect(running.service.status.directions).toMatchObject([
      {
        source: 'local',
        target: 'cloud',
        state: 'idle',
        stream: null,
        tables: [{ table: 'orders', state: 'synced', rowsCopied: 3, pause: null }],
      },
    ]);
    expect(
      (await running.store.listTableStates()).map((state) => [
        state.tableName,
        state.syncDirection,
        state.status,
      ]),
    ).toEqual([['orders', 'local_to_cloud', 'synced']]);
    // No binlog client reads the source server (an earlier test's dump thread may take a moment to go).
    await eventually(async () => {
      const dumpThreads = await fixture.source.query(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'",
      );
      expect(dumpThreads).toEqual([]);
    }, 5_000);

    const targetBefore = await fixture.target.query('SELECT * FROM orders ORDER BY id');
    await fixture.source.query(liveChanges);
    // A streaming service applies such changes within milliseconds (see the test above); give it ample time.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await fixture.target.query('SELECT * FROM orders ORDER BY id')).toEqual(targetBefore);
    expect(running.service.status.directions[0]?.state).toBe('idle');
  });
});
