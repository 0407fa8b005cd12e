/**
 * Runs a replicated DDL statement on the target exactly once, across crashes. DDL is not transactional: it
 * commits on its own, so no checkpoint can be written with it. The ledger table on the target records each
 * statement before it runs, with a hash of the table's definition (SHOW CREATE TABLE, auto-increment counter
 * aside) and InnoDB's id of the table as they were, and marks it applied after:
 * - a statement recorded `applied` (or one before a later applied statement of the table) is not run again;
 * - entries are the source server's (ledger-table.ts): after a failover, the new server's statement at another
 *   position is the old server's entry when both have the same GTID state, the same transaction;
 * - a statement recorded `applying` (the service stopped while it ran, or it failed) is run again only when the
 *   table is still the one recorded before it: a different definition, or another table id (a rebuild, a
 *   TRUNCATE), means the statement ran (both servers run an InnoDB DDL all or nothing), or the operator applied it
 *   by hand, as a paused table's status asks.
 *
 * The other direction's listener sees the ledger's writes as transactions of a table it does not follow, and
 * skips them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncError, driverErrorCode } from '../errors/index.js';
import { BinlogPosition } from '../model/index.js';
import {
  classifyDriverError,
  qualifiedName,
  runWithoutSilenceLimit,
  type QueryRow,
  type WriteResult,
} from '../mysql/index.js';
import { checkFence } from './fence.js';
import { ensureLedger, schemaChangeLedgerName, type SchemaChangeTarget } from './ledger-table.js';
import { appliedStatementMarker } from './schema-change-statement.js';
import { readTableState, type TableState } from './table-state.js';
import { inWriteTransaction } from './write-transaction.js';

export interface LedgerEntry {
  readonly table: string;
  /** The statement as run on the target (marked, database names rewritten). */
  readonly statement: string;
  /** The position after the statement in the source's binlog: the ledger's key, with the source server. */
  readonly position: BinlogPosition;
}

/**
 * - `applied`: run now;
 * - `already-applied`: the ledger says it ran (a restart read it again);
 * - `found-applied`: the ledger says it started, and the table's definition changed since: it ran before a crash,
 *   or the operator ran it.
 */
export type LedgerOutcome = 'applied' | 'already-applied' | 'found-applied';

interface LedgerRow extends QueryRow {
  source_server: string;
  binlog_file: string;
  binlog_position: number | string;
  gtid: string | null;
  state: 'shadow' | 'applying' | 'applied';
  definition_before: string;
  table_id_before: string | null;
}

/**
 * Whether the table changed since the state recorded before a statement: another definition, or (both ids known)
 * another InnoDB table. An id that could not be read once is no sign of a change.
 */
function changedSince(recorded: LedgerRow, now: TableState): boolean {
  if (recorded.definition_before !== now.definitionHash) return true;
  return (
    recorded.table_id_before !== null && now.tableId !== null && recorded.table_id_before !== now.tableId
  );
}

/**
 * What the ledger holds of `entry`: `'applied-later'` when a later statement of the same server on the table is
 * applied; else its own row (on this server at its position, or on any server with its GTID state), if any.
 */
async function recordedEntry(
  target: SchemaChangeTarget,
  entry: LedgerEntry,
): Promise<LedgerRow | 'applied-later' | undefined> {
  const [rows] = await target.pool.query<LedgerRow[]>(
    `SELECT source_server, binlog_file, binlog_position, gtid, state, definition_before, table_id_before
       FROM ${qualifiedName(target.database, schemaChangeLedgerName)}
      WHERE source_name = ? AND table_name = ? AND state <> 'shadow'`,
    [target.sourceName, entry.table],
  );
  let recorded: LedgerRow | undefined;
  for (const row of rows) {
    const sameTransaction = entry.position.gtid !== null && row.gtid === entry.position.gtid;
    if (row.source_server === target.sourceServer) {
      const order = new BinlogPosition(row.binlog_file, Number(row.binlog_position)).compare(entry.position);
      if (order > 0 && row.state === 'applied') return 'applied-later';
      if (order === 0) recorded = row;
    } else if (sameTransaction && recorded === undefined) {
      recorded = row;
    }
  }
  return recorded;
}

/** Runs the statement unless the ledger shows it ran (see the header). */
export async function applySchemaChangeOnce(
  target: SchemaChangeTarget,
  entry: LedgerEntry,
): Promise<LedgerOutcome> {
  await ensureLedger(target);
  const recorded = await recordedEntry(target, entry);
  if (recorded === 'applied-later' || recorded?.state === 'applied') {
    // Found through another server's entry (a failover): recorded for this server too.
    if (recorded !== 'applied-later' && recorded.source_server !== target.sourceServer) {
      await markApplied(target, entry);
    }
    return 'already-applied';
  }
  // A restart while the target still runs the statement (the server goes on after its client is gone): wait for
  // it to end before judging whether it ran.
  if (recorded !== undefined) await statementEnded(target, entry);
  const before = await readTableState(target.pool, target.database, entry.table).catch((error: unknown) => {
    if (driverErrorCode(error) === undefined || classifyDriverError(error) === 'connection') throw error;
    throw new SyncError(
      'SCHEMA_CHANGE_FAILED',
      `${target.database}.${entry.table} cannot be read before the schema change`,
      { cause: error, details: { table: entry.table } },
    );
  });
  if (recorded !== undefined && changedSince(recorded, before)) {
    await markApplied(target, entry);
    return 'found-applied';
  }
  await recordStart(target, entry, before);
  const connection = await target.pool.getConnection();
  try {
    // Foreign keys the statement adds are checked against the target's rows, as the source checked its own.
    await connection.query('SET SESSION foreign_key_checks = 1');
    await runWithoutSilenceLimit(connection, entry.statement);
  } catch (error) {
    // Only the server's refusal is the statement's failure; a lost connection is retried (the ledger settles it).
    if (driverErrorCode(error) === undefined || classifyDriverError(error) === 'connection') throw error;
    throw new SyncError(
      'SCHEMA_CHANGE_FAILED',
      `${target.database}.${entry.table} refused the schema change`,
      { cause: error, details: { table: entry.table, statement: entry.statement } },
    );
  } finally {
    connection.release();
  }
  await markApplied(target, entry);
  return 'applied';
}

async function recordStart(
  target: SchemaChangeTarget,
  entry: LedgerEntry,
  before: TableState,
): Promise<void> {
  await inWriteTransaction(target.pool, async (connection) => {
    if (target.fenceEpoch !== undefined) {
      await checkFence(connection, target.database, target.sourceName, target.fenceEpoch);
    }
    await connection.query(
      `INSERT INTO ${qualifiedName(target.database, schemaChangeLedgerName)}
         (source_name, source_server, table_name, binlog_file, binlog_position, gtid, state, definition_before,
          table_id_before, statement, started_at)
       VALUES (?, ?, ?, ?, ?, ?, 'applying', ?, ?, ?, UTC_TIMESTAMP(6))
       ON DUPLICATE KEY UPDATE state = 'applying', definition_before = VALUES(definition_before),
         table_id_before = VALUES(table_id_before), statement = VALUES(statement), started_at = VALUES(started_at)`,
      [
        target.sourceName,
        target.sourceServer,
        entry.table,
        entry.position.file,
        entry.position.offset,
        entry.position.gtid,
        before.definitionHash,
        before.tableId,
        entry.statement,
      ],
    );
  });
}

/**
 * Marks a statement applied, recording it first where this server has no entry for it (it was found run without
 * one: another server's entry of the same transaction was found). The UPDATE does not carry the statement's
 * text, so the session that marks is never taken for the statement itself (statementEnded).
 */
export async function markApplied(target: SchemaChangeTarget, entry: LedgerEntry): Promise<void> {
  const ledger = qualifiedName(target.database, schemaChangeLedgerName);
  const key = [
    target.sourceName,
    target.sourceServer,
    entry.table,
    entry.position.file,
    entry.position.offset,
  ];
  const [updated] = await target.pool.query<WriteResult>(
    `UPDATE ${ledger} SET state = 'applied', applied_at = UTC_TIMESTAMP(6)
      WHERE source_name = ? AND source_server = ? AND table_name = ? AND binlog_file = ? AND binlog_position = ?`,
    key,
  );
  if (updated.affectedRows > 0) return;
  await target.pool.query(
    `INSERT INTO ${ledger}
       (source_name, source_server, table_name, binlog_file, binlog_position, gtid, state, definition_before,
        statement, started_at, applied_at)
     VALUES (?, ?, ?, ?, ?, ?, 'applied', '', ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))
     ON DUPLICATE KEY UPDATE state = 'applied', applied_at = VALUES(applied_at)`,
    [...key, entry.position.gtid, entry.statement],
  );
}

/** How often a statement still running on the target is looked for again. */
const runningPollMs = 500;

/**
 * Resolves once no session on the target runs this entry's statement: one whose text starts with its marker, which
 * names its position (a ledger write that holds the statement's text as a value is not it).
 */
async function statementEnded(target: SchemaChangeTarget, entry: LedgerEntry): Promise<void> {
  const marker = appliedStatementMarker(target.sourceName, entry.position);
  for (;;) {
    const [rows] = await target.pool.query<QueryRow[]>(
      `SELECT ID AS id FROM information_schema.PROCESSLIST
        WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Sleep' AND LOCATE(?, INFO) = 1`,
      [marker],
    );
    if (rows.length === 0) return;
    await sleep(runningPollMs);
  }
}
