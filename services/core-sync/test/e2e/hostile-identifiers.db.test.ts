/**
 * Hostile identifiers against two real MariaDB servers: databases, tables and columns named with backticks, both
 * quote characters, spaces, dots, commas, backslashes, parentheses, accented and CJK letters and reserved words
 * (MariaDB 10.11 keeps identifiers in utf8mb3, so an emoji is refused by the server itself: ER_INVALID_CHARACTER_STRING).
 * Such tables snapshot, stream inserts, updates and deletes, sync both ways, have their conflicts stored and
 * resolved over the HTTP API, and are repaired by a full sync; a table whose name differs only by accent or case
 * is never mistaken for them.
 */
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { SyncManager } from '../../src/manager/index.js';
import { quoteIdentifier } from '../../src/mysql/index.js';
import {
  createSyncFixture,
  eventually,
  startDisposableService,
  waitUntilHealthy,
  type SyncFixture,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import type { RunProgress } from '../../src/status/index.js';

/** Every character class at once; also the label of the test databases (so their names are hostile too). */
const hostileDatabaseLabel = 'host`ile \'db\' "q".é';

/** One-way table: a composite primary key whose first column's name has a comma (so only the list form works). */
const wideTable = 'it`em\'s "list", v.1 \\ (ordér) 表';
const wideKey = ['ke`y,"one"', 'order'] as const;
const wideColumns = {
  select: 'VARCHAR(40) NOT NULL',
  group: 'INT NULL',
  key: 'VARCHAR(20) NULL',
  'col.with dots': 'TEXT NULL',
  'back\\slash': 'VARCHAR(20) NULL',
  'naïve 中文 Ünïcode': 'VARCHAR(40) NULL',
  constructor: 'INT NULL',
  "it's": 'VARCHAR(10) NULL',
} as const;
/** One-way table named by a reserved word, keyed by a reserved word. */
const reservedTable = 'select';

/** Bidirectional table, and a decoy whose name differs only by an accent (equal under utf8_general_ci). */
const bothWaysTable = 'ordér "bi" `dir`, 表.x';
const decoyTable = 'order "bi" `dir`, 表.x';
const bothWaysKey = ['select', "k'e,y"] as const;

const quoted = quoteIdentifier;

interface ConflictJson {
  readonly id: string;
  readonly tableName: string;
  readonly localData: unknown;
  readonly cloudData: unknown;
}

function createStatement(table: string, columns: Record<string, string>, key: readonly string[]): string {
  const definitions = Object.entries(columns).map(([name, type]) => `${quoted(name)} ${type}`);
  return `CREATE TABLE ${quoted(table)} (${definitions.join(', ')}, PRIMARY KEY (${key.map(quoted).join(', ')}))`;
}

const wideTableDdl = createStatement(
  wideTable,
  { [wideKey[0]]: 'INT NOT NULL', [wideKey[1]]: 'VARCHAR(20) NOT NULL', ...wideColumns },
  wideKey,
);
const reservedTableDdl = createStatement(reservedTable, { key: 'INT NOT NULL', group: 'VARCHAR(20)' }, [
  'key',
]);
const bothWaysDdl = createStatement(
  bothWaysTable,
  {
    select: 'INT NOT NULL',
    "k'e,y": 'VARCHAR(10) NOT NULL',
    group: 'VARCHAR(40) NOT NULL',
    'Ünï `code`': 'INT',
  },
  bothWaysKey,
);
/** Same columns by other names, an AUTO_INCREMENT key and a trigger: a start-up check that confuses it warns. */
const decoyDdl =
  `CREATE TABLE ${quoted(decoyTable)} (other_id INT AUTO_INCREMENT PRIMARY KEY, note TEXT); ` +
  `CREATE TRIGGER decoy_trigger BEFORE INSERT ON ${quoted(decoyTable)} FOR EACH ROW SET NEW.note = 'decoy'`;

/** Inserts `count` rows of the wide table from `first`, every column filled (some NULL), quotes in the values too. */
async function insertWideRows(database: TestDatabase, first: number, count: number): Promise<void> {
  const rows = Array.from({ length: count }, (_unused, offset) => {
    const index = first + offset;
    return [
      index,
      index % 3 === 0 ? 'a,b' : `o'r\`d"e\\r ${index}`,
      `sel ${index}`,
      index % 5 === 0 ? null : index * 7,
      `k${index}`,
      index % 4 === 0 ? null : 'dots.and, commas',
      'a\\b',
      `é 中 ${index}`,
      index,
      "'",
    ];
  });
  await database.query(`INSERT INTO ${quoted(wideTable)} VALUES ?`, [rows]);
}

/** Rows of a table, ordered by its key, compared whole between the two sides. */
async function rowsOf(database: TestDatabase, table: string, key: readonly string[]): Promise<unknown[]> {
  return database.query(`SELECT * FROM ${quoted(table)} ORDER BY ${key.map(quoted).join(', ')}`);
}

async function expectSameRows(fixture: SyncFixture, table: string, key: readonly string[]): Promise<void> {
  const [sourceRows, targetRows] = await Promise.all([
    rowsOf(fixture.source, table, key),
    rowsOf(fixture.target, table, key),
  ]);
  expect(targetRows, table).toEqual(sourceRows);
}

/** Changes rows without writing the binlog: only a full sync can see these. */
async function divergeSilently(database: TestDatabase, statements: string): Promise<void> {
  await database.query(`SET SESSION sql_log_bin = 0; ${statements}; SET SESSION sql_log_bin = 1`);
}

async function countOf(database: TestDatabase, table: string): Promise<number> {
  const [row] = await database.query<{ total: number }>(`SELECT COUNT(*) AS total FROM ${quoted(table)}`);
  return Number(row?.total);
}

describe('hostile identifiers', () => {
  it('one way: snapshot, streamed inserts, updates and deletes, a restart, DDL and a full-sync repair', async () => {
    await using fixture = await createSyncFixture(
      inject('localServerUrl'),
      inject('cloudServerUrl'),
      hostileDatabaseLabel,
    );
    await fixture.source.query(`${wideTableDdl}; ${reservedTableDdl}`);
    await insertWideRows(fixture.source, 1, 240);
    await fixture.source.query(
      `INSERT INTO ${quoted(reservedTable)} SELECT seq, CONCAT('g', seq) FROM seq_1_to_120`,
    );
    // The text form of primary_key splits on commas: it cannot name this key, and start-up says so.
    await expect(
      fixture.startService(
        fixture.configDocument({ tables: [{ name: wideTable, primary_key: wideKey.join(',') }] }),
      ),
    ).rejects.toMatchObject({
      code: 'TABLE_NO_PRIMARY_KEY',
      message: `table ${wideTable}: sync.tables[].primary_key is (\`ke\`\`y\`, \`"one"\`, \`order\`) but the table's primary key is (\`ke\`\`y,"one"\`, \`order\`)`,
    });
    const document = fixture.configDocument({
      tables: [
        { name: wideTable, primary_key: [...wideKey] },
        { name: reservedTable, primary_key: 'key' },
      ],
      sync: { snapshot_chunk_size: 50 },
    });
    const first = await fixture.startService(document);
    // The snapshot created the missing target tables from the source definitions and copied every row.
    await expectSameRows(fixture, wideTable, wideKey);
    await expectSameRows(fixture, reservedTable, ['key']);
    expect(await countOf(fixture.target, wideTable)).toBe(240);

    await insertWideRows(fixture.source, 1000, 5);
    await fixture.source
      .query(`      UPDATE ${quoted(wideTable)} SET ${quoted('select')} = 'changed', ${quoted('naïve 中文 Ünïcode')} = NULL WHERE ${quoted(wideKey[0])} <= 10;
      UPDATE ${quoted(wideTable)} SET ${quoted('order')} = 'moved' WHERE ${quoted(wideKey[0])} = 20;
      DELETE FROM ${quoted(wideTable)} WHERE ${quoted(wideKey[0])} BETWEEN 30 AND 39;
      UPDATE ${quoted(reservedTable)} SET ${quoted('group')} = 'regrouped' WHERE ${quoted('key')} % 10 = 0;
      DELETE FROM ${quoted(reservedTable)} WHERE ${quoted('key')} > 110`);
    await eventually(async () => {
      await expectSameRows(fixture, wideTable, wideKey);
      await expectSameRows(fixture, reservedTable, ['key']);
    }, 30_000);
    expect(await countOf(fixture.target, wideTable)).toBe(240 + 5 - 10);

    // Stopped and started again, it resumes from the checkpoints it keeps per table name.
    await first.stop();
    await fixture.source.query(
      `UPDATE ${quoted(wideTable)} SET ${quoted("it's")} = 'stopped' WHERE ${quoted(wideKey[0])} BETWEEN 40 AND 60;
       DELETE FROM ${quoted(reservedTable)} WHERE ${quoted('key')} = 1`,
    );
    await using running = await startDisposableService(fixture, document);
    await eventually(async () => {
      await expectSameRows(fixture, wideTable, wideKey);
      await expectSameRows(fixture, reservedTable, ['key']);
    }, 30_000);
    expect(running.service.status.directions[0]?.tables.map((table) => table.rowsCopied)).toEqual([0, 0]);

    await divergeSilently(
      fixture.target,
      `DELETE FROM ${quoted(wideTable)} WHERE ${quoted(wideKey[0])} IN (1, 100, 240);
       UPDATE ${quoted(wideTable)} SET ${quoted('back\\slash')} = 'diverged', ${quoted('group')} = NULL WHERE ${quoted(wideKey[0])} = 50;
       INSERT INTO ${quoted(wideTable)} (${quoted(wideKey[0])}, ${quoted(wideKey[1])}, ${quoted('select')}) VALUES (5000, 'extra', 'x');
       DELETE FROM ${quoted(reservedTable)} WHERE ${quoted('key')} = 7`,
    );
    const syncManager = new SyncManager({
      config: () => running.config,
      host: running.service,
      store: running.store,
      events: running.events,
      logger: pino({ level: 'silent' }),
      progressIntervalMs: 0,
    });
    await syncManager.trigger({}, 'test', 'trace-hostile');
    await syncManager.idle();
    const run = syncManager.currentRun as RunProgress;
    expect(run).toMatchObject({ state: 'completed', rowsChanged: 6, error: null });
    expect(run.tables.map((table) => [table.table, table.state])).toEqual([
      [wideTable, 'done'],
      [reservedTable, 'done'],
    ]);
    await expectSameRows(fixture, wideTable, wideKey);
    await expectSameRows(fixture, reservedTable, ['key']);

    // DDL naming the tables by their quoted names is recognised: a column added on both sides is followed; one
    // added on the source only pauses that table (and only it), naming it.
    const addColumn = `ALTER TABLE ${quoted(wideTable)} ADD COLUMN ${quoted('new "col", x')} INT NOT NULL DEFAULT 1`;
    await fixture.target.query(addColumn);
    await fixture.source.query(`${addColumn};
      ALTER TABLE ${quoted(reservedTable)} ADD COLUMN ${quoted('from')} INT;
      UPDATE ${quoted(wideTable)} SET ${quoted('new "col", x')} = 2 WHERE ${quoted(wideKey[0])} = 2`);
    await eventually(() => {
      expect(running.service.status.directions[0]?.tables).toMatchObject([
        { table: wideTable, state: 'streaming', pause: null },
        {
          table: reservedTable,
          state: 'paused',
          pause: {
            reason: 'schema-change',
            message: expect.stringContaining('columns from differ') as unknown,
          },
        },
      ]);
    }, 30_000);
    await fixture.source.query(`DELETE FROM ${quoted(wideTable)} WHERE ${quoted(wideKey[0])} = 3`);
    await eventually(() => expectSameRows(fixture, wideTable, wideKey), 30_000);
    expect(running.listenerErrors).toEqual([]);
  });

  it('both ways, with a conflict resolved over the API, metrics labels and a full-sync repair', async () => {
    await using fixture = await createSyncFixture(
      inject('localServerUrl'),
      inject('cloudServerUrl'),
      hostileDatabaseLabel,
    );
    for (const database of [fixture.source, fixture.target])
      await database.query(`${bothWaysDdl}; ${reservedTableDdl}; ${decoyDdl}`);
    const token = 'hostile-admin-token-0123456789';
    const service = await fixture.spawnService(
      fixture.configDocument({
        tables: [
          { name: bothWaysTable, primary_key: [...bothWaysKey], conflict_resolution: 'manual' },
          {
            name: reservedTable,
            primary_key: 'key',
            conflict_resolution: 'source_priority',
            prefer: 'local',
          },
        ],
        sync: { mode: 'bidirectional', snapshot_chunk_size: 50 },
        server: { auth_token: token },
      }),
    );
    await waitUntilHealthy(service, 2);
    const call = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(`http://127.0.0.1:${service.port}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as unknown) : text };
    };
    /** Waits until the table has `count` open conflicts (listed by its URL-encoded name), and returns them. */
    const openConflicts = async (count: number) => {
      let conflicts: ConflictJson[] = [];
      await eventually(async () => {
        const route = `/api/v1/conflicts?resolved=false&table=${encodeURIComponent(bothWaysTable)}`;
        const listed = await call('GET', route);
        expect(listed.status).toBe(200);
        conflicts = (listed.body as { conflicts: ConflictJson[] }).conflicts;
        expect(conflicts).toHaveLength(count);
      }, 30_000);
      return conflicts;
    };
    const table = quoted(bothWaysTable);
    const [select, group, code] = ['select', 'group', 'Ünï `code`'].map(quoted);
    const insert = (first: number, count: number, label: string) =>
      `INSERT INTO ${table} SELECT seq, CONCAT('k,', seq % 3), CONCAT('${label} ', seq), seq FROM seq_${first}_to_${first + count - 1}`;

    // Inserts, updates and deletes on either side reach the other.
    await fixture.source.query(insert(1, 30, 'local'));
    await fixture.target.query(insert(101, 30, 'cloud'));
    await eventually(() => expectSameRows(fixture, bothWaysTable, bothWaysKey), 30_000);
    await fixture.source.query(
      `UPDATE ${table} SET ${group} = 'local edit of cloud row', ${code} = NULL WHERE ${select} BETWEEN 101 AND 105;
       DELETE FROM ${table} WHERE ${select} BETWEEN 120 AND 124`,
    );
    await fixture.target.query(
      `UPDATE ${table} SET ${group} = 'cloud edit of local row' WHERE ${select} BETWEEN 1 AND 5;
       DELETE FROM ${table} WHERE ${select} BETWEEN 20 AND 24`,
    );
    await fixture.source.query(`INSERT INTO ${quoted(reservedTable)} SELECT seq, 'local' FROM seq_1_to_10`);
    await fixture.target.query(`INSERT INTO ${quoted(reservedTable)} SELECT seq, 'cloud' FROM seq_11_to_20`);
    await eventually(async () => {
      await expectSameRows(fixture, bothWaysTable, bothWaysKey);
      await expectSameRows(fixture, reservedTable, ['key']);
    }, 30_000);
    expect(await countOf(fixture.source, bothWaysTable)).toBe(50);
    expect(await countOf(fixture.source, reservedTable)).toBe(20);

    // The configuration read over the API and written back unchanged is accepted as it is (a key column with a
    // comma in its name is shown in the list form, which is the only one that keeps it).
    const config = await call('GET', '/api/v1/config');
    expect(config.body).toMatchObject({
      config: {
        sync: { tables: [{ name: bothWaysTable, primary_key: [...bothWaysKey] }, { name: reservedTable }] },
      },
      restartRequired: [],
    });
    const shown = (config.body as { config: unknown }).config;
    expect(await call('PUT', '/api/v1/config', shown)).toMatchObject({
      status: 200,
      body: { applied: [], restartRequired: [] },
    });

    // A conflict: the cloud row changed behind the stream's back, then local changes it too.
    await divergeSilently(fixture.target, `UPDATE ${table} SET ${group} = 'cloud side' WHERE ${select} = 10`);
    await fixture.source.query(`UPDATE ${table} SET ${group} = 'local side' WHERE ${select} = 10`);
    const [conflict] = await openConflicts(1);
    expect(conflict).toMatchObject({
      tableName: bothWaysTable,
      conflictType: 'update_update',
      localData: { select: 10, "k'e,y": 'k,1', group: 'local side', 'Ünï `code`': 10 },
      cloudData: { select: 10, "k'e,y": 'k,1', group: 'cloud side', 'Ünï `code`': 10 },
    });
    const decoyConflicts = await call('GET', `/api/v1/conflicts?table=${encodeURIComponent(decoyTable)}`);
    expect(decoyConflicts.body).toMatchObject({ total: 0 });
    const resolved = await call('POST', `/api/v1/conflicts/${conflict?.id ?? ''}/resolve`, {
      data: { select: 10, "k'e,y": 'k,1', group: 'merged \' " ` \\', 'Ünï `code`': -10 },
    });
    expect(resolved).toMatchObject({
      status: 200,
      body: {
        resolved: true,
        resolutionSide: 'merged',
        resolutionColumns: {
          given: ['select', "k'e,y", 'group', 'Ünï `code`'],
          filledFrom: null,
          filled: [],
        },
      },
    });
    await expectSameRows(fixture, bothWaysTable, bothWaysKey);
    const [merged] = await fixture.target.query(`SELECT * FROM ${table} WHERE ${select} = 10`);
    expect(merged).toEqual({ select: 10, "k'e,y": 'k,1', group: 'merged \' " ` \\', 'Ünï `code`': -10 });

    // Metrics name the table in an escaped label value.
    const metrics = await call('GET', '/api/v1/metrics');
    const escapedLabel = bothWaysTable.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
    expect(metrics.body).toContain(`table="${escapedLabel}"`);

    // A full sync copies rows that exist on one side only (written with the binlog off) to the other side, and
    // records a row that differs as a conflict of the table's (manual) strategy, resolved here with cloud's version.
    await divergeSilently(fixture.source, insert(500, 3, 'local only'));
    await divergeSilently(
      fixture.target,
      `${insert(600, 2, 'cloud only')}; UPDATE ${table} SET ${code} = 0 WHERE ${select} = 2`,
    );
    const triggered = await call('POST', '/api/v1/sync/trigger', { tables: [bothWaysTable] });
    expect(triggered.status).toBe(202);
    await eventually(async () => {
      const status = await call('GET', '/api/v1/sync/status');
      expect(status.body).toMatchObject({ run: { state: 'completed', conflicts: 1 } });
    }, 30_000);
    const [differing] = await openConflicts(1);
    expect(differing).toMatchObject({
      localData: { select: 2, 'Ünï `code`': 2 },
      cloudData: { select: 2, 'Ünï `code`': 0 },
    });
    const cloudChosen = await call('POST', `/api/v1/conflicts/${differing?.id ?? ''}/resolve`, {
      side: 'cloud',
    });
    expect(cloudChosen.status).toBe(200);
    await expectSameRows(fixture, bothWaysTable, bothWaysKey);
    expect(await countOf(fixture.target, bothWaysTable)).toBe(55);

    // The decoy table (same name but for an accent) was never touched nor warned about.
    expect(await countOf(fixture.source, decoyTable)).toBe(0);
    expect(service.output()).not.toContain('a synced table has a trigger');
    expect(service.output()).not.toContain('synced tables have AUTO_INCREMENT keys');
    expect(await service.kill('SIGTERM')).toBe(0);
  });

  it('a column named __proto__ is refused at start by name, and pauses its table when a DDL adds it', async () => {
    await using fixture = await createSyncFixture(
      inject('localServerUrl'),
      inject('cloudServerUrl'),
      'proto-columns',
    );
    // Other names of Object.prototype are ordinary keys of a row and sync like any column.
    const gadgets =
      'CREATE TABLE gadgets (id INT PRIMARY KEY, `constructor` INT, `toString` VARCHAR(10), `hasOwnProperty` INT, `valueOf` INT)';
    await fixture.source.query(
      `${gadgets}; CREATE TABLE protos (id INT PRIMARY KEY, \`__proto__\` VARCHAR(10))`,
    );
    await fixture.target.query(gadgets);
    await fixture.source.query(
      "INSERT INTO gadgets VALUES (1, 2, 'three', 4, 5); INSERT INTO protos VALUES (1, 'x')",
    );
    await expect(
      fixture.startService(fixture.configDocument({ tables: [{ name: 'protos', primary_key: 'id' }] })),
    ).rejects.toMatchObject({
      code: 'TABLE_COLUMN_UNSUPPORTED',
      message: expect.stringMatching(
        /^table protos in local database \S+ has a column named __proto__, which core-sync cannot carry .*rename the column, or leave the table out of sync.tables$/,
      ) as unknown,
    });

    const running = await fixture.startService(
      fixture.configDocument({ tables: [{ name: 'gadgets', primary_key: 'id' }] }),
    );
    try {
      await fixture.source.query("INSERT INTO gadgets VALUES (2, 7, 'eight', 9, 10)");
      await eventually(async () => {
        expect(await fixture.target.query('SELECT * FROM gadgets ORDER BY id')).toEqual([
          { id: 1, constructor: 2, toString: 'three', hasOwnProperty: 4, valueOf: 5 },
          { id: 2, constructor: 7, toString: 'eight', hasOwnProperty: 9, valueOf: 10 },
        ]);
      }, 30_000);
      await fixture.source.query('ALTER TABLE gadgets ADD COLUMN `__proto__` VARCHAR(10)');
      await fixture.source.query("INSERT INTO gadgets VALUES (3, 1, 'one', 1, 1, 'lost?')");
      await eventually(() => {
        const [table] = running.service.status.directions[0]?.tables ?? [];
        expect(table).toMatchObject({
          table: 'gadgets',
          state: 'paused',
          pause: {
            reason: 'schema-change',
            code: 'TABLE_PAUSED_DDL',
            message: expect.stringMatching(
              /added a column named __proto__, which core-sync cannot carry/,
            ) as unknown,
          },
        });
      }, 30_000);
      expect(await fixture.target.query('SELECT id FROM gadgets ORDER BY id')).toEqual([
        { id: 1 },
        { id: 2 },
      ]);
    } finally {
      await running.stop();
    }
  });
});
