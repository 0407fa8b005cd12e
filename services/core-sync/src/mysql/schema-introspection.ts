import type { Pool, RowDataPacket } from 'mysql2/promise';
import { SyncError } from '../errors/index.js';
import type { ColumnSchema, TableSchema } from '../model/index.js';
import { qualifiedName } from './identifiers.js';

interface ColumnRow extends RowDataPacket {
  COLUMN_NAME: string;
  ORDINAL_POSITION: number | string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  IS_NULLABLE: string;
  EXTRA: string | null;
  COLUMN_KEY: string;
  GENERATION_EXPRESSION: string | null;
}

interface KeyRow extends RowDataPacket {
  COLUMN_NAME: string;
}

/** Reads a table's columns and primary key; undefined when the table does not exist. */
export async function readTableSchema(
  pool: Pool,
  database: string,
  table: string,
): Promise<TableSchema | undefined> {
  try {
    const [columnRows] = await pool.query<ColumnRow[]>(
      `SELECT COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, EXTRA, COLUMN_KEY, GENERATION_EXPRESSION
         FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
        ORDER BY ORDINAL_POSITION`,
      [database, table],
    );
    if (columnRows.length === 0) return undefined;
    const [keyRows] = await pool.query<KeyRow[]>(
      `SELECT COLUMN_NAME FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY'
        ORDER BY SEQ_IN_INDEX`,
      [database, table],
    );
    const columns: ColumnSchema[] = columnRows.map((row) => {
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
      };
    });
    return { database, name: table, columns, primaryKey: keyRows.map((row) => row.COLUMN_NAME) };
  } catch (error) {
    throw new SyncError('DATABASE_UNAVAILABLE', `failed to read the schema of ${database}.${table}`, {
      cause: error,
      details: { database, table },
    });
  }
}

/** The table's `CREATE TABLE` statement as the server prints it. */
export async function readCreateTableStatement(pool: Pool, database: string, table: string): Promise<string> {
  const [rows] = await pool.query<RowDataPacket[]>(`SHOW CREATE TABLE ${qualifiedName(database, table)}`);
  const statement: unknown = rows[0]?.['Create Table'];
  if (typeof statement !== 'string') {
    throw new SyncError('TABLE_NOT_FOUND', `SHOW CREATE TABLE returned nothing for ${database}.${table}`, {
      details: { database, table },
    });
  }
  return statement;
}

/** Names of the columns that differ between two schemas (missing on either side, or of another type). */
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
    else if (normaliseColumnType(targetColumn.columnType) !== normaliseColumnType(sourceColumn.columnType)) {
      typeMismatches.push(`${sourceColumn.name} (${sourceColumn.columnType} vs ${targetColumn.columnType})`);
    }
  }
  const extraOnTarget = targetSchema.columns
    .filter((column) => !sourceNames.has(column.name))
    .map((column) => column.name);
  return { missingOnTarget, extraOnTarget, typeMismatches };
}

/** MySQL 8 drops integer display widths (`int(11)` → `int`); compare without them. */
function normaliseColumnType(columnType: string): string {
  return columnType.replace(/^(tinyint|smallint|mediumint|int|bigint)\(\d+\)/, '$1').trim();
}
