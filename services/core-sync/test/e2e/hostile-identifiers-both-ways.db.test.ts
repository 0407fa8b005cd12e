/**
 * Hostile identifiers (see test/support/hostile-tables.ts) both ways: such tables sync in both directions, have
 * their conflicts stored and resolved over the HTTP API, name themselves in metrics labels, and are repaired by a
 * full sync; a table whose name differs only by accent or case is never mistaken for them.
 */
import { describe, expect, it } from 'vitest';
import {
  countOf,
  createStatement,
  divergeSilently,
  expectSameRows,
  hostileDatabaseLabel,
  quoted,
  reservedTable,
  reservedTableDdl,
} from '../support/hostile-tables.js';
import { createSyncFixture, eventually, waitUntilHealthy } from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

/** Bidirectional table, and a decoy whose name differs only by an accent (equal under utf8_general_ci). */
const bothWaysTable = 'ordér "bi" `dir`, 表.x';
const decoyTable = 'order "bi" `dir`, 表.x';
const bothWaysKey = ['select', "k'e,y"] as const;

interface ConflictJson {
  readonly id: string;
  readonly tableName: string;
  readonly conflictType: string;
  readonly localData: unknown;
  readonly cloudData: unknown;
}

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

describe('hostile identifiers', () => {
  it('both ways, with a conflict resolved over the API, metrics labels and a full-sync repair', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
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

    // Rows on one side only written with the binlog off: no binlog tells a new row from a deleted one, so the full
    // sync lists each as an insert_or_delete conflict; a row that differs is a conflict of the table's (manual)
    // strategy. All three are settled over the API, the hostile key carried through each.
    await divergeSilently(fixture.source, insert(500, 3, 'local only'));
    await divergeSilently(
      fixture.target,
      `${insert(600, 2, 'cloud only')}; UPDATE ${table} SET ${code} = 0 WHERE ${select} = 2`,
    );
    const triggered = await call('POST', '/api/v1/sync/trigger', { tables: [bothWaysTable] });
    expect(triggered.status).toBe(202);
    await eventually(async () => {
      const status = await call('GET', '/api/v1/sync/status');
      expect(status.body, JSON.stringify((status.body as { run: unknown }).run)).toMatchObject({
        run: { state: 'completed', conflicts: 6 },
      });
    }, 30_000);
    const listed = await openConflicts(6);
    const differing = listed.find((conflict) => conflict.conflictType === 'insert_insert');
    expect(differing).toMatchObject({
      localData: { select: 2, 'Ünï `code`': 2 },
      cloudData: { select: 2, 'Ünï `code`': 0 },
    });
    const cloudChosen = await call('POST', `/api/v1/conflicts/${differing?.id ?? ''}/resolve`, {
      side: 'cloud',
    });
    expect(cloudChosen.status).toBe(200);
    const oneSided = listed.filter((conflict) => conflict.conflictType === 'insert_or_delete');
    expect(
      oneSided.map((conflict) => [conflict.localData === null, conflict.cloudData === null]).sort(),
    ).toEqual([
      // Three rows only on local, two only on cloud.
      [false, true],
      [false, true],
      [false, true],
      [true, false],
      [true, false],
    ]);
    // Keep each row: the side that has it.
    for (const conflict of oneSided) {
      const side = conflict.localData === null ? 'cloud' : 'local';
      const kept = await call('POST', `/api/v1/conflicts/${conflict.id}/resolve`, { side });
      expect(kept.status).toBe(200);
    }
    await expectSameRows(fixture, bothWaysTable, bothWaysKey);
    expect(await countOf(fixture.target, bothWaysTable)).toBe(55);

    // The decoy table (same name but for an accent) was never touched nor warned about.
    expect(await countOf(fixture.source, decoyTable)).toBe(0);
    expect(service.output()).not.toContain('a synced table has a trigger');
    expect(service.output()).not.toContain('synced tables have AUTO_INCREMENT keys');
    expect(await service.kill('SIGTERM')).toBe(0);
  });
});
