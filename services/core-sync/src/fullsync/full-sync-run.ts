/**
 * One full-sync run over a set of tables: each table is compared chunk by chunk (table-compare.ts) and the rows
 * that differ are repaired through the directions' apply engines (`refresh`), so repairs are ordered with the
 * binlog stream and go through the same writer and, in bidirectional mode, the same conflict check. Tables run
 * `concurrency` at a time, each holding one connection per side while it compares. Aborting stops between
 * chunks; repairs already queued finish (whole batches only).
 */
import type { RefreshOutcome } from '../apply/index.js';
import { SyncError, describeError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { Row, SideName, TableSchema } from '../model/index.js';
import { mysqlJsonColumns, selectRowsByKeys } from '../mysql/index.js';
import { countRowsSql } from './chunk-queries.js';
import { generatedColumns } from './refresh-resolvers.js';
import type { RunProgressTracker } from './run-progress.js';
import { compareTable, diffRows, type ChunkDifference, type CompareSide } from './table-compare.js';

/** What a run needs of one sync direction (the direction pipeline implements it). */
export interface FullSyncDirection {
  readonly source: SideName;
  readonly target: SideName;
  /** Source and target schema of a synced table; undefined when the direction does not sync it. */
  tableSchemas(table: string): { readonly source: TableSchema; readonly target: TableSchema } | undefined;
  /** Brings the target's rows for these keys to the source's current state (apply-engine.ts `refresh`). */
  refresh(table: string, keyRows: readonly Row[]): Promise<RefreshOutcome>;
  /** Resolves once everything the direction has read is applied, or after `timeoutMs` (false then). */
  settle(timeoutMs: number): Promise<boolean>;
}

export interface FullSyncRunOptions {
  readonly tables: readonly string[];
  /** One direction (one-way), or both (bidirectional: `local_to_cloud` first). */
  readonly directions: readonly FullSyncDirection[];
  readonly sides: Readonly<Record<SideName, CompareSide>>;
  readonly chunkSize: number;
  readonly concurrency: number;
  readonly signal: AbortSignal;
  readonly progress: RunProgressTracker;
  /** Called after every chunk and state change; the caller throttles what it publishes. */
  readonly onProgress: () => void;
  readonly logger: Logger;
  /** How long a bidirectional repair waits for both streams to apply what they have read (default 5 s). */
  readonly settleTimeoutMs?: number;
}

export async function runFullSync(options: FullSyncRunOptions): Promise<void> {
  const pending = [...options.tables];
  const worker = async (): Promise<void> => {
    for (let table = pending.shift(); table !== undefined; table = pending.shift()) {
      await syncTable(options, table);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency, options.tables.length)) }, worker),
  );
}

async function syncTable(options: FullSyncRunOptions, table: string): Promise<void> {
  const progress = options.progress.table(table);
  const logger = options.logger.child({ table });
  if (options.signal.aborted) {
    progress.state = 'stopped';
    return;
  }
  progress.state = 'comparing';
  options.onProgress();
  const startedAt = performance.now();
  try {
    const [reference] = options.directions;
    const schemas = reference?.tableSchemas(table);
    if (reference === undefined || schemas === undefined) {
      throw new SyncError('FULL_SYNC_FAILED', `${table} is not synced (or not streaming) in this direction`);
    }
    const targetColumns = new Set(schemas.target.columns.map((column) => column.name));
    const excluded = generatedColumns(schemas.source);
    for (const column of generatedColumns(schemas.target)) excluded.add(column);
    const columns = schemas.source.columns
      .map((column) => column.name)
      .filter((column) => targetColumns.has(column) && !excluded.has(column));
    const jsonColumns = [
      ...new Set([...mysqlJsonColumns(schemas.source), ...mysqlJsonColumns(schemas.target)]),
    ];
    const referenceSide = options.sides[reference.source];
    const otherSide = options.sides[reference.target];
    const counts = await Promise.all(
      [referenceSide, otherSide].map(async (side) => {
        const [rows] = await side.pool.query(countRowsSql(side.database, schemas.source));
        return Number((rows as Row[])[0]?.row_count ?? 0);
      }),
    );
    progress.rowsTotal = Math.max(...counts);
    progress.chunksTotal = Math.max(1, Math.ceil(progress.rowsTotal / options.chunkSize));
    options.onProgress();
    const chunkCount = await compareTable({
      reference: referenceSide,
      other: otherSide,
      schema: schemas.source,
      columns,
      jsonColumns,
      chunkSize: options.chunkSize,
      signal: options.signal,
      onDifference: (difference) => repair(options, table, schemas.source, columns, jsonColumns, difference),
      onChunk: (chunk) => {
        progress.chunksCompared += 1;
        progress.rowsCompared += chunk.rowCount;
        options.onProgress();
      },
    });
    progress.chunksTotal = chunkCount;
    progress.rowsTotal = progress.rowsCompared;
    progress.state = 'done';
    logger.info(
      {
        rowsCompared: progress.rowsCompared,
        rowsChanged: progress.rowsChanged,
        chunkCount,
        durationMs: Math.round(performance.now() - startedAt),
      },
      'full sync compared the table',
    );
  } catch (error) {
    if (options.signal.aborted) {
      progress.state = 'stopped';
    } else {
      progress.state = 'failed';
      progress.error = describeError(error);
      logger.error({ error: describeError(error) }, 'full sync of the table failed');
    }
  } finally {
    options.onProgress();
  }
}

async function repair(
  options: FullSyncRunOptions,
  table: string,
  schema: TableSchema,
  columns: readonly string[],
  jsonColumns: readonly string[],
  difference: ChunkDifference,
): Promise<void> {
  const progress = options.progress.table(table);
  const [forward, backward] = options.directions;
  if (forward === undefined) return;
  const keyRows = [
    ...difference.onlyReference,
    ...difference.onlyOther,
    ...difference.differing.map((pair) => pair.reference),
  ];
  if (backward === undefined) {
    // One-way: the refresh reads the source's rows when it is applied and makes the target equal them.
    const outcome = await forward.refresh(table, keyRows);
    progress.rowsChanged += outcome.rowsWritten;
    return;
  }
  // Bidirectional: a row may differ only because a change is still on its way through one of the streams. Let
  // both apply what they have read, then compare these rows again; what still differs is real.
  const settleTimeoutMs = options.settleTimeoutMs ?? 5_000;
  await Promise.all([forward.settle(settleTimeoutMs), backward.settle(settleTimeoutMs)]);
  const [referenceRows, otherRows] = await Promise.all(
    [forward.source, forward.target].map((side) =>
      selectRowsByKeys(options.sides[side].pool, options.sides[side].database, schema, keyRows),
    ),
  );
  const current = diffRows(
    schema,
    columns,
    difference.range,
    referenceRows ?? [],
    otherRows ?? [],
    jsonColumns,
  );
  // Rows only on one side are copied to the other; differing rows go through the forward direction's conflict
  // check, where the table's strategy picks the version both sides end with.
  const [forwardOutcome, backwardOutcome] = await Promise.all([
    forward.refresh(table, [...current.onlyReference, ...current.differing.map((pair) => pair.reference)]),
    backward.refresh(table, current.onlyOther),
  ]);
  progress.rowsChanged += forwardOutcome.rowsWritten + backwardOutcome.rowsWritten;
}
