/**
 * Network faults between the service and its databases under a continuous write load, through a TCP proxy per
 * server (test/support/fault-proxy.ts): connections reset in the middle of a batch or right after its COMMIT was
 * sent, the binlog stream cut in the middle of an event, both kinds of connection stalled past the service's
 * timeouts, a COMMIT held up past them and delivered late, a black hole — in both directions at once. Afterwards
 * both sides hold the same rows, no row was written twice (write_log, see test/support/write-log-load.ts), and
 * the service reports healthy.
 *
 * The network faults run one-way (two services, local → cloud and cloud → local): in bidirectional mode a batch
 * applied twice is hidden by the conflict check (its rows are "already there"), so only one-way sync shows it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FaultProxy, type ConnectionSnapshot } from '../support/fault-proxy.js';
import { countLines, queryTimeout, randomBelow, seed } from '../support/fault-runs.js';
import {
  createSyncFixture,
  eventually,
  stopLoads,
  waitUntilHealthy,
  type ServiceProcess,
  type SyncFixture,
} from '../support/sync-fixture.js';
import {
  expectSyncedExactlyOnce,
  sourceTables,
  startWriteLoad,
  targetTables,
  waitForProgress,
  writeLogTables,
  type WriteLoad,
} from '../support/write-log-load.js';
import { testServerUrl } from '../support/test-servers.js';

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
    await using toCloud = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'netup');
    await using toLocal = await createSyncFixture(testServerUrl('cloud'), testServerUrl('local'), 'netdown');
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
});
