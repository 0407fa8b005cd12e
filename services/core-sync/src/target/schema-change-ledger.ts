/**
 * Runs a replicated DDL statement on the target exactly once, across crashes. DDL is not transactional: it
 * commits on its own, so no checkpoint can be written with it. The ledger table on the target records each
 * statement before it runs, with a hash of the table's definition (SHOW CREATE TABLE, auto-increment counter
 * aside) and InnoDB's id of the table as they were, and marks it applied after:
 * - a statement recorded `applied` (or one before a later applied statement of the table) is not run again;
 * - a statement recorded `applying` (the service stopped while it ran, or it failed) is run again only when the
 *   table is still the one recorded before it: a different definition, or another table id (a rebuild, a
 *   TRUNCATE), means the statement ran (both servers run an InnoDB DDL all or nothing), or the operator applied it
 *   by hand, as a paused table's status asks.
 *
 * The other direction's listener sees the ledger's writes as transactions of a table it does not follow, and
 * skips them.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncError, driverErrorCode } from '../errors/index.js';
import { BinlogPosition, type SideName } from '../model/index.js';
import {
  classifyDriverError,
  qualifiedName,
  readCreateTableStatement,
  runWithoutSilenceLimit,
  type Pool,
  type QueryRow,
} from '../mysql/index.js';
import { checkFence } from './fence.js';
import { appliedStatementMarker } from './schema-change-statement.js';
import { inWriteTransaction } from './write-transaction.js';

export const schemaChangeLedgerName = '_mysql_sync_schema_changes';

export interface SchemaChangeTarget {
  readonly pool: Pool;
  readonly database: string;
  /** The source whose statements these are. */
  readonly sourceName: SideName;
  /**
   * The identity of the source server the statements' positions were read from (binlog/source-server.ts): a
   * binlog position means something only on its server, so after a failover of the source the entries of the old
   * server are neither compared with the new server's positions nor taken for its statements.
   */
  readonly sourceServer: string;
  /** High availability: the leader's epoch; a deposed leader's statement is refused before it runs. */
  readonly fenceEpoch?: number;
}

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

/** The definition a table is compared by: SHOW CREATE TABLE without the auto-increment counter. */
export function comparableDefinition(createStatement: string): string {
  return createStatement.replace(/ AUTO_INCREMENT=\d+/, '');
}

/**
 * What the table is now: a hash of its comparable definition and, where the account may read it, InnoDB's id of
 * the table, which every rebuild changes (TRUNCATE, ENGINE=InnoDB, FORCE) though the definition stays the same.
 * MySQL shows that id only with the PROCESS privilege; it is null without it, or for a name InnoDB stores encoded
 * (anything but letters, digits and `_`): such a statement that ran just before a crash runs once more.
 */
interface TableState {
  readonly definitionHash: string;
  readonly tableId: string | null;
}

async function readTableState(target: SchemaChangeTarget, table: string): Promise<TableState> {
  const statement = await readCreateTableStatement(target.pool, target.database, table);
  return {
    definitionHash: createHash('sha256').update(comparableDefinition(statement)).digest('hex'),
    tableId: await innodbTableId(target, table),
  };
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

const plainName = /^[A-Za-z0-9_]+$/;

/** The answers that mean "this server has no such view" or "the account may not read it": no id, not an error. */
const tableIdUnreadable = new Set([
  'ER_UNKNOWN_TABLE',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
]);

async function innodbTableId(target: SchemaChangeTarget, table: string): Promise<string | null> {
  if (!plainName.test(target.database) || !plainName.test(table)) return null;
  const name = `${target.database}/${table}`;
  // MySQL has the first view, MariaDB the second.
  for (const view of ['INNODB_TABLES', 'INNODB_SYS_TABLES']) {
    try {
      const [rows] = await target.pool.query<QueryRow[]>(
        `SELECT TABLE_ID AS id FROM information_schema.${view} WHERE NAME = ?`,
        [name],
      );
      const id: unknown = rows[0]?.id;
      if (typeof id === 'number' || typeof id === 'string') return String(id);
    } catch (error) {
      if (!tableIdUnreadable.has(driverErrorCode(error) ?? '')) throw error;
    }
  }
  return null;
}

const ensuredPools = new WeakSet<Pool>();

async function ensureLedger(target: SchemaChangeTarget): Promise<void> {
  if (ensuredPools.has(target.pool)) return;
  await target.pool.query(
    `CREATE TABLE IF NOT EXISTS ${qualifiedName(target.database, schemaChangeLedgerName)} (
       source_name VARCHAR(64) NOT NULL,
       source_server VARCHAR(255) NOT NULL,
       table_name VARCHAR(64) NOT NULL,
       binlog_file VARCHAR(255) NOT NULL,
       binlog_position BIGINT UNSIGNED NOT NULL,
       gtid VARCHAR(1024) NULL,
       state ENUM('shadow', 'applying', 'applied') NOT NULL,
       shadow_table VARCHAR(64) NULL,
       definition_before CHAR(64) NOT NULL,
       table_id_before VARCHAR(32) NULL,
       statement MEDIUMTEXT NOT NULL,
       started_at DATETIME(6) NOT NULL,
       applied_at DATETIME(6) NULL,
       PRIMARY KEY (source_name, source_server, table_name, binlog_file, binlog_position)
     ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  );
  ensuredPools.add(target.pool);
}

interface LedgerRow extends QueryRow {
  binlog_file: string;
  binlog_position: number | string;
  state: 'shadow' | 'applying' | 'applied';
  definition_before: string;
  table_id_before: string | null;
}

/** Runs the statement unless the ledger shows it ran (see the header). */
export async function applySchemaChangeOnce(
  target: SchemaChangeTarget,
  entry: LedgerEntry,
): Promise<LedgerOutcome> {
  await ensureLedger(target);
  const ledger = qualifiedName(target.database, schemaChangeLedgerName);
  const [rows] = await target.pool.query<LedgerRow[]>(
    `SELECT binlog_file, binlog_position, state, definition_before, table_id_before FROM ${ledger}
      WHERE source_name = ? AND source_server = ? AND table_name = ?`,
    [target.sourceName, target.sourceServer, entry.table],
  );
  let recorded: LedgerRow | undefined;
  for (const row of rows) {
    const order = new BinlogPosition(row.binlog_file, Number(row.binlog_position)).compare(entry.position);
    if (order > 0 && row.state === 'applied') return 'already-applied';
    // A shadow table's statement (recorded, not run) has not started on this table.
    if (order === 0 && row.state !== 'shadow') recorded = row;
  }
  if (recorded?.state === 'applied') return 'already-applied';
  // A restart while the target still runs the statement (the server goes on after its client is gone): wait for
  // it to end before judging whether it ran.
  if (recorded !== undefined) await statementEnded(target, entry);
  const before = await readTableState(target, entry.table).catch((error: unknown) => {
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

/** Marks a statement applied without running it: the target was found to have its change already. */
export async function markApplied(target: SchemaChangeTarget, entry: LedgerEntry): Promise<void> {
  await target.pool.query(
    `UPDATE ${qualifiedName(target.database, schemaChangeLedgerName)}
        SET state = 'applied', applied_at = UTC_TIMESTAMP(6)
      WHERE source_name = ? AND source_server = ? AND table_name = ? AND binlog_file = ? AND binlog_position = ?`,
    [target.sourceName, target.sourceServer, entry.table, entry.position.file, entry.position.offset],
  );
}

/** A statement on an online schema change tool's shadow table, recorded until the tool swaps it in. */
export interface ShadowStatement {
  readonly statement: string;
  readonly position: BinlogPosition;
}

/**
 * Records a statement on a shadow table of `table` (online-schema-change.ts): its copy's CREATE and ALTERs,
 * kept for the swap, which may come after a restart. Read again after a restart, a statement is recorded once.
 */
export async function recordShadowStatement(
  target: SchemaChangeTarget,
  table: string,
  shadowTable: string,
  shadow: ShadowStatement,
): Promise<void> {
  await ensureLedger(target);
  await target.pool.query(
    `INSERT IGNORE INTO ${qualifiedName(target.database, schemaChangeLedgerName)}
       (source_name, source_server, table_name, binlog_file, binlog_position, gtid, state, shadow_table,
        definition_before, statement, started_at)
     VALUES (?, ?, ?, ?, ?, ?, 'shadow', ?, '', ?, UTC_TIMESTAMP(6))`,
    [
      target.sourceName,
      target.sourceServer,
      table,
      shadow.position.file,
      shadow.position.offset,
      shadow.position.gtid,
      shadowTable,
      shadow.statement,
    ],
  );
}

interface ShadowRow extends QueryRow {
  binlog_file: string;
  binlog_position: number | string;
  gtid: string | null;
  statement: string;
}

/**
 * The statements recorded on `shadowTable` before `swap`, from its latest CREATE on (a tool run before it made
 * a copy of its own), in binlog order.
 */
export async function shadowStatements(
  target: SchemaChangeTarget,
  table: string,
  shadowTable: string,
  swap: BinlogPosition,
): Promise<ShadowStatement[]> {
  await ensureLedger(target);
  const [rows] = await target.pool.query<ShadowRow[]>(
    `SELECT binlog_file, binlog_position, gtid, statement FROM ${qualifiedName(target.database, schemaChangeLedgerName)}
      WHERE source_name = ? AND source_server = ? AND table_name = ? AND shadow_table = ?`,
    [target.sourceName, target.sourceServer, table, shadowTable],
  );
  const statements = rows
    .map((row) => ({
      statement: row.statement,
      position: new BinlogPosition(row.binlog_file, Number(row.binlog_position), row.gtid),
    }))
    .filter((shadow) => shadow.position.compare(swap) < 0)
    .sort((left, right) => left.position.compare(right.position));
  const lastCreate = statements.findLastIndex((shadow) => /^\s*create\b/i.test(shadow.statement));
  return statements.slice(lastCreate + 1);
}

/** How often a statement still running on the target is looked for again. */
const runningPollMs = 500;

/** Resolves once no session on the target runs this entry's statement (its marker names its position). */
async function statementEnded(target: SchemaChangeTarget, entry: LedgerEntry): Promise<void> {
  const marker = appliedStatementMarker(target.sourceName, entry.position);
  for (;;) {
    const [rows] = await target.pool.query<QueryRow[]>(
      `SELECT ID AS id FROM information_schema.PROCESSLIST
        WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Sleep' AND LOCATE(?, INFO) > 0`,
      [marker],
    );
    if (rows.length === 0) return;
    await sleep(runningPollMs);
  }
}

/** A statement the ledger records as applied. */
export interface AppliedStatement {
  readonly table: string;
  readonly statement: string;
}

/**
 * The statements from `sourceName` the ledger on `database` records as applied, oldest first; none when the
 * database has no ledger (nothing is created by reading).
 */
export async function appliedStatements(
  pool: Pool,
  database: string,
  sourceName: SideName,
): Promise<AppliedStatement[]> {
  try {
    const [rows] = await pool.query<QueryRow[]>(
      `SELECT table_name AS tableName, statement FROM ${qualifiedName(database, schemaChangeLedgerName)}
        WHERE source_name = ? AND state = 'applied' ORDER BY applied_at`,
      [sourceName],
    );
    return rows.map((row) => ({ table: String(row.tableName), statement: String(row.statement) }));
  } catch (error) {
    if (driverErrorCode(error) === 'ER_NO_SUCH_TABLE') return [];
    throw error;
  }
}
