/**
 * What a server's binlog gained while the service adopted its tables: read back with `SHOW BINLOG EVENTS` from
 * the end position noted before the service started, and tallied by the tables its row events wrote (each row
 * event follows the `Table_map` event naming its table; MariaDB's `Annotate_rows` events, which carry the
 * statement's text, are not row events) and by its other statements (DDL). Adopting identical
 * tables may write the service's own bookkeeping (the `_mysql_sync_checkpoint` table and its positions and
 * marks), and no row of a data table.
 */
import { columnText, type Connection } from '../../services/core-sync/src/mysql/index.js';
import { binlogBytes, queryRows } from '../support/servers.js';

export interface BinlogMark {
  readonly file: string;
  readonly position: number;
  readonly bytes: number;
}

export interface BinlogWrites {
  readonly bytes: number;
  /** Transactions and DDL statements (GTID events). */
  readonly transactions: number;
  readonly rowEvents: number;
  /** Table maps by `database.table`: every table a row event wrote. */
  readonly tablesWritten: Readonly<Record<string, number>>;
  /** Statements other than BEGIN and COMMIT (DDL): verb and object. */
  readonly statements: readonly string[];
}

/** A statement's verb and object (`CREATE TABLE IF NOT EXISTS db.t`), without its body. */
function statementSummary(info: string): string {
  const statement = info.replace(/^use [^;]+;\s*/i, '').replace(/\s+/g, ' ');
  return /^\w+( TEMPORARY)? TABLE( IF (NOT )?EXISTS)? \S+/i.exec(statement)?.[0] ?? statement.slice(0, 60);
}

/** The binlog's end: where the next event will be written. */
export async function markBinlog(connection: Connection): Promise<BinlogMark> {
  const [status] = await queryRows(connection, 'SHOW MASTER STATUS');
  if (status === undefined) throw new Error('SHOW MASTER STATUS returned nothing: is the binlog on?');
  return {
    file: columnText(status.File),
    position: Number(status.Position),
    bytes: await binlogBytes(connection),
  };
}

/** The events written since `mark`, tallied. */
export async function binlogWritesSince(connection: Connection, mark: BinlogMark): Promise<BinlogWrites> {
  const files = (await queryRows(connection, 'SHOW BINARY LOGS'))
    .map((row) => columnText(row.Log_name))
    .filter((file) => file >= mark.file);
  const tablesWritten: Record<string, number> = {};
  const statements: string[] = [];
  let transactions = 0;
  let rowEvents = 0;
  for (const file of files) {
    const events = await queryRows(connection, `SHOW BINLOG EVENTS IN ? FROM ?`, [
      file,
      file === mark.file ? mark.position : 4,
    ]);
    for (const event of events) {
      const eventType = columnText(event.Event_type);
      const info = columnText(event.Info);
      if (eventType === 'Table_map') {
        const table = /\((.+)\)\s*$/.exec(info)?.[1] ?? info;
        tablesWritten[table] = (tablesWritten[table] ?? 0) + 1;
      } else if (/^(Write|Update|Delete)_rows/i.test(eventType)) {
        rowEvents += 1;
      } else if (eventType === 'Gtid') {
        transactions += 1;
      } else if (eventType === 'Query' && !/^\s*(BEGIN|COMMIT)\s*$/i.test(info)) {
        statements.push(statementSummary(info));
      }
    }
  }
  return {
    bytes: (await binlogBytes(connection)) - mark.bytes,
    transactions,
    rowEvents,
    tablesWritten,
    statements,
  };
}

/** The tables of `writes` that are not the service's bookkeeping. */
export function dataTablesWritten(writes: BinlogWrites, bookkeepingTable: string): string[] {
  return Object.keys(writes.tablesWritten).filter((table) => !table.endsWith(`.${bookkeepingTable}`));
}
