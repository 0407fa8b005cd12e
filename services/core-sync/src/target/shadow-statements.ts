/**
 * Reads and writes of the schema change ledger besides running statements (schema-change-ledger.ts): the
 * statements on an online schema change tool's shadow table, kept for its swap, and the statements applied.
 */
import { BinlogPosition, type SideName } from '../model/index.js';
import { qualifiedName, type Pool, type QueryRow } from '../mysql/index.js';
import { driverErrorCode } from '../errors/index.js';
import { ensureLedger, schemaChangeLedgerName, type SchemaChangeTarget } from './ledger-table.js';

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
