/**
 * The state store's copy of a direction: its checkpoints (the target keeps the originals, in the same
 * transactions as the rows) and its tables' states. A store that fails is logged and written again later; it
 * never stops the stream.
 */
import { SyncError, describeError } from '../../errors/index.js';
import type { BinlogPosition } from '../../model/index.js';
import { readSlots } from '../../target/index.js';
import type { DirectionContext } from './direction-context.js';
import type { DirectionTables } from './direction-tables.js';

export class StatePersistence {
  readonly #context: DirectionContext;
  readonly #tables: DirectionTables;
  /** The committed watermark, when the engine streams. */
  readonly #watermark: () => BinlogPosition | null;
  /** The copies of the checkpoints being written, in order (never rejects: failures are logged). */
  #checkpointSave: Promise<void> = Promise.resolve();

  constructor(context: DirectionContext, tables: DirectionTables, watermark: () => BinlogPosition | null) {
    this.#context = context;
    this.#tables = tables;
    this.#watermark = watermark;
  }

  /** Queues a copy of the checkpoints up to `watermark`, after the ones queued before it. */
  checkpointsMoved(watermark: BinlogPosition): void {
    this.#checkpointSave = this.#checkpointSave.then(() => this.saveCheckpoints(watermark));
  }

  /** Resolves once every queued copy is written (or failed and logged). */
  async settled(): Promise<void> {
    await this.#checkpointSave;
  }

  async saveCheckpoints(watermark: BinlogPosition): Promise<void> {
    const { source, targetPool, targetDatabase, store } = this.#context;
    try {
      const slots = await readSlots(targetPool, targetDatabase, source);
      await store.saveCheckpoints(
        slots.map((slot) => ({
          sourceName: source,
          slot: slot.slot,
          binlogFile: slot.position.file,
          binlogPosition: slot.position.offset,
          gtid: slot.position.gtid,
          updatedAt: new Date(),
        })),
      );
      await this.saveTableStates(watermark);
    } catch (error) {
      this.#logStoreFailure(
        error,
        'failed to copy checkpoints to the state store; the target keeps them, will retry',
      );
    }
  }

  async saveTableStates(watermark?: BinlogPosition): Promise<void> {
    const { store, direction } = this.#context;
    const position = watermark ?? this.#watermark();
    try {
      for (const [table, status] of this.#tables.entries()) {
        await store.upsertTableState({
          tableName: table,
          syncDirection: direction,
          status: status.state,
          lastSyncTime: new Date(),
          binlogFile: position?.file ?? null,
          binlogPosition: position?.offset ?? null,
          gtid: position?.gtid ?? null,
          rowsSynced: status.rowsApplied + status.rowsCopied,
          errorMessage: status.pause?.message ?? null,
          details:
            status.pause === null
              ? null
              : {
                  reason: status.pause.reason,
                  code: status.pause.code,
                  errorCode: status.pause.errorCode,
                  position: status.pause.position?.toString() ?? null,
                  row: status.pause.row,
                },
          updatedAt: new Date(),
        });
      }
    } catch (error) {
      this.#logStoreFailure(error, 'failed to write table states to the state store; will retry');
    }
  }

  /** A store outage is logged by the store when it begins and ends; each failed copy during it only at debug. */
  #logStoreFailure(error: unknown, message: string): void {
    const duringOutage = error instanceof SyncError && error.code === 'STATE_STORE_UNAVAILABLE';
    this.#context.logger[duringOutage ? 'debug' : 'warn']({ error: describeError(error) }, message);
  }
}
