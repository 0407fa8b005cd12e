/**
 * The state store away for a while under a continuous write load, through a TCP proxy
 * (test/support/fault-proxy.ts): syncing goes on and the API says why. Afterwards both sides hold the same rows,
 * no row was written twice (write_log, see test/support/write-log-load.ts), and a restart resumes exactly.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { FaultProxy } from '../support/fault-proxy.js';
import { countLines } from '../support/fault-runs.js';
import { createSyncFixture, eventually, waitUntilHealthy } from '../support/sync-fixture.js';
import { createTestDatabase } from '../support/test-database.js';
import {
  expectSyncedExactlyOnce,
  sourceTables,
  startWriteLoad,
  targetTables,
  waitForProgress,
  writeLogTables,
} from '../support/write-log-load.js';
import { testServerUrl } from '../support/test-servers.js';

describe('faults', () => {
  it('the state store away for 15 s under load: syncing goes on, the API says why, one log line each way, a restart resumes exactly', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'storeout');
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
});
