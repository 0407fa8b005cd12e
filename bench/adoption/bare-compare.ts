/**
 * The contender: a bare chunk-checksum compare of the tables on both servers, no service. It calls the walk the
 * service's full sync runs per table, `compareTable` (services/core-sync/src/fullsync/table-compare.ts), with a
 * no-op `onDifference`: per chunk, the key of the chunk's last row on local (`ORDER BY key LIMIT 1 OFFSET
 * chunk size − 1`), then local and cloud at once for the chunk's `COUNT(*)` and SHA2 checksum — the very SQL of
 * chunk-queries.ts, over the columns the service compares (those on both sides, generated columns left out).
 * Tables are taken `concurrency` at a time, as `runFullSync` takes them.
 *
 * Why this function and not a loop of our own over the SQL builders: it is exactly the walk the adoption run does,
 * so the ratio adoption ÷ compare measures what adoption adds around the walk (start-up, row estimates, repair set-up,
 * progress, history, the adoption marks) and not the difference between two implementations of the walk. What it
 * does besides the SQL is one `SELECT VERSION()` per side per table (for the checksum's float text) and, for a
 * chunk that differs, reading its rows (never, on identical tables: counted, and the run fails if one differs).
 * Everything a compare needs before its first chunk is done before the clock starts: the pools are open with a
 * connection per table per side, and the table definitions are read.
 */
import {
  compareTable,
  generatedColumns,
  type CompareSide,
} from '../../services/core-sync/src/fullsync/index.js';
import { estimatedRowsSql } from '../../services/core-sync/src/fullsync/chunk-queries.js';
import type { TableSchema } from '../../services/core-sync/src/model/index.js';
import {
  createMysqlPool,
  mysqlJsonColumns,
  readTableSchema,
  type Pool,
} from '../../services/core-sync/src/mysql/index.js';
import type { SandboxServer } from '../../services/core-sync/src/sandbox/index.js';

export interface ComparedTable {
  readonly name: string;
  readonly schema: TableSchema;
  readonly columns: readonly string[];
  readonly jsonColumns: readonly string[];
}

export interface BareCompareResult {
  readonly durationMs: number;
  readonly chunks: number;
  readonly rows: number;
  readonly differingChunks: number;
}

/** Pools on both servers and what the compare needs to know of each table, ready before the clock starts. */
export class BareCompare {
  readonly #local: CompareSide;
  readonly #cloud: CompareSide;
  readonly #tables: readonly ComparedTable[];
  readonly #chunkSize: number;
  readonly #concurrency: number;

  private constructor(
    sides: { local: CompareSide; cloud: CompareSide },
    tables: readonly ComparedTable[],
    settings: { chunkSize: number; concurrency: number },
  ) {
    this.#local = sides.local;
    this.#cloud = sides.cloud;
    this.#tables = tables;
    this.#chunkSize = settings.chunkSize;
    this.#concurrency = settings.concurrency;
  }

  static async open(
    servers: { local: SandboxServer; cloud: SandboxServer },
    database: string,
    tableNames: readonly string[],
    settings: { chunkSize: number; concurrency: number },
  ): Promise<BareCompare> {
    const connectionLimit = Math.max(1, Math.min(settings.concurrency, tableNames.length));
    const openSide = async (server: SandboxServer, purpose: string): Promise<CompareSide> => {
      const pool = createMysqlPool({ ...server.connectionInfo, database }, { connectionLimit, purpose });
      await warmUp(pool, connectionLimit);
      return { pool, database };
    };
    const sides = {
      local: await openSide(servers.local, 'bench-compare-local'),
      cloud: await openSide(servers.cloud, 'bench-compare-cloud'),
    };
    const tables = await Promise.all(
      tableNames.map((table) => comparedTable(sides.local, sides.cloud, table)),
    );
    return new BareCompare(sides, tables, settings);
  }

  /** Local's side of the compare (its chunk ends are walked there). */
  get local(): CompareSide {
    return this.#local;
  }

  get tables(): readonly ComparedTable[] {
    return this.#tables;
  }

  /** Walks every table once; resolves with what was found and how long it took. */
  async run(): Promise<BareCompareResult> {
    const startedAt = performance.now();
    const pending = [...this.#tables];
    let chunks = 0;
    let rows = 0;
    let differingChunks = 0;
    const neverAborted = new AbortController().signal;
    const worker = async (): Promise<void> => {
      for (let table = pending.shift(); table !== undefined; table = pending.shift()) {
        await compareTable({
          reference: this.#local,
          other: this.#cloud,
          schema: table.schema,
          columns: table.columns,
          jsonColumns: table.jsonColumns,
          chunkSize: this.#chunkSize,
          signal: neverAborted,
          onDifference: () => Promise.resolve(),
          onChunk: (chunk) => {
            chunks += 1;
            rows += chunk.rowCount;
            if (chunk.differs) differingChunks += 1;
          },
        });
      }
    };
    const workerCount = Math.max(1, Math.min(this.#concurrency, this.#tables.length));
    await Promise.all(Array.from({ length: workerCount }, worker));
    return { durationMs: performance.now() - startedAt, chunks, rows, differingChunks };
  }

  /**
   * What the service's run does for each table before its walk, timed apart: the row estimate on both sides at
   * once (estimatedRowsSql of chunk-queries.ts), the tables `concurrency` at a time. Resolves with the milliseconds
   * taken.
   */
  async countRows(): Promise<number> {
    const startedAt = performance.now();
    const pending = [...this.#tables];
    const worker = async (): Promise<void> => {
      for (let table = pending.shift(); table !== undefined; table = pending.shift()) {
        const schema = table.schema;
        await Promise.all(
          [this.#local, this.#cloud].map((side) => {
            const estimate = estimatedRowsSql(side.database, schema);
            return side.pool.query(estimate.sql, estimate.values);
          }),
        );
      }
    };
    const workerCount = Math.max(1, Math.min(this.#concurrency, this.#tables.length));
    await Promise.all(Array.from({ length: workerCount }, worker));
    return performance.now() - startedAt;
  }

  async close(): Promise<void> {
    await Promise.all([this.#local.pool.end(), this.#cloud.pool.end()]);
  }
}

/** Opens `count` connections of the pool at once (and gives them back), so the compare does not pay for them. */
async function warmUp(pool: Pool, count: number): Promise<void> {
  const connections = await Promise.all(Array.from({ length: count }, () => pool.getConnection()));
  for (const connection of connections) connection.release();
}

/** The columns the service's full sync compares: local's, present on cloud, none generated on either side. */
async function comparedTable(local: CompareSide, cloud: CompareSide, table: string): Promise<ComparedTable> {
  const [localSchema, cloudSchema] = await Promise.all([
    readTableSchema(local.pool, local.database, table),
    readTableSchema(cloud.pool, cloud.database, table),
  ]);
  if (localSchema === undefined || cloudSchema === undefined) {
    throw new Error(`${table} is missing on ${localSchema === undefined ? 'local' : 'cloud'}`);
  }
  const cloudColumns = new Set(cloudSchema.columns.map((column) => column.name));
  const excluded = generatedColumns(localSchema);
  for (const column of generatedColumns(cloudSchema)) excluded.add(column);
  return {
    name: table,
    schema: localSchema,
    columns: localSchema.columns
      .map((column) => column.name)
      .filter((column) => cloudColumns.has(column) && !excluded.has(column)),
    jsonColumns: [...new Set([...mysqlJsonColumns(localSchema), ...mysqlJsonColumns(cloudSchema)])],
  };
}
