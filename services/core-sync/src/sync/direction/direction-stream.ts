/**
 * The stream stage of a direction: the binlog reader hands transactions through the schema watch to the apply
 * engine, from the earliest position any table still needs. The engine's backpressure holds the reader through
 * the reader's own holds (binlog-source.ts); its pauses, batches and watermarks reach the tables' states and the state store.
 */
import {
  CheckpointState,
  DependencyKeys,
  type ApplyEngine,
  type RefreshResolver,
} from '../../apply/index.js';
import {
  readCurrentPosition,
  streamReadingEvents,
  type BinlogSource,
  type ReadHold,
  type StreamStatus,
} from '../../binlog/index.js';
import { SyncError } from '../../errors/index.js';
import { noProgressTimeoutMs } from '../../binlog/index.js';
import { BinlogPosition, type TableSchema } from '../../model/index.js';
import { inWriteTransaction, markerSlot, readSlots, writeMarker } from '../../target/index.js';
import type { DirectionContext } from './direction-context.js';
import type { DirectionTables } from './direction-tables.js';
import type { SchemaWatch } from './schema-watch.js';
import type { StartFacts } from './start-facts.js';
import type { StatePersistence } from './state-persistence.js';
import { createApplyEngine, createBinlogSource } from './stream-wiring.js';

export interface DirectionStreamOptions {
  readonly context: DirectionContext;
  readonly tables: DirectionTables;
  readonly schemaWatch: SchemaWatch;
  readonly persistence: StatePersistence;
  readonly refreshResolver: RefreshResolver;
  /** The source server's identity recorded on the target (source-server-record.ts). */
  readonly sourceServer: string | undefined;
  /** The status changed in a way an operator should see. */
  readonly notify: () => void;
  readonly fail: (error: unknown) => void;
}

/** Where streaming starts, and what the engine starts with. */
export interface StreamStart {
  readonly checkpoints: CheckpointState;
  readonly startPosition: BinlogPosition;
  readonly targetSchemas: ReadonlyMap<string, TableSchema>;
  readonly changeKeys: DependencyKeys;
}

/** The earliest of the watermark (or the slots read at start) and the copies' positions; the source's end if none. */
export async function streamStartOf(
  context: DirectionContext,
  start: StartFacts,
  snapshotPositions: ReadonlyMap<string, BinlogPosition>,
): Promise<StreamStart> {
  const { source, sourcePool, targetPool, targetDatabase } = context;
  const slots = await readSlots(targetPool, targetDatabase, source);
  const checkpoints = new CheckpointState(slots);
  // Without a watermark, the earliest slot held now: the start's slots and those the copy stage wrote since (a
  // direction that streams only for runs opens its stream long after them, with no copy positions at hand).
  const startPosition =
    BinlogPosition.earliest(
      [
        checkpoints.watermark ??
          BinlogPosition.earliest([...start.slotsBefore, ...slots].map((slot) => slot.position)),
        ...snapshotPositions.values(),
      ].filter((position): position is BinlogPosition => position !== undefined && position !== null),
    ) ?? (await readCurrentPosition(sourcePool));
  const targetSchemas = new Map<string, TableSchema>();
  for (const [table, pair] of start.schemas) targetSchemas.set(table, pair.target);
  const changeKeys = await DependencyKeys.load(targetPool, targetSchemas.values());
  return { checkpoints, startPosition, targetSchemas, changeKeys };
}

/**
 * Where the source's binlog ends now: its current position, read before a transaction of the service's own is
 * committed on the source (where the other direction writes; the streams drop it as an echo). Everything committed
 * until now is at or before that position, and the marker commits after it, in the same file or a later one however
 * the binlog rotates meanwhile: the stream reaches the end even when nothing else is written.
 */
export async function markSourceEnd(context: DirectionContext): Promise<BinlogPosition> {
  const { sourcePool, sourceDatabase, target } = context;
  const end = await readCurrentPosition(sourcePool);
  await inWriteTransaction(sourcePool, (connection) =>
    writeMarker(connection, sourceDatabase, target, markerSlot('catch-up')),
  );
  return end;
}

export interface CatchUpOptions {
  /** Aborting it ends the wait: `caughtUp` rejects with its reason. */
  readonly signal: AbortSignal;
  /** The direction failed: its error. */
  readonly failure: () => Error | null;
  /**
   * Fail when neither the stream nor the engine moved for this long (`noProgressTimeoutMs`): the source cannot be
   * read, or a batch cannot be written. No limit when absent.
   */
  readonly noProgressTimeoutMs?: number;
}

/** How often a catch-up checks how far the stream has read. */
const catchUpPollMs = 20;

export class DirectionStream {
  readonly #options: DirectionStreamOptions;
  #engine: ApplyEngine | undefined;
  #binlogSource: BinlogSource | undefined;
  /** The stream's status at its last state change. */
  #streamStatus: StreamStatus | undefined;
  /** `close()` was called: a catch-up waits no more. */
  #closed = false;

  constructor(options: DirectionStreamOptions) {
    this.#options = options;
  }

  get engine(): ApplyEngine | undefined {
    return this.#engine;
  }

  /** The stream's live status; once it stopped, the copy kept from its last state change. */
  get streamStatus(): StreamStatus | undefined {
    return this.#binlogSource?.status ?? this.#streamStatus;
  }

  start(streamStart: StreamStart): void {
    const { context, tables, schemaWatch, persistence, notify, fail } = this.#options;
    const { source, bidirectional, logger } = context;
    const { startPosition } = streamStart;
    const engine = createApplyEngine(context, {
      ...streamStart,
      refreshResolver: this.#options.refreshResolver,
      heldTables: tables.pauses,
      sourceHold: () => this.#binlogSource?.heldPosition ?? null,
      hooks: {
        pauseSource: () => this.#binlogSource?.hold('backpressure'),
        resumeSource: () => this.#binlogSource?.release('backpressure'),
        onBatchApplied: (event) => {
          tables.addApplied(event.rowCountByTable);
          context.onBatchApplied?.(event);
        },
        onTablePaused: (pause) => {
          tables.paused(pause);
          notify();
          void persistence.saveTableStates();
        },
        onWatermark: (watermark) => {
          // Every source change up to the watermark is applied: fences over them have done their work.
          bidirectional?.ownWrites.forgetThrough(source, watermark);
          // Queued, so stop() can wait for the last copy before the store closes.
          persistence.checkpointsMoved(watermark);
        },
        onApplyFailure: () => notify(),
        onFatalError: (error) => fail(error),
      },
    });
    this.#engine = engine;
    engine.start();
    const binlogSource = createBinlogSource(context, {
      startPosition,
      sourceServer: this.#options.sourceServer,
      handler: {
        onTransaction: (transaction) => schemaWatch.onTransaction(transaction),
        onSchemaChange: (event) => schemaWatch.onSchemaChange(event),
        onIncompleteRowImage: (event) =>
          engine.pauseTableAfterCurrent(
            event.table,
            'incomplete-row-image',
            `a change of ${event.table} on ${source} was logged without the columns ` +
              `${event.missingColumns.join(', ')} (the writing session's binlog_row_image was NOBLOB or MINIMAL): ` +
              'applied as whole it would null them or lose the row, so the table is paused at it and nothing of it ' +
              'is applied. Set binlog_row_image=FULL for every session that writes the table, then copy the table ' +
              'again (docs/operations.md, "Recovering from a purged binlog")',
            event.position,
          ),
        onStatus: (status) => {
          const previous = this.#streamStatus?.state;
          this.#streamStatus = status;
          if (previous !== status.state) notify();
        },
        onFatalError: (error) => fail(error),
      },
    });
    this.#binlogSource = binlogSource;
    binlogSource.start();
    logger.info({ binlogPosition: startPosition.toString() }, 'streaming started');
  }

  /** Holds the binlog reader for `reason` (none before the stream starts: nothing is read yet). */
  hold(reason: ReadHold): void {
    this.#binlogSource?.hold(reason);
  }

  release(reason: ReadHold): void {
    this.#binlogSource?.release(reason);
  }

  /** Stops reading the binlog (the engine goes on with what is queued). */
  async stopReading(): Promise<void> {
    await this.#binlogSource?.stop();
  }

  /** Resolves true once every change read so far is applied, false after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<boolean> {
    const engine = this.#engine;
    if (engine === undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        engine.drained().then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Resolves once the stream has handed on every transaction up to `end` and they are applied (or held by a
   * paused table); rejects when the direction failed (`failure()` says why), when `signal` aborts (with its reason),
   * or with FULL_SYNC_FAILED when nothing moved for `noProgressTimeoutMs`. The target is fixed: under a steady load
   * the queue is never empty, there is always a transaction after `end` still open (which keeps the watermark
   * before `end`), and full-sync refreshes of other tables may be queued; none of them is waited for.
   */
  async caughtUp(end: BinlogPosition, options: CatchUpOptions): Promise<void> {
    const { signal, failure, noProgressTimeoutMs } = options;
    const progress = { mark: '', at: Date.now() };
    for (;;) {
      signal.throwIfAborted();
      const failed = failure();
      if (failed !== null) throw failed;
      if (this.#closed) {
        throw new SyncError('FULL_SYNC_FAILED', 'the stream was stopped before it caught up with its source');
      }
      const position = this.streamStatus?.position;
      const engine = this.#engine;
      if (
        position !== null &&
        position !== undefined &&
        position.compare(end) >= 0 &&
        engine !== undefined &&
        engine.appliedThrough(end)
      ) {
        return;
      }
      if (noProgressTimeoutMs !== undefined) this.#checkProgress(progress, end, noProgressTimeoutMs);
      await new Promise((resolve) => setTimeout(resolve, catchUpPollMs));
    }
  }

  /**
   * A stream opened for a full sync (`realtime: false`) catches up with `end`. Fails the run (FULL_SYNC_FAILED,
   * naming the direction) when the run is stopped, or when nothing moves for `noProgressTimeoutMs` (the source
   * cannot be read, or a batch cannot be written); a long catch-up that moves goes on.
   */
  async caughtUpForRun(end: BinlogPosition, signal: AbortSignal, failure: () => Error | null): Promise<void> {
    const { config, source, direction } = this.#options.context;
    const timeoutMs = noProgressTimeoutMs(
      config.sync.heartbeatIntervalMs,
      Math.max(config.databases.local.queryTimeoutMs, config.databases.cloud.queryTimeoutMs),
    );
    try {
      await this.caughtUp(end, { signal, failure, noProgressTimeoutMs: timeoutMs });
    } catch (error) {
      if (!signal.aborted || error instanceof SyncError) throw error;
      throw new SyncError(
        'FULL_SYNC_FAILED',
        `the run was stopped while ${direction} caught up with ${source}'s binlog`,
        { cause: error, details: { direction } },
      );
    }
  }

  /** Throws when neither the stream's position, nor its reading, nor the engine moved for `timeoutMs`. */
  #checkProgress(progress: { mark: string; at: number }, end: BinlogPosition, timeoutMs: number): void {
    const { context } = this.#options;
    const now = Date.now();
    const status = this.streamStatus;
    const engine = this.#engine;
    const reading =
      status !== undefined && streamReadingEvents(status, now, context.config.sync.heartbeatIntervalMs);
    const mark = [status?.position?.toString(), engine?.watermark?.toString(), engine?.queueDepth].join('|');
    if (reading || mark !== progress.mark) {
      progress.mark = mark;
      progress.at = now;
      return;
    }
    if (now - progress.at < timeoutMs) return;
    const lastError = status?.lastError ?? null;
    throw new SyncError(
      'FULL_SYNC_FAILED',
      `${context.direction} made no progress catching up with ${context.source} for ${timeoutMs} ms ` +
        `(stream ${status?.state ?? 'not started'}${lastError === null ? '' : `: ${lastError.message}`}; ` +
        `read up to ${status?.position?.toString() ?? 'nothing'}, applied up to ` +
        `${engine?.watermark?.toString() ?? 'nothing'}, the source's end ${end.toString()})`,
      {
        details: {
          direction: context.direction,
          timeoutMs,
          streamState: status?.state,
          errorCode: lastError?.code,
        },
      },
    );
  }

  /**
   * Stops reading, applies what is queued (within the shutdown timeout; not when `drain` is false, or the direction
   * failed and its queue is applied no more), stops the engine, and resolves with the committed watermark.
   */
  async close(options: {
    readonly drain: boolean;
    readonly failed: boolean;
  }): Promise<BinlogPosition | null> {
    const { context, schemaWatch } = this.#options;
    this.#closed = true;
    await this.stopReading();
    await schemaWatch.settled();
    const engine = this.#engine;
    if (engine === undefined) return null;
    if (options.drain && !options.failed) {
      const timeoutMs = context.config.sync.shutdownTimeoutMs;
      if (!(await this.settle(timeoutMs))) {
        context.logger.warn(
          { queueDepth: engine.queueDepth, timeoutMs },
          'shutdown timeout: stopping with changes still queued; they are read again at the next start',
        );
      }
    }
    await engine.stop();
    return engine.committedWatermark;
  }
}
