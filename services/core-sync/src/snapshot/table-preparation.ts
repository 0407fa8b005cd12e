import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { TableSchema } from '../model/index.js';
import {
  describeColumnDifferences,
  qualifiedName,
  readCreateTableStatement,
  readTableSchema,
  type Pool,
} from '../mysql/index.js';

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
  readonly sourcePool: Pool;
  readonly sourceDatabase: string;
  readonly sourceLabel: string;
  readonly targetPool: Pool;
  readonly targetDatabase: string;
  readonly targetLabel: string;
  readonly createMissingTables: boolean;
  readonly logger: Logger;
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
      `table ${table} in ${options.sourceLabel} database ${sourceDatabase} has no primary key; every synced table needs one (ALTER TABLE ${table} ADD PRIMARY KEY (...))`,
      { details: { table, database: sourceDatabase } },
    );
  }
  if (source.primaryKey.join(',') !== options.configuredPrimaryKey.join(',')) {
    throw new SyncError(
      'TABLE_NO_PRIMARY_KEY',
      `table ${table}: sync.tables[].primary_key is ${options.configuredPrimaryKey.join(',')} but the table's primary key is ${source.primaryKey.join(',')}`,
      { details: { table, configured: options.configuredPrimaryKey, actual: source.primaryKey } },
    );
  }
  let target = await readTableSchema(options.targetPool, targetDatabase, table);
  let created = false;
  if (target === undefined) {
    if (!options.createMissingTables) {
      throw new SyncError(
        'TABLE_NOT_FOUND',
        `table ${table} does not exist in ${options.targetLabel} database ${targetDatabase} and sync.create_missing_tables is false`,
        { details: { table, database: targetDatabase } },
      );
    }
    const createStatement = await readCreateTableStatement(options.sourcePool, sourceDatabase, table);
    await options.targetPool.query(targetCreateStatement(createStatement, targetDatabase, table));
    options.logger.info(
      { table, database: targetDatabase },
      'created missing target table from the source definition',
    );
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
  if (target.primaryKey.join(',') !== source.primaryKey.join(',')) {
    problems.push(
      `primary key is (${target.primaryKey.join(', ')}) on ${options.targetLabel}, (${source.primaryKey.join(', ')}) on ${options.sourceLabel}`,
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

/** Rewrites `CREATE TABLE \`name\`` to create the table in the target database, without the AUTO_INCREMENT counter. */
function targetCreateStatement(createStatement: string, targetDatabase: string, table: string): string {
  const withoutCounter = createStatement.replace(/\sAUTO_INCREMENT=\d+/, '');
  const headerEnd = withoutCounter.indexOf('(');
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName(targetDatabase, table)} ${withoutCounter.slice(headerEnd)}`;
}
