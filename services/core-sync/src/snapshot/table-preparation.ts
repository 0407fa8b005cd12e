import { SyncError, driverErrorCode } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { TableSchema } from '../model/index.js';
import {
  columnList,
  describeColumnDifferences,
  isConnectionError,
  qualifiedName,
  quoteIdentifier,
  readCreateTableStatement,
  readServerInfo,
  readTableSchema,
  type Pool,
} from '../mysql/index.js';
import { planTargetCollations, replaceCollations } from './target-collations.js';
import { withMysqlJsonColumns } from './target-json-columns.js';

export interface TablePair {
  readonly source: TableSchema;
  readonly target: TableSchema;
  /** True when the service created the target table just now. */
  readonly created: boolean;
}

export interface PrepareTableOptions {
  readonly table: string;
  /** The primary key the configuration names for the table. */
  readonly configuredPrimaryKey: readonly string[];
  /** The table's configured `timestamp_column`, when it has one. */
  readonly timestampColumn?: string | undefined;
  readonly sourcePool: Pool;
  readonly sourceDatabase: string;
  readonly sourceLabel: string;
  readonly targetPool: Pool;
  readonly targetDatabase: string;
  readonly targetLabel: string;
  readonly createMissingTables: boolean;
  /**
   * Columns that differ between the sides are logged, not refused: the table resumes streaming with
   * `sync.ddl: replicate`, and the schema changes in the binlog since its checkpoint are to bring the sides
   * together (a statement run while the service was stopped). The primary key must still match.
   */
  readonly columnsFollowBinlog?: boolean;
  readonly logger: Logger;
}

/**
 * Column names a row object cannot hold: assigning `__proto__` sets the object's prototype instead of a value (the
 * binlog reader builds rows that way, and mysql2 refuses such a result set, closing the connection).
 */
const unsupportedColumnNames: ReadonlySet<string> = new Set(['__proto__']);

/** The columns of `schema` that core-sync cannot carry. */
export function unsupportedColumns(schema: TableSchema): string[] {
  return schema.columns.map((column) => column.name).filter((name) => unsupportedColumnNames.has(name));
}

/**
 * Checks a synced table on both sides: it exists on the source with the configured primary key; on the target it
 * exists with the same columns, or is created from the source's definition.
 */
export async function prepareTable(options: PrepareTableOptions): Promise<TablePair> {
  const { table, sourceDatabase, targetDatabase } = options;
  const source = await readTableSchema(options.sourcePool, sourceDatabase, table);
  if (source === undefined) {
    throw new SyncError(
      'TABLE_NOT_FOUND',
      `table ${table} does not exist in ${options.sourceLabel} database ${sourceDatabase}`,
      {
        details: { table, database: sourceDatabase },
      },
    );
  }
  if (source.primaryKey.length === 0) {
    throw new SyncError(
      'TABLE_NO_PRIMARY_KEY',
      `table ${table} in ${options.sourceLabel} database ${sourceDatabase} has no primary key; every synced table needs one (ALTER TABLE ${quoteIdentifier(table)} ADD PRIMARY KEY (...))`,
      { details: { table, database: sourceDatabase } },
    );
  }
  if (!sameColumns(source.primaryKey, options.configuredPrimaryKey)) {
    throw new SyncError(
      'TABLE_NO_PRIMARY_KEY',
      `table ${table}: sync.tables[].primary_key is (${columnList(options.configuredPrimaryKey)}) but the table's primary key is (${columnList(source.primaryKey)})`,
      { details: { table, configured: options.configuredPrimaryKey, actual: source.primaryKey } },
    );
  }
  const unsupported = unsupportedColumns(source);
  if (unsupported.length > 0) {
    throw new SyncError(
      'TABLE_COLUMN_UNSUPPORTED',
      `table ${table} in ${options.sourceLabel} database ${sourceDatabase} has a column named ${unsupported.join(', ')}, which core-sync cannot carry (JavaScript row objects cannot hold that key): rename the column, or leave the table out of sync.tables`,
      { details: { table, database: sourceDatabase, columns: unsupported } },
    );
  }
  if (source.systemPeriod?.byTransaction === true) {
    throw new SyncError(
      'TABLE_VERSIONING_UNSUPPORTED',
      `table ${table} in ${options.sourceLabel} database ${sourceDatabase} is system-versioned by transaction id (period columns ${source.systemPeriod.rowStart}, ${source.systemPeriod.rowEnd}): MariaDB logs its changes as statements, not rows, so they cannot be streamed; version it by time (TIMESTAMP(6) period columns), or leave the table out of sync.tables`,
      {
        details: {
          table,
          database: sourceDatabase,
          periodColumns: [source.systemPeriod.rowStart, source.systemPeriod.rowEnd],
        },
      },
    );
  }
  const { timestampColumn } = options;
  if (timestampColumn !== undefined && !source.columns.some((column) => column.name === timestampColumn)) {
    throw new SyncError(
      'TABLE_SCHEMA_MISMATCH',
      `table ${table} has no column ${timestampColumn}, which sync.tables[].timestamp_column names`,
      { details: { table, timestampColumn, columns: source.columns.map((column) => column.name) } },
    );
  }
  let target = await readTableSchema(options.targetPool, targetDatabase, table);
  let created = false;
  if (target === undefined) {
    if (!options.createMissingTables) {
      throw new SyncError(
        'TABLE_NOT_FOUND',
        `table ${table} does not exist in ${options.targetLabel} database ${targetDatabase} (${options.sourceLabel} has it) and sync.create_missing_tables is false: create it on ${options.targetLabel} with the same columns and primary key, or set create_missing_tables to true`,
        { details: { table, database: targetDatabase, side: options.targetLabel } },
      );
    }
    await createTargetTable(options, source);
    target = await readTableSchema(options.targetPool, targetDatabase, table);
    created = true;
    if (target === undefined) {
      throw new SyncError(
        'TABLE_NOT_FOUND',
        `table ${table} was created in ${targetDatabase} but cannot be read back`,
      );
    }
  }
  const differences = describeColumnDifferences(source, target);
  const problems = [
    ...differences.missingOnTarget.map((column) => `${column} is missing on ${options.targetLabel}`),
    ...differences.extraOnTarget.map((column) => `${column} exists only on ${options.targetLabel}`),
    ...differences.typeMismatches.map((column) => `${column} has another type`),
  ];
  if (problems.length > 0 && options.columnsFollowBinlog === true) {
    options.logger.warn(
      { table, ...differences },
      `table ${table} differs between ${options.sourceLabel} and ${options.targetLabel} (${problems.join('; ')}): it resumes streaming, and the schema changes in the binlog since its checkpoint are carried over (sync.ddl: replicate); a difference no statement in the binlog explains pauses the table when a row meets it`,
    );
    problems.length = 0;
  }
  if (!sameColumns(target.primaryKey, source.primaryKey)) {
    problems.push(
      `primary key is (${columnList(target.primaryKey)}) on ${options.targetLabel}, (${columnList(source.primaryKey)}) on ${options.sourceLabel}`,
    );
  }
  if (problems.length > 0) {
    throw new SyncError(
      'TABLE_SCHEMA_MISMATCH',
      `table ${table} differs between ${options.sourceLabel} and ${options.targetLabel}: ${problems.join('; ')}`,
      { details: { table, ...differences } },
    );
  }
  return { source, target, created };
}

/**
 * Creates the missing target table from the source's SHOW CREATE TABLE, with the collations the target has
 * (target-collations.ts); a statement the target refuses is TABLE_CREATE_FAILED, naming the table.
 */
async function createTargetTable(options: PrepareTableOptions, source: TableSchema): Promise<void> {
  const { table, sourceDatabase, targetDatabase, targetLabel } = options;
  const collations = await planTargetCollations({ ...options, source });
  const createStatement = await readCreateTableStatement(options.sourcePool, sourceDatabase, table);
  const targetFlavor = (await readServerInfo(options.targetPool)).flavor;
  const statement = replaceCollations(
    targetCreateStatement(
      targetFlavor === 'mysql' ? withMysqlJsonColumns(createStatement, source) : createStatement,
      targetDatabase,
      table,
    ),
    collations.replacements,
  );
  try {
    await options.targetPool.query(statement);
  } catch (error) {
    const driverCode = driverErrorCode(error);
    if (isConnectionError(error)) {
      throw new SyncError('DATABASE_UNAVAILABLE', `failed to create table ${table} on ${targetLabel}`, {
        cause: error,
        details: { table, database: targetDatabase, side: targetLabel },
      });
    }
    throw new SyncError(
      'TABLE_CREATE_FAILED',
      `table ${table} could not be created in ${targetLabel} database ${targetDatabase} from the ${options.sourceLabel} definition: the server refused it (${driverCode ?? 'no error code'}); create the table on ${targetLabel} yourself with the same columns and primary key, then start again`,
      { cause: error, details: { table, database: targetDatabase, driverCode, statement } },
    );
  }
  const changed = collations.changes.map(
    (change) =>
      `${change.column ?? '(table default)'}: ${change.from} → ${change.to}${change.sameComparison ? '' : ' (closest)'}`,
  );
  options.logger.info(
    {
      table,
      side: targetLabel,
      fromSide: options.sourceLabel,
      database: targetDatabase,
      ...(changed.length > 0 ? { collations: changed } : {}),
    },
    changed.length > 0
      ? `created missing target table from the source definition, with collations ${targetLabel} has`
      : 'created missing target table from the source definition',
  );
}

/** Same column names in the same order (compared as lists: a name may contain a comma). */
/** Whether two column lists (a primary key) name the same columns in the same order. */
export function sameColumns(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((column, index) => column === right[index]);
}

/**
 * Rewrites the source's `SHOW CREATE TABLE` statement to create the table in the target database, without the
 * AUTO_INCREMENT counter. The table name is skipped as the quoted identifier it is (it may hold parentheses, quotes
 * or line breaks), and the counter is removed from the table options only (a comment or default may hold the same
 * text). SHOW CREATE TABLE indents every definition line, so the first line that starts with `)` closes them.
 */
export function targetCreateStatement(
  createStatement: string,
  targetDatabase: string,
  table: string,
): string {
  const body = createStatement.slice(afterTableName(createStatement, table));
  const definitionsEnd = body.indexOf('\n)');
  const optionsStart = definitionsEnd === -1 ? body.length : definitionsEnd;
  const optionsEnd = body.indexOf('\n', optionsStart + 1);
  const splitAt = optionsEnd === -1 ? body.length : optionsEnd;
  const options = body.slice(optionsStart, splitAt).replace(/\sAUTO_INCREMENT=\d+/, '');
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName(targetDatabase, table)} ${body.slice(0, optionsStart)}${options}${body.slice(splitAt)}`;
}

/** Where the definitions open: the `(` after `CREATE TABLE <name>` (the name quoted with ` or ", or bare). */
function afterTableName(createStatement: string, table: string): number {
  const header = /^CREATE\s+TABLE\s+/i.exec(createStatement);
  let index = header?.[0].length ?? -1;
  const quote = createStatement[index];
  if (quote === '`' || quote === '"') {
    index += 1;
    for (;;) {
      const closing = createStatement.indexOf(quote, index);
      if (closing === -1) {
        index = -1;
        break;
      }
      index = closing + 1;
      if (createStatement[index] !== quote) break;
      index += 1;
    }
  } else if (index !== -1) {
    while (index < createStatement.length && !/[\s(]/.test(createStatement[index] ?? '')) index += 1;
  }
  const open = index === -1 ? -1 : createStatement.indexOf('(', index);
  if (open === -1 || createStatement.slice(index, open).trim() !== '') {
    throw new SyncError(
      'SNAPSHOT_FAILED',
      `cannot read the definition of table ${quoteIdentifier(table)} from SHOW CREATE TABLE`,
      { details: { table, statement: createStatement.slice(0, 200) } },
    );
  }
  return open;
}
