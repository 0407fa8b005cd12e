/**
 * What a table is, as the schema change ledger compares it before and after a statement
 * (schema-change-ledger.ts): its definition and InnoDB's id of it.
 */
import { createHash } from 'node:crypto';
import { driverErrorCode } from '../errors/index.js';
import { readCreateTableStatement, type Pool, type QueryRow } from '../mysql/index.js';

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
export interface TableState {
  readonly definitionHash: string;
  readonly tableId: string | null;
}

export async function readTableState(pool: Pool, database: string, table: string): Promise<TableState> {
  const statement = await readCreateTableStatement(pool, database, table);
  return {
    definitionHash: createHash('sha256').update(comparableDefinition(statement)).digest('hex'),
    tableId: await innodbTableId(pool, database, table),
  };
}

const plainName = /^[A-Za-z0-9_]+$/;

/** The answers that mean "this server has no such view" or "the account may not read it": no id, not an error. */
const tableIdUnreadable = new Set([
  'ER_UNKNOWN_TABLE',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
]);

async function innodbTableId(pool: Pool, database: string, table: string): Promise<string | null> {
  if (!plainName.test(database) || !plainName.test(table)) return null;
  const name = `${database}/${table}`;
  // MySQL has the first view, MariaDB the second.
  for (const view of ['INNODB_TABLES', 'INNODB_SYS_TABLES']) {
    try {
      const [rows] = await pool.query<QueryRow[]>(
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
