/**
 * Echo markers: the service's own transactions on a database that are not apply batches (copy chunks, conflict
 * write-backs, resolutions) write a `marker:` row of the checkpoint table, so the listener of the other direction
 * recognises them in the binlog and drops them as echoes. `marker:copying:<table>` and `marker:adopting:<table>`
 * rows also record copies and adoptions in progress (checkpoint-table.ts).
 */
import type { RowChange, SideName } from '../model/index.js';
import { qualifiedName, type Pool, type PoolConnection, type QueryRow } from '../mysql/index.js';
import { checkpointTableName } from './checkpoint-table.js';
import {
  inWriteTransaction,
  targetConnectionLost,
  type WriteTransactionOptions,
} from './write-transaction.js';

/** A marker slot name for `writeMarker`; keep the set of names small (one row each). */
export function markerSlot(name: string): string {
  return `marker:${name}`;
}

/** Work on a table that must finish before the table is in sync: a copy, or (bidirectional) an adoption. */
export type TableWork = 'copying' | 'adopting';

/** The marker of work on a table in progress (see the header): written when it starts, deleted when it ends. */
export function tableMarkerSlot(work: TableWork, table: string): string {
  return markerSlot(`${work}:${table}`);
}

/** The tables whose `work` from this source started and did not finish. */
export async function readMarkedTables(
  pool: Pool,
  database: string,
  sourceName: string,
  work: TableWork,
): Promise<Set<string>> {
  const prefix = tableMarkerSlot(work, '');
  const [rows] = await pool.query<MarkerRow[]>(
    `SELECT slot FROM ${qualifiedName(database, checkpointTableName)} WHERE source_name = ? AND slot LIKE ?`,
    [sourceName, `${prefix}%`],
  );
  return new Set(rows.map((row) => row.slot.slice(prefix.length)));
}

interface MarkerRow extends QueryRow {
  slot: string;
}

/** Marks the caller's transaction as the service's own (bidirectional echo filter) without a position. */
export async function writeMarker(
  connection: PoolConnection,
  database: string,
  sourceName: string,
  slot: string,
): Promise<void> {
  await connection.query(
    `INSERT INTO ${qualifiedName(database, checkpointTableName)}
       (source_name, slot, binlog_file, binlog_position, gtid, updated_at)
     VALUES (?, ?, '', 0, NULL, UTC_TIMESTAMP(6))
     ON DUPLICATE KEY UPDATE updated_at = VALUES(updated_at)`,
    [sourceName, slot],
  );
}

/**
 * Marks the end of a binlog read: commits, as the service's own transaction, the marker row `slot` of
 * `sourceName` with `token` in its `binlog_file` (marker rows hold no position). A reader that sees the checkpoint
 * table's rows finds the transaction that carries its token (`isEndMarker`), wherever the binlog has rotated to.
 */
export async function writeEndMarker(
  pool: Pool,
  database: string,
  sourceName: string,
  slot: string,
  token: string,
): Promise<void> {
  await inWriteTransaction(pool, (connection) =>
    connection.query(
      `INSERT INTO ${qualifiedName(database, checkpointTableName)}
         (source_name, slot, binlog_file, binlog_position, gtid, updated_at)
       VALUES (?, ?, ?, 0, NULL, UTC_TIMESTAMP(6))
       ON DUPLICATE KEY UPDATE binlog_file = VALUES(binlog_file), updated_at = VALUES(updated_at)`,
      [sourceName, slot, token],
    ),
  );
}

/** Whether a row change is the end marker `writeEndMarker` wrote with these arguments. */
export function isEndMarker(
  change: Pick<RowChange, 'table' | 'after'>,
  sourceName: string,
  slot: string,
  token: string,
): boolean {
  const after = change.after;
  return (
    change.table === checkpointTableName &&
    after !== null &&
    after.source_name === sourceName &&
    after.slot === slot &&
    after.binlog_file === token
  );
}

/** Deletes one source's marker slots whose names start with `markerSlot(prefix)` (a name of the service's own: no `%` or `_`). */
export async function deleteMarkers(
  pool: Pool,
  database: string,
  sourceName: string,
  prefix: string,
): Promise<void> {
  await pool.query(
    `DELETE FROM ${qualifiedName(database, checkpointTableName)} WHERE source_name = ? AND slot LIKE ?`,
    [sourceName, `${markerSlot(prefix)}%`],
  );
}

/**
 * The marked write transactions of one writer: each runs `work` in a write transaction that first writes a
 * marker naming `appliedFrom` as the transaction's source. Transactions of one writer running at once write
 * different marker rows (`marker:<name>:<index>`, an index free), so they never wait for each other's marker;
 * writers that share a name share the rows.
 */
export class EchoMarkers {
  readonly #pool: Pool;
  readonly #database: string;
  readonly #appliedFrom: SideName;
  readonly #name: string;
  readonly #free: number[] = [];
  #created = 0;

  constructor(pool: Pool, database: string, appliedFrom: SideName, name: string) {
    this.#pool = pool;
    this.#database = database;
    this.#appliedFrom = appliedFrom;
    this.#name = name;
  }

  async run<Result>(
    options: WriteTransactionOptions,
    work: (connection: PoolConnection) => Promise<Result>,
  ): Promise<Result> {
    const index = this.#free.pop() ?? this.#newIndex();
    let reusable = true;
    try {
      return await inWriteTransaction(this.#pool, options, async (connection) => {
        await writeMarker(
          connection,
          this.#database,
          this.#appliedFrom,
          markerSlot(`${this.#name}:${index}`),
        );
        return work(connection);
      });
    } catch (error) {
      // The server may still hold a lost connection's transaction, with its lock on the marker row: a later
      // transaction would wait for it, so this row is not used again by this writer.
      reusable = !targetConnectionLost(error);
      throw error;
    } finally {
      if (reusable) this.#free.push(index);
    }
  }

  #newIndex(): number {
    this.#created += 1;
    return this.#created - 1;
  }
}
