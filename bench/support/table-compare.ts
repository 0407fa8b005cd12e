/** Checks that a benchmark's target table ended equal to its source: row count and CHECKSUM TABLE. */
import type { Connection } from '../../services/core-sync/src/mysql/index.js';
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
}

async function countAndChecksum(side: TableSide, table: string): Promise<{ rows: number; checksum: string }> {
  const qualified = `\`${side.database}\`.\`${table}\``;
  const counted = await queryRows(side.connection, `SELECT COUNT(*) AS row_count FROM ${qualified}`);
  const checksummed = await queryRows(side.connection, `CHECKSUM TABLE ${qualified}`);
  return {
    rows: Number(counted[0]?.row_count ?? Number.NaN),
    checksum: String(checksummed[0]?.Checksum ?? 'missing'),
  };
}

export async function compareTable(
  source: TableSide,
  target: TableSide,
  table: string,
  targetTable = table,
): Promise<TableComparison> {
  const sourceFigures = await countAndChecksum(source, table);
  const targetFigures = await countAndChecksum(target, targetTable);
  return {
    table,
    sourceRows: sourceFigures.rows,
    targetRows: targetFigures.rows,
    sourceChecksum: sourceFigures.checksum,
    targetChecksum: targetFigures.checksum,
    equal: sourceFigures.rows === targetFigures.rows && sourceFigures.checksum === targetFigures.checksum,
  };
}

/** `orders: 1,000,000 rows, checksum 123 on both` or what differed. */
export function describeComparison(comparison: TableComparison): string {
  if (comparison.equal) {
    return `${comparison.table}: equal (${comparison.sourceRows.toLocaleString('en-US')} rows, CHECKSUM TABLE ${comparison.sourceChecksum} on both)`;
  }
  return (
    `${comparison.table}: DIFFERENT (source ${comparison.sourceRows} rows, checksum ${comparison.sourceChecksum}; ` +
    `target ${comparison.targetRows} rows, checksum ${comparison.targetChecksum})`
  );
}
