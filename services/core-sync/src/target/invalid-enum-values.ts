/**
 * An ENUM column holds the empty string as an invalid value (index 0) when it was written under a relaxed sql_mode
 * with a value not among its members. The service's sessions are strict (mysql/connection.ts), and strict mode
 * refuses `''` (and index 0) for such a column, so a row holding it is written exactly this way, one row a
 * statement, inside the caller's transaction:
 * 1. under strict mode, with the value replaced by the column's first member (index 1): the server refuses the
 *    row with its own error if anything else about it is wrong, and nothing is kept (a savepoint is rolled back);
 * 2. under the same sql_mode without STRICT_ALL_TABLES, as it is: the server stores index 0, with one warning per
 *    such column (WARN_DATA_TRUNCATED, "Data truncated for column 'kind' at row 1");
 * 3. any other warning means strict mode would have refused the statement: it is undone and run again in strict
 *    mode, so the server's own error reports it (never a value silently changed).
 * An ENUM that has `''` among its members takes `''` as that member; index 0 of such a column reads as `''` too,
 * so the two cannot be told apart, and the member is written.
 */
import type { Row, TableSchema } from '../model/index.js';
import {
  columnBinders,
  executePrepared,
  serviceSqlMode,
  type PoolConnection,
  type QueryRow,
} from '../mysql/index.js';

/** The service's sql_mode without STRICT_ALL_TABLES: the invalid ENUM value is stored, with a warning. */
const relaxedSqlMode = serviceSqlMode
  .split(',')
  .filter((mode) => mode !== 'STRICT_ALL_TABLES')
  .join(',');

const savepoint = 'mysql_sync_invalid_enum';

/** The server's WARN_DATA_TRUNCATED, which a relaxed session gets for the invalid ENUM value. */
const dataTruncatedWarning = 1265;

const invalidEnumColumnsBySchema = new WeakMap<TableSchema, readonly string[]>();

/** The members of an `enum('a','b')` column type, unquoted (quotes inside a member are doubled). */
export function enumMembers(columnType: string): string[] {
  const members: string[] = [];
  const open = columnType.indexOf('(');
  let index = open + 1;
  while (open !== -1 && index < columnType.length) {
    const quote = columnType.indexOf("'", index);
    if (quote === -1) break;
    let member = '';
    let cursor = quote + 1;
    for (; cursor < columnType.length; cursor += 1) {
      const character = columnType[cursor];
      if (character !== "'") {
        member += character;
      } else if (columnType[cursor + 1] === "'") {
        member += "'";
        cursor += 1;
      } else {
        break;
      }
    }
    members.push(member);
    index = cursor + 1;
  }
  return members;
}

/** The ENUM columns of the table whose `''` can only be the invalid value (it is not a member). */
export function invalidEnumColumns(schema: TableSchema): readonly string[] {
  let columns = invalidEnumColumnsBySchema.get(schema);
  if (columns === undefined) {
    columns = schema.columns
      .filter((column) => column.dataType === 'enum' && !enumMembers(column.columnType).includes(''))
      .map((column) => column.name);
    invalidEnumColumnsBySchema.set(schema, columns);
  }
  return columns;
}

/** True when the row holds `''` in one of `columns` (from invalidEnumColumns). */
export function holdsInvalidEnumValue(row: Row, columns: readonly string[]): boolean {
  return columns.some((column) => row[column] === '');
}

/**
 * Runs `sql`, whose values are the row's `columns` in order followed by `trailingValues` (a key, say), for a row
 * that holds the invalid ENUM value in some of `enumColumns` (from invalidEnumColumns), as the header says.
 * Resolves to the rows it affected.
 */
export async function executeRowWithInvalidEnumValues(
  connection: PoolConnection,
  sql: string,
  schema: TableSchema,
  row: Row,
  columns: readonly string[],
  enumColumns: readonly string[],
  trailingValues: readonly unknown[] = [],
): Promise<number> {
  const binders = columnBinders(schema, columns);
  const values = [
    ...columns.map((column, index) => binders[index]?.(row[column] ?? null)),
    ...trailingValues,
  ];
  const invalid = enumColumns.filter((column) => row[column] === '' && columns.includes(column));
  const firstMembers = [...values];
  for (const column of invalid) firstMembers[columns.indexOf(column)] = 1;
  return executeWithInvalidEnumValues(connection, sql, values, firstMembers, invalid);
}

interface WarningRow extends QueryRow {
  readonly Code: number | string;
  readonly Message: string;
}

async function executeWithInvalidEnumValues(
  connection: PoolConnection,
  sql: string,
  values: readonly unknown[],
  firstMembers: readonly unknown[],
  columns: readonly string[],
): Promise<number> {
  await connection.query(`SAVEPOINT ${savepoint}`);
  await executePrepared(connection, sql, firstMembers);
  await connection.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
  let affectedRows: number;
  let warnings: WarningRow[];
  let warningCount: number;
  await connection.query(`SET SESSION sql_mode = '${relaxedSqlMode}'`);
  try {
    affectedRows = await executePrepared(connection, sql, values);
    // Read before anything else runs: the next statement clears them. SHOW WARNINGS lists max_error_count at most.
    const [counted] = await connection.query('SHOW COUNT(*) WARNINGS');
    warningCount = Number(Object.values((counted as Record<string, unknown>[])[0] ?? {})[0] ?? 0);
    const [listed] = await connection.query<WarningRow[]>('SHOW WARNINGS');
    warnings = listed;
  } finally {
    await connection.query(`SET SESSION sql_mode = '${serviceSqlMode}'`);
  }
  const expected = new Set(columns.map((column) => `Data truncated for column '${column}' at row 1`));
  const unexpected = warnings.filter(
    (warning) => Number(warning.Code) !== dataTruncatedWarning || !expected.has(warning.Message),
  );
  if (unexpected.length > 0 || warnings.length !== warningCount) {
    await connection.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
    await executePrepared(connection, sql, values);
    throw new Error(
      `writing the invalid ENUM value of ${columns.join(', ')} gave other warnings than its own, which strict mode then did not refuse: ${unexpected.map((warning) => `${warning.Code} ${warning.Message}`).join('; ')}`,
    );
  }
  await connection.query(`RELEASE SAVEPOINT ${savepoint}`);
  return affectedRows;
}
