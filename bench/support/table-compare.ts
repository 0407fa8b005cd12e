/**
 * Checks that a benchmark's target table ended equal to its source: row count and CHECKSUM TABLE, or, when some
 * columns are meant to differ between the sides (a column a trigger stamps on one side only), row count and a
 * checksum over the other columns.
 */
import { columnText, type Connection } from '../../services/core-sync/src/mysql/index.js';
import { queryRows } from './servers.js';

export interface TableSide {
  readonly connection: Connection;
  readonly database: string;
}

export interface TableComparison {
  readonly table: string;
  readonly sourceRows: number;
  readonly targetRows: number;
  readonly sourceChecksum: string;
  readonly targetChecksum: string;
  readonly equal: boolean;
  /** Columns left out of the checksum (none: CHECKSUM TABLE). */
  readonly excludedColumns: readonly string[];
}

async function countAndChecksum(
  side: TableSide,
  table: string,
  excludedColumns: readonly string[],
): Promise<{ rows: number; checksum: string }> {
  const qualified = `\`${side.database}\`.\`${table}\``;
  if (excludedColumns.length > 0) return columnListChecksum(side, table, excludedColumns);
  const counted = await queryRows(side.connection, `SELECT COUNT(*) AS row_count FROM ${qualified}`);
  const checksummed = await queryRows(side.connection, `CHECKSUM TABLE ${qualified}`);
  return {
    rows: Number(counted[0]?.row_count ?? Number.NaN),
    checksum: columnText(checksummed[0]?.Checksum ?? 'missing'),
  };
}

/**
 * Row count and an order-independent checksum of every column but `excludedColumns`: the BIT_XOR over rows of
 * the first 64 bits of MD5 of the row's values in column order (each value followed by its ISNULL flag, so NULL
 * and '' differ).
 */
async function columnListChecksum(
  side: TableSide,
  table: string,
  excludedColumns: readonly string[],
): Promise<{ rows: number; checksum: string }> {
  const columns = await queryRows(
    side.connection,
    `SELECT COLUMN_NAME AS column_name FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [side.database, table],
  );
  const included = columns
    .map((row) => String(row.column_name))
    .filter((column) => !excludedColumns.includes(column));
  const values = included.map((column) => `\`${column}\`, ISNULL(\`${column}\`)`).join(', ');
  const rows = await queryRows(
    side.connection,
    `SELECT COUNT(*) AS row_count,
            BIT_XOR(CAST(CONV(LEFT(MD5(CONCAT_WS(0x1f, ${values})), 16), 16, 10) AS UNSIGNED)) AS checksum
       FROM \`${side.database}\`.\`${table}\``,
  );
  return {
    rows: Number(rows[0]?.row_count ?? Number.NaN),
    checksum: `${included.length} columns ${columnText(rows[0]?.checksum ?? 'missing')}`,
  };
}

export async function compareTable(
  source: TableSide,
  target: TableSide,
  table: string,
  options: { targetTable?: string; excludedColumns?: readonly string[] } = {},
): Promise<TableComparison> {
  const excludedColumns = options.excludedColumns ?? [];
  const sourceFigures = await countAndChecksum(source, table, excludedColumns);
  const targetFigures = await countAndChecksum(target, options.targetTable ?? table, excludedColumns);
  return {
    table,
    sourceRows: sourceFigures.rows,
    targetRows: targetFigures.rows,
    sourceChecksum: sourceFigures.checksum,
    targetChecksum: targetFigures.checksum,
    equal: sourceFigures.rows === targetFigures.rows && sourceFigures.checksum === targetFigures.checksum,
    excludedColumns,
  };
}

/** `orders: 1,000,000 rows, checksum 123 on both` or what differed. */
export function describeComparison(comparison: TableComparison): string {
  const method =
    comparison.excludedColumns.length === 0
      ? 'CHECKSUM TABLE'
      : `checksum of the columns but ${comparison.excludedColumns.join(', ')}:`;
  if (comparison.equal) {
    return `${comparison.table}: equal (${comparison.sourceRows.toLocaleString('en-US')} rows, ${method} ${comparison.sourceChecksum} on both)`;
  }
  return (
    `${comparison.table}: DIFFERENT (source ${comparison.sourceRows} rows, checksum ${comparison.sourceChecksum}; ` +
    `target ${comparison.targetRows} rows, checksum ${comparison.targetChecksum})`
  );
}
