/**
 * One direction of sync (source side → target side): checks both sides, copies tables that have no checkpoint,
 * then streams the source binlog into the apply engine from the position the target's checkpoints give.
 */
import {
  ApplyEngine,
  DependencyKeys,
  CheckpointState,
  type ApplyFailure,
  type BatchAppliedEvent,
  type RefreshOutcome,
  type RefreshResolver,
} from '../apply/index.js';
import {
  EchoMarkers,
  checkpointTableName,
  copyMarkerSlot,
  deleteMarkers,
  deleteSlots,
  describeCopyRefusal,
  describeTargetRefusal,
  ensureCheckpointTable,
  readUnfinishedCopies,
  stoppedCopyMessage,
  resumeOrRestart,
  raiseFence,
  writeMarker,
  readSlots,
  snapshotSlot,
  writeSlots,
  BatchWriter,
  type SlotPosition,
  type CopyRefusal,
  inWriteTransaction,
} from '../target/index.js';
import {
  primaryKeyText,
  BinlogPosition,
  type Row,
  type SideName,
  type SourceTransaction,
  type SystemPeriod,
  type TableSchema,
} from '../model/index.js';
import {
  BinlogSource,
  checkReplicationAccess,
  readCurrentPosition,
  type SchemaChangeEvent,
  type StreamStatus,
} from '../binlog/index.js';
import type { ServiceConfig, TableConfig } from '../config/index.js';
import {
  ConflictChecker,
  strategyFor,
  type ConflictEvent,
  type OpenConflicts,
  type OwnWrites,
  type RowClaims,
} from '../conflict/index.js';
import { SyncError, describeError } from '../errors/index.js';
import { newTraceId, withTraceId, type Logger } from '../logging/index.js';
import {
  describeColumnDifferences,
  qualifiedName,
  readServerInfo,
  readTableSchema,
  type MysqlEndpoint,
  type Pool,
} from '../mysql/index.js';
import {
  bidirectionalRefreshResolver,
  oneWayRefreshResolver,
  type FullSyncDirection,
} from '../fullsync/index.js';
import { copyTable, prepareTable, unsupportedColumns, type TablePair } from '../snapshot/index.js';
import type { StateStore } from '../store/index.js';
import type { SideEndpoints } from './database-endpoints.js';
import { preparedXaView } from './direction-status.js';
import { currentVersionChanges } from './system-versioning.js';
import { confirmSourceServer } from './source-server-record.js';
import type {
  DirectionState,
  DirectionStatus,
  TablePause,
  TableState,
  TableStatus,
} from '../status/index.js';

export interface DirectionPipelineOptions {
  readonly config: ServiceConfig;
  readonly source: SideName;
  readonly target: SideName;
  /** Where the source is read and streamed from (database-endpoints.ts), TLS settled. */
  readonly sourceEndpoints: SideEndpoints;
  readonly sourcePool: Pool;
  readonly targetPool: Pool;
  readonly store: StateStore;
  readonly logger: Logger;
  /** Called whenever the status changes in a way an operator should see (state, pause, failure). */
  readonly onStatusChange?: (status: DirectionStatus) => void;
  /** Every committed apply batch (metrics). */
  readonly onBatchApplied?: (event: BatchAppliedEvent) => void;
  /** High availability: the leader's lease epoch; the target's fence is raised to it and every batch checks it. */
  readonly fenceEpoch?: number;
  /** Set in bidirectional mode: conflicts are detected, and copies are marked so the other side drops them. */
  readonly bidirectional?: {
    readonly openConflicts: OpenConflicts;
    /** Both shared with the other direction: see conflict/own-writes.ts and conflict/row-claims.ts. */
    readonly ownWrites: OwnWrites;
    readonly rowClaims: RowClaims;
    readonly onConflict?: (event: ConflictEvent) => void;
  };
}

/** What a direction found at start, before it copied anything. */
export interface DirectionFacts {
  readonly source: SideName;
  readonly target: SideName;
  /** The source's position read before the tables were checked: a table started fresh streams from here. */
  readonly sourcePosition: BinlogPosition | null;
  readonly tables: ReadonlyMap<string, TableFacts>;
}

export interface TableFacts {
  readonly hasCheckpoint: boolean;
  readonly targetEmpty: boolean;
  /** A copy of the table into the target started and did not finish (stopped, or the process died). */
  readonly copyUnfinished: boolean;
}

/** What a direction does at start: which tables it copies, and which start streaming without a copy. */
export interface DirectionPlan {
  readonly copy: readonly string[];
  /** Tables that stream from `DirectionFacts.sourcePosition` on, without a copy (bidirectional). */
  readonly fresh: readonly string[];
  /** Whether a copy into a non-empty target deletes the target's rows the source lacks (one-way only). */
  readonly repair: boolean;
}

/** One-way: copy every table the target has no checkpoint for, whose target table is empty, or whose copy did not finish. */
export function oneWayPlan(facts: DirectionFacts): DirectionPlan {
  const copy = [...facts.tables]
    .filter(([, table]) => !table.hasCheckpoint || table.targetEmpty || table.copyUnfinished)
    .map(([name]) => name);
  return { copy, fresh: [], repair: true };
}

interface MutableTableStatus {
  state: TableState;
  rowsApplied: number;
  rowsCopied: number;
  pause: TablePause | null;
}

/**
 * Rows per streaming statement (a batch of `batch_insert_size` rows is several statements in one transaction).
 * mysql2 caches each statement size once per connection, with one parameter-definition object per placeholder.
 * With 1,000-row statements a heap snapshot during the catch-up benchmark held 85,000 of them (16 MB of a 66 MB
 * live heap); at 256 rows, 44,000 (8 MB of 39 MB), peak RSS fell from about 205 to 190 MB and throughput rose.
 */
const streamingRowsPerStatement = 256;

export class DirectionPipeline implements FullSyncDirection {
  readonly #options: DirectionPipelineOptions;
  readonly #logger: Logger;
  readonly #direction: string;
  readonly #tables = new Map<string, MutableTableStatus>();
  #state: DirectionState = 'starting';
  #error: SyncError | null = null;
  #engine: ApplyEngine | undefined;
  #binlogSource: BinlogSource | undefined;
  #streamStatus: StreamStatus | undefined;
  #abortController = new AbortController();
  /** DDL checks run in stream order: transactions that arrive meanwhile wait here (the source is paused). */
  #schemaCheck: Promise<void> | undefined;
  #heldTransactions: SourceTransaction[] = [];
  #schemas = new Map<string, TablePair>();
  /** The period columns of the source's system-versioned tables: their changes reach the target as current rows. */
  readonly #systemPeriods = new Map<string, SystemPeriod>();
  /** One trace id for everything this direction does in this process. */
  readonly #traceId = newTraceId();
  #slotsBefore: SlotPosition[] = [];
  /** The source server's identity, recorded on the target at prepare (source-server-record.ts). */
  #sourceServer: string | undefined;
  #facts: DirectionFacts | undefined;
  #stopped: Promise<void> | undefined;
  /** How full-sync refreshes become writes in this direction (fullsync/refresh-resolvers.ts). */
  readonly #refreshResolver: RefreshResolver;
  /** Writes full-sync repairs when nothing streams (`realtime: false`). */
  #directWriter: BatchWriter | undefined;
  /** The state-store copy of the checkpoints being written (never rejects: failures are logged). */
  #checkpointSave: Promise<void> = Promise.resolve();

  constructor(options: DirectionPipelineOptions) {
    this.#options = options;
    this.#direction = `${options.source}_to_${options.target}`;
    this.#logger = options.logger.child({ component: 'pipeline', direction: this.#direction });
    const resolverOptions = {
      sourcePool: options.sourcePool,
      sourceDatabase: options.config.databases[options.source].database,
      targetDatabase: options.config.databases[options.target].database,
    };
    this.#refreshResolver =
      options.bidirectional === undefined
        ? oneWayRefreshResolver(resolverOptions)
        : bidirectionalRefreshResolver(resolverOptions);
    for (const table of options.config.sync.tables) {
      this.#tables.set(table.name, { state: 'pending', rowsApplied: 0, rowsCopied: 0, pause: null });
    }
  }

  get direction(): string {
    return this.#direction;
  }

  get source(): SideName {
    return this.#options.source;
  }

  get target(): SideName {
    return this.#options.target;
  }

  /** Source and target schema of a synced table (known once the direction has started). */
  tableSchemas(table: string): { source: TableSchema; target: TableSchema } | undefined {
    const pair = this.#schemas.get(table);
    return pair === undefined ? undefined : { source: pair.source, target: pair.target };
  }

  /**
   * Full sync: makes the target's rows for these keys match the source's current rows, in order with the stream
   * (apply-engine.ts `refresh`). With `realtime: false` nothing streams and one-way repairs are written directly.
   */
  async refresh(table: string, keyRows: readonly Row[]): Promise<RefreshOutcome> {
    const engine = this.#engine;
    if (engine !== undefined) return engine.refresh(table, keyRows);
    const pair = this.#schemas.get(table);
    if (this.#state !== 'idle' || pair === undefined) {
      throw new SyncError(
        'FULL_SYNC_FAILED',
        `cannot repair ${table} through ${this.#direction}: the direction is ${this.#state}`,
      );
    }
    if (this.#options.bidirectional !== undefined) {
      throw new SyncError(
        'FULL_SYNC_FAILED',
        'a bidirectional full sync needs sync.realtime: true (its repairs go through the streams, where conflicts are checked)',
      );
    }
    const { config, targetPool, target } = this.#options;
    const targetDatabase = config.databases[target].database;
    const resolver = this.#refreshResolver;
    // One writer for the direction: it caches the statements it builds.
    this.#directWriter ??= new BatchWriter(targetDatabase, streamingRowsPerStatement);
    const writer = this.#directWriter;
    return inWriteTransaction(targetPool, async (connection) => {
      const operations = await resolver.resolve(
        connection,
        pair.target,
        keyRows.map((row) => ({
          kind: 'refresh',
          table,
          keyText: primaryKeyText(row, pair.target.primaryKey),
          row,
          before: null,
        })),
      );
      await writer.writeTable(connection, pair.target, operations);
      return { rowsWritten: operations.length };
    });
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

  get status(): DirectionStatus {
    // The stream's live status: the copy kept from its last state change has that moment's position and lag.
    const stream = this.#binlogSource?.status ?? this.#streamStatus;
    return {
      source: this.#options.source,
      target: this.#options.target,
      state: this.#state,
      error: this.#error === null ? null : { code: this.#error.code, message: describeError(this.#error) },
      stream:
        stream === undefined
          ? null
          : {
              state: stream.state,
              position: stream.position?.toString() ?? null,
              lagMs: stream.lagMs,
              preparedXa: preparedXaView(stream.preparedXa),
              reconnectAttempt: stream.reconnectAttempt,
              lastError: stream.lastError,
            },
      watermark: this.#engine?.committedWatermark?.toString() ?? null,
      queueDepth: this.#engine?.queueDepth ?? 0,
      backpressure: this.#engine?.backpressure ?? null,
      rowsApplied: this.#engine?.rowsApplied ?? 0,
      applyFailure: applyFailureView(this.#engine?.applyFailure ?? null),
      tables: [...this.#tables].map(([table, status]): TableStatus => ({
        table,
        ...status,
        rowsApplied: status.rowsApplied,
      })),
    };
  }

  /** Checks, snapshots and starts streaming. Rejects (and the state becomes failed) on a fatal problem. */
  async start(): Promise<void> {
    const facts = await this.prepare();
    await this.begin(oneWayPlan(facts));
  }

  /** Checks both sides and the tables, and reports what it found; copies nothing. */
  async prepare(): Promise<DirectionFacts> {
    return this.#traced(() => this.#prepare());
  }

  /** Copies and starts streaming as planned. */
  async begin(plan: DirectionPlan): Promise<void> {
    await this.#traced(() => this.#begin(plan));
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

  async #prepare(): Promise<DirectionFacts> {
    const { config, source, target, sourcePool, targetPool } = this.#options;
    const sourceDatabase = config.databases[source].database;
    const targetDatabase = config.databases[target].database;
    this.#logger.info(
      { tables: config.sync.tables.map((table) => table.name), realtime: config.sync.realtime },
      'starting direction',
    );
    if (config.sync.realtime) await checkReplicationAccess(this.#replicationEndpoint());
    // Read first: writes after it are streamed, writes before it show in the emptiness checks below.
    const sourcePosition = config.sync.realtime ? await readCurrentPosition(sourcePool) : null;
    for (const tableConfig of config.sync.tables) {
      const pair = await prepareTable({
        table: tableConfig.name,
        configuredPrimaryKey: tableConfig.primaryKey,
        timestampColumn: tableConfig.timestampColumn,
        sourcePool,
        sourceDatabase,
        sourceLabel: source,
        targetPool,
        targetDatabase,
        targetLabel: target,
        createMissingTables: config.sync.createMissingTables,
        logger: this.#logger,
      });
      this.#schemas.set(tableConfig.name, pair);
      this.#followSystemPeriod(tableConfig.name, pair.source);
    }
    await ensureCheckpointTable(targetPool, targetDatabase);
    let slotsBefore = await readSlots(targetPool, targetDatabase, source);
    if (config.sync.realtime) {
      const confirmed = await confirmSourceServer({
        source,
        sourcePool,
        sourceDatabase,
        targetPool,
        targetDatabase,
        slots: slotsBefore,
        replicationEndpoint: this.#replicationEndpoint(),
        serverLabel: `${source} (${this.#replicationEndpoint().host}:${this.#replicationEndpoint().port})`,
        logger: this.#logger,
      });
      this.#sourceServer = confirmed.identity;
      slotsBefore = [...confirmed.slots];
    }
    this.#slotsBefore = slotsBefore;
    const checkpointsBefore = new CheckpointState(slotsBefore);
    const unfinishedCopies = await readUnfinishedCopies(targetPool, targetDatabase, source);
    const tables = new Map<string, TableFacts>();
    for (const tableConfig of config.sync.tables) {
      const pair = this.#schemas.get(tableConfig.name);
      const targetEmpty = pair?.created === true || !(await this.#targetHasRows(tableConfig.name));
      tables.set(tableConfig.name, {
        hasCheckpoint: checkpointsBefore.hasCheckpointFor(tableConfig.name),
        targetEmpty,
        copyUnfinished: unfinishedCopies.has(tableConfig.name),
      });
    }
    this.#facts = { source, target, sourcePosition, tables };
    return this.#facts;
  }

  async #begin(plan: DirectionPlan): Promise<void> {
    const { config, source, sourcePool, targetPool } = this.#options;
    const targetDatabase = config.databases[this.#options.target].database;
    const slotsBefore = this.#slotsBefore;
    const facts = this.#facts;
    if (facts === undefined) throw new Error('begin() needs prepare() first');
    const { fenceEpoch } = this.#options;
    // High availability: from here on, batches of an older leader on this target roll back.
    if (fenceEpoch !== undefined) {
      await raiseFence(targetPool, targetDatabase, source, fenceEpoch, (connectionIds, error) => {
        if (error === undefined) {
          this.#logger.warn(
            { connectionIds, epoch: fenceEpoch },
            "ending the previous leader's connections that hold the fence (it was paused mid-batch)",
          );
        } else {
          this.#logger.warn(
            { error: describeError(error), epoch: fenceEpoch },
            'cannot see what holds the fence (sys.innodb_lock_waits, PROCESS privilege); waiting for it',
          );
        }
      });
    }
    this.#setState('snapshotting');
    const snapshotPositions = new Map<string, BinlogPosition>();
    if (facts.sourcePosition !== null) {
      await this.#commitSnapshotSlots(plan.fresh, facts.sourcePosition);
      for (const table of plan.fresh) {
        snapshotPositions.set(table, facts.sourcePosition);
        this.#logger.info(
          { table, binlogPosition: facts.sourcePosition.toString() },
          'table starts streaming without a copy',
        );
      }
    }
    const tablesToCopy = config.sync.tables.filter((table) => plan.copy.includes(table.name));
    for (const [table, position] of await this.#copyTables(tablesToCopy, plan.repair))
      snapshotPositions.set(table, position);
    if (this.#options.bidirectional !== undefined && tablesToCopy.length > 0) {
      // The copy's marker rows (one per writer connection) have done their work.
      await deleteMarkers(targetPool, targetDatabase, source, 'snapshot:');
    }
    for (const status of this.#tables.values()) {
      if (status.state === 'pending') status.state = config.sync.realtime ? 'streaming' : 'synced';
    }
    if (!config.sync.realtime) {
      this.#setState('idle');
      await this.#saveTableStates();
      return;
    }
    const checkpoints = new CheckpointState(await readSlots(targetPool, targetDatabase, source));
    const startPosition =
      BinlogPosition.earliest(
        [
          checkpoints.watermark ?? BinlogPosition.earliest(slotsBefore.map((slot) => slot.position)),
          ...snapshotPositions.values(),
        ].filter((position): position is BinlogPosition => position !== undefined && position !== null),
      ) ?? (await readCurrentPosition(sourcePool));
    const targetSchemas = new Map<string, TableSchema>();
    for (const [table, pair] of this.#schemas) targetSchemas.set(table, pair.target);
    const changeKeys = await DependencyKeys.load(targetPool, targetSchemas.values());
    this.#startStreaming(checkpoints, startPosition, targetSchemas, changeKeys);
    this.#setState('streaming');
    await this.#saveTableStates();
  }

  #startStreaming(
    checkpoints: CheckpointState,
    startPosition: BinlogPosition,
    targetSchemas: ReadonlyMap<string, TableSchema>,
    changeKeys: DependencyKeys,
  ): void {
    const { config, source, target, targetPool, sourcePool, bidirectional } = this.#options;
    const sourceConfig = config.databases[source];
    const engine = new ApplyEngine({
      sourceName: source,
      targetName: target,
      targetPool,
      targetDatabase: config.databases[target].database,
      tables: targetSchemas,
      workerCount: config.sync.workers,
      changeKeys,
      batchSize: config.sync.batchInsertSize,
      maxRowsPerStatement: Math.min(config.sync.batchInsertSize, streamingRowsPerStatement),
      // sync.queue_capacity bounds the changes the process holds: both directions share it.
      queueCapacity: directionQueueCapacity(config.sync.queueCapacity, config.sync.mode),
      checkpoints,
      startPosition,
      // A prepared XA transaction's changes are held in memory until decided: a restart must read it again.
      sourceHold: () => this.#binlogSource?.heldPosition ?? null,
      logger: this.#logger,
      refreshResolver: this.#refreshResolver,
      heldTables: [...this.#tables.values()].flatMap((status) =>
        status.pause === null ? [] : [status.pause],
      ),
      ...(this.#options.fenceEpoch === undefined ? {} : { fenceEpoch: this.#options.fenceEpoch }),
      ...(bidirectional === undefined
        ? {}
        : {
            conflictCheck: new ConflictChecker({
              sourceSide: source,
              targetSide: target,
              sourcePool,
              sourceDatabase: sourceConfig.database,
              targetDatabase: config.databases[target].database,
              rules: new Map(
                config.sync.tables.map((table) => [
                  table.name,
                  { strategy: strategyFor(table), timestampColumn: table.timestampColumn },
                ]),
              ),
              openConflicts: bidirectional.openConflicts,
              ownWrites: bidirectional.ownWrites,
              rowClaims: bidirectional.rowClaims,
              store: this.#options.store,
              logger: this.#logger,
              ...(bidirectional.onConflict === undefined ? {} : { onConflict: bidirectional.onConflict }),
            }),
          }),
      hooks: {
        pauseSource: () => this.#binlogSource?.pause(),
        resumeSource: () => {
          if (this.#schemaCheck === undefined) this.#binlogSource?.resume();
        },
        onBatchApplied: (event) => {
          for (const [table, rowCount] of event.rowCountByTable) {
            const status = this.#tables.get(table);
            if (status !== undefined) status.rowsApplied += rowCount;
          }
          this.#options.onBatchApplied?.(event);
        },
        onTablePaused: (pause) => {
          const status = this.#tables.get(pause.table);
          if (status !== undefined) {
            status.state = 'paused';
            status.pause = pause;
          }
          this.#notify();
          void this.#saveTableStates();
        },
        onWatermark: (watermark) => {
          // Every source change up to the watermark is applied: fences over them have done their work.
          bidirectional?.ownWrites.forgetThrough(source, watermark);
          // Chained, so stop() can wait for the last copy before the store closes.
          this.#checkpointSave = this.#checkpointSave.then(() => this.#saveCheckpoints(watermark));
        },
        onApplyFailure: () => this.#notify(),
        onFatalError: (error) => this.#fail(error),
      },
    });
    this.#engine = engine;
    engine.start();
    this.#binlogSource = new BinlogSource({
      side: source,
      endpoint: this.#replicationEndpoint(),
      database: sourceConfig.database,
      tables: config.sync.tables.map((table) => table.name),
      // The service's own transactions on this side (the other direction's batches) are dropped as echoes.
      markerTable: checkpointTableName,
      serverId: sourceConfig.serverId ?? defaultReplicaServerId(source, target),
      startPosition,
      ...(this.#sourceServer === undefined ? {} : { sourceServer: this.#sourceServer }),
      heartbeatIntervalMs: config.sync.heartbeatIntervalMs,
      reconnectInitialDelayMs: config.sync.reconnectInitialDelayMs,
      reconnectMaxDelayMs: config.sync.reconnectMaxDelayMs,
      queryTimeoutMs: sourceConfig.queryTimeoutMs,
      logger: this.#logger,
      handler: {
        onTransaction: (transaction) => this.#onTransaction(transaction),
        onSchemaChange: (event) => this.#onSchemaChange(event),
        onIncompleteRowImage: (event) =>
          this.#engine?.pauseTableAfterCurrent(
            event.table,
            'incomplete-row-image',
            `a change of ${event.table} on ${this.#options.source} was logged without the columns ` +
              `${event.missingColumns.join(', ')} (the writing session's binlog_row_image was NOBLOB or MINIMAL): ` +
              'applied as whole it would null them or lose the row, so the table is paused at it and nothing of it ' +
              'is applied. Set binlog_row_image=FULL for every session that writes the table, then copy the table ' +
              'again (docs/operations.md, "Recovering from a purged binlog")',
            event.position,
          ),
        onStatus: (status) => {
          const previous = this.#streamStatus?.state;
          this.#streamStatus = status;
          if (previous !== status.state) this.#notify();
        },
        onFatalError: (error) => this.#fail(error),
      },
    });
    this.#binlogSource.start();
    this.#logger.info({ binlogPosition: startPosition.toString() }, 'streaming started');
  }

  #onTransaction(transaction: SourceTransaction): void {
    if (this.#schemaCheck !== undefined) {
      this.#heldTransactions.push(transaction);
      return;
    }
    this.#dispatch(transaction);
  }

  #dispatch(transaction: SourceTransaction): void {
    this.#engine?.dispatch(currentVersionChanges(transaction, this.#systemPeriods));
  }

  #followSystemPeriod(table: string, sourceSchema: TableSchema | undefined): void {
    if (sourceSchema?.systemPeriod === undefined) this.#systemPeriods.delete(table);
    else this.#systemPeriods.set(table, sourceSchema.systemPeriod);
  }

  /** Re-reads both schemas after a DDL; a change the target does not have pauses the table from here on. */
  #onSchemaChange(event: SchemaChangeEvent): void {
    const previousCheck = this.#schemaCheck ?? Promise.resolve();
    this.#binlogSource?.pause();
    const check = previousCheck
      .then(() => this.#checkSchemaChange(event))
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        if (this.#schemaCheck !== check) return;
        this.#schemaCheck = undefined;
        const held = this.#heldTransactions;
        this.#heldTransactions = [];
        for (const transaction of held) this.#dispatch(transaction);
        // A full queue keeps the source paused; the engine resumes it once drained.
        if (this.#engine?.backpressure.sourcePaused !== true) this.#binlogSource?.resume();
      });
    this.#schemaCheck = check;
  }

  async #checkSchemaChange(event: SchemaChangeEvent): Promise<void> {
    const { config, source, target, sourcePool, targetPool } = this.#options;
    // Transactions before the DDL are dispatched: hold the ones after it until this check is done.
    for (const transaction of this.#heldTransactions.splice(0)) this.#dispatch(transaction);
    const sourceSchema = await readTableSchema(sourcePool, config.databases[source].database, event.table);
    const targetSchema = await readTableSchema(targetPool, config.databases[target].database, event.table);
    // Changes after the DDL (held until now) are read as the table is from here on.
    this.#followSystemPeriod(event.table, sourceSchema);
    const unsupported = sourceSchema === undefined ? [] : unsupportedColumns(sourceSchema);
    let problem: string | undefined;
    if (/^\s*truncate\b/i.test(event.statement)) {
      problem = `TRUNCATE on ${source} is not replicated (it writes no row events): truncate ${event.table} on ${target} too, then ${resumeOrRestart}`;
    } else if (sourceSchema === undefined) {
      problem = `table ${event.table} no longer exists on ${source}`;
    } else if (unsupported.length > 0) {
      problem = `schema change on ${source} (${event.statement.trim().slice(0, 200)}) added a column named ${unsupported.join(', ')}, which core-sync cannot carry (JavaScript row objects cannot hold that key): rename the column on ${source}, then ${resumeOrRestart}`;
    } else if (sourceSchema.systemPeriod?.byTransaction === true) {
      problem = `schema change on ${source} (${event.statement.trim().slice(0, 200)}) made ${event.table} system-versioned by transaction id: MariaDB logs its changes as statements, which cannot be streamed (TABLE_VERSIONING_UNSUPPORTED); version it by time on ${source}, then ${resumeOrRestart}`;
    } else if (targetSchema === undefined) {
      problem = `table ${event.table} does not exist on ${target}`;
    } else {
      const differences = describeColumnDifferences(sourceSchema, targetSchema);
      const columns = [
        ...differences.missingOnTarget,
        ...differences.extraOnTarget,
        ...differences.typeMismatches,
      ];
      if (columns.length > 0 || sourceSchema.primaryKey.join() !== targetSchema.primaryKey.join()) {
        problem = `schema change on ${source} (${event.statement.trim().slice(0, 200)}) is not on ${target}: columns ${columns.join(', ') || '(primary key)'} differ; apply the same change on ${target}, then ${resumeOrRestart}`;
      }
    }
    if (problem === undefined && targetSchema !== undefined) {
      this.#engine?.updateTableSchema(targetSchema);
      this.#logger.info(
        { table: event.table, binlogPosition: event.position.toString() },
        'schema change followed: both sides match',
      );
      return;
    }
    this.#engine?.pauseTableAfterCurrent(
      event.table,
      'schema-change',
      problem ?? 'schema changed',
      event.position,
    );
  }

  async #copyTables(tables: readonly TableConfig[], repair: boolean): Promise<Map<string, BinlogPosition>> {
    const positions = new Map<string, BinlogPosition>();
    if (tables.length === 0) return positions;
    const { config, source, target, sourcePool, targetPool } = this.#options;
    const targetDatabase = config.databases[target].database;
    const sourceFlavor = (await readServerInfo(sourcePool)).flavor;
    const queue = [...tables];
    // One set for every copy writer: chunks written at once hold different marker rows.
    const echoMarkers =
      this.#options.bidirectional === undefined
        ? undefined
        : new EchoMarkers(targetPool, targetDatabase, source, 'snapshot');
    const copyNext = async (): Promise<void> => {
      for (let tableConfig = queue.shift(); tableConfig !== undefined; tableConfig = queue.shift()) {
        const pair = this.#schemas.get(tableConfig.name);
        const status = this.#tables.get(tableConfig.name);
        if (pair === undefined || status === undefined) continue;
        status.state = 'snapshotting';
        let result: Awaited<ReturnType<typeof copyTable>>;
        try {
          // Marks the copy as started: if it does not finish, the next start copies the table again.
          await inWriteTransaction(targetPool, (connection) =>
            writeMarker(connection, targetDatabase, source, copyMarkerSlot(tableConfig.name)),
          );
          result = await copyTable({
            sourceEndpoint: this.#applicationEndpoint(),
            sourceDatabase: config.databases[source].database,
            sourceFlavor,
            targetPool,
            targetDatabase,
            sourceSchema: pair.source,
            targetSchema: pair.target,
            chunkSize: tableConfig.batchSize,
            writerConnections: config.sync.snapshotWriters,
            logger: this.#logger,
            signal: this.#abortController.signal,
            onProgress: (progress) => {
              status.rowsCopied = progress.rowsCopied;
            },
            deleteExtraRows: repair,
            ...(echoMarkers === undefined ? {} : { echoMarkers }),
          });
        } catch (error) {
          const refusal = describeCopyRefusal(error, target, source);
          if (refusal === undefined || this.#abortController.signal.aborted) throw error;
          this.#pauseCopy(tableConfig.name, status, refusal);
          continue;
        }
        await this.#commitSnapshotSlots([tableConfig.name], result.position);
        // Progress is reported as chunks are queued; the result counts the rows actually written.
        status.rowsCopied = result.rowsCopied;
        positions.set(tableConfig.name, result.position);
        status.state = 'pending';
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(config.sync.snapshotConcurrency, tables.length) }, () => copyNext()),
    );
    return positions;
  }

  /** Records that these tables hold every source change up to `position` (one target transaction). */
  async #commitSnapshotSlots(tables: readonly string[], position: BinlogPosition): Promise<void> {
    if (tables.length === 0) return;
    const { config, source, target, targetPool } = this.#options;
    const targetDatabase = config.databases[target].database;
    await inWriteTransaction(targetPool, async (connection) => {
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
        tables.map((table) => copyMarkerSlot(table)),
      );
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
    this.#logger.error(
      {
        table,
        reason: refusal.reason,
        code: refusal.code,
        errorCode: refusal.errorCode,
        error: status.pause.message,
      },
      'table paused',
    );
    this.#notify();
  }

  async #targetHasRows(table: string): Promise<boolean> {
    const { config, target, targetPool } = this.#options;
    const [rows] = await targetPool.query(
      `SELECT 1 FROM ${qualifiedName(config.databases[target].database, table)} LIMIT 1`,
    );
    return Array.isArray(rows) && rows.length > 0;
  }

  /** Stops reading, applies what is queued (within the shutdown timeout), writes the watermark. */
  /**
   * Stops reading, applies what is queued (within the shutdown timeout; not when `drain` is false, as for a
   * deposed leader whose writes are fenced anyway), writes the checkpoints, and ends.
   */
  stop(options: { readonly drain?: boolean } = {}): Promise<void> {
    // Once: a second call (a deposed leader's step-down, then the process's shutdown) waits for the first.
    this.#stopped ??= this.#stop(options);
    return this.#stopped;
  }

  async #stop(options: { readonly drain?: boolean }): Promise<void> {
    if (this.#state === 'stopped') return;
    const wasFailed = this.#state === 'failed';
    if (!wasFailed) this.#setState('stopping');
    this.#abortController.abort();
    await this.#binlogSource?.stop();
    await this.#schemaCheck;
    const engine = this.#engine;
    // A failed direction's queue is not applied any more: nothing to wait for.
    if (engine !== undefined && (options.drain === false || wasFailed)) {
      await engine.stop();
    } else if (engine !== undefined) {
      const timeoutMs = this.#options.config.sync.shutdownTimeoutMs;
      if (!(await this.settle(timeoutMs))) {
        this.#logger.warn(
          { queueDepth: engine.queueDepth, timeoutMs },
          'shutdown timeout: stopping with changes still queued; they are read again at the next start',
        );
      }
      await engine.stop();
    }
    const watermark = engine?.committedWatermark;
    await this.#checkpointSave;
    // A deposed leader leaves the state store to the new one (its copies would be older).
    if (options.drain !== false) {
      if (watermark !== null && watermark !== undefined) await this.#saveCheckpoints(watermark);
      await this.#saveTableStates();
    }
    if (!wasFailed) this.#setState('stopped');
  }

  async #saveCheckpoints(watermark: BinlogPosition): Promise<void> {
    const { config, source, target, targetPool, store } = this.#options;
    try {
      const slots: SlotPosition[] = await readSlots(targetPool, config.databases[target].database, source);
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
      await this.#saveTableStates(watermark);
    } catch (error) {
      this.#logStoreFailure(
        error,
        'failed to copy checkpoints to the state store; the target keeps them, will retry',
      );
    }
  }

  async #saveTableStates(watermark?: BinlogPosition): Promise<void> {
    const { store } = this.#options;
    const position = watermark ?? this.#engine?.committedWatermark ?? null;
    try {
      for (const [table, status] of this.#tables) {
        await store.upsertTableState({
          tableName: table,
          syncDirection: this.#direction,
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
    this.#logger[duringOutage ? 'debug' : 'warn']({ error: describeError(error) }, message);
  }

  #replicationEndpoint(): MysqlEndpoint {
    return this.#options.sourceEndpoints.replication;
  }

  #applicationEndpoint(): MysqlEndpoint {
    return this.#options.sourceEndpoints.application;
  }

  #setState(state: DirectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#logger.info({ state }, 'direction state changed');
    this.#notify();
  }

  #notify(): void {
    this.#options.onStatusChange?.(this.status);
  }

  #fail(error: unknown): void {
    if (this.#state === 'failed') return;
    // A target that refuses every write where no table can be paused (creating the checkpoint table at start).
    const refusal = describeTargetRefusal(error, this.#options.target);
    this.#error =
      error instanceof SyncError
        ? error
        : refusal !== undefined
          ? new SyncError(refusal.code, `${this.#direction} stopped: ${refusal.problem}: ${refusal.remedy}`, {
              cause: error,
            })
          : new SyncError('INTERNAL', `direction ${this.#direction} failed`, { cause: error });
    this.#logger.error(
      { errorCode: this.#error.code, error: describeError(this.#error) },
      'direction failed',
    );
    this.#setState('failed');
    void this.#binlogSource?.stop();
    void this.#engine?.stop();
  }
}

function applyFailureView(failure: ApplyFailure | null): DirectionStatus['applyFailure'] {
  return failure === null
    ? null
    : { code: failure.code, message: failure.message, since: new Date(failure.since).toISOString() };
}

/** A replica id unlikely to clash with real servers: 0x4D53xxxx ("MS"), distinct per direction. */
function defaultReplicaServerId(source: SideName, target: SideName): number {
  return 0x4d530000 + (source === 'local' ? 1 : 2) * 16 + (target === 'local' ? 1 : 2);
}

/**
 * The changes one direction may queue: `sync.queue_capacity` is the process's budget, so the memory the queues
 * take does not double in bidirectional mode (each direction gets half).
 */
export function directionQueueCapacity(capacity: number, mode: ServiceConfig['sync']['mode']): number {
  return mode === 'bidirectional' ? Math.ceil(capacity / 2) : capacity;
}
