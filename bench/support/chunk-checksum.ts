/**
 * The bare cost of checksumming a table chunk by chunk on two servers, run by hand from the benchmark process,
 * as pt-table-checksum does it: the key of the chunk's last row is found on the reference server (the
 * `chunkSize`-th key after the previous chunk), then both servers compute the chunk's row count and checksum at
 * the same time, each on its own connection; the next chunk starts when both have answered. Nothing else: no
 * progress, no row diff of a chunk that differs (it is only counted).
 *
 * Two checksums:
 * - `crc32`: pt-table-checksum's default, `COUNT(*)` and `BIT_XOR(CRC32(CONCAT_WS('#', columns…, null flags)))`;
 * - `sha2`: the expression core-sync's full sync sends (services/core-sync/src/fullsync/chunk-queries.ts), the
 *   first 64 bits of the SHA2-256 of the same text, XOR-ed (MD5 until Oracle MySQL 9.6 moved MD5 out).
 *
 * The table's key must be one integer column (the orders table's `id`).
 */
import { columnText, type Connection } from '../../services/core-sync/src/mysql/index.js';
import { queryRows } from './servers.js';

export type ChecksumFunction = 'crc32' | 'sha2';

export interface ChecksumSide {
  readonly connection: Connection;
  readonly database: string;
}

export interface ChunkWalkOptions {
  readonly reference: ChecksumSide;
  readonly other: ChecksumSide;
  readonly table: string;
  readonly keyColumn: string;
  /** Every compared column, in the table's order. */
  readonly columns: readonly string[];
  readonly chunkSize: number;
  readonly checksum: ChecksumFunction;
}

export interface ChunkWalkResult {
  readonly chunks: number;
  /** Rows in the chunks, on the side that has more in each. */
  readonly rows: number;
  readonly differingChunks: number;
  readonly durationMs: number;
}

function quote(identifier: string): string {
  return `\`${identifier.replaceAll('`', '``')}\``;
}

/** The SELECT list of a chunk's row count and checksum. */
export function checksumExpression(columns: readonly string[], checksum: ChecksumFunction): string {
  const quoted = columns.map(quote);
  const nullFlags = `CONCAT(${quoted.map((column) => `ISNULL(${column})`).join(', ')})`;
  const rowText = `CONCAT_WS('#', ${[...quoted, nullFlags].join(', ')})`;
  const rowHash =
    checksum === 'crc32'
      ? `CAST(CRC32(${rowText}) AS UNSIGNED)`
      : `CAST(CONV(LEFT(SHA2(${rowText}, 256), 16), 16, 10) AS UNSIGNED)`;
  return `COUNT(*) AS row_count, COALESCE(BIT_XOR(${rowHash}), 0) AS checksum`;
}

interface ChunkBounds {
  /** Exclusive; null: from the start. */
  readonly lower: number | null;
  /** Inclusive; null: to the end. */
  readonly upper: number | null;
}

function rangeCondition(keyColumn: string, bounds: ChunkBounds): { sql: string; values: number[] } {
  const parts: string[] = [];
  const values: number[] = [];
  if (bounds.lower !== null) {
    parts.push(`${quote(keyColumn)} > ?`);
    values.push(bounds.lower);
  }
  if (bounds.upper !== null) {
    parts.push(`${quote(keyColumn)} <= ?`);
    values.push(bounds.upper);
  }
  return { sql: parts.length === 0 ? '1 = 1' : parts.join(' AND '), values };
}

async function chunkChecksum(
  side: ChecksumSide,
  options: ChunkWalkOptions,
  bounds: ChunkBounds,
): Promise<{ rowCount: number; checksum: string }> {
  const condition = rangeCondition(options.keyColumn, bounds);
  const [row] = await queryRows(
    side.connection,
    `SELECT ${checksumExpression(options.columns, options.checksum)} ` +
      `FROM ${quote(side.database)}.${quote(options.table)} WHERE ${condition.sql}`,
    condition.values,
  );
  return { rowCount: Number(row?.row_count ?? 0), checksum: columnText(row?.checksum ?? '0') };
}

/** Walks the whole table once; resolves with what it found and how long it took. */
export async function walkChunkChecksums(options: ChunkWalkOptions): Promise<ChunkWalkResult> {
  const startedAt = performance.now();
  const { reference, keyColumn } = options;
  const key = quote(keyColumn);
  const table = `${quote(reference.database)}.${quote(options.table)}`;
  const offset = Math.max(0, Math.floor(options.chunkSize) - 1);
  let lower: number | null = null;
  let chunks = 0;
  let rows = 0;
  let differingChunks = 0;
  for (;;) {
    const [end] = await queryRows(
      reference.connection,
      `SELECT ${key} AS chunk_end FROM ${table} WHERE ${lower === null ? '1 = 1' : `${key} > ?`} ` +
        `ORDER BY ${key} LIMIT 1 OFFSET ${offset}`,
      lower === null ? [] : [lower],
    );
    const upper = end === undefined ? null : Number(end.chunk_end);
    const bounds = { lower, upper };
    const [referenceSum, otherSum] = await Promise.all([
      chunkChecksum(reference, options, bounds),
      chunkChecksum(options.other, options, bounds),
    ]);
    chunks += 1;
    rows += Math.max(referenceSum.rowCount, otherSum.rowCount);
    if (referenceSum.rowCount !== otherSum.rowCount || referenceSum.checksum !== otherSum.checksum) {
      differingChunks += 1;
    }
    if (upper === null) break;
    lower = upper;
  }
  return { chunks, rows, differingChunks, durationMs: performance.now() - startedAt };
}

/** The table's columns in their order. */
export async function tableColumns(side: ChecksumSide, table: string): Promise<string[]> {
  const rows = await queryRows(
    side.connection,
    `SELECT COLUMN_NAME AS column_name FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [side.database, table],
  );
  return rows.map((row) => String(row.column_name));
}
