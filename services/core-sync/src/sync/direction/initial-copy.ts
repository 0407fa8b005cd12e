/**
 * The copy stage of a direction: the planned tables are copied from a consistent snapshot of the source, several
 * at once, and each copy records the source position it holds (its `snapshot:` slot) in the transaction that
 * ends it. A table the target refuses as a whole (read-only, full, a row too large) is paused, not fatal.
 */
import type { TableConfig } from '../../config/index.js';
import type { BinlogPosition } from '../../model/index.js';
import { readServerInfo, type ServerFlavor } from '../../mysql/index.js';
import { copyTable, type TablePair } from '../../snapshot/index.js';
import {
  EchoMarkers,
  tableMarkerSlot,
  deleteMarkers,
  deleteSlots,
  describeCopyRefusal,
  inWriteTransaction,
  snapshotSlot,
  stoppedCopyMessage,
  writeMarker,
  writeSlots,
  type CopyRefusal,
} from '../../target/index.js';
import type { DirectionContext } from './direction-context.js';
import type { DirectionTables, MutableTableStatus } from './direction-tables.js';

export interface InitialCopyOptions {
  readonly context: DirectionContext;
  readonly tables: DirectionTables;
  readonly schemas: ReadonlyMap<string, TablePair>;
  /** Aborted when the direction stops: copies under way end. */
  readonly signal: AbortSignal;
  /** A table's status changed in a way an operator should see (a paused copy). */
  readonly notify: () => void;
}

export class InitialCopy {
  readonly #options: InitialCopyOptions;

  constructor(options: InitialCopyOptions) {
    this.#options = options;
  }

  /**
   * Tables that start streaming from `position` without a copy (bidirectional: a side was empty, or both hold
   * rows), and the tables being adopted (marked in the same transaction, so a restart adopts them again).
   */
  async startFresh(
    tables: readonly string[],
    position: BinlogPosition,
    adopted: readonly string[],
  ): Promise<void> {
    await this.#commitSnapshotSlots(tables, position, adopted);
    const { logger, config } = this.#options.context;
    for (const table of tables) {
      logger.info(
        { table, binlogPosition: position.toString(), adopted: adopted.includes(table) },
        config.sync.realtime
          ? 'table starts streaming without a copy'
          : 'table starts without a copy: each run applies its changes from this binlog position',
      );
    }
  }

  /**
   * Copies the tables (`repair`: deleting the target's rows the source lacks) and resolves to the source position
   * each copy holds. A paused table has none.
   */
  async copy(tables: readonly TableConfig[], repair: boolean): Promise<Map<string, BinlogPosition>> {
    const positions = new Map<string, BinlogPosition>();
    if (tables.length === 0) return positions;
    const { context } = this.#options;
    const { config, source, sourcePool, targetPool, targetDatabase } = context;
    const sourceFlavor = (await readServerInfo(sourcePool)).flavor;
    const queue = [...tables];
    // One set for every copy writer: chunks written at once hold different marker rows.
    const echoMarkers =
      context.bidirectional === undefined
        ? undefined
        : new EchoMarkers(targetPool, targetDatabase, source, 'snapshot');
    const copyNext = async (): Promise<void> => {
      for (let tableConfig = queue.shift(); tableConfig !== undefined; tableConfig = queue.shift()) {
        const position = await this.#copyTable(tableConfig, repair, sourceFlavor, echoMarkers);
        if (position !== undefined) positions.set(tableConfig.name, position);
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(config.sync.snapshotConcurrency, tables.length) }, () => copyNext()),
    );
    if (echoMarkers !== undefined) {
      // The copy's marker rows have done their work.
      await deleteMarkers(targetPool, targetDatabase, source, 'snapshot:');
    }
    return positions;
  }

  async #copyTable(
    tableConfig: TableConfig,
    repair: boolean,
    sourceFlavor: ServerFlavor,
    echoMarkers: EchoMarkers | undefined,
  ): Promise<BinlogPosition | undefined> {
    const { context, tables, schemas, signal } = this.#options;
    const { config, source, target, targetPool, targetDatabase, sourceDatabase, logger } = context;
    const pair = schemas.get(tableConfig.name);
    const status = tables.get(tableConfig.name);
    if (pair === undefined || status === undefined) return undefined;
    status.state = 'snapshotting';
    let result: Awaited<ReturnType<typeof copyTable>>;
    try {
      // Marks the copy as started: if it does not finish, the next start copies the table again.
      await inWriteTransaction(targetPool, (connection) =>
        writeMarker(connection, targetDatabase, source, tableMarkerSlot('copying', tableConfig.name)),
      );
      result = await copyTable({
        sourceEndpoint: context.sourceEndpoints.application,
        sourceDatabase,
        sourceFlavor,
        targetPool,
        targetDatabase,
        sourceSchema: pair.source,
        targetSchema: pair.target,
        chunkSize: tableConfig.batchSize,
        writerConnections: config.sync.snapshotWriters,
        logger,
        signal,
        onProgress: (progress) => {
          status.rowsCopied = progress.rowsCopied;
        },
        deleteExtraRows: repair,
        ...(echoMarkers === undefined ? {} : { echoMarkers }),
      });
    } catch (error) {
      const refusal = describeCopyRefusal(error, target, source);
      if (refusal === undefined || signal.aborted) throw error;
      this.#pauseCopy(tableConfig.name, status, refusal);
      return undefined;
    }
    await this.#commitSnapshotSlots([tableConfig.name], result.position);
    // Progress is reported as chunks are queued; the result counts the rows actually written.
    status.rowsCopied = result.rowsCopied;
    status.state = 'pending';
    return result.position;
  }

  /**
   * Records that these tables hold every source change up to `position`, and marks the `adopted` ones (one target
   * transaction).
   */
  async #commitSnapshotSlots(
    tables: readonly string[],
    position: BinlogPosition,
    adopted: readonly string[] = [],
  ): Promise<void> {
    if (tables.length === 0 && adopted.length === 0) return;
    const { source, targetPool, targetDatabase } = this.#options.context;
    await inWriteTransaction(targetPool, async (connection) => {
      if (tables.length > 0) {
        await writeSlots(
          connection,
          targetDatabase,
          source,
          tables.map((table) => ({ slot: snapshotSlot(table), position })),
        );
        await deleteSlots(
          connection,
          targetDatabase,
          source,
          tables.map((table) => tableMarkerSlot('copying', table)),
        );
      }
      for (const table of adopted) {
        await writeMarker(connection, targetDatabase, source, tableMarkerSlot('adopting', table));
      }
    });
  }

  /** The target refused the copy of a table as a whole (read-only, full, a row too large): only it is held. */
  #pauseCopy(table: string, status: MutableTableStatus, refusal: CopyRefusal): void {
    status.state = 'paused';
    status.pause = {
      table,
      reason: refusal.reason,
      code: refusal.code,
      message: stoppedCopyMessage(refusal, table),
      fromSequence: 0,
      resumePosition: null,
      position: null,
      row: refusal.row,
      errorCode: refusal.errorCode,
    };
    this.#options.context.logger.error(
      {
        table,
        reason: refusal.reason,
        code: refusal.code,
        errorCode: refusal.errorCode,
        error: status.pause.message,
      },
      'table paused',
    );
    this.#options.notify();
  }
}
