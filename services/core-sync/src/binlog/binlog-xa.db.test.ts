/**
 * The binlog source on XA transactions of a real MariaDB, on a server of its own (one test restarts it while a
 * transaction is prepared): held at XA PREPARE, handed on at XA COMMIT (from another session, after a server
 * restart), dropped at XA ROLLBACK, and read again by a source started at `heldPosition`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { formatServerUrl } from '../../test/support/server-url.js';
import type { BinlogPosition, RowChange } from '../model/index.js';
import { createMysqlPool, type Pool } from '../mysql/index.js';
import { SandboxServer } from '../sandbox/index.js';
import { BinlogSource } from './binlog-source.js';
import { readCurrentPosition } from './server-position.js';
import { RecordingHandler, testSourceOptions, waitFor } from './testing/binlog-test-kit.js';

let server: SandboxServer;

beforeAll(async () => {
  server = await SandboxServer.start({ name: 'test-binlog-xa', serverId: 105 });
}, 120_000);

afterAll(async () => {
  await server.destroy();
});

interface XaContext {
  readonly scratch: TestDatabase;
  readonly pool: Pool;
}

async function withDatabase(body: (context: XaContext) => Promise<void>): Promise<void> {
  await using scratch = await createTestDatabase(formatServerUrl(server.connectionInfo), 'binlog_xa');
  await scratch.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20))');
  const pool = createMysqlPool({ ...scratch.server, database: scratch.name });
  try {
    await body({ scratch, pool });
  } finally {
    await pool.end();
  }
}

function startSource(
  context: XaContext,
  startPosition: BinlogPosition,
): { source: BinlogSource; handler: RecordingHandler } {
  const handler = new RecordingHandler();
  const source = new BinlogSource(
    testSourceOptions({
      endpoint: { ...context.scratch.server, database: context.scratch.name },
      database: context.scratch.name,
      tables: ['items'],
      startPosition,
      handler,
    }),
  );
  source.start();
  return { source, handler };
}

/** Runs the statements on a connection of their own, which then disconnects (so another session can decide). */
async function inOwnSession(context: XaContext, statements: readonly string[]): Promise<void> {
  const connection = await context.scratch.pool.getConnection();
  try {
    for (const statement of statements) await connection.query(statement);
  } finally {
    connection.destroy();
  }
}

/**
 * Decides a prepared xid from another session. MariaDB answers XAER_NOTA (unknown xid) to every session but the
 * one that prepared it until that one has disconnected, which the server may not have noticed yet: retried.
 */
async function decide(context: XaContext, statement: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await context.scratch.query(statement);
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ER_XAER_NOTA' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const prepare = (xid: string, ...rows: string[]): string[] => [
  `XA START ${xid}`,
  ...rows.map((row) => `INSERT INTO items VALUES ${row}`),
  `XA END ${xid}`,
  `XA PREPARE ${xid}`,
];

const inserted = (id: number, name: string): RowChange => ({
  kind: 'insert',
  table: 'items',
  before: null,
  after: { id, name },
});

/** Waits until the source has handed on everything up to the server's current position. */
async function waitUntilCaughtUp(context: XaContext, handler: RecordingHandler): Promise<BinlogPosition> {
  const current = await readCurrentPosition(context.pool);
  await waitFor(
    () => handler.transactions.at(-1)?.commitPosition.equals(current) === true,
    `the last transaction handed on to reach ${current.toString()}`,
    20_000,
    () => handler.transactions.at(-1)?.commitPosition.toString() ?? 'none',
  );
  return current;
}

describe('BinlogSource on XA transactions', () => {
  it('holds at XA PREPARE, hands on at XA COMMIT from another session, drops at XA ROLLBACK, ONE PHASE at once', async () => {
    await withDatabase(async (context) => {
      const startPosition = await readCurrentPosition(context.pool);
      const { source, handler } = startSource(context, startPosition);
      try {
        const xid = "'order''s', X'00ff', 7";
        await inOwnSession(context, prepare(xid, "(1, 'one')", "(2, 'two')"));
        await waitUntilCaughtUp(context, handler);
        expect(handler.changes).toEqual([]);
        expect(source.heldPosition?.toString()).toBe(startPosition.toString());
        expect(source.status.preparedXa).toMatchObject({
          count: 1,
          oldestXid: `X'${Buffer.from("order's").toString('hex')}',X'00ff',7`,
        });

        await decide(context, `XA COMMIT ${xid}`);
        const afterCommit = await waitUntilCaughtUp(context, handler);
        expect(handler.transactionsWithChanges.map((transaction) => transaction.changes)).toEqual([
          [inserted(1, 'one'), inserted(2, 'two')],
        ]);
        expect(handler.transactionsWithChanges[0]?.commitPosition.toString()).toBe(afterCommit.toString());
        expect(source.heldPosition).toBeNull();

        await inOwnSession(context, [...prepare("'rolled'", "(3, 'three')"), "XA ROLLBACK 'rolled'"]);
        await inOwnSession(context, [
          "XA START 'single'",
          "INSERT INTO items VALUES (4, 'four')",
          "XA END 'single'",
          "XA COMMIT 'single' ONE PHASE",
        ]);
        await waitUntilCaughtUp(context, handler);
        expect(handler.changes).toEqual([inserted(1, 'one'), inserted(2, 'two'), inserted(4, 'four')]);
        expect(source.status.preparedXa.count).toBe(0);
        expect(handler.fatalErrors).toEqual([]);
      } finally {
        await source.stop();
      }
    });
  });

  it('keeps a prepared transaction across a server restart, and a source started at heldPosition reads it again', async () => {
    await withDatabase(async (context) => {
      const startPosition = await readCurrentPosition(context.pool);
      const { source, handler } = startSource(context, startPosition);
      let restarted: { source: BinlogSource; handler: RecordingHandler } | undefined;
      try {
        await context.scratch.query("INSERT INTO items VALUES (1, 'before')");
        const beforePrepare = await readCurrentPosition(context.pool);
        await inOwnSession(context, prepare("'across'", "(2, 'prepared')"));
        await context.scratch.query("INSERT INTO items VALUES (3, 'after')");
        await waitUntilCaughtUp(context, handler);
        expect(source.heldPosition?.toString()).toBe(beforePrepare.toString());

        // The server restarts (the prepared transaction survives it); the stream reconnects, still holding it.
        await server.stop();
        await waitFor(() => source.status.state === 'reconnecting', 'the stream to notice the restart');
        await server.launch();
        await waitFor(() => source.status.state === 'streaming', 'the stream to be back', 30_000);
        expect(source.status.preparedXa.count).toBe(1);
        // A second source as a restarted service would start it: at the held position, with nothing in memory.
        const heldPosition = source.heldPosition;
        expect(heldPosition?.toString()).toBe(beforePrepare.toString());
        restarted = startSource(context, heldPosition ?? startPosition);
        await waitFor(
          () => restarted?.source.status.preparedXa.count === 1,
          'the restarted source to hold the transaction again',
        );
        expect(restarted.source.heldPosition?.toString()).toBe(beforePrepare.toString());

        await decide(context, "XA COMMIT 'across'");
        const afterCommit = await waitUntilCaughtUp(context, handler);
        await waitUntilCaughtUp(context, restarted.handler);
        for (const recording of [handler, restarted.handler]) {
          const committed = recording.transactionsWithChanges.at(-1);
          expect(committed?.changes).toEqual([inserted(2, 'prepared')]);
          expect(committed?.commitPosition.toString()).toBe(afterCommit.toString());
        }
        // The restarted source read row 3 again (the apply engine's checkpoints skip it), and row 2 once.
        expect(restarted.handler.changes).toEqual([inserted(3, 'after'), inserted(2, 'prepared')]);
        expect(handler.changes).toEqual([
          inserted(1, 'before'),
          inserted(3, 'after'),
          inserted(2, 'prepared'),
        ]);
        expect(source.heldPosition).toBeNull();
        expect(restarted.source.heldPosition).toBeNull();
      } finally {
        await restarted?.source.stop();
        await source.stop();
      }
    });
  });
});
