/** The binlog source against a real MariaDB: grouping, positions, filtering, rotation, DDL, echoes, heartbeats. */
import { describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import type { BinlogPosition } from '../model/index.js';
import { createMysqlPool, type Pool } from '../mysql/index.js';
import type { BinlogSourceOptions } from './binlog-handler.js';
import { BinlogSource } from './binlog-source.js';
import { readCurrentPosition } from './server-position.js';
import { RecordingHandler, sleep, testSourceOptions, waitFor } from './testing/binlog-test-kit.js';
import { testServerUrl } from '../../test/support/test-servers.js';

interface StreamContext {
  readonly scratch: TestDatabase;
  readonly pool: Pool;
  readonly handler: RecordingHandler;
  readonly source: BinlogSource;
  readonly startPosition: BinlogPosition;
}

/** Creates a database with `setupSql`, streams it from the current position, runs `body`, cleans up. */
async function withStream(
  tables: readonly string[],
  setupSql: string,
  body: (context: StreamContext) => Promise<void>,
  overrides: Partial<BinlogSourceOptions> = {},
): Promise<void> {
  await using scratch = await createTestDatabase(testServerUrl('local'), 'binlog_source');
  await scratch.query(setupSql);
  const pool = createMysqlPool({ ...scratch.server, database: scratch.name });
  const handler = new RecordingHandler();
  const startPosition = await readCurrentPosition(pool);
  const source = new BinlogSource(
    testSourceOptions(
      {
        endpoint: { ...scratch.server, database: scratch.name },
        database: scratch.name,
        tables,
        startPosition,
        handler,
      },
      overrides,
    ),
  );
  source.start();
  try {
    await body({ scratch, pool, handler, source, startPosition });
    expect(handler.fatalErrors).toEqual([]);
  } finally {
    await source.stop();
    await pool.end();
  }
}

/** Waits until the source has handed on everything up to the server's current position. */
async function waitUntilCaughtUp(context: StreamContext): Promise<BinlogPosition> {
  const current = await readCurrentPosition(context.pool);
  await waitFor(
    () => context.handler.transactions.at(-1)?.commitPosition.equals(current) === true,
    `the last transaction handed on to reach ${current.toString()}`,
    20_000,
    () => `last is ${context.handler.transactions.at(-1)?.commitPosition.toString() ?? 'none'}`,
  );
  return current;
}

function expectIncreasingPositions(handler: RecordingHandler): void {
  const positions = handler.transactions.map((transaction) => transaction.commitPosition);
  for (let index = 1; index < positions.length; index += 1) {
    const previous = positions[index - 1];
    const position = positions[index];
    if (previous !== undefined && position !== undefined) {
      expect(position.isAfter(previous), `${position.toString()} after ${previous.toString()}`).toBe(true);
    }
  }
}

describe('BinlogSource', () => {
  it('hands on whole transactions with their commit position, GTID, sequence and timestamp', async () => {
    await withStream(
      ['orders'],
      `CREATE TABLE orders (id INT PRIMARY KEY, amount DECIMAL(10,2), note VARCHAR(50));
       CREATE TABLE other (id INT PRIMARY KEY)`,
      async (context) => {
        const { scratch, handler } = context;
        await scratch.query(
          `START TRANSACTION;
           INSERT INTO orders VALUES (1, 10.00, 'a'), (2, 20.00, 'b'), (3, 30.00, 'c');
           INSERT INTO other VALUES (1);
           UPDATE orders SET note = 'changed' WHERE id = 2;
           COMMIT`,
        );
        const afterFirst = await readCurrentPosition(context.pool);
        await scratch.query('INSERT INTO other VALUES (2)');
        const afterEmpty = await readCurrentPosition(context.pool);
        await scratch.query('UPDATE orders SET amount = amount + 1 WHERE id IN (1, 2, 3) ORDER BY id DESC');
        await scratch.query('DELETE FROM orders WHERE id = 3');
        const caughtUp = await waitUntilCaughtUp(context);

        const withChanges = handler.transactionsWithChanges;
        expect(withChanges.map((transaction) => transaction.changes.map((change) => change.kind))).toEqual([
          ['insert', 'insert', 'insert', 'update'],
          ['update', 'update', 'update'],
          ['delete'],
        ]);
        const [first, second, third] = withChanges;
        expect(first?.changes[3]).toEqual({
          kind: 'update',
          table: 'orders',
          before: { id: 2, amount: '20.00', note: 'b' },
          after: { id: 2, amount: '20.00', note: 'changed' },
        });
        expect(second?.changes.map((change) => change.after?.id)).toEqual([3, 2, 1]);
        expect(third?.changes[0]?.before).toEqual({ id: 3, amount: '31.00', note: 'c' });
        expect(first?.commitPosition.toString()).toBe(afterFirst.toString());
        expect(first?.source).toBe('local');
        expect(Math.abs((first?.commitTimestamp ?? 0) - Date.now())).toBeLessThan(10_000);
        // The write to the other table is handed on as a transaction without changes, at its commit position.
        const empty = handler.transactions.find((transaction) =>
          transaction.commitPosition.equals(afterEmpty),
        );
        expect(empty?.changes).toEqual([]);
        expect(caughtUp.gtid).toMatch(/^0-\d+-\d+$/);
        expect(handler.transactions.at(-1)?.commitPosition.gtid).toBe(caughtUp.gtid);
        expectIncreasingPositions(handler);
      },
    );
  });

  it('ends groups of non-transactional tables at their COMMIT query event', async () => {
    await withStream(
      ['plain', 'aria'],
      `CREATE TABLE plain (id INT PRIMARY KEY, label VARCHAR(20)) ENGINE=MyISAM;
       CREATE TABLE aria (id INT PRIMARY KEY, label VARCHAR(20)) ENGINE=Aria`,
      async (context) => {
        await context.scratch.query("INSERT INTO plain VALUES (1, 'one'), (2, 'two')");
        await context.scratch.query("INSERT INTO aria VALUES (1, 'uno')");
        await context.scratch.query("UPDATE plain SET label = 'zwei' WHERE id = 2");
        await waitUntilCaughtUp(context);
        expect(
          context.handler.transactionsWithChanges.map((transaction) =>
            transaction.changes.map(
              (change) => `${change.kind} ${change.table} ${String(change.after?.label)}`,
            ),
          ),
        ).toEqual([['insert plain one', 'insert plain two'], ['insert aria uno'], ['update plain zwei']]);
      },
    );
  });

  it('hands on transactions without relevant changes at most about every 100 ms, positions still advancing', async () => {
    await withStream(
      ['orders'],
      'CREATE TABLE orders (id INT PRIMARY KEY); CREATE TABLE other (id INT PRIMARY KEY)',
      async (context) => {
        const startedAt = Date.now();
        for (let id = 1; id <= 300; id += 1)
          await context.scratch.query('INSERT INTO other VALUES (?)', [id]);
        await context.scratch.query('INSERT INTO orders VALUES (1)');
        for (let id = 301; id <= 400; id += 1)
          await context.scratch.query('INSERT INTO other VALUES (?)', [id]);
        await waitUntilCaughtUp(context);
        const elapsedMs = Date.now() - startedAt;
        const empty = context.handler.transactions.filter((transaction) => transaction.changes.length === 0);
        expect(empty.length).toBeGreaterThan(0);
        expect(empty.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 100) + 3);
        expect(context.handler.transactionsWithChanges).toHaveLength(1);
        expectIncreasingPositions(context.handler);
      },
    );
  });

  it('follows FLUSH BINARY LOGS mid-stream: nothing lost, positions carry the new file names', async () => {
    await withStream(['orders'], 'CREATE TABLE orders (id INT PRIMARY KEY)', async (context) => {
      const files = new Set<string>();
      const fileOfRow = new Map<number, string>();
      for (let id = 1; id <= 300; id += 1) {
        await context.scratch.query('INSERT INTO orders VALUES (?)', [id]);
        const position = await readCurrentPosition(context.pool);
        fileOfRow.set(id, position.file);
        files.add(position.file);
        // No flush after the last row: a rotation with no transaction after it moves nothing to hand on.
        if (id % 100 === 0 && id < 300) await context.scratch.query('FLUSH BINARY LOGS');
      }
      await waitUntilCaughtUp(context);
      expect(files.size).toBeGreaterThanOrEqual(3);
      const inserted = context.handler.transactionsWithChanges.map((transaction) => ({
        id: Number(transaction.changes[0]?.after?.id),
        file: transaction.commitPosition.file,
      }));
      expect(inserted).toEqual([...fileOfRow.entries()].map(([id, file]) => ({ id, file })));
      expectIncreasingPositions(context.handler);
    });
  });

  it('reports DDL on configured tables in stream order, and decodes later rows with the new columns', async () => {
    await withStream(
      ['items', 'renamed_items'],
      'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20)); CREATE TABLE unrelated (id INT PRIMARY KEY)',
      async (context) => {
        const { scratch, handler } = context;
        await scratch.query("INSERT INTO items VALUES (1, 'before')");
        await scratch.query(
          'ALTER TABLE items ADD COLUMN price DECIMAL(8,2) NOT NULL DEFAULT 0, ADD COLUMN ratio FLOAT(6,2)',
        );
        await scratch.query("INSERT INTO items VALUES (2, 'after', 9.99, 1.23456)");
        await scratch.query('ALTER TABLE unrelated ADD COLUMN extra INT');
        await scratch.query(`RENAME TABLE \`${scratch.name}\`.items TO renamed_items`);
        await scratch.query("INSERT INTO renamed_items VALUES (3, 'renamed', 1.50, 2)");
        await scratch.query('TRUNCATE TABLE renamed_items');
        await scratch.query('DROP TABLE renamed_items /* comment */');
        await waitUntilCaughtUp(context);

        const sequence = handler.events
          .map((event) =>
            event.kind === 'schema'
              ? `ddl ${event.event.table}: ${event.event.statement.split(' ').slice(0, 2).join(' ')}`
              : event.transaction.changes
                  .map((change) => `${change.kind} ${String(change.after?.id)}`)
                  .join(','),
          )
          .filter((entry) => entry.length > 0);
        expect(sequence).toEqual([
          'insert 1',
          'ddl items: ALTER TABLE',
          'insert 2',
          'ddl items: RENAME TABLE',
          'ddl renamed_items: RENAME TABLE',
          'insert 3',
          'ddl renamed_items: TRUNCATE TABLE',
          'ddl renamed_items: DROP TABLE',
        ]);
        expect(handler.changes.map((change) => change.after)).toEqual([
          { id: 1, name: 'before' },
          // The stored float32 of FLOAT(6,2) 1.23, exactly (the server prints 1.23).
          { id: 2, name: 'after', price: '9.99', ratio: Math.fround(1.23) },
          { id: 3, name: 'renamed', price: '1.50', ratio: 2 },
        ]);
        const alter = handler.schemaChanges[0];
        const insertAfterAlter = handler.transactionsWithChanges[1];
        expect(alter !== undefined && insertAfterAlter?.commitPosition.isAfter(alter.position)).toBe(true);
      },
    );
  });

  it('drops transactions that write to the marker table whole, but advances past them', async () => {
    await withStream(
      ['items'],
      'CREATE TABLE items (id INT PRIMARY KEY); CREATE TABLE sync_marker (id INT PRIMARY KEY, counter INT)',
      async (context) => {
        const { scratch, handler } = context;
        await scratch.query('INSERT INTO items VALUES (1)');
        await scratch.query(
          'START TRANSACTION; INSERT INTO items VALUES (2), (3); INSERT INTO sync_marker VALUES (1, 1); UPDATE items SET id = 4 WHERE id = 3; COMMIT',
        );
        const afterEcho = await readCurrentPosition(context.pool);
        await scratch.query(
          'START TRANSACTION; INSERT INTO sync_marker VALUES (2, 1); INSERT INTO items VALUES (5); COMMIT',
        );
        await scratch.query('INSERT INTO items VALUES (6)');
        await waitUntilCaughtUp(context);
        expect(handler.changes.map((change) => change.after?.id)).toEqual([1, 6]);
        expect(
          handler.transactions.some(
            (transaction) =>
              transaction.commitPosition.compare(afterEcho) >= 0 && transaction.changes.length === 0,
          ),
        ).toBe(true);
      },
      { markerTable: 'sync_marker' },
    );
  });

  it('keeps an idle stream alive with heartbeats and reports no lag', async () => {
    await withStream(
      ['items'],
      'CREATE TABLE items (id INT PRIMARY KEY)',
      async (context) => {
        await context.scratch.query('INSERT INTO items VALUES (1)');
        await waitUntilCaughtUp(context);
        await sleep(2_500);
        const status = context.source.status;
        expect(status).toMatchObject({ state: 'streaming', reconnectAttempt: 0, lagMs: 0, lastError: null });
        expect(Date.now() - (status.lastEventAt ?? 0)).toBeLessThan(1_000);
        expect(context.handler.statuses.map((entry) => entry.state)).toEqual(['starting', 'streaming']);
      },
      { heartbeatIntervalMs: 300 },
    );
  });
});
