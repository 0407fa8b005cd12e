/**
 * A target switched to read-only (`read_only = ON`, the service logging in as an account with exactly the
 * documented grants, which read_only stops). The batch rolls back, the tables pause with a status that names the
 * error and the remedy, the source goes on writing, and after the fix and a resume (`POST /api/v1/sync/resume`,
 * in the same process) everything arrives exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeSandboxTemplate } from '../../src/sandbox/index.js';
import { expectWrittenOnce, notesTable, ownTargetFixture, writeLog } from '../support/refusing-targets.js';
import {
  eventually,
  expectTablesEqual,
  waitUntilHealthy,
  type ServiceProcess,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';

const adminToken = 'target-errors-admin-token';

const itemsTable =
  'CREATE TABLE items (id INT PRIMARY KEY, version INT NOT NULL, label VARCHAR(64) NOT NULL)';
const quietTable = 'CREATE TABLE quiet (id INT PRIMARY KEY)';

/** One source transaction: inserts `count` items from `firstId`, bumps the version of a few, deletes one. */
async function writeItems(source: TestDatabase, firstId: number, count: number): Promise<void> {
  await source.query(`
    START TRANSACTION;
    INSERT INTO items SELECT seq, 1, CONCAT('item ', seq) FROM seq_${firstId}_to_${firstId + count - 1};
    UPDATE items SET version = version + 1 WHERE id % 7 = 0 AND id < ${firstId};
    DELETE FROM items WHERE id = ${firstId - 3};
    COMMIT`);
}

async function apiStatus(service: ServiceProcess): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${service.port}/api/v1/sync/status`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

async function resume(service: ServiceProcess): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${service.port}/api/v1/sync/resume`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('a target that refuses writes', () => {
  afterAll(async () => {
    await removeSandboxTemplate();
  });

  it('read-only: the tables written pause naming TARGET_READ_ONLY; writable again and resumed, all arrives once', async () => {
    await using own = await ownTargetFixture({ name: 'test-read-only', serverId: 112 }, 'readonly');
    const { fixture, targetServer } = own;
    await fixture.source.query(`${itemsTable}; ${notesTable}; ${quietTable}`);
    await fixture.source.query(
      "INSERT INTO items SELECT seq, 1, CONCAT('item ', seq) FROM seq_1_to_50; INSERT INTO quiet VALUES (1)",
    );
    await fixture.target.query(`${itemsTable}; ${notesTable}; ${quietTable}; ${writeLog('items')}`);
    // The application account with exactly the grants docs/operations.md lists (no SUPER, no READ_ONLY ADMIN).
    await fixture.target.query(`
      CREATE USER 'sync_app'@'%' IDENTIFIED BY 'sync-app-password';
      GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX ON \`${fixture.target.name}\`.* TO 'sync_app'@'%';
      GRANT REPLICATION CLIENT ON *.* TO 'sync_app'@'%'`);
    const document = fixture.configDocument({
      tables: [
        { name: 'items', primary_key: 'id' },
        { name: 'notes', primary_key: 'id' },
        { name: 'quiet', primary_key: 'id' },
      ],
      server: { auth_token: adminToken },
    });
    const databases = document.databases as Record<string, Record<string, unknown>>;
    databases.cloud = { ...databases.cloud, user: 'sync_app', password: 'sync-app-password' };

    // Read-only at start: the service cannot create its checkpoint table or copy, and says why.
    await fixture.target.query('SET GLOBAL read_only = ON');
    const refused = await fixture.spawnService(document);
    await eventually(() => expect(refused.child.exitCode).toBe(1), 60_000);
    const fatal = refused
      .output()
      .split('\n')
      .find((line) => line.includes('"msg":"mysql-sync could not start"'));
    expect(fatal).toContain('"errorCode":"TARGET_READ_ONLY"');
    expect(fatal).toMatch(
      /local_to_cloud stopped: cloud is read-only: make cloud writable .*: The MariaDB server is running with the --read-only option/,
    );
    await fixture.target.query('SET GLOBAL read_only = OFF');

    const first = await fixture.spawnService(document);
    await waitUntilHealthy(first);
    await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);

    await fixture.target.query('SET GLOBAL read_only = ON');
    await writeItems(fixture.source, 51, 30);
    await fixture.source.query("INSERT INTO notes VALUES (1, 'written while the target is read-only')");
    await eventually(async () => {
      const status = await apiStatus(first);
      const [direction] = status.directions as { state: string; tables: Record<string, unknown>[] }[];
      expect(direction?.state).toBe('streaming');
      for (const table of ['items', 'notes']) {
        expect(direction?.tables.find((candidate) => candidate.table === table)).toMatchObject({
          state: 'paused',
          pause: {
            reason: 'target-read-only',
            code: 'TARGET_READ_ONLY',
            errorCode: 'ER_OPTION_PREVENTS_STATEMENT',
            row: null,
            message: expect.stringMatching(
              new RegExp(
                `^cloud is read-only \\(ER_OPTION_PREVENTS_STATEMENT: .*--read-only.*\\); the batch was rolled back and the changes of ${table} are held .*SET GLOBAL read_only = OFF.*restart core-sync`,
              ),
            ) as unknown,
          },
        });
      }
      expect(direction?.tables.find((candidate) => candidate.table === 'quiet')).toMatchObject({
        state: 'streaming',
        pause: null,
      });
    }, 60_000);
    const health = await first.health();
    expect(health.statusCode).toBe(200);
    expect(health.body).toMatchObject({ status: 'degraded' });
    expect(JSON.stringify(health.body.reasons)).toMatch(/table items is paused: cloud is read-only/);
    const pausedLines = first
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"table paused"'));
    expect(pausedLines.length).toBeGreaterThanOrEqual(2);
    for (const line of pausedLines) expect(line).toContain('"code":"TARGET_READ_ONLY"');

    // The source goes on; the target stays as it was.
    await writeItems(fixture.source, 81, 20);
    await fixture.source.query("INSERT INTO notes VALUES (2, 'still read-only')");
    const [targetCount] = await fixture.target.query<{ total: number }>(
      'SELECT COUNT(*) AS total FROM items',
    );
    expect(Number(targetCount?.total)).toBe(50);

    // Resumed while the target is still read-only: the held changes meet the refusal again, and pause again.
    const tooEarly = await resume(first);

    expect(tooEarly, 'the first resume').toMatchObject({ status: 200 });
    expect(tooEarly.body).toEqual({
      resumed: ['items', 'notes'].map((table) => ({
        direction: 'local_to_cloud',
        table,
        reason: 'target-read-only',
        code: 'TARGET_READ_ONLY',
      })),
    });
    await eventually(async () => {
      const [direction] = (await apiStatus(first)).directions as { tables: Record<string, unknown>[] }[];
      expect(direction?.tables.map((table) => [table.table, table.state])).toEqual([
        ['items', 'paused'],
        ['notes', 'paused'],
        ['quiet', 'streaming'],
      ]);
    }, 60_000);

    // Writable again, but down while resuming: the service cannot start again, says why, and the next resume
    // (once the server is back) starts it and resumes the same tables.
    await fixture.target.query('SET GLOBAL read_only = OFF');
    await targetServer.stop();
    const whileDown = await resume(first);
    expect(whileDown.status, JSON.stringify(whileDown.body)).toBeGreaterThanOrEqual(500);
    expect(JSON.stringify(whileDown.body)).toMatch(
      /the sync service did not start again to resume the paused tables \(resume again once fixed\)/,
    );
    await targetServer.launch();

    // Resumed through the API, in the same process: everything held arrives, once.
    const resumed = await resume(first);
    expect(resumed, 'the second resume').toMatchObject({ status: 200 });
    expect((resumed.body.resumed as { table: string }[]).map((entry) => entry.table)).toEqual([
      'items',
      'notes',
    ]);
    await eventually(async () => {
      for (const table of ['items', 'notes', 'quiet']) await expectTablesEqual(fixture, table, 'id');
    }, 60_000);
    await expectWrittenOnce(fixture, 'items');
    const status = await apiStatus(first);
    const [direction] = status.directions as { tables: { state: string }[] }[];
    expect(direction?.tables.map((table) => table.state)).toEqual(['streaming', 'streaming', 'streaming']);
    expect((await first.health()).body).toMatchObject({ status: 'ok' });
    const nothingLeft = await resume(first);
    expect(nothingLeft.status).toBe(409);
    expect(nothingLeft.body).toMatchObject({ error: { code: 'NOTHING_PAUSED' } });
    // The service kept running through both resumes: one process, and its changes go on.
    await writeItems(fixture.source, 101, 10);
    await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
    await expectWrittenOnce(fixture, 'items');
    expect(await first.kill('SIGTERM')).toBe(0);
  });
});
