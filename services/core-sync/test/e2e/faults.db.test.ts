/**
 * Faults between the service and its databases under a continuous write load, through a TCP proxy per server
 * (test/support/fault-proxy.ts): connections reset in the middle of a batch or right after its COMMIT was sent,
 * the binlog stream cut in the middle of an event, both kinds of connection stalled past the service's timeouts,
 * a COMMIT held up past them and delivered late, a black hole — in both directions at once; a target server
 * restarted (cleanly and by a crash); the state store away for a while. Afterwards both sides hold the same rows,
 * no row was written twice (write_log, see test/support/write-log-load.ts), and the service reports healthy.
 *
 * The network faults run one-way (two services, local → cloud and cloud → local): in bidirectional mode a batch
 * applied twice is hidden by the conflict check (its rows are "already there"), so only one-way sync shows it.
 * The server restarts run one-way and bidirectional: in bidirectional mode the restarted server is the target of
 * one direction and the source of the other, with a load of its own that must reconnect.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SandboxServer } from '../../src/sandbox/index.js';
import { openStateStore } from '../../src/store/index.js';
import { FaultProxy, type ConnectionSnapshot } from '../support/fault-proxy.js';
import { formatServerUrl } from '../support/server-url.js';
import {
  createSyncFixture,
  eventually,
  expectBinlogsStandStill,
  stopLoads,
  waitUntilHealthy,
  type ServiceProcess,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { createTestDatabase } from '../support/test-database.js';
import {
  createBothWaysTables,
  expectSyncedExactlyOnce,
  sourceTables,
  startWriteLoad,
  targetTables,
  waitForProgress,
  writeLogTables,
  type WriteLoad,
} from '../support/write-log-load.js';

/** Statements and connects give up after this long without an answer: the faults below last longer. */
const queryTimeout = '2s';
/** Repeat a run's random moments with MYSQL_SYNC_TEST_SEED=<the seed a failure names>. */
const seed = Number(process.env.MYSQL_SYNC_TEST_SEED ?? Date.now() % 1_000_000);
let randomState = seed;
/** A number in [0, count) from a seeded sequence (the moments and sizes of the faults). */
function randomBelow(count: number): number {
  randomState = (Math.imul(randomState, 1_103_515_245) + 12_345) >>> 0;
  return (randomState >>> 8) % count;
}

/** One direction of the network test: its databases, its own service, its write load. */
interface Direction {
  readonly name: string;
  readonly fixture: SyncFixture;
  readonly service: ServiceProcess;
  readonly load: WriteLoad;
}

/** The database section of a configuration, reached through `proxy`. */
function throughProxy(section: unknown, proxy: FaultProxy): Record<string, unknown> {
  return {
    ...(section as Record<string, unknown>),
    host: proxy.host,
    port: proxy.port,
    query_timeout: queryTimeout,
  };
}

/**
 * A one-way service for `fixture` (its source on the server `sourceProxy` leads to), each database reached through
 * the proxy of its server. `cloud_to_local` when the fixture's source is on the cloud server.
 */
async function startDirection(
  name: 'local_to_cloud' | 'cloud_to_local',
  fixture: SyncFixture,
  proxies: { readonly local: FaultProxy; readonly cloud: FaultProxy },
  writer: number,
): Promise<Direction> {
  await fixture.source.query(sourceTables);
  await fixture.target.query(targetTables);
  const document = fixture.configDocument({ tables: writeLogTables, sync: { batch_insert_size: 50 } });
  const databases = document.databases as Record<'local' | 'cloud', unknown>;
  const [sourceSection, targetSection] = [databases.local, databases.cloud];
  const [sourceSide, targetSide] =
    name === 'local_to_cloud' ? (['local', 'cloud'] as const) : (['cloud', 'local'] as const);
  document.databases = {
    [sourceSide]: throughProxy(sourceSection, proxies[sourceSide]),
    [targetSide]: throughProxy(targetSection, proxies[targetSide]),
  };
  document.sync = { ...(document.sync as Record<string, unknown>), mode: name };
  const service = await fixture.spawnService(document);
  await waitUntilHealthy(service);
  const load = await startWriteLoad(fixture.source, writer, { pauseMs: 4 });
  return { name, fixture, service, load };
}

async function progress(directions: readonly Direction[], transactions: number): Promise<void> {
  await Promise.all(directions.map((direction) => waitForProgress(direction.load, transactions)));
}

function countLines(service: ServiceProcess, message: string): number {
  return service
    .output()
    .split('\n')
    .filter((line) => line.includes(`"msg":"${message}"`)).length;
}

async function allHealthy(directions: readonly Direction[]): Promise<void> {
  await Promise.all(directions.map((direction) => waitUntilHealthy(direction.service)));
}

async function someDown(directions: readonly Direction[]): Promise<void> {
  await eventually(async () => {
    const codes = await Promise.all(
      directions.map(async (direction) => (await direction.service.health()).statusCode),
    );
    expect(codes).toContain(503);
  }, 20_000);
}

/** Resolves with the trigger's connection, or fails naming the fault that never found its moment. */
async function triggered(fault: Promise<ConnectionSnapshot>, what: string): Promise<ConnectionSnapshot> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fault,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what} did not happen within 30 s (seed ${seed})`)),
          30_000,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('faults', () => {
  it('network faults in both directions under load: resets mid-batch and after COMMIT, binlog cut mid-event, stalls, a black hole', async () => {
    // Two one-way services, local → cloud and cloud → local, through one proxy per server: every fault on a
    // proxy hits one direction's target connections and the other direction's binlog stream at once.
    await using toCloud = await createSyncFixture(
      inject('localServerUrl'),
      inject('cloudServerUrl'),
      'netup',
    );
    await using toLocal = await createSyncFixture(
      inject('cloudServerUrl'),
      inject('localServerUrl'),
      'netdown',
    );
    await using localProxy = await FaultProxy.start(toCloud.source.server);
    await using cloudProxy = await FaultProxy.start(toCloud.target.server);
    const proxySides = { local: localProxy, cloud: cloudProxy };
    const proxies = [localProxy, cloudProxy];
    const directions = [
      await startDirection('local_to_cloud', toCloud, proxySides, 1),
      await startDirection('cloud_to_local', toLocal, proxySides, 2),
    ];
    const services = directions.map((direction) => direction.service);
    const total = (message: string): number =>
      services.reduce((sum, service) => sum + countLines(service, message), 0);
    try {
      await progress(directions, 20);

      // A target connection reset: mid-batch (its checkpoint slots written, its rows not yet), with the rows
      // written but before COMMIT, and right after COMMIT was sent (the server commits, the answer is lost).
      const resets = [
        {
          text: '(source_name, slot, binlog_file, binlog_position, gtid, updated_at)',
          action: 'reset-after',
        },
        { text: 'COMMIT', action: 'reset-before' },
        { text: 'COMMIT', action: 'reset-after' },
      ] as const;
      for (const reset of resets) {
        for (const proxy of proxies) {
          await progress(directions, 3 + randomBelow(10));
          const hit = await triggered(
            proxy.onClientText(reset.text, reset.action),
            `${reset.action} on ${reset.text}`,
          );
          expect(hit.bytesToServer).toBeGreaterThan(0);
        }
      }
      // Every connection reset at once, at a random moment: at least one of them was carrying data.
      for (const proxy of proxies) {
        await progress(directions, 3 + randomBelow(10));
        const reset = proxy.resetAll();
        const now = Date.now();
        expect(
          reset.filter(
            (connection) =>
              now - Math.max(connection.lastToServerAt ?? 0, connection.lastToClientAt ?? 0) < 500,
          ),
          `connections active when reset (seed ${seed})`,
        ).not.toEqual([]);
      }
      await allHealthy(directions);

      // The binlog stream cut in the middle of an event (at a random byte of what the server sends).
      for (let round = 0; round < 2; round += 1) {
        for (const proxy of proxies) {
          const failuresBefore = total('binlog stream failed, reconnecting');
          await progress(directions, 3 + randomBelow(10));
          const cut = await triggered(
            proxy.cutAfter(100 + randomBelow(4_000), { clientSent: '@master_heartbeat_period' }),
            'the binlog cut',
          );
          expect(cut.bytesToClient).toBeGreaterThan(0);
          await eventually(
            () => expect(total('binlog stream failed, reconnecting')).toBeGreaterThan(failuresBefore),
            30_000,
          );
        }
      }
      await allHealthy(directions);

      // Both proxies stalled (nothing forwarded either way, connections kept open) past the service's timeouts:
      // the services notice (the binlog watchdog, the statement timeout: /health says 503) and carry on.
      for (let round = 0; round < 2; round += 1) {
        await progress(directions, 3 + randomBelow(10));
        const timeoutsBefore = total('batch failed, retrying');
        for (const proxy of proxies) proxy.stall();
        await someDown(directions);
        await sleep(1_000 + randomBelow(2_000));
        for (const proxy of proxies) proxy.heal();
        await allHealthy(directions);
        expect(total('batch failed, retrying')).toBeGreaterThan(timeoutsBefore);
      }

      // A batch held right at its COMMIT past the statement timeout (2 s), then delivered late: just after the
      // service gave up on it (the server commits it before the retry can end it), or later (the retry has ended
      // it). Either way the retry must learn what happened and not apply the batch a second time.
      for (const holdMs of [2_100, 2_900]) {
        for (const proxy of proxies) {
          await progress(directions, 3 + randomBelow(10));
          await triggered(proxy.onClientText('COMMIT', 'hold'), 'the COMMIT hold');
          await sleep(holdMs + randomBelow(300));
          proxy.heal();
        }
      }

      // A black hole (like a pulled cable): nothing forwarded, nothing answered; the connections open then stay
      // dead after the network is back, and their transactions stay open on the servers until the services end them.
      await progress(directions, 3 + randomBelow(10));
      for (const proxy of proxies) proxy.blackHole();
      await someDown(directions);
      await sleep(2_000);
      for (const proxy of proxies) proxy.heal();
      await allHealthy(directions);
      await progress(directions, 20);
    } finally {
      await stopLoads(directions.map((direction) => direction.load));
    }
    for (const direction of directions) await expectSyncedExactlyOnce(direction.fixture, ['target'], 90_000);
    await allHealthy(directions);
    for (const service of services) {
      const exitCode = await service.kill('SIGTERM');
      expect(
        exitCode,
        `exit code; the service's last output:\n${service
          .output()
          .split('\n')
          .filter((line) => !line.includes('reconnecting'))
          .slice(-12)
          .join('\n')}`,
      ).toBe(0);
    }
  }, 300_000);

  it('the state store away for 15 s under load: syncing goes on, the API says why, one log line each way, a restart resumes exactly', async () => {
    await using fixture = await createSyncFixture(
      inject('localServerUrl'),
      inject('cloudServerUrl'),
      'storeout',
    );
    await using stateDatabase = await createTestDatabase(inject('stateServerUrl'), 'storeout_state');
    await using storeProxy = await FaultProxy.start(stateDatabase.server);
    await fixture.source.query(sourceTables);
    await fixture.target.query(targetTables);
    const document = fixture.configDocument({ tables: writeLogTables, sync: { batch_insert_size: 50 } });
    document.state_storage = {
      type: 'mysql',
      host: storeProxy.host,
      port: storeProxy.port,
      user: stateDatabase.server.user,
      password: stateDatabase.server.password,
      database: stateDatabase.name,
    };
    const first = await fixture.spawnService(document);
    await waitUntilHealthy(first);
    const load = await startWriteLoad(fixture.source, 5, { pauseMs: 4 });
    const appliedRows = async (): Promise<number> => {
      const [row] = await fixture.target.query<{ written: number }>(
        'SELECT COUNT(*) AS written FROM write_log',
      );
      return Number(row?.written ?? 0);
    };
    const storedCheckpoints = async (): Promise<string[]> =>
      (
        await stateDatabase.query<{ updated: string }>('SELECT MAX(updated_at) AS updated FROM checkpoints')
      ).map((row) => String(row.updated));
    try {
      await waitForProgress(load, 30);
      await eventually(async () => expect(await storedCheckpoints()).not.toEqual(['null']), 30_000);

      const reset = storeProxy.down();
      const downAt = Date.now();
      expect(reset.length, 'state-store connections reset').toBeGreaterThan(0);
      // The API says what is wrong while it lasts: degraded (syncing goes on), with the error code.
      await eventually(async () => {
        const health = await first.health();
        expect(health.statusCode).toBe(200);
        expect(health.body).toMatchObject({
          status: 'degraded',
          stateStore: { available: false, error: { code: 'STATE_STORE_UNAVAILABLE' } },
        });
        const status = await fetch(`http://127.0.0.1:${first.port}/api/v1/sync/status`);
        expect(await status.json()).toMatchObject({
          health: { stateStore: { available: false, error: { code: 'STATE_STORE_UNAVAILABLE' } } },
        });
      }, 20_000);
      // Rows keep being applied: exactly-once rests on the checkpoints on the target, not on the store.
      const appliedAtOutage = await appliedRows();
      const checkpointsAtOutage = await storedCheckpoints();
      await waitForProgress(load, 30);
      await eventually(async () => expect(await appliedRows()).toBeGreaterThan(appliedAtOutage + 50), 20_000);
      await sleep(Math.max(0, 15_000 - (Date.now() - downAt)));
      expect(await storedCheckpoints()).toEqual(checkpointsAtOutage);

      storeProxy.heal();
      await eventually(async () => {
        const health = await first.health();
        expect(health.body).toMatchObject({ status: 'ok', stateStore: { available: true, error: null } });
      }, 30_000);
      // The copies catch up once the store is back.
      await eventually(
        async () => expect(await storedCheckpoints()).not.toEqual(checkpointsAtOutage),
        30_000,
      );
      await waitForProgress(load, 30);
    } finally {
      await load.stop();
    }
    // Once per outage, not once per failed call.
    expect(countLines(first, 'state store available again')).toBe(1);
    expect(
      first
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"state store unavailable: ')),
    ).toHaveLength(1);
    expect(
      countLines(first, 'failed to copy checkpoints to the state store; the target keeps them, will retry'),
    ).toBe(0);
    await expectSyncedExactlyOnce(fixture);
    expect(await first.kill('SIGTERM')).toBe(0);

    // A restart resumes exactly where the first process stopped.
    const more = await startWriteLoad(fixture.source, 6, { pauseMs: 4 });
    try {
      await waitForProgress(more, 30);
      const second = await fixture.spawnService(document);
      await waitUntilHealthy(second);
      await waitForProgress(more, 30);
      await more.stop();
      await expectSyncedExactlyOnce(fixture);
      expect(await second.kill('SIGTERM')).toBe(0);
    } finally {
      await more.stop();
    }
  }, 240_000);

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
        inject('localServerUrl'),
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
        inject('localServerUrl'),
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
