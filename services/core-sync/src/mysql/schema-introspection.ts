import type { Pool, QueryRow } from './driver-types.js';
import { SyncError } from '../errors/index.js';
import type {
  ColumnSchema,
  ForeignKey,
  IndexKey,
  IndexKeyColumn,
  SystemPeriod,
  TableSchema,
} from '../model/index.js';
import { markJsonCheckedColumns, sameColumnType, typeMismatchHint } from './column-types.js';
import { qualifiedName } from './identifiers.js';

interface ColumnRow extends QueryRow {
  COLUMN_NAME: string;
  ORDINAL_POSITION: number | string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  IS_NULLABLE: string;
  EXTRA: string | null;
  COLUMN_KEY: string;
  GENERATION_EXPRESSION: string | null;
  COLLATION_NAME: string | null;
}

interface TableTypeRow extends QueryRow {
  TABLE_TYPE: string;
}

interface UniqueIndexRow extends QueryRow {
  INDEX_NAME: string;
  /** Null for a functional key part (MySQL 8). */
  COLUMN_NAME: string | null;
  SUB_PART: number | string | null;
}

interface ForeignKeyRow extends QueryRow {
  CONSTRAINT_NAME: string;
  COLUMN_NAME: string;
  REFERENCED_TABLE_NAME: string;
  REFERENCED_COLUMN_NAME: string;
  DELETE_RULE: string;
  UPDATE_RULE: string;
}

/**
 * Reads a table's columns, primary key, unique keys and foreign keys (to tables of the same database); undefined
 * when the table does not exist. Standard information_schema columns only, so MariaDB and MySQL 8 answer alike.
 */
export async function readTableSchema(
  pool: Pool,
  database: string,
  table: string,
): Promise<TableSchema | undefined> {
  try {
    const [columnRows] = await pool.query<ColumnRow[]>(
      `SELECT COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, EXTRA, COLUMN_KEY, GENERATION_EXPRESSION,
              COLLATION_NAME
         FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
        ORDER BY ORDINAL_POSITION`,
      [database, table],
    );
    if (columnRows.length === 0) return undefined;
    const systemPeriod = await readSystemPeriod(pool, database, table, columnRows);
    const periodColumns = new Set(
      systemPeriod === undefined ? [] : [systemPeriod.rowStart, systemPeriod.rowEnd],
    );
    const columns = columnRows.filter((row) => !periodColumns.has(row.COLUMN_NAME)).map(columnSchema);
    const [allIndexRows] = await pool.query<UniqueIndexRow[]>(
      `SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0
        ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`,
      [database, table],
    );
    // A versioned table's unique keys hold the row end too (old versions share the rest of the key).
    const indexRows = allIndexRows.filter(
      (row) => row.COLUMN_NAME === null || !periodColumns.has(row.COLUMN_NAME),
    );
    const [foreignKeyRows] = await pool.query<ForeignKeyRow[]>(
      `SELECT keyUsage.CONSTRAINT_NAME, keyUsage.COLUMN_NAME, keyUsage.REFERENCED_TABLE_NAME, keyUsage.REFERENCED_COLUMN_NAME,
              rules.DELETE_RULE, rules.UPDATE_RULE
         FROM information_schema.KEY_COLUMN_USAGE keyUsage
         JOIN information_schema.REFERENTIAL_CONSTRAINTS rules
           ON rules.CONSTRAINT_SCHEMA = keyUsage.CONSTRAINT_SCHEMA
          AND rules.CONSTRAINT_NAME = keyUsage.CONSTRAINT_NAME
          AND rules.TABLE_NAME = keyUsage.TABLE_NAME
        WHERE keyUsage.TABLE_SCHEMA = ? AND keyUsage.TABLE_NAME = ? AND keyUsage.CONSTRAINT_SCHEMA = ?
          AND keyUsage.REFERENCED_TABLE_SCHEMA = ? AND keyUsage.REFERENCED_TABLE_NAME IS NOT NULL
          AND rules.CONSTRAINT_SCHEMA = ? AND rules.TABLE_NAME = ?
        ORDER BY keyUsage.CONSTRAINT_NAME, keyUsage.ORDINAL_POSITION`,
      // The constant conditions on both views let the server open only this table's definition.
      [database, table, database, database, database, table],
    );
    return {
      database,
      name: table,
      columns: await markJsonCheckedColumns(pool, database, table, columns),
      primaryKey: indexRows.filter((row) => row.INDEX_NAME === 'PRIMARY').map((row) => row.COLUMN_NAME ?? ''),
      uniqueKeys: uniqueKeysOf(indexRows),
      foreignKeys: foreignKeysOf(foreignKeyRows),
      ...(systemPeriod === undefined ? {} : { systemPeriod }),
    };
  } catch (error) {
    throw new SyncError('DATABASE_UNAVAILABLE', `failed to read the schema of ${database}.${table}`, {
      cause: error,
      details: { database, table },
    });
  }
}

/**
 * The period columns of a MariaDB system-versioned table, or undefined for any other table. Named period columns
 * are listed with the generation expression `ROW START` / `ROW END`; unnamed ones are hidden (not listed at all)
 * and called `row_start` and `row_end` (as the binlog names them).
 */
async function readSystemPeriod(
  pool: Pool,
  database: string,
  table: string,
  columnRows: readonly ColumnRow[],
): Promise<SystemPeriod | undefined> {
  const [tableRows] = await pool.query<TableTypeRow[]>(
    'SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  if (tableRows[0]?.TABLE_TYPE !== 'SYSTEM VERSIONED') return undefined;
  const periodColumn = (expression: string): ColumnRow | undefined =>
    columnRows.find((row) => row.GENERATION_EXPRESSION?.toUpperCase() === expression);
  const rowStart = periodColumn('ROW START');
  const rowEnd = periodColumn('ROW END');
  return {
    rowStart: rowStart?.COLUMN_NAME ?? 'row_start',
    rowEnd: rowEnd?.COLUMN_NAME ?? 'row_end',
    // Hidden period columns are TIMESTAMP(6); named ones TIMESTAMP(6) or BIGINT UNSIGNED (transaction ids).
    byTransaction: rowEnd?.DATA_TYPE.toLowerCase() === 'bigint',
  };
}

function columnSchema(row: ColumnRow): ColumnSchema {
  const extra = (row.EXTRA ?? '').toLowerCase();
  const dataType = row.DATA_TYPE.toLowerCase();
  return {
    name: row.COLUMN_NAME,
    ordinal: Number(row.ORDINAL_POSITION),
    dataType,
    columnType: row.COLUMN_TYPE.toLowerCase(),
    nullable: row.IS_NULLABLE === 'YES',
    generated:
      extra.includes('virtual') ||
      extra.includes('stored') ||
      extra.includes('persistent') ||
      (row.GENERATION_EXPRESSION !== null && row.GENERATION_EXPRESSION !== ''),
    autoUpdatedTimestamp:
      (dataType === 'timestamp' || dataType === 'datetime') && extra.includes('on update'),
    collation: row.COLLATION_NAME,
  };
}

/**
 * The unique indexes other than PRIMARY from STATISTICS rows ordered by index and position. An index with a
 * functional key part (no column name) gets an empty column list: its key cannot be computed from the row.
 */
function uniqueKeysOf(rows: readonly UniqueIndexRow[]): IndexKey[] {
  const byName = new Map<string, { columns: IndexKeyColumn[]; functional: boolean }>();
  for (const row of rows) {
    if (row.INDEX_NAME === 'PRIMARY') continue;
    let index = byName.get(row.INDEX_NAME);
    if (index === undefined) {
      index = { columns: [], functional: false };
      byName.set(row.INDEX_NAME, index);
    }
    if (row.COLUMN_NAME === null) index.functional = true;
    else
      index.columns.push({
        name: row.COLUMN_NAME,
        prefixLength: row.SUB_PART === null ? null : Number(row.SUB_PART),
      });
  }
  return [...byName].map(([name, index]) => ({ name, columns: index.functional ? [] : index.columns }));
}

/** Foreign keys from KEY_COLUMN_USAGE rows ordered by constraint and position. */
function foreignKeysOf(rows: readonly ForeignKeyRow[]): ForeignKey[] {
  const byName = new Map<string, ForeignKey & { columns: string[]; referencedColumns: string[] }>();
  for (const row of rows) {
    let foreignKey = byName.get(row.CONSTRAINT_NAME);
    if (foreignKey === undefined) {
      foreignKey = {
        name: row.CONSTRAINT_NAME,
        columns: [],
        referencedTable: row.REFERENCED_TABLE_NAME,
        referencedColumns: [],
        onDelete: row.DELETE_RULE,
        onUpdate: row.UPDATE_RULE,
      };
      byName.set(row.CONSTRAINT_NAME, foreignKey);
    }
    foreignKey.columns.push(row.COLUMN_NAME);
    foreignKey.referencedColumns.push(row.REFERENCED_COLUMN_NAME);
  }
  return [...byName.values()];
}

/** The table's `CREATE TABLE` statement as the server prints it. */
export async function readCreateTableStatement(pool: Pool, database: string, table: string): Promise<string> {
  const [rows] = await pool.query<QueryRow[]>(`SHOW CREATE TABLE ${qualifiedName(database, table)}`);
  const statement: unknown = rows[0]?.['Create Table'];
  if (typeof statement !== 'string') {
    throw new SyncError('TABLE_NOT_FOUND', `SHOW CREATE TABLE returned nothing for ${database}.${table}`, {
      details: { database, table },
    });
  }
  return statement;
}

/**
 * Names of the columns that differ between two schemas: missing on either side, or of another type (the same type
 * named differently by MariaDB and MySQL is not another type: mysql/column-types.ts).
 */
export function describeColumnDifferences(
  sourceSchema: TableSchema,
  targetSchema: TableSchema,
): { missingOnTarget: string[]; extraOnTarget: string[]; typeMismatches: string[] } {
  const targetColumns = new Map(targetSchema.columns.map((column) => [column.name, column]));
  const sourceNames = new Set(sourceSchema.columns.map((column) => column.name));
  const missingOnTarget: string[] = [];
  const typeMismatches: string[] = [];
  for (const sourceColumn of sourceSchema.columns) {
    const targetColumn = targetColumns.get(sourceColumn.name);
    if (targetColumn === undefined) missingOnTarget.push(sourceColumn.name);
    else if (!sameColumnType(sourceColumn, targetColumn)) {
      typeMismatches.push(
        `${sourceColumn.name} (${sourceColumn.columnType} vs ${targetColumn.columnType}${typeMismatchHint(sourceColumn, targetColumn)})`,
      );
    }
  }
  const extraOnTarget = targetSchema.columns
    .filter((column) => !sourceNames.has(column.name))
    .map((column) => column.name);
  return { missingOnTarget, extraOnTarget, typeMismatches };
}
