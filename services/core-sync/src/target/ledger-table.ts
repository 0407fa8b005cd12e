/**
 * The target's ledger of replicated schema changes, `_mysql_sync_schema_changes` (schema-change-ledger.ts says how
 * it is used): its table, created where missing and brought up to date where an earlier release made it.
 */
import type { SideName } from '../model/index.js';
import { qualifiedName, type Pool, type QueryRow } from '../mysql/index.js';

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

const ensuredPools = new WeakSet<Pool>();

/**
 * Columns a ledger made by an earlier build of this release lacks, with how to add them. Its entries get an
 * empty source server: they are compared with no server's positions, only found again by their GTID state.
 */
const addedColumns = [
  { name: 'source_server', definition: "VARCHAR(255) NOT NULL DEFAULT '' AFTER source_name" },
  { name: 'table_id_before', definition: 'VARCHAR(32) NULL AFTER definition_before' },
] as const;

/** Creates the ledger where it is missing, and adds what an earlier build's ledger lacks. */
export async function ensureLedger(target: SchemaChangeTarget): Promise<void> {
  if (ensuredPools.has(target.pool)) return;
  const ledger = qualifiedName(target.database, schemaChangeLedgerName);
  await target.pool.query(
    `CREATE TABLE IF NOT EXISTS ${ledger} (
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
  const [columns] = await target.pool.query<QueryRow[]>(
    `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
    [target.database, schemaChangeLedgerName],
  );
  const present = new Set(columns.map((column) => String(column.name).toLowerCase()));
  const missing = addedColumns.filter((column) => !present.has(column.name));
  if (missing.length > 0) {
    const additions = missing.map((column) => `ADD COLUMN ${column.name} ${column.definition}`);
    if (missing.some((column) => column.name === 'source_server')) {
      additions.push(
        'DROP PRIMARY KEY, ADD PRIMARY KEY (source_name, source_server, table_name, binlog_file, binlog_position)',
      );
    }
    await target.pool.query(`ALTER TABLE ${ledger} ${additions.join(', ')}`);
  }
  ensuredPools.add(target.pool);
}
