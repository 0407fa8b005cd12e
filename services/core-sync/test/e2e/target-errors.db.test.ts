/**
 * A target that refuses writes as a whole: switched to read-only (`read_only = ON`, the service logging in as an
 * account with exactly the documented grants, which read_only stops), and full (an InnoDB system tablespace that
 * cannot grow). Each time the batch rolls back, the tables pause with a status that names the error and the
 * remedy, the source goes on writing, and after the fix and a resume (`POST /api/v1/sync/resume`, in the same
 * process) or a restart everything arrives exactly once — while streaming and during the initial copy.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SandboxServer, removeSandboxTemplate, type SandboxServerOptions } from '../../src/sandbox/index.js';
import { formatServerUrl } from '../support/server-url.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  waitUntilHealthy,
  type ServiceProcess,
  type SyncFixture,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';

const adminToken = 'target-errors-admin-token';

const itemsTable =
  'CREATE TABLE items (id INT PRIMARY KEY, version INT NOT NULL, label VARCHAR(64) NOT NULL)';
const notesTable = 'CREATE TABLE notes (id INT PRIMARY KEY, body TEXT NOT NULL)';
const quietTable = 'CREATE TABLE quiet (id INT PRIMARY KEY)';

/**
 * Logs every row version the service writes into `items` on the target: an upsert fires BEFORE INSERT on each
 * attempt, so a change applied twice logs the same (id, version) twice. Log rows commit or roll back with the
 * batch that wrote them.
 */
function writeLog(table: string): string {
  return `
    CREATE TABLE write_log (row_id INT NOT NULL, version INT NOT NULL);
    CREATE TRIGGER ${table}_write_log BEFORE INSERT ON ${table} FOR EACH ROW
      INSERT INTO write_log VALUES (NEW.id, NEW.version)`;
}

/** No (id, version) of `table` was written twice, and every version on the target was written by the service. */
async function expectWrittenOnce(fixture: SyncFixture, table: string): Promise<void> {
  const repeated = await fixture.target.query(
    'SELECT row_id, version, COUNT(*) AS writes FROM write_log GROUP BY row_id, version HAVING writes > 1',
  );
  expect(repeated, 'row versions the service wrote more than once').toEqual([]);
  const missing = await fixture.target.query(
    `SELECT id, version FROM ${table} WHERE (id, version) NOT IN (SELECT row_id, version FROM write_log)`,
  );
  expect(missing, 'row versions on the target that the log did not see').toEqual([]);
}

/** One source transaction: inserts `count` items from `firstId`, bumps the version of a few, deletes one. */
async function writeItems(source: TestDatabase, firstId: number, count: number): Promise<void> {
  await source.query(`
    START TRANSACTION;
    INSERT INTO items SELECT seq, 1, CONCAT('item ', seq) FROM seq_${firstId}_to_${firstId + count - 1};
    UPDATE items SET version = version + 1 WHERE id % 7 = 0 AND id < ${firstId};
    DELETE FROM items WHERE id = ${firstId - 3};
    COMMIT`);
}

const blobsTable = 'CREATE TABLE blobs (id INT PRIMARY KEY, version INT NOT NULL, payload BLOB NOT NULL)';

/** Room for about 10 MB of rows: the InnoDB system tablespace (every table, file_per_table off) cannot grow. */
const smallTablespace = ['--innodb-file-per-table=0', '--innodb-data-file-path=ibdata1:12M;ibdata2:8M'];
/** The same files, the last one allowed to grow: the limit lifted (existing files keep their sizes). */
const growingTablespace = [
  '--innodb-file-per-table=0',
  '--innodb-data-file-path=ibdata1:12M;ibdata2:8M:autoextend',
];

/**
 * One source transaction inserting `count` rows of 2 KiB into `blobs`. The rows stay on their B-tree pages: with
 * large rows stored on pages of their own, MariaDB 10.11 can crash rolling back a statement on a full tablespace
 * ("Error (Out of disk space) in rollback"), which would test the server rather than the service.
 */
async function insertBlobs(source: TestDatabase, firstId: number, count: number): Promise<void> {
  await source.query(
    `INSERT INTO blobs SELECT seq, 1, REPEAT(RANDOM_BYTES(1024), 2) FROM seq_${firstId}_to_${firstId + count - 1}`,
  );
}

/** Both sides hold the same rows of `table`, compared by hashes computed on the servers. */
async function expectSameRows(fixture: SyncFixture, table: string): Promise<void> {
  const query = `SELECT id, SHA2(CONCAT_WS('|', ${table === 'blobs' ? 'version, SHA2(payload, 256)' : 'body'}), 256) AS digest FROM ${table} ORDER BY id`;
  const [sourceRows, targetRows] = await Promise.all([
    fixture.source.query(query),
    fixture.target.query(query),
  ]);
  expect(targetRows, `${table} on both sides`).toEqual(sourceRows);
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

/**
 * A sync fixture from the shared local server to a target server of the test's own (started with `server`, its
 * settings); disposing of it removes the fixture's databases, then the server.
 */
async function ownTargetFixture(
  server: SandboxServerOptions,
  label: string,
): Promise<{ fixture: SyncFixture; targetServer: SandboxServer } & AsyncDisposable> {
  const targetServer = await SandboxServer.start(server);
  try {
    const fixture = await createSyncFixture(
      inject('localServerUrl'),
      formatServerUrl(targetServer.connectionInfo),
      label,
    );
    return {
      fixture,
      targetServer,
      async [Symbol.asyncDispose]() {
        try {
          await fixture[Symbol.asyncDispose]();
        } finally {
          await targetServer.destroy();
        }
      },
    };
  } catch (error) {
    await targetServer.destroy();
    throw error;
  }
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

  it('full while streaming: the batch rolls back, the tables pause naming TARGET_FULL; with room and a restart, all arrives once', async () => {
    await using own = await ownTargetFixture(
      { name: 'test-full-stream', serverId: 113, extraArguments: smallTablespace },
      'fullstream',
    );
    const { fixture, targetServer } = own;
    await fixture.source.query(`${blobsTable}; ${notesTable}`);
    await fixture.target.query(`${blobsTable}; ${notesTable}; ${writeLog('blobs')}`);
    const document = fixture.configDocument({
      tables: [
        { name: 'blobs', primary_key: 'id' },
        { name: 'notes', primary_key: 'id' },
      ],
    });
    const running = await fixture.startService(document);
    // About 20 MB in transactions of 1 MB: the target fills up part of the way.
    for (let firstId = 1; firstId <= 10_000; firstId += 500) await insertBlobs(fixture.source, firstId, 500);
    const tableStatus = (table: string) =>
      running.service.status.directions[0]?.tables.find((candidate) => candidate.table === table);
    await eventually(() => {
      expect(tableStatus('blobs')).toMatchObject({
        state: 'paused',
        pause: {
          reason: 'target-full',
          code: 'TARGET_FULL',
          errorCode: 'ER_RECORD_FILE_FULL',
          message: expect.stringMatching(
            /^cloud is full \(ER_RECORD_FILE_FULL: The table .* is full\); the batch was rolled back and the changes of blobs are held .*: free space on cloud or raise its limit/,
          ) as unknown,
        },
      });
    }, 60_000);
    expect(running.service.status.directions[0]?.state).toBe('streaming');
    const [copied] = await fixture.target.query<{ total: number }>('SELECT COUNT(*) AS total FROM blobs');
    expect(Number(copied?.total)).toBeLessThan(10_000);

    // The source goes on: more rows, new versions of rows the target has and of rows it does not have yet.
    await insertBlobs(fixture.source, 10_001, 100);
    await fixture.source.query(
      "UPDATE blobs SET version = version + 1 WHERE id % 1000 = 1; INSERT INTO notes VALUES (1, 'meanwhile')",
    );

    // Room again (the tablespace may grow), and a restart: everything written meanwhile arrives, once.
    await targetServer.restart(growingTablespace);
    await running.stop();
    const restarted = await fixture.startService(document);
    await eventually(async () => {
      await expectSameRows(fixture, 'blobs');
      await expectSameRows(fixture, 'notes');
    }, 90_000);
    await expectWrittenOnce(fixture, 'blobs');
    expect(restarted.service.status.directions[0]?.tables.map((table) => table.state)).toEqual([
      'streaming',
      'streaming',
    ]);
  });

  it('full during a bidirectional initial copy: that copy pauses, the rest syncs; with room and a restart the copy is done again', async () => {
    await using own = await ownTargetFixture(
      { name: 'test-full-copy', serverId: 114, extraArguments: smallTablespace },
      'fullcopy',
    );
    const { fixture, targetServer: cloudServer } = own;
    const local = fixture.source;
    const cloud = fixture.target;
    await local.query(`${notesTable}; ${blobsTable}`);
    await cloud.query(`${notesTable}; ${blobsTable}`);
    await local.query("INSERT INTO notes VALUES (1, 'local note')");
    for (let firstId = 1; firstId <= 6_000; firstId += 2_000) await insertBlobs(local, firstId, 2_000);
    const document = fixture.configDocument({
      tables: [
        { name: 'notes', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' },
        { name: 'blobs', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' },
      ],
      // One table at a time, in order: the notes are copied before the blobs fill the target up.
      sync: { mode: 'bidirectional', snapshot_concurrency: 1, snapshot_chunk_size: 500 },
    });
    const running = await fixture.startService(document);
    const localToCloud = () =>
      running.service.status.directions.find((direction) => direction.source === 'local');
    expect(localToCloud()).toMatchObject({
      state: 'streaming',
      tables: [
        { table: 'notes', state: 'streaming', pause: null },
        {
          table: 'blobs',
          state: 'paused',
          pause: {
            reason: 'target-full',
            code: 'TARGET_FULL',
            errorCode: 'ER_RECORD_FILE_FULL',
            message: expect.stringMatching(
              /^cloud is full .*; the copy of blobs stopped .*copied again at the next start\): free space on cloud/,
            ) as unknown,
          },
        },
      ],
    });
    // The rest syncs both ways meanwhile.
    await cloud.query("INSERT INTO notes VALUES (2, 'cloud note')");
    await local.query("INSERT INTO notes VALUES (3, 'local note while paused')");
    await eventually(() => expectSameRows(fixture, 'notes'), 30_000);
    await local.query('UPDATE blobs SET version = 2 WHERE id IN (1, 6000)');

    await cloudServer.restart(growingTablespace);
    await running.stop();
    const restarted = await fixture.startService(document);
    await eventually(async () => {
      await expectSameRows(fixture, 'blobs');
      await expectSameRows(fixture, 'notes');
    }, 90_000);
    expect(restarted.service.status.directions.flatMap((direction) => direction.tables)).toMatchObject([
      { table: 'notes', state: 'streaming' },
      { table: 'blobs', state: 'streaming' },
      { table: 'notes', state: 'streaming' },
      { table: 'blobs', state: 'streaming' },
    ]);
    // Nothing of the copy came back to local as a change.
    const [localCount] = await local.query<{ total: number }>('SELECT COUNT(*) AS total FROM blobs');
    expect(Number(localCount?.total)).toBe(6_000);
  });
});
