/**
 * One direction of sync (source side → target side), as a short lifecycle whose stages each live in a file:
 *
 *   prepare  start-facts.ts        check both sides and each table; read what the target holds
 *   copy     initial-copy.ts       copy the planned tables from a consistent snapshot (HA: fence raised first)
 *   stream   direction-stream.ts   the binlog reader → schema-watch.ts → the apply engine; the reader is held
 *                                  for counted reasons (backpressure, a schema check: binlog-source.ts `hold`);
 *                                  engine and reader built from the configuration in stream-wiring.ts
 *   stop     here                  stop reading, drain the queue, copy the checkpoints to the state store
 *
 * Alongside: the tables' states (direction-tables.ts), the status view (status-view.ts), the state store's copy
 * (state-persistence.ts), and full-sync repairs when nothing streams (direct-refresh.ts).
 */
import type { ApplyEngine, RefreshOutcome, RefreshResolver } from '../../apply/index.js';
import { SyncError, describeError } from '../../errors/index.js';
import {
  bidirectionalRefreshResolver,
  oneWayRefreshResolver,
  type FullSyncDirection,
} from '../../fullsync/index.js';
import { newTraceId, withTraceId } from '../../logging/index.js';
import type { BinlogPosition, Row, SideName, TableSchema } from '../../model/index.js';
import type { DirectionState, DirectionStatus } from '../../status/index.js';
import { deleteSlots, raiseLeaderFence, tableMarkerSlot } from '../../target/index.js';
import { DirectRefresh } from './direct-refresh.js';
import {
  directionContext,
  type DirectionContext,
  type DirectionPipelineOptions,
} from './direction-context.js';
import { DirectionStream, markSourceEnd, streamStartOf } from './direction-stream.js';
import { DirectionTables } from './direction-tables.js';
import { InitialCopy } from './initial-copy.js';
import { countPendingChanges } from './pending-changes.js';
import { SchemaWatch } from './schema-watch.js';
import {
  oneWayPlan,
  readStartFacts,
  type DirectionFacts,
  type DirectionPlan,
  type StartFacts,
} from './start-facts.js';
import { StatePersistence } from './state-persistence.js';
import { directionError, directionStatusView } from './status-view.js';

export class DirectionPipeline implements FullSyncDirection {
  readonly #context: DirectionContext;
  readonly #tables: DirectionTables;
  readonly #schemaWatch: SchemaWatch;
  readonly #persistence: StatePersistence;
  /** How full-sync refreshes become writes in this direction (fullsync/refresh-resolvers.ts). */
  readonly #refreshResolver: RefreshResolver;
  readonly #abortController = new AbortController();
  /** One trace id for everything this direction does in this process. */
  readonly #traceId = newTraceId();
  #state: DirectionState = 'starting';
  #error: SyncError | null = null;
  #start: StartFacts | undefined;
  #streaming: DirectionStream | undefined;
  #directRefresh: DirectRefresh | undefined;
  #stopped: Promise<void> | undefined;
  /** Bidirectional: the tables this direction marked as being adopted, until a run settles them. */
  readonly #adopting = new Set<string>();

  constructor(options: DirectionPipelineOptions) {
    this.#context = directionContext(options);
    this.#tables = new DirectionTables(options.config.sync.tables.map((table) => table.name));
    this.#schemaWatch = new SchemaWatch(
      this.#context,
      {
        hold: (reason) => this.#streaming?.hold(reason),
        release: (reason) => this.#streaming?.release(reason),
      },
      () => this.#engine,
      (error) => this.#fail(error),
      () => this.#notify(),
    );
    this.#persistence = new StatePersistence(
      this.#context,
      this.#tables,
      () => this.#engine?.committedWatermark ?? null,
    );
    const { sourcePool, sourceDatabase, targetDatabase } = this.#context;
    const resolverOptions = { sourcePool, sourceDatabase, targetDatabase };
    this.#refreshResolver =
      options.bidirectional === undefined
        ? oneWayRefreshResolver(resolverOptions)
        : bidirectionalRefreshResolver(resolverOptions);
  }

  /** The apply engine, once the direction streams. */
  get #engine(): ApplyEngine | undefined {
    return this.#streaming?.engine;
  }

  get direction(): string {
    return this.#context.direction;
  }

  get source(): SideName {
    return this.#context.source;
  }

  get target(): SideName {
    return this.#context.target;
  }

  /** Source and target schema of a synced table (known once the direction has started). */
  tableSchemas(table: string): { source: TableSchema; target: TableSchema } | undefined {
    const pair = this.#start?.schemas.get(table);
    return pair === undefined ? undefined : { source: pair.source, target: pair.target };
  }

  get status(): DirectionStatus {
    return directionStatusView({
      source: this.#context.source,
      target: this.#context.target,
      state: this.#state,
      error: this.#error,
      // The stream's live status: the copy kept from its last state change has that moment's position and lag.
      stream: this.#streaming?.streamStatus,
      engine: this.#engine,
      tables: this.#tables,
      schemaChanges: this.#schemaWatch.history.views,
    });
  }

  /** Checks, copies and starts streaming. Rejects (and the state becomes failed) on a fatal problem. */
  async start(): Promise<void> {
    const facts = await this.prepare();
    await this.begin(oneWayPlan(facts));
  }

  /** Checks both sides and the tables, and reports what it found; copies nothing. */
  async prepare(): Promise<DirectionFacts> {
    return this.#traced(async () => {
      const start = await readStartFacts(this.#context);
      await this.#schemaWatch.followStart(start);
      this.#start = start;
      return start.facts;
    });
  }

  /** Copies and starts streaming as planned. */
  async begin(plan: DirectionPlan): Promise<void> {
    await this.#traced(async () => {
      const start = this.#start;
      if (start === undefined) throw new Error('begin() needs prepare() first');
      for (const table of plan.adopt) this.#adopting.add(table);
      const snapshotPositions = await this.#copy(start, plan);
      if (!this.#context.config.sync.realtime) {
        this.#setState('idle');
        await this.#persistence.saveTableStates();
        return;
      }
      await this.#stream(start, snapshotPositions);
      if (this.#abortController.signal.aborted) return;
      this.#setState('streaming');
      await this.#persistence.saveTableStates();
    });
  }

  /**
   * Full sync: makes the target's rows for these keys match the source's current rows, in order with the stream
   * (apply-engine.ts `refresh`). One-way with `realtime: false` nothing streams and repairs are written directly.
   */
  async refresh(
    table: string,
    keyRows: readonly Row[],
    deletedRows?: ReadonlyMap<string, Row>,
  ): Promise<RefreshOutcome> {
    const engine = this.#engine;
    if (engine !== undefined) return engine.refresh(table, keyRows, deletedRows);
    const pair = this.#start?.schemas.get(table);
    if (this.#state !== 'idle' || pair === undefined) {
      throw new SyncError(
        'FULL_SYNC_FAILED',
        `cannot repair ${table} through ${this.direction}: the direction is ${this.#state}`,
      );
    }
    if (this.#context.bidirectional !== undefined) {
      // A run opens the streams first (openForRun): repairs go through them, where conflicts are checked.
      throw new SyncError(
        'FULL_SYNC_FAILED',
        `cannot repair ${table} through ${this.direction}: it does not stream`,
      );
    }
    this.#directRefresh ??= new DirectRefresh(this.#context, this.#refreshResolver);
    return this.#directRefresh.refresh(table, pair.target, keyRows);
  }

  /** Its stream broke and is reconnecting (a stream still starting is waited for by a catch-up instead). */
  get streamDown(): boolean {
    return this.#streaming?.streamStatus?.state === 'reconnecting';
  }

  /** Bidirectional: the tables being adopted whose differences no run has settled yet. */
  get adoptingTables(): readonly string[] {
    return [...this.#adopting];
  }

  isAdopting(table: string): boolean {
    return this.#adopting.has(table);
  }

  /** A run settled these tables: they are adopted (their marks on the target are removed). */
  async adopted(tables: readonly string[]): Promise<void> {
    const settled = tables.filter((table) => this.#adopting.has(table));
    if (settled.length === 0) return;
    const { source, targetPool, targetDatabase, logger } = this.#context;
    await deleteSlots(
      targetPool,
      targetDatabase,
      source,
      settled.map((table) => tableMarkerSlot('adopting', table)),
    );
    for (const table of settled) this.#adopting.delete(table);
    logger.info({ tables: settled }, 'tables adopted: their differences are settled');
  }

  /** Resolves true once every change read so far is applied, false after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<boolean> {
    return (await this.#streaming?.settle(timeoutMs)) ?? true;
  }

  async catchUp(timeoutMs: number): Promise<boolean> {
    const stream = this.#streaming;
    if (stream === undefined) return true;
    const end = await markSourceEnd(this.#context);
    try {
      await stream.caughtUp(end, { signal: AbortSignal.timeout(timeoutMs), failure: () => this.#error });
      return true;
    } catch (error) {
      if (error instanceof DOMException && error.name === 'TimeoutError') return false;
      throw error;
    }
  }

  /**
   * Before a full sync. A bidirectional direction that does not stream (`realtime: false`) streams now, from its
   * checkpoint to the source's current end, so the run starts with both sides' changes since the last run applied
   * (deletes included, conflicts checked), and repairs through the conflict check. Nothing to do otherwise.
   */
  async openForRun(signal: AbortSignal): Promise<void> {
    const start = this.#start;
    if (!this.#streamsOnDemand || this.#streaming !== undefined || start === undefined) return;
    if (this.#state !== 'idle') return;
    // A run that cannot catch up (stopped, the source unreachable) fails; the direction stays as it was.
    await withTraceId(this.#traceId, async () => {
      try {
        const end = await markSourceEnd(this.#context);
        await this.#stream(start, new Map());
        const stream = this.#streaming;
        if (stream === undefined) return;
        this.#setState('streaming');
        await stream.caughtUpForRun(end, signal, () => this.#error);
        this.#context.logger.info(
          { binlogPosition: end.toString() },
          'caught up with the source for a full sync',
        );
      } catch (error) {
        await this.closeAfterRun();
        throw error;
      }
    });
  }

  async pendingChanges(signal: AbortSignal): Promise<number | null> {
    const start = this.#start;
    if (!this.#streamsOnDemand || this.#streaming !== undefined || start === undefined) return null;
    return withTraceId(this.#traceId, () => countPendingChanges(this.#context, start, signal));
  }

  /** After a full sync: a direction that streamed for it only stops, and keeps its checkpoints. */
  async closeAfterRun(): Promise<void> {
    const stream = this.#streaming;
    if (!this.#streamsOnDemand || stream === undefined) return;
    await withTraceId(this.#traceId, async () => {
      this.#streaming = undefined;
      const watermark = await stream.close({ drain: true, failed: this.#state === 'failed' });
      await this.#persistence.settled();
      if (watermark !== null) await this.#persistence.saveCheckpoints(watermark);
      if (this.#state === 'streaming') this.#setState('idle');
      await this.#persistence.saveTableStates();
    });
  }

  /** Bidirectional with `realtime: false`: the direction streams only during a full sync. */
  get #streamsOnDemand(): boolean {
    const { config, bidirectional } = this.#context;
    return bidirectional !== undefined && !config.sync.realtime;
  }

  /**
   * Stops reading, applies what is queued (within the shutdown timeout; not when `drain` is false, as for a
   * deposed leader whose writes are fenced anyway), writes the checkpoints, and ends.
   */
  stop(options: { readonly drain?: boolean } = {}): Promise<void> {
    // Once: a second call (a deposed leader's step-down, then the process's shutdown) waits for the first.
    this.#stopped ??= this.#stop(options);
    return this.#stopped;
  }

  /** The copy stage: fresh tables start at the source position, planned ones are copied. */
  async #copy(start: StartFacts, plan: DirectionPlan): Promise<Map<string, BinlogPosition>> {
    const { config, source, targetPool, targetDatabase, fenceEpoch, logger } = this.#context;
    // High availability: from here on, batches of an older leader on this target roll back.
    if (fenceEpoch !== undefined) {
      await raiseLeaderFence(targetPool, targetDatabase, source, fenceEpoch, logger);
    }
    this.#setState('snapshotting');
    const copy = new InitialCopy({
      context: this.#context,
      tables: this.#tables,
      schemas: start.schemas,
      signal: this.#abortController.signal,
      notify: () => this.#notify(),
    });
    const snapshotPositions = new Map<string, BinlogPosition>();
    const { sourcePosition } = start.facts;
    if (sourcePosition !== null) {
      await copy.startFresh(plan.fresh, sourcePosition, plan.adopt);
      for (const table of plan.fresh) snapshotPositions.set(table, sourcePosition);
    }
    const tablesToCopy = config.sync.tables.filter((table) => plan.copy.includes(table.name));
    for (const [table, position] of await copy.copy(tablesToCopy, plan.repair)) {
      snapshotPositions.set(table, position);
    }
    this.#tables.copiesDone(config.sync.realtime);
    return snapshotPositions;
  }

  /** The stream stage: the engine applies what the binlog reader reads, from where each table needs it. */
  async #stream(start: StartFacts, snapshotPositions: ReadonlyMap<string, BinlogPosition>): Promise<void> {
    const stream = new DirectionStream({
      context: this.#context,
      tables: this.#tables,
      schemaWatch: this.#schemaWatch,
      persistence: this.#persistence,
      refreshResolver: this.#refreshResolver,
      sourceServer: start.sourceServer,
      notify: () => this.#notify(),
      fail: (error) => this.#fail(error),
    });
    const streamStart = await streamStartOf(this.#context, start, snapshotPositions);
    // Stopped meanwhile: nothing starts after stop().
    if (this.#abortController.signal.aborted) return;
    this.#streaming = stream;
    stream.start(streamStart);
  }

  async #stop(options: { readonly drain?: boolean }): Promise<void> {
    if (this.#state === 'stopped') return;
    const wasFailed = this.#state === 'failed';
    if (!wasFailed) this.#setState('stopping');
    this.#abortController.abort();
    const watermark =
      (await this.#streaming?.close({ drain: options.drain !== false, failed: wasFailed })) ?? null;
    await this.#schemaWatch.settled();
    await this.#persistence.settled();
    // A deposed leader leaves the state store to the new one (its copies would be older).
    if (options.drain !== false) {
      if (watermark !== null) await this.#persistence.saveCheckpoints(watermark);
      await this.#persistence.saveTableStates();
    }
    if (!wasFailed) this.#setState('stopped');
  }

  async #traced<Result>(work: () => Promise<Result>): Promise<Result> {
    return withTraceId(this.#traceId, async () => {
      try {
        return await work();
      } catch (error) {
        this.#fail(error);
        throw this.#error ?? error;
      }
    });
  }

  #setState(state: DirectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#context.logger.info({ state }, 'direction state changed');
    this.#notify();
  }

  #notify(): void {
    this.#context.onStatusChange?.(this.status);
  }

  #fail(error: unknown): void {
    if (this.#state === 'failed') return;
    this.#error = directionError(error, this.direction, this.#context.target);
    this.#context.logger.error(
      { errorCode: this.#error.code, error: describeError(this.#error) },
      'direction failed',
    );
    this.#setState('failed');
    void this.#streaming?.stopReading();
    void this.#engine?.stop();
  }
}
