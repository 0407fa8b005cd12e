/**
 * A failover of the source (R10): a replica promoted, and the service pointed at it, at a restart or by an endpoint
 * that now leads to the replica under a running service (as an RDS endpoint or a DNS name does). The replica's
 * binlog files have the same names as the old primary's, holding other offsets, so a recorded file and offset
 * would start the stream in the wrong place without any error. On both servers.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxServer } from '../../src/sandbox/index.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { formatServerUrl } from '../support/server-url.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  waitUntilHealthy,
  type RunningService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { openTestDatabase, type TestDatabase } from '../support/test-database.js';
import { serverPair, skipped, type Flavor } from './server-pairs.js';

const itemsTable = 'CREATE TABLE items (id INT NOT NULL PRIMARY KEY, label VARCHAR(40) NOT NULL)';

/** The statements that make `replica` replicate `primary` by GTID, and that promote it. */
const replication: Record<Flavor, { follow(port: number): string; caughtUp: string; promote: string }> = {
  mysql: {
    follow: (port) =>
      'STOP REPLICA; RESET REPLICA ALL; ' +
      `CHANGE REPLICATION SOURCE TO SOURCE_HOST = '127.0.0.1', SOURCE_PORT = ${port}, SOURCE_USER = 'root', ` +
      "SOURCE_PASSWORD = '', SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1; START REPLICA",
    caughtUp: 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, 60) AS timedOut',
    promote: 'STOP REPLICA; RESET REPLICA ALL',
  },
  mariadb: {
    follow: (port) =>
      'STOP SLAVE; RESET SLAVE ALL; ' +
      `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${port}, MASTER_USER = 'root', ` +
      "MASTER_PASSWORD = '', MASTER_USE_GTID = slave_pos; START SLAVE",
    caughtUp: 'SELECT MASTER_GTID_WAIT(?, 60) AS timedOut',
    promote: 'STOP SLAVE; RESET SLAVE ALL',
  },
};

async function adminQuery(
  server: SandboxServer,
  sql: string,
  values: unknown[] = [],
): Promise<mysql.RowDataPacket[]> {
  const connection = await mysql.createConnection({ ...server.connectionInfo, multipleStatements: true });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(sql, values);
    return rows;
  } finally {
    await connection.end();
  }
}

async function insertItems(database: TestDatabase, from: number, to: number, label: string): Promise<void> {
  for (let id = from; id <= to; id += 1) {
    await database.query('INSERT INTO items VALUES (?, ?)', [id, `${label} ${id}`]);
  }
}

async function idsOf(database: TestDatabase): Promise<number[]> {
  const rows = await database.query<{ id: number }>('SELECT id FROM items ORDER BY id');
  return rows.map((row) => Number(row.id));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_unused, index) => from + index);
}

describe.each(['mysql', 'mariadb'] as const)('a failover of the source, %s', (flavor) => {
  const pair = serverPair(flavor, flavor);
  let primary: SandboxServer | undefined;
  let replica: SandboxServer | undefined;
  // A MariaDB replica logs what it applies only when told to (MySQL does by default), and writes of its own go to a
  // GTID domain of its own, as docs/operations.md asks of every writable server.
  const replicaArguments = flavor === 'mariadb' ? ['--log-slave-updates=ON', '--gtid-domain-id=2'] : [];
  const serverIdBase = flavor === 'mysql' ? 171 : 181;

  beforeAll(async () => {
    if (skipped(pair)) return;
    primary = await SandboxServer.start({
      name: `failover-primary-${flavor}`,
      serverId: serverIdBase,
      flavor,
    });
    replica = await SandboxServer.start({
      name: `failover-replica-${flavor}`,
      serverId: serverIdBase + 1,
      flavor,
      extraArguments: replicaArguments,
    });
  }, 120_000);

  afterAll(async () => {
    await replica?.stop();
    await primary?.stop();
  });

  /** A fixture on the primary and the shared target; the replica follows the primary (again) from here. */
  async function replicatedFixture(label: string) {
    if (primary === undefined || replica === undefined) throw new Error('the servers did not start');
    await adminQuery(replica, replication[flavor].follow(primary.port));
    const fixture = await createSyncFixture(formatServerUrl(primary.connectionInfo), pair.targetUrl, label);
    await fixture.source.query(itemsTable);
    await fixture.target.query(itemsTable);
    return fixture;
  }

  async function promoteReplica(source: TestDatabase): Promise<void> {
    if (primary === undefined || replica === undefined) throw new Error('the servers did not start');
    const [state] = await adminQuery(
      primary,
      flavor === 'mysql' ? 'SELECT @@gtid_executed AS state' : 'SELECT @@gtid_binlog_pos AS state',
    );
    const [wait] = await adminQuery(replica, replication[flavor].caughtUp, [String(state?.state ?? '')]);
    if (Number(wait?.timedOut) !== 0) {
      const status = await adminQuery(
        replica,
        flavor === 'mysql' ? 'SHOW REPLICA STATUS' : 'SHOW SLAVE STATUS',
      );
      throw new Error(`the replica did not catch up: ${JSON.stringify(status)}`);
    }
    await using copy = replicaDatabase(source);
    expect(await idsOf(copy)).toEqual(await idsOf(source));
    await adminQuery(replica, replication[flavor].promote);
  }

  /** The fixture's source database, on the replica. */
  function replicaDatabase(source: TestDatabase): TestDatabase {
    if (replica === undefined) throw new Error('the replica did not start');
    return openTestDatabase(formatServerUrl(replica.connectionInfo), source.name);
  }

  function expectFailedWithServerChanged(running: RunningService): void {
    const direction = running.service.status.directions[0];
    expect(direction?.state).toBe('failed');
    expect(direction?.error?.code).toBe('SOURCE_SERVER_CHANGED');
    expect(direction?.error?.message).toMatch(/is not the server the checkpoints were recorded on/);
  }

  /** The configuration `document` with the source at `port`. */
  function withSourcePort(document: Record<string, unknown>, port: number): Record<string, unknown> {
    const databases = document.databases as Record<string, Record<string, unknown>>;
    return { ...document, databases: { ...databases, local: { ...databases.local, port } } };
  }

  /** The items table synced through `proxy` to the primary. */
  function proxiedDocument(fixture: SyncFixture, proxy: FaultProxy): Record<string, unknown> {
    return withSourcePort(
      fixture.configDocument({ tables: [{ name: 'items', primary_key: 'id' }] }),
      proxy.port,
    );
  }

  /**
   * Rows 1–20 synced from the primary; then the replica promoted, rows 21–30 written on it, and the endpoint (the
   * proxy) moved to it, its open connections cut. Resolves to the source database on the promoted replica.
   */
  async function moveEndpointToPromotedReplica(
    fixture: SyncFixture,
    proxy: FaultProxy,
  ): Promise<TestDatabase> {
    if (replica === undefined) throw new Error('the replica did not start');
    await insertItems(fixture.source, 1, 20, 'before');
    await eventually(() => expectTablesEqual(fixture, 'items', 'id'));
    await promoteReplica(fixture.source);
    const promoted = replicaDatabase(fixture.source);
    await insertItems(promoted, 21, 30, 'on the promoted replica');
    proxy.retarget({ host: '127.0.0.1', port: replica.port });
    proxy.resetAll();
    return promoted;
  }

  it.skipIf(skipped(pair))(
    'restarted against the promoted replica: the checkpoints follow it by GTID, nothing lost or applied twice',
    { timeout: 180_000 },
    async () => {
      if (primary === undefined || replica === undefined) throw new Error('the servers did not start');
      await using fixture = await replicatedFixture('failover_restart');
      const document = fixture.configDocument({ tables: [{ name: 'items', primary_key: 'id' }] });
      const first = await fixture.startService(document);
      await insertItems(fixture.source, 1, 20, 'before');
      await eventually(() => expectTablesEqual(fixture, 'items', 'id'));
      await first.stop();

      await insertItems(fixture.source, 21, 30, 'while down');
      await promoteReplica(fixture.source);
      await using promoted = replicaDatabase(fixture.source);
      await insertItems(promoted, 31, 40, 'on the promoted replica');

      const second = await fixture.startService(withSourcePort(document, replica.port));
      await insertItems(promoted, 41, 45, 'after the restart');
      await eventually(() => expectExactlyEqual(promoted, fixture.target, 'items', ['id']), 30_000);
      expect(await idsOf(fixture.target)).toEqual(range(1, 45));
      expect(second.service.status.directions[0]?.state).toBe('streaming');
      await second.stop();
    },
  );

  it.skipIf(skipped(pair))(
    'an endpoint that leads to the promoted replica under a running service: the stream stops, nothing is applied from the wrong place',
    { timeout: 180_000 },
    async () => {
      if (primary === undefined || replica === undefined) throw new Error('the servers did not start');
      await using fixture = await replicatedFixture('failover_flip');
      await using proxy = await FaultProxy.start({ host: '127.0.0.1', port: primary.port });
      const document = proxiedDocument(fixture, proxy);
      const running = await fixture.startService(document);
      await using promoted = await moveEndpointToPromotedReplica(fixture, proxy);
      await eventually(() => expectFailedWithServerChanged(running), 30_000);
      expect(await idsOf(fixture.target)).toEqual(range(1, 20));
      await running.stop();

      const restarted = await fixture.startService(document);
      await eventually(() => expectExactlyEqual(promoted, fixture.target, 'items', ['id']), 30_000);
      expect(await idsOf(fixture.target)).toEqual(range(1, 30));
      await restarted.stop();
    },
  );

  it.skipIf(skipped(pair))(
    'the service (its real entry point) follows an endpoint that leads to the promoted replica by itself',
    { timeout: 180_000 },
    async () => {
      if (primary === undefined || replica === undefined) throw new Error('the servers did not start');
      await using fixture = await replicatedFixture('failover_follow');
      await using proxy = await FaultProxy.start({ host: '127.0.0.1', port: primary.port });
      const service = await fixture.spawnService(proxiedDocument(fixture, proxy));
      await waitUntilHealthy(service);
      await using promoted = await moveEndpointToPromotedReplica(fixture, proxy);
      await insertItems(promoted, 31, 35, 'after the endpoint moved');
      await eventually(() => expectExactlyEqual(promoted, fixture.target, 'items', ['id']), 60_000);
      expect(await idsOf(fixture.target)).toEqual(range(1, 35));
      expect(service.output()).toContain('SOURCE_SERVER_CHANGED');
      expect(service.output()).toContain('its checkpoints follow it by GTID');
      expect(await service.kill('SIGTERM')).toBe(0);
    },
  );

  it.skipIf(skipped(pair))(
    'a promoted replica that was behind the old primary is refused, naming why, and nothing is applied',
    { timeout: 180_000 },
    async () => {
      if (primary === undefined || replica === undefined) throw new Error('the servers did not start');
      await using fixture = await replicatedFixture('failover_behind');
      const document = fixture.configDocument({ tables: [{ name: 'items', primary_key: 'id' }] });
      const first = await fixture.startService(document);
      await insertItems(fixture.source, 1, 10, 'replicated');
      await eventually(() => expectTablesEqual(fixture, 'items', 'id'));
      await promoteReplica(fixture.source);
      // From here on the replica no longer follows: what the target gets next, it never has.
      await insertItems(fixture.source, 11, 20, 'only on the old primary');
      await eventually(() => expectTablesEqual(fixture, 'items', 'id'));
      await first.stop();
      await using promoted = replicaDatabase(fixture.source);
      await insertItems(promoted, 21, 25, 'on the promoted replica');

      const started = fixture.startService(withSourcePort(document, replica.port));
      await expect(started).rejects.toMatchObject({ code: 'SOURCE_SERVER_CHANGED' });
      await expect(started).rejects.toThrow(/cannot be followed there/);
      expect(await idsOf(fixture.target)).toEqual(range(1, 20));
    },
  );
});
