/**
 * Compares one table on two servers chunk by chunk (chunk-queries.ts): the chunk boundaries are walked on the
 * reference side, each chunk's checksum is computed on both sides at once, and only a chunk whose checksums
 * differ has its rows read from both sides and compared row by row.
 */
import { primaryKeyText } from '../apply/index.js';
import { sameRowContent } from '../conflict/index.js';
import type { Row, TableSchema } from '../model/index.js';
import { rowQuery, type Pool } from '../mysql/index.js';
import {
  chunkChecksumSql,
  chunkEndSql,
  chunkRowsSql,
  type KeyRange,
  type RangeCondition,
} from './chunk-queries.js';

export interface CompareSide {
  readonly pool: Pool;
  readonly database: string;
}

/** The rows of one chunk that differ: present on one side only, or present on both with different values. */
export interface ChunkDifference {
  readonly range: KeyRange;
  readonly onlyReference: readonly Row[];
  readonly onlyOther: readonly Row[];
  readonly differing: readonly { readonly reference: Row; readonly other: Row }[];
}

export interface ChunkCompared {
  /** Rows in the chunk on the side that has more. */
  readonly rowCount: number;
  readonly differs: boolean;
}

export interface CompareTableOptions {
  readonly reference: CompareSide;
  readonly other: CompareSide;
  /** The table's schema (the primary key is the same on both sides). */
  readonly schema: TableSchema;
  /** Compared columns: present on both sides, not generated. */
  readonly columns: readonly string[];
  readonly chunkSize: number;
  readonly signal: AbortSignal;
  /** Awaited before the next chunk is read, so repairs keep pace with the compare. */
  readonly onDifference: (difference: ChunkDifference) => Promise<void>;
  readonly onChunk: (chunk: ChunkCompared) => void;
}

interface ChunkChecksum {
  readonly rowCount: number;
  readonly checksum: string;
}

/** Runs a compare query; with `table`, one that reads its rows (in the canonical form: row-reads.ts). */
async function queryRows(side: CompareSide, query: RangeCondition, table?: TableSchema): Promise<Row[]> {
  const [rows] = await side.pool.query(
    table === undefined ? { sql: query.sql } : rowQuery(table, query.sql),
    query.values,
  );
  return rows as Row[];
}

async function checksumOf(
  side: CompareSide,
  options: CompareTableOptions,
  range: KeyRange,
): Promise<ChunkChecksum> {
  const [row] = await queryRows(
    side,
    chunkChecksumSql(side.database, options.schema, options.columns, range),
  );
  return { rowCount: Number(row?.row_count ?? 0), checksum: String(row?.checksum ?? '0') };
}

/** Walks the whole table; resolves with the number of chunks. Stops between chunks when `signal` aborts. */
export async function compareTable(options: CompareTableOptions): Promise<number> {
  const { reference, other, schema, signal } = options;
  let lower: Row | null = null;
  let chunkCount = 0;
  for (;;) {
    signal.throwIfAborted();
    const [end] = await queryRows(
      reference,
      chunkEndSql(reference.database, schema, lower, options.chunkSize),
    );
    const upper = end === undefined ? null : { ...end };
    const range: KeyRange = { lower, upper };
    const [referenceSum, otherSum] = await Promise.all([
      checksumOf(reference, options, range),
      checksumOf(other, options, range),
    ]);
    const differs =
      referenceSum.rowCount !== otherSum.rowCount || referenceSum.checksum !== otherSum.checksum;
    if (differs) {
      const [referenceRows, otherRows] = await Promise.all([
        queryRows(reference, chunkRowsSql(reference.database, schema, options.columns, range), schema),
        queryRows(other, chunkRowsSql(other.database, schema, options.columns, range), schema),
      ]);
      const difference = diffRows(schema, options.columns, range, referenceRows, otherRows);
      if (difference.onlyReference.length + difference.onlyOther.length + difference.differing.length > 0) {
        await options.onDifference(difference);
      }
    }
    chunkCount += 1;
    options.onChunk({ rowCount: Math.max(referenceSum.rowCount, otherSum.rowCount), differs });
    if (upper === null) return chunkCount;
    lower = upper;
  }
}

/** Row-by-row comparison of one range's rows from both sides (value by value, over the compared columns). */
export function diffRows(
  schema: TableSchema,
  columns: readonly string[],
  range: KeyRange,
  referenceRows: readonly Row[],
  otherRows: readonly Row[],
): ChunkDifference {
  const compared = new Set(columns);
  const excluded = new Set<string>();
  for (const row of [...referenceRows.slice(0, 1), ...otherRows.slice(0, 1)]) {
    for (const column of Object.keys(row)) if (!compared.has(column)) excluded.add(column);
  }
  const otherByKey = new Map(otherRows.map((row) => [primaryKeyText(row, schema.primaryKey), row]));
  const onlyReference: Row[] = [];
  const differing: { reference: Row; other: Row }[] = [];
  for (const row of referenceRows) {
    const keyText = primaryKeyText(row, schema.primaryKey);
    const otherRow = otherByKey.get(keyText);
    otherByKey.delete(keyText);
    if (otherRow === undefined) onlyReference.push(row);
    else if (!sameRowContent(row, otherRow, excluded)) differing.push({ reference: row, other: otherRow });
  }
  return { range, onlyReference, onlyOther: [...otherByKey.values()], differing };
}
