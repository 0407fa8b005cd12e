/**
 * A burst of row changes on the orders table (bench/support/orders-table.ts): inserts, updates and deletes in
 * transactions of 1–200 rows, kinds and sizes drawn from a fixed pseudo-random sequence, so every run (and
 * every contender of one run) writes the same changes. Used by the catch-up and bidirectional benchmarks.
 */
import type { Connection, WriteResult } from '../../services/core-sync/src/mysql/index.js';
import { driverErrorCode } from '../../services/core-sync/src/errors/index.js';
import { insertOrders, ordersUpdateStatement } from './orders-table.js';

/** Rows per source transaction, drawn in turn (mean about 48): single-row OLTP up to small batch jobs. */
const transactionSizes = [1, 2, 5, 10, 20, 50, 100, 200] as const;
const seed = 20_240_601;

type ChangeKind = 'insert' | 'update' | 'delete';

export interface ChangeCounts {
  insert: number;
  update: number;
  delete: number;
  transactions: number;
  retries: number;
}

/** The row changes counted (inserted + updated + deleted). */
export function totalChangesOf(counts: ChangeCounts): number {
  return counts.insert + counts.update + counts.delete;
}

/** A deterministic stream of pseudo-random numbers in [0, 1) (same load every run). */
function randomStream(startState: number): () => number {
  let state = startState >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Writes row changes to `table` (in each connection's current database) until `changeCount` rows were changed.
 * The table holds ids 1…`initialRows`. Live ids stay one contiguous range: inserts append above it, deletes take
 * from its bottom, updates hit a random range inside it (away from both ends, so they do not wait on the other
 * writers). Counts come from the servers' affected-row counts.
 */
export async function writeChanges(
  connections: readonly Connection[],
  table: string,
  initialRows: number,
  changeCount: number,
): Promise<ChangeCounts> {
  const counts: ChangeCounts = { insert: 0, update: 0, delete: 0, transactions: 0, retries: 0 };
  const random = randomStream(seed);
  let nextInsertId = initialRows + 1;
  let nextDeleteId = 1;
  let planned = 0;
  const nextTransaction = (): { kind: ChangeKind; first: number; last: number } | undefined => {
    if (planned >= changeCount) return undefined;
    const size = Math.min(
      transactionSizes[Math.floor(random() * transactionSizes.length)] ?? 1,
      changeCount - planned,
    );
    planned += size;
    const draw = random();
    if (draw < 0.5) {
      const first = nextInsertId;
      nextInsertId += size;
      return { kind: 'insert', first, last: first + size - 1 };
    }
    if (draw < 0.85) {
      const low = nextDeleteId + 5_000;
      const high = nextInsertId - 5_000 - size;
      const first = low + Math.floor(random() * Math.max(1, high - low));
      return { kind: 'update', first, last: first + size - 1 };
    }
    const first = nextDeleteId;
    nextDeleteId += size;
    return { kind: 'delete', first, last: first + size - 1 };
  };
  const runWriter = async (connection: Connection): Promise<void> => {
    for (let transaction = nextTransaction(); transaction !== undefined; transaction = nextTransaction()) {
      const affected = await withDeadlockRetry(counts, () => applyChange(connection, table, transaction));
      counts[transaction.kind] += affected;
      counts.transactions += 1;
    }
  };
  await Promise.all(connections.map((connection) => runWriter(connection)));
  return counts;
}

async function applyChange(
  connection: Connection,
  table: string,
  change: { kind: ChangeKind; first: number; last: number },
): Promise<number> {
  switch (change.kind) {
    case 'insert':
      await insertOrders(connection, table, change.first, change.last);
      return change.last - change.first + 1;
    case 'update': {
      const [result] = await connection.query<WriteResult>(ordersUpdateStatement(table), [
        change.first,
        change.last,
      ]);
      return result.affectedRows;
    }
    case 'delete': {
      const [result] = await connection.query<WriteResult>(
        `DELETE FROM \`${table}\` WHERE id BETWEEN ? AND ?`,
        [change.first, change.last],
      );
      return result.affectedRows;
    }
  }
}

async function withDeadlockRetry(counts: ChangeCounts, work: () => Promise<number>): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      const code = driverErrorCode(error);
      if (attempt >= 5 || (code !== 'ER_LOCK_DEADLOCK' && code !== 'ER_LOCK_WAIT_TIMEOUT')) throw error;
      counts.retries += 1;
    }
  }
}
