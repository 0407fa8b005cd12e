/**
 * One full-sync run over a set of tables: each table is compared chunk by chunk (table-compare.ts) and the rows
 * that differ are repaired through the directions' apply engines (`refresh`), so repairs are ordered with the
 * binlog stream and go through the same writer and, in bidirectional mode, the same conflict check. Tables run
 * `concurrency` at a time, parents before the tables that reference them (table-order.ts), each holding one
 * connection per side while it compares. Aborting stops between
 * chunks; repairs already queued finish (whole batches only).
 */
import type { ConflictTableRule } from '../conflict/index.js';
import { SyncError, describeError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { Row, SideName } from '../model/index.js';
import { mysqlJsonColumns } from '../mysql/index.js';
import { estimatedRowsSql } from './chunk-queries.js';
export type { FullSyncDirection } from './repair-types.js';
import { generatedColumns } from './refresh-resolvers.js';
import type { RunProgressTracker } from './run-progress.js';
import type { KeyHistoryReader } from './key-history.js';
import { OneWayRepair } from './one-way-repair.js';
import type { ComparedColumns, FullSyncDirection, TableRepair, UndecidedRow } from './repair-types.js';
import { compareTable, type CompareSide } from './table-compare.js';
import { TableOrder } from './table-order.js';
import { TwoWayRepair } from './two-way-repair.js';

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
  /** Compare and count what would be done (`TableChanges`), writing nothing. */
  readonly dryRun: boolean;
  /** Each table's conflict rule: it settles rows that differ (bidirectional), and a preview predicts it. */
  readonly rules: ReadonlyMap<string, ConflictTableRule>;
  /** Bidirectional: what the binlogs say about rows found on one side only; without it they are undecided. */
  readonly keyHistory: KeyHistoryReader | undefined;
  /** Bidirectional: lists rows whose history cannot be told as conflicts for a person. */
  readonly listUndecided: (table: string, rows: readonly UndecidedRow[]) => Promise<void>;
  /**
   * Bidirectional: whether the row has an unresolved manual conflict; the conflict check records a change of such a
   * row against it rather than deciding, so the run counts the row as a conflict whatever the strategy says.
   */
  readonly hasOpenConflict: (table: string, keyText: string) => boolean;
  /** Bidirectional: whether the table is being adopted (see TwoWayRepairOptions.adopting). */
  readonly isAdopting: (table: string) => boolean;
}

export async function runFullSync(options: FullSyncRunOptions): Promise<void> {
  try {
    // Bidirectional without streaming: each side's changes since the last run are applied first, from its binlog
    // (not in a dry run, which writes nothing: it reads the binlogs only to place rows found on one side).
    if (!options.dryRun) {
      // Every direction's opening ends before any is closed (below): one that failed must not leave the other
      // opening a stream after its close.
      const opened = await Promise.allSettled(
        options.directions.map((direction) => direction.openForRun(options.signal)),
      );
      const failed = opened.find((outcome) => outcome.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    } else {
      // The preview counts those changes instead, and reports them beside its figures (which include their rows).
      await countPending(options);
    }
    const order = new TableOrder(options.tables, (table) =>
      (options.directions[0]?.tableSchemas(table)?.source.foreignKeys ?? []).map(
        (foreignKey) => foreignKey.referencedTable,
      ),
    );
    const worker = async (): Promise<void> => {
      for (let table = await order.next(); table !== undefined; table = await order.next()) {
        try {
          await syncTable(options, table);
        } finally {
          order.done(table);
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(options.concurrency, options.tables.length)) }, worker),
    );
  } finally {
    await Promise.all(options.directions.map((direction) => direction.closeAfterRun()));
  }
}

/** A preview's count of the changes each side's direction would apply before the compare (null: none wait). */
async function countPending(options: FullSyncRunOptions): Promise<void> {
  const counts = await Promise.all(
    options.directions.map(async (direction) => ({
      side: direction.source,
      pending: await direction.pendingChanges(options.signal),
    })),
  );
  if (counts.every((entry) => entry.pending === null)) return;
  const pendingChanges = { local: 0, cloud: 0 };
  for (const { side, pending } of counts) pendingChanges[side] += pending ?? 0;
  options.progress.pendingChanges = pendingChanges;
  options.onProgress();
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
        const estimate = estimatedRowsSql(side.database, schemas.source);
        const [rows] = await side.pool.query(estimate.sql, estimate.values);
        return Number((rows as Row[])[0]?.row_count ?? 0);
      }),
    );
    progress.rowsTotal = Math.max(...counts);
    progress.chunksTotal = Math.max(1, Math.ceil(progress.rowsTotal / options.chunkSize));
    options.onProgress();
    const tableRepair = createTableRepair(options, table, {
      schema: schemas.source,
      columns,
      jsonColumns,
    });
    const chunkCount = await compareTable({
      reference: referenceSide,
      other: otherSide,
      schema: schemas.source,
      columns,
      jsonColumns,
      chunkSize: options.chunkSize,
      signal: options.signal,
      onDifference: (difference) => tableRepair.repair(difference),
      onChunk: (chunk) => {
        progress.chunksCompared += 1;
        progress.rowsCompared += chunk.rowCount;
        options.onProgress();
      },
    });
    await tableRepair.finish();
    progress.chunksTotal = chunkCount;
    progress.rowsTotal = progress.rowsCompared;
    progress.state = 'done';
    logger.info(
      {
        rowsCompared: progress.rowsCompared,
        rowsChanged: progress.rowsChanged,
        changes: options.progress.tally(table).changes,
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

/** How a table's differing rows are settled: one-way (the source wins) or both ways. */
function createTableRepair(
  options: FullSyncRunOptions,
  table: string,
  compared: ComparedColumns,
): TableRepair {
  const [forward, backward] = options.directions;
  if (forward === undefined) throw new SyncError('FULL_SYNC_FAILED', 'a full sync needs a direction');
  const progress = options.progress.table(table);
  const tally = options.progress.tally(table);
  tally.keyedBy(compared.schema.primaryKey);
  const shared = {
    table,
    compared,
    dryRun: options.dryRun,
    tally,
    rowsWritten: (rows: number) => {
      progress.rowsChanged += rows;
    },
  };
  if (backward === undefined) return new OneWayRepair({ ...shared, direction: forward });
  const rule = options.rules.get(table);
  if (rule === undefined) throw new SyncError('FULL_SYNC_FAILED', `${table} has no conflict strategy`);
  return new TwoWayRepair({
    ...shared,
    forward,
    backward,
    sides: options.sides,
    rule,
    keyHistory: options.keyHistory,
    listUndecided: options.listUndecided,
    hasOpenConflict: (keyText) => options.hasOpenConflict(table, keyText),
    adopting: () => options.isAdopting(table),
    settleTimeoutMs: options.settleTimeoutMs ?? 5_000,
    signal: options.signal,
    logger: options.logger.child({ table }),
  });
}
