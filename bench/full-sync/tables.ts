/**
 * The orders tables of the full-sync benchmark: where they live, the source filled with a gap every 300 ids, and
 * the target made different with its binlog off (rows deleted, changed, and extra rows the source lacks).
 */
import type { Connection, WriteResult } from '../../services/core-sync/src/mysql/index.js';
import { createOrdersTableStatement, fillOrders } from '../support/orders-table.js';

export const sourceDatabase = 'fullsync_source';
export const targetDatabase = 'fullsync_target';
export const table = 'orders';
/**
 * Ids are laid out in periods of 300: the source lacks every id ≡ 200 (mod 300), so the target can get rows
 * the source does not have in every chunk; the target loses the ids ≡ 0 and changes the ids ≡ 100.
 */
export const divergencePeriod = 300;

export interface Divergence {
  readonly deleted: number;
  readonly changed: number;
  readonly extra: number;
}

export function totalDiverged(divergence: Divergence): number {
  return divergence.deleted + divergence.changed + divergence.extra;
}

/** How many ids 1…`fillCount` the source leaves out (≡ 200 mod 300). */
function gapsBelow(fillCount: number): number {
  return fillCount < 200 ? 0 : Math.floor((fillCount - 200) / divergencePeriod) + 1;
}

/** Fills the source with `rows` rows: ids 1…n less every id ≡ 200 (mod 300). */
export async function fillSource(connection: Connection, rows: number): Promise<void> {
  let fillCount = rows;
  while (fillCount - gapsBelow(fillCount) < rows) fillCount += 1;
  await connection.query(createOrdersTableStatement(table));
  await fillOrders(connection, table, fillCount);
  await connection.query(`DELETE FROM \`${table}\` WHERE id % ${divergencePeriod} = 200`);
}

/**
 * With the target's binlog off (the stream never sees it): an extra row for every id ≡ 200 (a copy of the row 100
 * below it, which the source lacks), then the rows ≡ 0 deleted and the rows ≡ 100 changed.
 */
export async function divergeTarget(connection: Connection): Promise<Divergence> {
  const qualified = `\`${targetDatabase}\`.\`${table}\``;
  const columns = 'customer_email, quantity, amount, created_at, attributes, notes, status, is_gift';
  await connection.query('SET SESSION sql_log_bin = 0');
  try {
    const [inserted] = await connection.query<WriteResult>(
      `INSERT INTO ${qualified} (id, ${columns}) SELECT id + 100, ${columns} FROM ${qualified} WHERE id % ${divergencePeriod} = 100`,
    );
    const [deleted] = await connection.query<WriteResult>(
      `DELETE FROM ${qualified} WHERE id % ${divergencePeriod} = 0`,
    );
    const [changed] = await connection.query<WriteResult>(
      `UPDATE ${qualified} SET amount = amount + 1, notes = CONCAT(COALESCE(notes, ''), ' (changed on the target)') ` +
        `WHERE id % ${divergencePeriod} = 100`,
    );
    return { deleted: deleted.affectedRows, changed: changed.affectedRows, extra: inserted.affectedRows };
  } finally {
    await connection.query('SET SESSION sql_log_bin = 1');
  }
}
