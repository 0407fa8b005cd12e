/**
 * How the server runs the walk's two queries on each table: `EXPLAIN` of the chunk-end query and of the checksum
 * query for the table's second chunk (a range bounded on both sides, as almost every chunk is), with the SQL of
 * services/core-sync/src/fullsync/chunk-queries.ts. A plan that reads the whole table (`ALL`, or `index` over the
 * whole key) for every chunk makes the walk quadratic in the table's size.
 */
import { chunkChecksumSql, chunkEndSql } from '../../services/core-sync/src/fullsync/chunk-queries.js';
import type { CompareSide } from '../../services/core-sync/src/fullsync/index.js';
import type { Row } from '../../services/core-sync/src/model/index.js';
import { asRows, columnText, readServerInfo } from '../../services/core-sync/src/mysql/index.js';
import type { ComparedTable } from './bare-compare.js';

export interface QueryPlan {
  /** EXPLAIN's access type, key and estimated rows, e.g. `range on PRIMARY, 1,000 rows`. */
  readonly chunkEnd: string;
  readonly checksum: string;
}

function describePlan(rows: readonly Row[]): string {
  return rows
    .map((row) => {
      const key = row.key === null || row.key === undefined ? 'no key' : `on ${columnText(row.key)}`;
      return `${columnText(row.type)} ${key}, ${Number(row.rows).toLocaleString('en-US')} rows`;
    })
    .join('; ');
}

async function explain(side: CompareSide, query: { sql: string; values: unknown[] }): Promise<string> {
  const [rows] = await side.pool.query(`EXPLAIN ${query.sql}`, query.values);
  return describePlan(asRows(rows));
}

async function chunkEnd(
  side: CompareSide,
  table: ComparedTable,
  lower: Row | null,
  chunkSize: number,
): Promise<Row | null> {
  const query = chunkEndSql(side.database, table.schema, lower, chunkSize);
  const [rows] = await side.pool.query(query.sql, query.values);
  const [end] = asRows(rows);
  return end === undefined ? null : { ...end };
}

export async function explainChunkQueries(
  side: CompareSide,
  table: ComparedTable,
  chunkSize: number,
): Promise<QueryPlan> {
  const flavor = (await readServerInfo(side.pool)).flavor;
  const lower = await chunkEnd(side, table, null, chunkSize);
  const upper = lower === null ? null : await chunkEnd(side, table, lower, chunkSize);
  return {
    chunkEnd: await explain(side, chunkEndSql(side.database, table.schema, lower, chunkSize)),
    checksum: await explain(
      side,
      chunkChecksumSql(side.database, table.schema, table.columns, { lower, upper }, flavor),
    ),
  };
}
