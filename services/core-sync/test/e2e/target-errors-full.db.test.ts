/**
 * A full target (an InnoDB system tablespace that cannot grow). The batch rolls back, the tables pause with a
 * status that names the error and the remedy, the source goes on writing, and after the fix and a restart
 * everything arrives exactly once — while streaming and during the initial copy.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeSandboxTemplate } from '../../src/sandbox/index.js';
import { expectWrittenOnce, notesTable, ownTargetFixture, writeLog } from '../support/refusing-targets.js';
import { eventually, type SyncFixture } from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';

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

describe('a target that refuses writes', () => {
  afterAll(async () => {
    await removeSandboxTemplate();
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
