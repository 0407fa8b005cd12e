/**
 * Inserting orders at a steady rate and reading back each row's lag (bench/support/commit-clock.ts): the
 * generator records the time each source COMMIT returned, the target's BEFORE INSERT trigger stamped the time
 * each row was written there. Used by the lag and bidirectional benchmarks.
 */
import type { Connection } from '../../services/core-sync/src/mysql/index.js';
import { appliedAtColumn, wallClockMicros, type ClockOffset } from './commit-clock.js';
import { insertOrders } from './orders-table.js';
import { queryRows } from './servers.js';
import { sleep } from './stats.js';

/** Source transactions per second at most: higher rates put more rows in each transaction. */
export const maxTransactionsPerSecond = 200;

export interface InsertTransaction {
  readonly firstId: number;
  readonly lastId: number;
  readonly committedAtMicros: number;
}

/**
 * Inserts into `table` (in the connection's current database) at a steady rate for `seconds`, one multi-row
 * INSERT (autocommit) per tick, ids from `firstId` up; returns the commits.
 */
export async function insertSteadily(
  connection: Connection,
  table: string,
  firstId: number,
  rowsPerSecond: number,
  seconds: number,
): Promise<InsertTransaction[]> {
  const transactionsPerSecond = Math.min(rowsPerSecond, maxTransactionsPerSecond);
  const rowsPerTransaction = Math.max(1, Math.round(rowsPerSecond / transactionsPerSecond));
  const intervalMs = 1000 / transactionsPerSecond;
  const transactionCount = Math.round(seconds * transactionsPerSecond);
  const transactions: InsertTransaction[] = [];
  const startedAt = performance.now();
  let nextId = firstId;
  for (let index = 0; index < transactionCount; index += 1) {
    const dueAt = startedAt + index * intervalMs;
    const waitMs = dueAt - performance.now();
    if (waitMs > 0.5) await sleep(waitMs);
    const lastId = nextId + rowsPerTransaction - 1;
    await insertOrders(connection, table, nextId, lastId);
    transactions.push({ firstId: nextId, lastId, committedAtMicros: wallClockMicros() });
    nextId = lastId + 1;
  }
  return transactions;
}

/** The id after the last one inserted (or `firstId` when nothing was). */
export function nextIdAfter(transactions: readonly InsertTransaction[], firstId: number): number {
  return (transactions.at(-1)?.lastId ?? firstId - 1) + 1;
}

/** Source commit → target write, per row (ms), from the target's `applied_us` stamps. */
export async function readRowLags(
  target: { connection: Connection; database: string; table: string },
  transactions: readonly InsertTransaction[],
  offset: ClockOffset,
): Promise<{ lagsMs: number[]; missingRows: number }> {
  const firstId = transactions[0]?.firstId ?? 0;
  const lastId = transactions.at(-1)?.lastId ?? -1;
  const rows = await queryRows(
    target.connection,
    `SELECT id, ${appliedAtColumn} AS applied_us FROM \`${target.database}\`.\`${target.table}\` WHERE id BETWEEN ? AND ?`,
    [firstId, lastId],
  );
  const appliedById = new Map(rows.map((row) => [Number(row.id), Number(row.applied_us ?? Number.NaN)]));
  const lagsMs: number[] = [];
  let missingRows = 0;
  for (const transaction of transactions) {
    for (let id = transaction.firstId; id <= transaction.lastId; id += 1) {
      const appliedAt = appliedById.get(id);
      if (appliedAt === undefined || !Number.isFinite(appliedAt)) missingRows += 1;
      else lagsMs.push((appliedAt - offset.offsetMicros - transaction.committedAtMicros) / 1000);
    }
  }
  return { lagsMs, missingRows };
}
