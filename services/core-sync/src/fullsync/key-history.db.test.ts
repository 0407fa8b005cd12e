/**
 * The history read of rows on one side only (key-history.ts, history-read.ts) against a real MariaDB: it ends on
 * its own end marker even when the binlog rotates right after the marker and nothing else is written; a stopped run
 * stops it at once; a read whose marker never comes fails after its no-progress timeout instead of waiting for ever;
 * and a TRUNCATE of the table turns every key the binlog showed before it into `replaced`.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { readCurrentPosition } from '../binlog/index.js';
import { createTestLogger } from '../binlog/testing/binlog-test-kit.js';
import { BinlogPosition, primaryKeyText, type TableSchema } from '../model/index.js';
import { createMysqlPool, readTableSchema, type Pool } from '../mysql/index.js';
import { ensureCheckpointTable, writeEndMarker } from '../target/index.js';
import { noProgressTimeoutMs } from '../binlog/index.js';
import { readUntilEndMarker, type HistorySide } from './history-read.js';
import { BinlogKeyHistory, historyEndSlot } from './key-history.js';
import { LastChanges } from './last-changes.js';
import { testServerUrl } from '../../test/support/test-servers.js';

interface HistoryContext extends AsyncDisposable {
  readonly scratch: TestDatabase;
  readonly pool: Pool;
  readonly side: HistorySide;
  readonly schema: TableSchema;
  /**
   * Where the binlog ended before the test wrote anything: reads start here, not at the oldest file, so the
   * server's binlog of earlier tests (hundreds of MB in a full run) does not slow them.
   */
  readonly start: BinlogPosition;
}

const keyOf = (id: number): string => primaryKeyText({ id }, ['id']);
const keys = (...ids: number[]): Set<string> => new Set(ids.map(keyOf));

async function historyContext(label: string): Promise<HistoryContext> {
  const scratch = await createTestDatabase(testServerUrl('local'), label);
  await scratch.query('CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(40) NOT NULL)');
  const endpoint = { ...scratch.server, database: scratch.name };
  const pool = createMysqlPool(endpoint);
  await ensureCheckpointTable(pool, scratch.name);
  const schema = await readTableSchema(pool, scratch.name, 'items');
  if (schema === undefined) throw new Error('items was not created');
  const side: HistorySide = {
    replication: endpoint,
    pool,
    database: scratch.name,
    serverId: 9_100 + Math.floor(Math.random() * 800),
    markerSource: 'cloud',
    heartbeatIntervalMs: 500,
    reconnectInitialDelayMs: 50,
    reconnectMaxDelayMs: 500,
    queryTimeoutMs: 2_000,
  };
  const start = await readCurrentPosition(pool);
  return {
    scratch,
    pool,
    side,
    schema,
    start,
    async [Symbol.asyncDispose]() {
      await pool.end();
      await scratch[Symbol.asyncDispose]();
    },
  };
}

/** A history read of the test's side, as `local`, from `startPosition` to the marker with `token`. */
function readHistory(read: {
  side: HistorySide;
  schema: TableSchema;
  startPosition: BinlogPosition;
  token: string;
  collector: LastChanges;
  signal?: AbortSignal;
}): Promise<void> {
  return readUntilEndMarker({
    settings: read.side,
    side: 'local',
    schema: read.schema,
    startPosition: read.startPosition,
    endMarker: { slot: historyEndSlot, token: read.token },
    collector: read.collector,
    signal: read.signal ?? new AbortController().signal,
    logger: createTestLogger(),
  });
}

/** Resolves with how long `promise` took to settle, and how. */
async function timed(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const startedAt = performance.now();
  try {
    await promise;
    return { ms: performance.now() - startedAt, error: undefined };
  } catch (error) {
    return { ms: performance.now() - startedAt, error };
  }
}

describe('the history read of rows on one side only', () => {
  it('ends on its marker although the binlog rotated right after it and nothing else was written', async () => {
    await using context = await historyContext('history_flush');
    const { scratch, pool, side, schema, start: startPosition } = context;
    await scratch.query("INSERT INTO items VALUES (1, 'kept'), (2, 'deleted')");
    await scratch.query('DELETE FROM items WHERE id = 2');
    const token = randomUUID();
    await writeEndMarker(pool, scratch.name, side.markerSource, historyEndSlot, token);
    // What a reader that looks for a position read after the marker would never pass.
    await scratch.query('FLUSH BINARY LOGS');
    const collector = new LastChanges(schema, keys(1, 2, 3));
    const read = readHistory({ side, schema, startPosition, token, collector });
    const outcome = await timed(read);
    expect(outcome.error).toBeUndefined();
    // Well inside the no-progress timeout: it ended on the marker, not by giving up.
    expect(outcome.ms).toBeLessThan(noProgressTimeoutMs(side.heartbeatIntervalMs, side.queryTimeoutMs));
    expect(Object.fromEntries(collector.history.lastChanges)).toEqual({
      [keyOf(1)]: {
        kind: 'write',
        at: expect.any(Number) as unknown,
        createdAt: expect.any(Number) as unknown,
      },
      [keyOf(2)]: {
        kind: 'delete',
        at: expect.any(Number) as unknown,
        deletedRow: { id: 2, label: 'deleted' },
      },
    });
  });

  it('reads past a long transaction of another table without taking it for a stream that stopped', async () => {
    await using context = await historyContext('history_long');
    const { scratch, pool, schema } = context;
    // Heartbeats every 100 ms: the read gives up after 600 ms without progress, the watchdog restarts at 300 ms.
    const side: HistorySide = { ...context.side, heartbeatIntervalMs: 100, queryTimeoutMs: 200 };
    const startPosition = await readCurrentPosition(pool);
    await scratch.query("INSERT INTO items VALUES (1, 'before')");
    // One transaction of about 80 MB of rows the read does not follow: seconds of events and no heartbeat.
    await scratch.query(
      `CREATE TABLE bulk (id INT PRIMARY KEY, filler VARCHAR(800));
       INSERT INTO bulk SELECT seq, REPEAT('x', 800) FROM seq_1_to_100000`,
    );
    const token = randomUUID();
    await writeEndMarker(pool, scratch.name, side.markerSource, historyEndSlot, token);
    const collector = new LastChanges(schema, keys(1));
    const outcome = await timed(readHistory({ side, schema, startPosition, token, collector }));
    expect(outcome.error).toBeUndefined();
    expect(collector.history.lastChanges.get(keyOf(1))?.kind).toBe('write');
  });

  it('stops at once when the run stops, and the next read of the side still works', async () => {
    await using context = await historyContext('history_abort');
    const { scratch, pool, side, schema } = context;
    await scratch.query("INSERT INTO items VALUES (1, 'one')");
    // A marker with another token: this read would wait until its no-progress timeout.
    await writeEndMarker(pool, scratch.name, side.markerSource, historyEndSlot, randomUUID());
    const controller = new AbortController();
    const read = readHistory({
      side,
      schema,
      startPosition: context.start,
      token: randomUUID(),
      collector: new LastChanges(schema, keys(1)),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 300);
    const outcome = await timed(read);
    expect(String(outcome.error)).toContain('the run was stopped while the local binlog was read');
    expect(outcome.ms).toBeLessThan(1_500);

    const reader = new BinlogKeyHistory({ local: side, cloud: side }, createTestLogger());
    const stopped = new AbortController();
    stopped.abort();
    await expect(reader.read('local', schema, keys(1), stopped.signal)).rejects.toThrow(
      /the run was stopped/,
    );
    const history = await reader.read('local', schema, keys(1), new AbortController().signal);
    expect(history.lastChanges.get(keyOf(1))?.kind).toBe('write');
  });

  it('fails after its no-progress timeout when its marker never comes', async () => {
    await using context = await historyContext('history_stall');
    const { side, schema } = context;
    const read = readHistory({
      side,
      schema,
      startPosition: context.start,
      token: randomUUID(),
      collector: new LastChanges(schema, keys(1)),
    });
    const outcome = await timed(read);
    const timeoutMs = noProgressTimeoutMs(side.heartbeatIntervalMs, side.queryTimeoutMs);
    expect(String(outcome.error)).toContain(`made no progress for ${timeoutMs} ms`);
    expect(outcome.ms).toBeGreaterThanOrEqual(timeoutMs);
    expect(outcome.ms).toBeLessThan(timeoutMs + 5_000);
  });

  it('a TRUNCATE replaces every key shown before it; a key written after it is its own', async () => {
    await using context = await historyContext('history_truncate');
    const { scratch, side, schema } = context;
    await scratch.query("INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    await scratch.query('DELETE FROM items WHERE id = 2');
    await scratch.query('TRUNCATE TABLE items');
    await scratch.query("INSERT INTO items VALUES (3, 'three again')");
    const reader = new BinlogKeyHistory({ local: side, cloud: side }, createTestLogger());
    const history = await reader.read('local', schema, keys(1, 2, 3, 4), new AbortController().signal);
    expect(history.lastReplacement?.statement).toBe('TRUNCATE TABLE items');
    const replacement = history.lastReplacement;
    expect(Object.fromEntries(history.lastChanges)).toEqual({
      [keyOf(1)]: { kind: 'replaced', at: replacement?.at, replacement },
      [keyOf(2)]: { kind: 'replaced', at: replacement?.at, replacement },
      [keyOf(3)]: {
        kind: 'write',
        at: expect.any(Number) as unknown,
        createdAt: expect.any(Number) as unknown,
      },
    });
    expect(Math.abs((replacement?.at ?? 0) - Date.now())).toBeLessThan(60_000);
  });
});
