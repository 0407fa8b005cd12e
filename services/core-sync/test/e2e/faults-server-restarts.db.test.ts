/**
 * A target server restarted, cleanly and by a crash, under a continuous write load. Afterwards both sides hold the
 * same rows, no row was written twice (write_log, see test/support/write-log-load.ts), and the service reports
 * healthy.
 *
 * The server restarts run one-way and bidirectional: in bidirectional mode the restarted server is the target of
 * one direction and the source of the other, with a load of its own that must reconnect.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxServer } from '../../src/sandbox/index.js';
import { openStateStore } from '../../src/store/index.js';
import { queryTimeout, randomBelow, seed } from '../support/fault-runs.js';
import { formatServerUrl } from '../support/server-url.js';
import {
  createSyncFixture,
  eventually,
  expectBinlogsStandStill,
  stopLoads,
  waitUntilHealthy,
  type ServiceProcess,
} from '../support/sync-fixture.js';
import {
  createBothWaysTables,
  expectSyncedExactlyOnce,
  sourceTables,
  startWriteLoad,
  targetTables,
  waitForProgress,
  writeLogTables,
} from '../support/write-log-load.js';
import { testServerUrl } from '../support/test-servers.js';

describe('faults', () => {
  describe('with a cloud server of its own', () => {
    let ownServer: SandboxServer;

    beforeAll(async () => {
      ownServer = await SandboxServer.start({ name: 'test-target-faults', serverId: 104 });
    }, 120_000);

    afterAll(async () => {
      await ownServer.destroy();
    });

    /** Stops the server cleanly or kills it, waits until the service says so, and starts it again a little later. */
    async function restartOwnServer(
      service: ServiceProcess,
      crash: boolean,
      directionCount: number,
    ): Promise<void> {
      if (crash) await ownServer.kill();
      else await ownServer.stop();
      await eventually(async () => expect((await service.health()).statusCode).toBe(503), 20_000);
      await sleep(1_000 + randomBelow(1_000));
      await ownServer.launch();
      await waitUntilHealthy(service, directionCount);
    }

    it('applies every change exactly once across target restarts under load: a clean one and a crash', async () => {
      await using fixture = await createSyncFixture(
        testServerUrl('local'),
        formatServerUrl(ownServer.connectionInfo),
        'tgtrestart',
      );
      await fixture.source.query(sourceTables);
      await fixture.target.query(targetTables);
      const document = fixture.configDocument({ tables: writeLogTables, sync: { batch_insert_size: 50 } });
      const databases = document.databases as Record<'local' | 'cloud', Record<string, unknown>>;
      databases.cloud = { ...databases.cloud, query_timeout: queryTimeout };
      const service = await fixture.spawnService(document);
      await waitUntilHealthy(service);
      const load = await startWriteLoad(fixture.source, 7, { pauseMs: 4 });
      try {
        for (const crash of [false, true]) {
          await waitForProgress(load, 20 + randomBelow(30));
          await restartOwnServer(service, crash, 1);
        }
        await waitForProgress(load, 30);
      } finally {
        await load.stop();
      }
      await expectSyncedExactlyOnce(fixture);
      expect(await service.kill('SIGTERM')).toBe(0);
    });

    it('bidirectional, loads on both sides: the cloud server restarted cleanly and by a crash, every change arrives once each way, no echo', async () => {
      // The own server is the target of local → cloud and the source of cloud → local: when it is back, its
      // binlog stream reconnects and the batches for it resume; its load reconnects too.
      await using fixture = await createSyncFixture(
        testServerUrl('local'),
        formatServerUrl(ownServer.connectionInfo),
        'bidirestart',
      );
      await createBothWaysTables(fixture);
      const document = fixture.configDocument({
        tables: writeLogTables.map((table) => ({
          ...table,
          conflict_resolution: 'source_priority',
          prefer: 'cloud',
        })),
        sync: { mode: 'bidirectional', batch_insert_size: 50 },
      });
      const databases = document.databases as Record<'local' | 'cloud', Record<string, unknown>>;
      databases.cloud = { ...databases.cloud, query_timeout: queryTimeout };
      const service = await fixture.spawnService(document);
      await waitUntilHealthy(service, 2);
      // Disjoint rows: each side's load inserts its own event ids and bumps its own two counters.
      const loads = [
        await startWriteLoad(fixture.source, 8, { firstId: 1, counterIds: [1, 2], pauseMs: 4 }),
        await startWriteLoad(fixture.target, 9, {
          firstId: 1_000_001,
          counterIds: [3, 4],
          pauseMs: 4,
          reconnect: true,
        }),
      ];
      const progress = async (transactions: number): Promise<void> => {
        await Promise.all(loads.map((load) => waitForProgress(load, transactions)));
      };
      try {
        for (const crash of [false, true]) {
          await progress(20 + randomBelow(30));
          await restartOwnServer(service, crash, 2);
        }
        await progress(30);
      } finally {
        await stopLoads(loads);
      }
      const [localLoad, cloudLoad] = loads;
      console.log(
        `seed ${seed}: ${localLoad?.committed()} local and ${cloudLoad?.committed()} cloud transactions`,
      );
      // Both sides hold the same rows; no row the service wrote on either side was written there twice, and no
      // event came back to the side that wrote it (its own insert and the echo would log its id twice).
      await expectSyncedExactlyOnce(fixture, ['source', 'target']);
      await expectBinlogsStandStill(fixture);
      await expectSyncedExactlyOnce(fixture, ['source', 'target'], 0);
      await waitUntilHealthy(service, 2);
      expect(await service.kill('SIGTERM')).toBe(0);
      // Disjoint rows: nothing to decide, so a conflict would mean a change was applied on top of itself.
      const store = await openStateStore({
        type: 'sqlite',
        filePath: path.join(fixture.workDirectory, 'state.db'),
      });
      try {
        const recorded = await store.listConflicts({ limit: 10, offset: 0 });
        expect(recorded.conflicts, `conflicts recorded (seed ${seed})`).toEqual([]);
      } finally {
        await store.close();
      }
    }, 120_000);
  });
});
