/**
 * The service under faults: killed with SIGKILL under load, stopped with SIGTERM, the source server restarted and
 * the replication connection killed while streaming, and a checkpoint whose binlog file was purged.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SandboxServer } from '../../src/sandbox/index.js';
import { formatServerUrl } from '../support/server-url.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  waitUntilHealthy,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  expectSyncedExactlyOnce,
  sourceTables,
  startWriteLoad,
  targetTables,
  waitForProgress,
  writeLogTables as tables,
} from '../support/write-log-load.js';
import type { StreamView } from '../../src/status/index.js';
import { testServerUrl } from '../support/test-servers.js';

/** The tables on both sides, and a configuration for replicas sharing a lease in `stateDatabase` (2 s lease). */
async function highAvailabilityDocument(
  fixture: SyncFixture,
  stateDatabase: TestDatabase,
): Promise<Record<string, unknown>> {
  await fixture.source.query(sourceTables);
  await fixture.target.query(targetTables);
  const document = fixture.configDocument({ tables, sync: { batch_insert_size: 50 } });
  document.state_storage = {
    type: 'mysql',
    host: stateDatabase.server.host,
    port: stateDatabase.server.port,
    user: stateDatabase.server.user,
    password: stateDatabase.server.password,
    database: stateDatabase.name,
  };
  document.high_availability = { enabled: true, lease_ttl: '2s', renew_interval: '400ms' };
  return document;
}

/** Rotates the binlog and purges every older file: a position in them can no longer be resumed from. */
async function purgeAllButNewBinlog(database: TestDatabase): Promise<void> {
  await database.query('FLUSH BINARY LOGS');
  const logs = await database.query('SHOW BINARY LOGS');
  const newest = String(logs.at(-1)?.Log_name);
  // MariaDB keeps a file until its binlog checkpoint has moved on (crash recovery): purge until it is gone.
  await eventually(async () => {
    await database.query(`PURGE BINARY LOGS TO '${newest}'`);
    const left = await database.query<{ Log_name: string }>('SHOW BINARY LOGS');
    expect(left.map((log) => log.Log_name)).toEqual([newest]);
  }, 30_000);
}

describe('resilience', () => {
  it('survives kill -9 under a continuous write load: target equals source, nothing applied twice', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'crash');
    await fixture.source.query(sourceTables);
    await fixture.target.query(targetTables);
    const document = fixture.configDocument({ tables, sync: { batch_insert_size: 50 } });
    const load = await startWriteLoad(fixture.source, 1);
    try {
      for (let round = 0; round < 3; round += 1) {
        const service = await fixture.spawnService(document);
        await waitUntilHealthy(service);
        // Kill while the service is applying: at a varying moment after it caught up with the running load.
        await waitForProgress(load, 20 + round * 15);
        expect(await service.kill('SIGKILL')).toBeNull();
      }
      await waitForProgress(load, 30);
    } finally {
      await load.stop();
    }
    const service = await fixture.spawnService(document);
    await waitUntilHealthy(service);
    await expectSyncedExactlyOnce(fixture);
    expect(await service.kill('SIGTERM')).toBe(0);
  });

  it('stops gracefully on SIGTERM under load: exits 0, and a restart goes on exactly where it stopped', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'sigterm');
    await fixture.source.query(sourceTables);
    await fixture.target.query(targetTables);
    const document = fixture.configDocument({ tables });
    const load = await startWriteLoad(fixture.source, 2);
    try {
      const service = await fixture.spawnService(document);
      await waitUntilHealthy(service);
      await waitForProgress(load, 30);
      const stoppingAt = Date.now();
      expect(await service.kill('SIGTERM')).toBe(0);
      expect(Date.now() - stoppingAt).toBeLessThan(15_000);
      expect(service.output()).toContain('"msg":"stopped"');
      // The checkpoint copy is waited for before the state store closes.
      expect(service.output()).not.toContain('failed to copy checkpoints');
      await waitForProgress(load, 30);
    } finally {
      await load.stop();
    }
    const service = await fixture.spawnService(document);
    await waitUntilHealthy(service);
    await expectSyncedExactlyOnce(fixture);
    expect(await service.kill('SIGTERM')).toBe(0);
  });

  it('high availability: a standby takes over within seconds when the leader is killed, nothing lost or applied twice', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'ha');
    await using stateDatabase = await createTestDatabase(inject('stateServerUrl'), 'ha_state');
    const document = await highAvailabilityDocument(fixture, stateDatabase);
    const replicas = [await fixture.spawnService(document), await fixture.spawnService(document)];
    const roles = async () =>
      Promise.all(
        replicas.map(async (replica) => {
          if (replica.child.exitCode !== null || replica.child.signalCode !== null) return 'dead';
          const health = await replica.health();
          return `${String(health.body.role)}:${health.statusCode}:${JSON.stringify(health.body.directions)}`;
        }),
      );
    let leaderIndex = -1;
    await eventually(async () => {
      const current = await roles();
      leaderIndex = current.findIndex(
        (role) => role.startsWith('leader:200:') && role.includes('"streaming"'),
      );
      expect(leaderIndex).toBeGreaterThanOrEqual(0);
      expect(current[1 - leaderIndex]).toMatch(/^standby:200:\[\]$/);
    }, 60_000);
    const load = await startWriteLoad(fixture.source, 7);
    try {
      await waitForProgress(load, 40);
      const leader = replicas[leaderIndex];
      const standby = replicas[1 - leaderIndex];
      if (leader === undefined || standby === undefined) throw new Error('no replicas');
      expect(await leader.kill('SIGKILL')).toBeNull();
      const killedAt = Date.now();
      await eventually(
        async () => {
          const health = await standby.health();
          expect(health.body).toMatchObject({ role: 'leader', directions: [{ state: 'streaming' }] });
        },
        30_000,
        100,
      );
      // The lease lasts 2 s: the standby leads within about that, plus a renew interval and its start-up.
      expect(Date.now() - killedAt).toBeLessThan(10_000);
      await waitForProgress(load, 40);
    } finally {
      await load.stop();
    }
    await expectSyncedExactlyOnce(fixture);
    for (const replica of replicas) await replica.kill('SIGTERM');
  });

  it('high availability: a leader paused past its lease is fenced when it wakes, and stands by', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'hapause');
    await using stateDatabase = await createTestDatabase(inject('stateServerUrl'), 'hapause_state');
    const document = await highAvailabilityDocument(fixture, stateDatabase);
    const first = await fixture.spawnService(document);
    await eventually(async () => {
      expect((await first.health()).body).toMatchObject({
        role: 'leader',
        directions: [{ state: 'streaming' }],
      });
    }, 60_000);
    const second = await fixture.spawnService(document);
    await eventually(
      async () => expect((await second.health()).body).toMatchObject({ role: 'standby' }),
      60_000,
    );
    const load = await startWriteLoad(fixture.source, 8);
    try {
      await waitForProgress(load, 30);
      // Frozen (a long GC pause, a suspended VM): it keeps its connections and believes it leads.
      first.child.kill('SIGSTOP');
      const frozenAt = Date.now();
      await eventually(async () => {
        expect((await second.health()).body).toMatchObject({
          role: 'leader',
          directions: [{ state: 'streaming' }],
        });
      }, 30_000);
      const takeoverMs = Date.now() - frozenAt;
      await waitForProgress(load, 30);
      first.child.kill('SIGCONT');
      const wokeAt = Date.now();
      // Awake, it believes it leads: it steps down at its next renewal (the lease is taken), and a batch it tries
      // first meets the new leader's fence (LEASE_LOST). On a loaded machine the lease may change hands again
      // later; what must hold is one leader, streaming, and the other standing by.
      await eventually(async () => {
        const bodies = [(await first.health()).body, (await second.health()).body];
        expect(bodies.map((body) => body.role).sort()).toEqual(['leader', 'standby']);
        expect(bodies.find((body) => body.role === 'leader')).toMatchObject({
          directions: [{ state: 'streaming' }],
        });
      }, 30_000);
      // A dead leader is replaced after its lease (2 s), a renew interval and the new leader's start.
      expect(takeoverMs).toBeLessThan(10_000);
      expect(Date.now() - wokeAt).toBeLessThan(20_000);
      await eventually(
        () =>
          expect(first.output()).toMatch(
            /the lease was taken over: stepping down|could not renew or acquire the lease|LEASE_LOST/,
          ),
        5_000,
      );
      await waitForProgress(load, 30);
    } finally {
      await load.stop();
    }
    await expectSyncedExactlyOnce(fixture);
    for (const replica of [first, second]) expect(await replica.kill('SIGTERM')).toBe(0);
  });

  describe('with a source server of its own', () => {
    let sourceServer: SandboxServer;

    beforeAll(async () => {
      sourceServer = await SandboxServer.start({ name: 'test-faults', serverId: 103 });
    }, 120_000);

    afterAll(async () => {
      await sourceServer.destroy();
    });

    it('reconnects and catches up after the source server restarts and after its replication thread is killed', async () => {
      await using fixture = await createSyncFixture(
        formatServerUrl(sourceServer.connectionInfo),
        testServerUrl('cloud'),
        'restart',
      );
      await fixture.source.query(sourceTables);
      await fixture.target.query(targetTables);
      const running = await fixture.startService(fixture.configDocument({ tables }));
      const streamOf = (): StreamView | null | undefined => running.service.status.directions[0]?.stream;

      let load = await startWriteLoad(fixture.source, 3);
      await waitForProgress(load, 20);
      await load.stop();
      await sourceServer.restart();
      await eventually(() => {
        expect(streamOf()).toMatchObject({ state: 'streaming', lastError: { code: 'BINLOG_STREAM_FAILED' } });
      }, 30_000);

      const admin = await mysql.createConnection({
        ...sourceServer.connectionInfo,
        multipleStatements: true,
      });
      try {
        load = await startWriteLoad(fixture.source, 4);
        await waitForProgress(load, 20);
        const dumpThreads = await admin.query<mysql.RowDataPacket[]>(
          "SELECT id FROM information_schema.processlist WHERE command LIKE 'Binlog Dump%'",
        );
        expect(dumpThreads[0].length).toBeGreaterThan(0);
        for (const thread of dumpThreads[0]) await admin.query(`KILL ${Number(thread.id)}`);
        await waitForProgress(load, 20);
        await load.stop();
        await eventually(() => expect(streamOf()).toMatchObject({ state: 'streaming' }), 30_000);
      } finally {
        await admin.end();
      }
      await expectSyncedExactlyOnce(fixture);
      expect(running.service.status.directions[0]?.state).toBe('streaming');
    });

    it('reports a purged checkpoint binlog file as BINLOG_PURGED, with /health 503', async () => {
      await using fixture = await createSyncFixture(
        formatServerUrl(sourceServer.connectionInfo),
        testServerUrl('cloud'),
        'purged',
      );
      await fixture.source.query(sourceTables);
      await fixture.target.query(targetTables);
      const document = fixture.configDocument({ tables });
      const first = await fixture.spawnService(document);
      await waitUntilHealthy(first);
      await fixture.source.query('INSERT INTO events (writer, payload) VALUES (5, ?)', ['before']);
      await eventually(() => expectTablesEqual(fixture, 'events', 'id'));
      expect(await first.kill('SIGTERM')).toBe(0);

      // While the service is down: more changes, then the binlog it would resume from is rotated away and purged.
      await fixture.source.query('INSERT INTO events (writer, payload) VALUES (5, ?)', ['while down']);
      await purgeAllButNewBinlog(fixture.source);

      const second = await fixture.spawnService(document);
      await eventually(async () => {
        const health = await second.health();
        expect(health.statusCode).toBe(503);
        expect(JSON.stringify(health.body.reasons)).toMatch(/binlog file .* was purged/);
      }, 30_000);
      expect(second.output()).toContain('BINLOG_PURGED');
      expect(await second.kill('SIGTERM')).toBe(0);
    });

    it('copies the tables again after a purged binlog when scheduler.resync_on_purged_binlog is on', async () => {
      await using fixture = await createSyncFixture(
        formatServerUrl(sourceServer.connectionInfo),
        testServerUrl('cloud'),
        'resync',
      );
      await fixture.source.query(sourceTables);
      await fixture.target.query(targetTables);
      const document = fixture.configDocument({ tables });
      document.scheduler = { resync_on_purged_binlog: true };
      const first = await fixture.spawnService(document);
      await waitUntilHealthy(first);
      await fixture.source.query('INSERT INTO events (writer, payload) VALUES (6, ?), (6, ?)', [
        'kept',
        'deleted later',
      ]);
      await eventually(() => expectTablesEqual(fixture, 'events', 'id'));
      expect(await first.kill('SIGTERM')).toBe(0);

      // While the service is down: an insert, a delete, then the binlog it would resume from is purged.
      await fixture.source.query('INSERT INTO events (writer, payload) VALUES (6, ?)', ['while down']);
      await fixture.source.query("DELETE FROM events WHERE payload = 'deleted later'");
      await purgeAllButNewBinlog(fixture.source);

      const second = await fixture.spawnService(document);
      // The direction fails with BINLOG_PURGED, the scheduler copies the tables again, streaming resumes.
      await eventually(() => expect(second.output()).toContain('BINLOG_PURGED'), 30_000);
      await waitUntilHealthy(second);
      await eventually(() => expectTablesEqual(fixture, 'events', 'id'), 30_000);
      await fixture.source.query('INSERT INTO events (writer, payload) VALUES (6, ?)', ['after the copy']);
      await eventually(() => expectTablesEqual(fixture, 'events', 'id'), 30_000);
      const history = await fetch(`http://127.0.0.1:${second.port}/api/v1/sync/history`);
      expect(await history.json()).toMatchObject({
        entries: [{ kind: 'fallback', triggerSource: 'binlog-purged', status: 'completed' }],
      });
      expect(await second.kill('SIGTERM')).toBe(0);
    });
  });
});
