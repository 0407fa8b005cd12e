/**
 * The type matrix: every column type, on every pair of servers (MariaDB and Oracle MySQL as source and target),
 * through the snapshot, the stream and a full sync, compared row by row with exact values (test/support/
 * exact-rows.ts). Values are drawn by fast-check, edge cases first; FAST_CHECK_SEED replays a run (the seed is in
 * every failure's message).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectExactlyEqual, readExactRows } from '../support/exact-rows.js';
import { fullSyncManager, runFullSync } from '../support/full-sync-runs.js';
import { createSyncFixture, eventually } from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { columnKinds, insertStatements, matrixRows, matrixTableSql } from './column-kinds.js';
import { oneWayPairs, skipped } from './server-pairs.js';

const seed = Number(process.env.FAST_CHECK_SEED ?? Date.now() % 2 ** 31);
const rowsPerPhase = 200;
const table = 'type_matrix';

function sample<Value>(arbitrary: fc.Arbitrary<Value>, offset: number): Value {
  const [value] = fc.sample(arbitrary, { numRuns: 1, seed: seed + offset });
  if (value === undefined) throw new Error('fast-check gave no sample');
  return value;
}

async function insertRows(database: TestDatabase, rows: readonly string[][], firstId: number): Promise<void> {
  for (const statement of insertStatements(table, columnKinds, rows, firstId))
    await database.query(statement);
}

/** Changes each chosen row's every column on `database` by the smallest step, without writing its binlog. */
async function nudgeSilently(database: TestDatabase, ids: readonly number[]): Promise<void> {
  const rows = await readExactRows(database, table, ['id']);
  const byId = new Map(rows.map((row) => [Number(row.id), row]));
  const statements = ['SET SESSION sql_log_bin = 0'];
  for (const id of ids) {
    const row = byId.get(id);
    if (row === undefined) continue;
    const assignments = columnKinds
      .filter((kind) => row[kind.name] !== null)
      .map((kind) => `\`${kind.name}\` = ${kind.nudge(`\`${kind.name}\``, row[kind.name] as string)}`);
    if (assignments.length > 0) {
      statements.push(`UPDATE \`${table}\` SET ${assignments.join(', ')} WHERE id = ${id}`);
    }
  }
  statements.push('SET SESSION sql_log_bin = 1');
  await database.query(statements.join('; '));
}

describe.each(oneWayPairs)('type matrix, $label', (pair) => {
  it.skipIf(skipped(pair))(
    'snapshot, stream and full sync carry every value exactly',
    { timeout: 300_000 },
    async () => {
      const context = `(FAST_CHECK_SEED=${seed})`;
      // A MariaDB target stores a -0 from MySQL as 0 (it stores every -0 so); the README says so.
      const zeroSign = pair.targetFlavor === 'mariadb' ? 'ignored' : 'kept';
      await using fixture = await createSyncFixture(pair.sourceUrl, pair.targetUrl, 'matrix');
      await fixture.source.query(matrixTableSql(table, pair.sourceFlavor));
      await fixture.target.query(matrixTableSql(table, pair.targetFlavor));
      const snapshotRows = sample(matrixRows(columnKinds, rowsPerPhase), 1);
      await insertRows(fixture.source, snapshotRows, 1);

      const running = await fixture.startService(
        fixture.configDocument({
          tables: [{ name: table, primary_key: 'id' }],
          sync: { snapshot_chunk_size: 64, batch_insert_size: 50 },
        }),
      );
      await eventually(
        () => expectExactlyEqual(fixture.source, fixture.target, table, ['id'], zeroSign),
        60_000,
      );

      // The stream: new rows, every column of some rows changed, some rows deleted.
      await insertRows(fixture.source, sample(matrixRows(columnKinds, rowsPerPhase), 2), rowsPerPhase + 1);
      const updates = sample(matrixRows(columnKinds, rowsPerPhase / 2), 3);
      for (const [index, values] of updates.entries()) {
        const id = index * 2 + 1;
        const assignments = columnKinds.map(
          (kind, column) => `\`${kind.name}\` = ${values[column] ?? 'NULL'}`,
        );
        await fixture.source.query(`UPDATE \`${table}\` SET ${assignments.join(', ')} WHERE id = ${id}`);
      }
      await fixture.source.query(`DELETE FROM \`${table}\` WHERE id % 7 = 0`);
      await eventually(
        () => expectExactlyEqual(fixture.source, fixture.target, table, ['id'], zeroSign),
        60_000,
      );
      const pauses = running.service.status.directions.flatMap((direction) =>
        direction.tables.filter((tableStatus) => tableStatus.pause !== null),
      );
      expect(pauses, context).toEqual([]);

      // A full sync sees a difference in the last bit of any column, and repairs it; a second run finds nothing.
      const syncManager = fullSyncManager(running);
      await nudgeSilently(fixture.target, [2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377]);
      const repair = await runFullSync(syncManager, 'trace-matrix-repair', 120_000);
      expect(repair, context).toMatchObject({ state: 'completed', error: null });
      expect(repair.rowsChanged, `${context} rows the repair changed`).toBeGreaterThanOrEqual(10);
      await eventually(
        () => expectExactlyEqual(fixture.source, fixture.target, table, ['id'], zeroSign),
        30_000,
      );
      const settled = await runFullSync(syncManager, 'trace-matrix-settled', 120_000);
      expect(settled, context).toMatchObject({ state: 'completed', error: null, rowsChanged: 0 });
    },
  );
});
