/**
 * Compares one table on two servers chunk by chunk (chunk-queries.ts): the chunk boundaries are walked on the
 * reference side, each chunk's checksum is computed on both sides at once, and only a chunk whose checksums
 * differ has its rows read from both sides and compared row by row.
 */
import { primaryKeyText, type Row, type TableSchema } from '../model/index.js';
import { sameRowContent } from '../conflict/index.js';
import {
  asHeldByMysqlJson,
  asRows,
  exactQueryOptions,
  readServerInfo,
  type ExactReadOptions,
  type Pool,
  type ServerFlavor,
} from '../mysql/index.js';
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
  /** Compared columns that are a MySQL JSON column on either side (see diffRows). */
  readonly jsonColumns: readonly string[];
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

async function queryRows(
  side: CompareSide,
  query: RangeCondition,
  readOptions: ExactReadOptions = {},
): Promise<Row[]> {
  const [rows] = await side.pool.query({ sql: query.sql, ...readOptions }, query.values);
  return asRows(rows);
}

async function checksumOf(
  side: CompareSide,
  flavor: ServerFlavor,
  options: CompareTableOptions,
  range: KeyRange,
): Promise<ChunkChecksum> {
  const [row] = await queryRows(
    side,
    chunkChecksumSql(side.database, options.schema, options.columns, range, flavor),
  );
  return { rowCount: Number(row?.row_count ?? 0), checksum: String(row?.checksum ?? '0') };
}

/** Walks the whole table; resolves with the number of chunks. Stops between chunks when `signal` aborts. */
export async function compareTable(options: CompareTableOptions): Promise<number> {
  const { reference, other, schema, signal } = options;
  // Each server writes a checksum's exact float text its own way.
  const [referenceFlavor, otherFlavor] = await Promise.all(
    [reference, other].map(async (side) => (await readServerInfo(side.pool)).flavor),
  );
  const readOptions = exactQueryOptions(schema.columns);
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
      checksumOf(reference, referenceFlavor ?? 'mariadb', options, range),
      checksumOf(other, otherFlavor ?? 'mariadb', options, range),
    ]);
    const differs =
      referenceSum.rowCount !== otherSum.rowCount || referenceSum.checksum !== otherSum.checksum;
    if (differs) {
      const [referenceRows, otherRows] = await Promise.all([
        queryRows(reference, chunkRowsSql(reference.database, schema, range), readOptions),
        queryRows(other, chunkRowsSql(other.database, schema, range), readOptions),
      ]);
      const difference = diffRows(
        schema,
        options.columns,
        range,
        referenceRows,
        otherRows,
        options.jsonColumns,
      );
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

/**
 * Row-by-row comparison of one range's rows from both sides (value by value, over the compared columns). The
 * documents of `jsonColumns` (a MySQL JSON column on either side) are compared as a MySQL JSON column holds them,
 * so MariaDB's text of a document equals MySQL's print of it.
 */
export function diffRows(
  schema: TableSchema,
  columns: readonly string[],
  range: KeyRange,
  referenceRows: readonly Row[],
  otherRows: readonly Row[],
  jsonColumns: readonly string[] = [],
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
    else if (
      !sameRowContent(asHeldByMysqlJson(row, jsonColumns), asHeldByMysqlJson(otherRow, jsonColumns), excluded)
    )
      differing.push({ reference: row, other: otherRow });
  }
  return { range, onlyReference, onlyOther: [...otherByKey.values()], differing };
}
