/**
 * Copies one table from a consistent read view of the source to the target, chunk by chunk in primary-key order
 * (keyset pagination, never the whole table in memory), writing chunks through several connections at once.
 * The read view and the binlog position are taken together, so streaming from that position afterwards neither
 * loses nor repeats a change. Rows the target has but the source does not are deleted chunk by chunk, so a copy
 * interrupted and started again ends exact.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncError, describeError, driverErrorCode } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import {
  BinlogPosition,
  type ColumnValue,
  type Row,
  type TableSchema,
  writableColumns,
} from '../model/index.js';
import {
  classifyDriverError,
  columnList,
  createMysqlConnection,
  exactQueryOptions,
  exactSelectList,
  isConnectionError,
  keyAfter,
  keyAtMost,
  qualifiedName,
  quoteIdentifier,
  showBinlogStatus,
  type Connection,
  type MysqlEndpoint,
  type Pool,
  type PoolConnection,
  type QueryRow,
  type ServerFlavor,
  tableHasRows,
} from '../mysql/index.js';
import { type EchoMarkers, inWriteTransaction, BatchWriter, rowForPause } from '../target/index.js';

export interface CopyTableOptions {
  readonly sourceEndpoint: MysqlEndpoint;
  readonly sourceDatabase: string;
  readonly sourceFlavor: ServerFlavor;
  readonly targetPool: Pool;
  readonly targetDatabase: string;
  readonly sourceSchema: TableSchema;
  readonly targetSchema: TableSchema;
  readonly chunkSize: number;
  readonly writerConnections: number;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: { table: string; rowsCopied: number; rowsDeleted: number }) => void;
  /**
   * When the target table already has rows: delete those the source lacks (default; a one-way repair copy).
   * False keeps them (bidirectional: they are the other side's own rows).
   */
  readonly deleteExtraRows?: boolean;
  /** Bidirectional: each chunk's transaction is marked, so the target's own listener drops it as an echo. */
  readonly echoMarkers?: EchoMarkers;
}

export interface CopyTableResult {
  readonly table: string;
  /** The binlog position the copy is consistent with: stream this table's changes after it. */
  readonly position: BinlogPosition;
  readonly rowsCopied: number;
  readonly rowsDeleted: number;
  readonly durationMs: number;
}

export async function copyTable(options: CopyTableOptions): Promise<CopyTableResult> {
  const startedAt = performance.now();
  const table = options.sourceSchema.name;
  const reader = await createMysqlConnection(
    { ...options.sourceEndpoint, database: options.sourceDatabase },
    'snapshot',
  );
  let writer: ChunkWriter | undefined;
  try {
    const position = await openConsistentReadView(reader, options.sourceFlavor);
    const targetHadRows = await tableHasRows(options.targetPool, options.targetDatabase, table);
    writer = new ChunkWriter(options, targetHadRows && options.deleteExtraRows !== false);
    const primaryKey = options.sourceSchema.primaryKey;
    const columns = writableColumns(options.sourceSchema);
    const readOptions = exactQueryOptions(columns);
    const sourceTable = qualifiedName(options.sourceDatabase, table);
    let lastKey: ColumnValue[] | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      const after = lastKey === undefined ? undefined : keyAfter(primaryKey, lastKey);
      const [rows] = await reader.query<QueryRow[]>(
        {
          sql:
            `SELECT ${exactSelectList(columns)} FROM ${sourceTable}` +
            (after === undefined ? '' : ` WHERE ${after.sql}`) +
            ` ORDER BY ${columnList(primaryKey)} LIMIT ${options.chunkSize}`,
          ...readOptions,
        },
        after?.values ?? [],
      );
      const chunk = rows as Row[];
      const chunkEnd =
        chunk.length === 0 ? undefined : primaryKey.map((column) => chunk.at(-1)?.[column] ?? null);
      await writer.enqueue(chunk, lastKey, chunk.length < options.chunkSize ? undefined : chunkEnd);
      options.onProgress?.({ table, rowsCopied: writer.rowsCopied, rowsDeleted: writer.rowsDeleted });
      if (chunk.length < options.chunkSize) break;
      lastKey = chunkEnd;
    }
    await writer.finish();
    await reader.query('COMMIT');
    const result = {
      table,
      position,
      rowsCopied: writer.rowsCopied,
      rowsDeleted: writer.rowsDeleted,
      durationMs: performance.now() - startedAt,
    };
    options.logger.info(
      {
        table,
        rowCount: result.rowsCopied,
        rowsDeleted: result.rowsDeleted,
        durationMs: Math.round(result.durationMs),
        binlogPosition: position.toString(),
      },
      'copied table',
    );
    return result;
  } catch (error) {
    // The copy ends here: no chunk may still be writing once the caller hears so (it may pause the table).
    await writer?.settled();
    if (error instanceof SyncError) throw error;
    throw new SyncError('SNAPSHOT_FAILED', `failed to copy table ${table}`, {
      cause: error,
      details: { table },
    });
  } finally {
    reader.destroy();
  }
}

/**
 * Starts a REPEATABLE READ snapshot and returns the binlog position it is consistent with, with the GTID state
 * there. MariaDB reports it for the snapshot itself (binlog_snapshot_file/position, BINLOG_GTID_POS); MySQL needs a global read lock for an instant, under
 * which the position carries the executed GTID set (the stream's GTID tracker starts from it).
 */
async function openConsistentReadView(reader: Connection, flavor: ServerFlavor): Promise<BinlogPosition> {
  await reader.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  if (flavor === 'mariadb') {
    await reader.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const [rows] = await reader.query<QueryRow[]>("SHOW STATUS LIKE 'binlog_snapshot_%'");
    const status = new Map(rows.map((row) => [String(row.Variable_name).toLowerCase(), String(row.Value)]));
    const file = status.get('binlog_snapshot_file');
    const offset = Number(status.get('binlog_snapshot_position'));
    if (file === undefined || file === '' || !Number.isFinite(offset)) {
      throw new SyncError(
        'SOURCE_SETTINGS_INVALID',
        'the source did not report binlog_snapshot_file/position: is the binlog enabled?',
      );
    }
    // The GTID state there, so the position can be followed to another server after a failover.
    const [gtidRows] = await reader.query<QueryRow[]>('SELECT BINLOG_GTID_POS(?, ?) AS gtidPosition', [
      file,
      offset,
    ]);
    const gtidPosition: unknown = gtidRows[0]?.gtidPosition;
    return new BinlogPosition(file, offset, typeof gtidPosition === 'string' ? gtidPosition : null);
  }
  await reader.query('FLUSH TABLES WITH READ LOCK');
  try {
    await reader.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const status = await showBinlogStatus(reader);
    const file: unknown = status?.File;
    const offset = Number(status?.Position);
    if (typeof file !== 'string' || !Number.isFinite(offset)) {
      throw new SyncError(
        'SOURCE_SETTINGS_INVALID',
        'SHOW MASTER STATUS returned nothing: is the binlog enabled?',
      );
    }
    // Under the global read lock no transaction is committing: the executed GTID set is the one at this position.
    return new BinlogPosition(file, offset, (status?.Executed_Gtid_Set ?? '').replace(/\s/g, ''));
  } finally {
    await reader.query('UNLOCK TABLES');
  }
}

/** Writes chunks through up to `writerConnections` concurrent target transactions. */
class ChunkWriter {
  readonly #options: CopyTableOptions;
  readonly #writer: BatchWriter;
  readonly #deleteExtraRows: boolean;
  readonly #inFlight = new Set<Promise<void>>();
  #failure: Error | undefined;
  rowsCopied = 0;
  rowsDeleted = 0;

  readonly #concurrency: number;

  constructor(options: CopyTableOptions, deleteExtraRows: boolean) {
    this.#options = options;
    this.#writer = new BatchWriter(options.targetDatabase, options.chunkSize);
    this.#deleteExtraRows = deleteExtraRows;
    // Range deletes of neighbouring chunks take gap locks that deadlock each other: repair copies run serially.
    this.#concurrency = deleteExtraRows ? 1 : Math.max(1, options.writerConnections);
  }

  /** Starts writing a chunk covering keys after `fromKey` up to `toKey` (open-ended when undefined). */
  async enqueue(
    rows: Row[],
    fromKey: ColumnValue[] | undefined,
    toKey: ColumnValue[] | undefined,
  ): Promise<void> {
    while (this.#inFlight.size >= this.#concurrency) await Promise.race(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure;
    const write = this.#writeWithRetry(rows, fromKey, toKey).then(
      () => undefined,
      (error: unknown) => {
        this.#failure ??= error instanceof Error ? error : new Error(String(error));
      },
    );
    this.#inFlight.add(write);
    void write.finally(() => this.#inFlight.delete(write));
  }

  async finish(): Promise<void> {
    await Promise.all(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Resolves once no chunk is being written (each write records its own failure). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  async #writeWithRetry(
    rows: Row[],
    fromKey: ColumnValue[] | undefined,
    toKey: ColumnValue[] | undefined,
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#write(rows, fromKey, toKey);
        return;
      } catch (error) {
        if (classifyDriverError(error) === 'row-rejected') throw await this.#namingRefusedRow(rows, error);
        if (attempt >= 5 || !isConnectionError(error)) throw error;
        this.#options.logger.warn(
          {
            table: this.#options.targetSchema.name,
            attempt,
            rowCount: rows.length,
            errorCode: driverErrorCode(error),
          },
          'snapshot chunk failed, retrying',
        );
        await sleep(200 * 2 ** attempt, undefined, { signal: this.#options.signal });
      }
    }
  }

  async #write(
    rows: Row[],
    fromKey: ColumnValue[] | undefined,
    toKey: ColumnValue[] | undefined,
  ): Promise<void> {
    const { targetPool, targetSchema, echoMarkers } = this.#options;
    const write = async (connection: PoolConnection): Promise<void> => {
      if (this.#deleteExtraRows)
        this.rowsDeleted += await this.#deleteRowsMissingFromChunk(connection, rows, fromKey, toKey);
      if (rows.length > 0) {
        await this.#writer.writeTable(
          connection,
          targetSchema,
          rows.map((row) => ({ kind: 'upsert', table: targetSchema.name, keyText: '', row, before: null })),
        );
      }
    };
    await (echoMarkers === undefined ? inWriteTransaction(targetPool, write) : echoMarkers.run({}, write));
    this.rowsCopied += rows.length;
  }

  /**
   * The chunk's refusal with the row the target refuses named (ROW_REJECTED): the rows are written one at a time
   * in a transaction that is always rolled back, until one fails. The chunk's own error when none fails alone.
   */
  async #namingRefusedRow(rows: readonly Row[], chunkError: unknown): Promise<unknown> {
    const { targetPool, targetSchema } = this.#options;
    const table = targetSchema.name;
    const rolledBack = new Error('the search for the refused row rolls back');
    let refused: { row: Row; error: unknown } | undefined;
    try {
      await inWriteTransaction(targetPool, async (connection) => {
        for (const row of rows) {
          try {
            await this.#writer.writeTable(connection, targetSchema, [
              { kind: 'upsert', table, keyText: '', row, before: null },
            ]);
          } catch (error) {
            if (classifyDriverError(error) !== 'row-rejected') throw error;
            refused = { row, error };
            break;
          }
        }
        throw rolledBack;
      });
    } catch (error) {
      if (error !== rolledBack) {
        this.#options.logger.warn(
          { table, error: describeError(error) },
          'cannot tell which row of the snapshot chunk the target refuses',
        );
      }
    }
    if (refused === undefined) return chunkError;
    return new SyncError('ROW_REJECTED', `the target refused a row of ${table} while copying it`, {
      cause: refused.error,
      details: { table, row: rowForPause(refused.row) },
    });
  }

  /** Deletes target rows in (fromKey, toKey] whose keys the source chunk does not have. */
  async #deleteRowsMissingFromChunk(
    connection: PoolConnection,
    rows: readonly Row[],
    fromKey: ColumnValue[] | undefined,
    toKey: ColumnValue[] | undefined,
  ): Promise<number> {
    const { targetDatabase, targetSchema } = this.#options;
    const primaryKey = targetSchema.primaryKey;
    const conditions: string[] = [];
    const values: ColumnValue[] = [];
    if (fromKey !== undefined) {
      const after = keyAfter(primaryKey, fromKey);
      conditions.push(after.sql);
      values.push(...after.values);
    }
    if (toKey !== undefined) {
      const atMost = keyAtMost(primaryKey, toKey);
      conditions.push(atMost.sql);
      values.push(...atMost.values);
    }
    if (rows.length > 0) {
      const tuple = primaryKey.length === 1 ? '?' : `(${primaryKey.map(() => '?').join(', ')})`;
      const keyExpression =
        primaryKey.length === 1 ? quoteIdentifier(primaryKey[0] ?? '') : `(${columnList(primaryKey)})`;
      conditions.push(`${keyExpression} NOT IN (${rows.map(() => tuple).join(', ')})`);
      for (const row of rows) for (const column of primaryKey) values.push(row[column] ?? null);
    }
    const [result] = await connection.query(
      `DELETE FROM ${qualifiedName(targetDatabase, targetSchema.name)}${conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`}`,
      values,
    );
    return (result as { affectedRows?: number }).affectedRows ?? 0;
  }
}
