/**
 * Very large rows: a 16 MiB LONGBLOB and a JSON document of several MB (deeply nested, every kind of unicode) go
 * through the initial copy, streamed inserts and updates in both directions (an update's binlog event holds the
 * before and after images, about 32 MiB), and a full sync that finds and repairs them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { SyncManager } from '../../src/manager/index.js';
import { SandboxServer, removeSandboxTemplate } from '../../src/sandbox/index.js';
import { formatServerUrl } from '../support/server-url.js';
import {
  createOnBothSides,
  createSyncFixture,
  eventually,
  startDisposableService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { testServerUrl } from '../support/test-servers.js';

const blobBytes = 16 * 1024 * 1024;

const documentsTable = `CREATE TABLE documents (
  id INT PRIMARY KEY,
  label VARCHAR(40) NOT NULL,
  payload LONGBLOB,
  document JSON
)`;

/** Strings from many scripts: combining marks, right-to-left, astral-plane emoji, CJK, a NUL and quotes. */
const unicodeSamples = [
  'Grüße aus Köln',
  'e\u0301 cafe\u0301',
  'שלום עולם',
  'مرحبا بالعالم',
  '日本語のテキスト',
  '한국어 문장',
  '🧭🚀👩‍👩‍👧‍👦🏳️‍🌈',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕿𝖊𝖝𝖙',
  'quote " backslash \\ tab \t newline \n',
  'nul \u0000 end',
];

/** A JSON document of about `targetBytes` bytes, 31 levels deep at its deepest (MariaDB allows 32), with every sample above. */
function largeDocument(seed: number, targetBytes: number): string {
  let nested: unknown = { leaf: unicodeSamples[seed % unicodeSamples.length], seed };
  for (let depth = 0; depth < 14; depth += 1) nested = { depth, [`level${depth}`]: [nested] };
  const entries: unknown[] = [nested];
  let size = JSON.stringify(nested).length;
  for (let index = 0; size < targetBytes; index += 1) {
    const entry = {
      index,
      text: unicodeSamples[(index + seed) % unicodeSamples.length],
      values: [index * 1.5, -index, index % 3 === 0, null],
      inner: { key: `k${index}`, deeper: { samples: unicodeSamples.slice(0, 1 + (index % 5)) } },
    };
    entries.push(entry);
    size += JSON.stringify(entry).length;
  }
  return JSON.stringify({ seed, entries });
}

function sha256(value: Buffer | string): string {
  return createHash('sha256').update(value).digest('hex');
}

interface RowDigest {
  id: number;
  label: string;
  payloadBytes: number | null;
  payloadHash: string | null;
  documentHash: string | null;
}

/** The rows of `documents` as sizes and hashes computed on the server (comparing 16 MiB values in JS is slow). */
async function digests(database: TestDatabase): Promise<RowDigest[]> {
  const rows = await database.query<RowDigest>(
    `SELECT id, label, LENGTH(payload) AS payloadBytes, SHA2(payload, 256) AS payloadHash,
            SHA2(document, 256) AS documentHash
       FROM documents ORDER BY id`,
  );
  return rows.map((row) => ({
    ...row,
    payloadBytes: row.payloadBytes === null ? null : Number(row.payloadBytes),
  }));
}

/** Both sides hold the same rows of `table (id, payload)`, compared by size and hash on the servers. */
async function expectSamePayloads(fixture: SyncFixture, table: string): Promise<void> {
  const query = `SELECT id, LENGTH(payload) AS bytes, SHA2(payload, 256) AS hash FROM ${table} ORDER BY id`;
  const [sourceRows, targetRows] = await Promise.all([
    fixture.source.query(query),
    fixture.target.query(query),
  ]);
  expect(targetRows, `${table} on both sides`).toEqual(sourceRows);
}

interface LargeValues {
  readonly payload: Buffer;
  readonly document: string;
}

async function insertDocument(
  database: TestDatabase,
  id: number,
  label: string,
  values: LargeValues,
): Promise<void> {
  await database.pool.execute('INSERT INTO documents VALUES (?, ?, ?, ?)', [
    id,
    label,
    values.payload,
    values.document,
  ]);
}

async function updateDocument(
  database: TestDatabase,
  id: number,
  label: string,
  values: LargeValues,
): Promise<void> {
  await database.pool.execute('UPDATE documents SET label = ?, payload = ?, document = ? WHERE id = ?', [
    label,
    values.payload,
    values.document,
    id,
  ]);
}

describe('very large rows', () => {
  afterAll(async () => {
    await removeSandboxTemplate();
  });

  it('copies, streams both ways and repairs a 16 MiB blob and a multi-MB JSON document', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'large');
    await createOnBothSides(fixture, documentsTable);
    const local = fixture.source;
    const cloud = fixture.target;
    const payloads = new Map<number, Buffer>();
    const documents = new Map<number, string>();
    const remember = (id: number, payload: Buffer, document: string): LargeValues => {
      payloads.set(id, payload);
      documents.set(id, document);
      return { payload, document };
    };
    // Copied by the initial snapshot (local → cloud).
    await insertDocument(
      local,
      1,
      'copied',
      remember(1, randomBytes(blobBytes), largeDocument(1, 4_000_000)),
    );
    await local.query("INSERT INTO documents VALUES (2, 'small', 'abc', '{\"a\": 1}')");

    await using running = await startDisposableService(
      fixture,
      fixture.configDocument({
        tables: [
          { name: 'documents', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' },
        ],
        sync: { mode: 'bidirectional', snapshot_chunk_size: 10 },
      }),
    );
    const expectBothSides = async (): Promise<void> => {
      await eventually(
        async () => {
          const [localRows, cloudRows] = await Promise.all([digests(local), digests(cloud)]);
          expect(cloudRows).toEqual(localRows);
          const expected = [...payloads.keys()].sort((left, right) => left - right);
          for (const id of expected) {
            const row = localRows.find((candidate) => candidate.id === id);
            expect(row?.payloadHash, `payload of row ${id}`).toBe(sha256(payloads.get(id) as Buffer));
            expect(row?.documentHash, `document of row ${id}`).toBe(sha256(documents.get(id) as string));
          }
        },
        90_000,
        500,
      );
    };
    await expectBothSides();

    // Streamed: an insert on each side, an update of the copied row on local (a ~32 MiB binlog event), an update
    // of the other side's row on cloud.
    await insertDocument(
      local,
      3,
      'local insert',
      remember(3, randomBytes(blobBytes), largeDocument(3, 3_000_000)),
    );
    await insertDocument(
      cloud,
      4,
      'cloud insert',
      remember(4, randomBytes(blobBytes), largeDocument(4, 3_000_000)),
    );
    await expectBothSides();
    await updateDocument(
      local,
      1,
      'local update',
      remember(1, randomBytes(blobBytes), largeDocument(11, 4_500_000)),
    );
    await updateDocument(
      cloud,
      3,
      'cloud update',
      remember(3, randomBytes(blobBytes), largeDocument(13, 2_000_000)),
    );
    await expectBothSides();

    // Diverged without the binlog (the streams never see it): a full sync finds and repairs the large rows.
    const silent = await cloud.pool.getConnection();
    try {
      await silent.query('SET SESSION sql_log_bin = 0');
      await silent.execute('UPDATE documents SET payload = ? WHERE id = 1', [randomBytes(blobBytes)]);
      await silent.query('DELETE FROM documents WHERE id = 4');
      await silent.query('SET SESSION sql_log_bin = 1');
    } finally {
      silent.release();
    }
    expect((await digests(cloud)).map((row) => row.id)).toEqual([1, 2, 3]);
    const syncManager = new SyncManager({
      config: () => running.config,
      host: running.service,
      store: running.store,
      events: running.events,
      logger: pino({ level: process.env.MYSQL_SYNC_TEST_LOG_LEVEL ?? 'silent' }),
      progressIntervalMs: 0,
    });
    await syncManager.trigger({}, 'test', 'trace-large');
    await syncManager.idle();
    expect(syncManager.currentRun).toMatchObject({ state: 'completed', error: null });
    // Row 1 differs: local wins (source_priority). Row 4 went from cloud unlogged: no binlog tells a delete from
    // a row new on local, so it is listed, and kept here by choosing local's version: its 16 MiB row is copied.
    const { conflicts } = await running.store.listConflicts({ resolved: false, limit: 10, offset: 0 });
    expect(conflicts.map((conflict) => [conflict.conflictType, conflict.primaryKeyValue])).toEqual([
      ['insert_or_delete', '{"id":4}'],
    ]);
    await running.service.resolveConflict(conflicts[0]?.id ?? '', { side: 'local' }, 'test');
    await expectBothSides();
    expect(running.service.status.directions.flatMap((direction) => direction.tables)).toMatchObject([
      { table: 'documents', state: 'streaming', pause: null },
      { table: 'documents', state: 'streaming', pause: null },
    ]);
  });

  it('a target whose max_allowed_packet is below a row pauses that table naming the setting; raised, nothing is lost', async () => {
    const megabyte = 1024 * 1024;
    const target = await SandboxServer.start({
      name: 'test-small-packet',
      serverId: 111,
      extraArguments: ['--max-allowed-packet=4M'],
    });
    try {
      await using fixture = await createSyncFixture(
        testServerUrl('local'),
        formatServerUrl(target.connectionInfo),
        'packet',
      );
      const blobTables = `
        CREATE TABLE copied (id INT PRIMARY KEY, payload LONGBLOB);
        CREATE TABLE streamed (id INT PRIMARY KEY, payload LONGBLOB);
        CREATE TABLE notes (id INT PRIMARY KEY, payload TEXT)`;
      await createOnBothSides(fixture, blobTables);
      // Each row fits the target's 4 MiB packets, but not eight of them in one statement: split, they arrive.
      const insertMegabyteRows = async (table: string, firstId: number): Promise<void> => {
        const connection = await fixture.source.pool.getConnection();
        try {
          await connection.beginTransaction();
          for (let id = firstId; id < firstId + 8; id += 1)
            await connection.execute(`INSERT INTO ${table} VALUES (?, ?)`, [id, randomBytes(megabyte)]);
          await connection.commit();
        } finally {
          connection.release();
        }
      };
      await insertMegabyteRows('copied', 1);
      await insertMegabyteRows('streamed', 1);
      // Too large for the target: the initial copy of `copied` pauses on it.
      await fixture.source.pool.execute('INSERT INTO copied VALUES (?, ?)', [100, randomBytes(6 * megabyte)]);
      await fixture.source.query("INSERT INTO notes VALUES (1, 'first')");
      const document = fixture.configDocument({
        tables: [
          { name: 'copied', primary_key: 'id' },
          { name: 'streamed', primary_key: 'id' },
          { name: 'notes', primary_key: 'id' },
        ],
      });
      const running = await fixture.startService(document);
      await expectSamePayloads(fixture, 'streamed');
      await insertMegabyteRows('streamed', 11);
      await fixture.source.pool.execute('INSERT INTO streamed VALUES (?, ?)', [
        100,
        randomBytes(6 * megabyte),
      ]);
      await fixture.source.query(
        "INSERT INTO streamed VALUES (101, 'after the large row'); INSERT INTO notes VALUES (2, 'goes on')",
      );
      const tableStatus = (table: string) =>
        running.service.status.directions[0]?.tables.find((candidate) => candidate.table === table);
      await eventually(() => {
        for (const table of ['copied', 'streamed']) {
          expect(tableStatus(table), table).toMatchObject({
            state: 'paused',
            pause: {
              reason: 'row-too-large',
              code: 'ROW_TOO_LARGE',
              row: { id: 100, payload: '<6291456 bytes>' },
            },
          });
          expect(tableStatus(table)?.pause?.message).toMatch(/max_allowed_packet/);
        }
      }, 60_000);
      await eventually(() => expectSamePayloads(fixture, 'notes'), 30_000);
      // Everything before the large row arrived, the large row did not (a later row with another key may have:
      // order is kept per row).
      const streamedIds = await fixture.target.query<{ id: number }>('SELECT id FROM streamed ORDER BY id');
      const ids = streamedIds.map((row) => row.id);
      expect(ids).toEqual(expect.arrayContaining([1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18]));
      expect(ids).not.toContain(100);

      // Raised (and the service restarted, the documented way to resume): everything held arrives.
      await running.stop();
      await fixture.target.query('SET GLOBAL max_allowed_packet = 64 * 1024 * 1024');
      const restarted = await fixture.startService(document);
      await eventually(async () => {
        for (const table of ['copied', 'streamed', 'notes']) await expectSamePayloads(fixture, table);
      }, 60_000);
      expect(restarted.service.status.directions[0]?.tables.map((table) => table.state)).toEqual([
        'streaming',
        'streaming',
        'streaming',
      ]);
    } finally {
      await target.destroy();
    }
  });
});
