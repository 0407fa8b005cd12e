/**
 * Runs the configured direction(s) between the two databases: owns the database pools and the direction
 * pipelines, answers for their status, and stops them in order.
 */
import { readsBinlogs, type ServiceConfig } from '../config/index.js';
import { OpenConflicts, OwnWrites, RowClaims, type ConflictEvent } from '../conflict/index.js';
import { SyncError, describeError } from '../errors/index.js';
import type { ServiceEvents } from '../events/index.js';
import {
  BinlogKeyHistory,
  type CompareSide,
  type FullSyncDirection,
  type HistorySide,
  type KeyHistoryReader,
  type UndecidedRow,
} from '../fullsync/index.js';
import type { Logger } from '../logging/index.js';
import { directionName, type SideName } from '../model/index.js';
import { checkDatabaseExists, createMysqlPool, type Pool } from '../mysql/index.js';
import type { ConflictRecord, StateStore } from '../store/index.js';
import { planBidirectionalStart, reportAdoption } from './bidirectional-plan.js';
import { resolveConflict, type ConflictChoice } from './conflict-resolution.js';
import { DirectionPipeline, SchemaChangeLog, historyReaderServerId, oneWayPlan } from './direction/index.js';
import { connectSide, type SideEndpoints } from './database-endpoints.js';
import { directionOptions } from './direction-options.js';
import { checkBidirectionalSetup } from './loop-checks.js';
import { createTablesMissingOnOneSide } from './missing-tables.js';
import { listUndecidedRows } from './undecided-rows.js';
import type { DirectionStatus } from '../status/index.js';
import type { ServiceStatus } from '../status/index.js';

export interface SyncServiceOptions {
  readonly config: ServiceConfig;
  readonly store: StateStore;
  readonly logger: Logger;
  readonly onStatusChange?: (status: DirectionStatus) => void;
  /** Every conflict met while applying (bidirectional), resolved or stored for a person. */
  readonly onConflict?: (event: ConflictEvent) => void;
  /** Where status changes, batches, conflicts and lag samples are published (metrics, the API's SSE stream). */
  readonly events?: ServiceEvents;
  /** How often lag samples are published while streaming (default 1 s). */
  readonly lagSampleIntervalMs?: number;
  /** High availability: this leader's lease epoch (writes on the targets are fenced by it). */
  readonly fenceEpoch?: number;
}

/** How often the state store is pinged, so an outage (or its end) shows while nothing else calls it. */
const storeProbeIntervalMs = 5_000;

/** Snapshot writers, the watermark writer and full-sync compares need connections beside the apply workers. */
const extraConnections = 6;

export class SyncService {
  readonly #options: SyncServiceOptions;
  readonly #logger: Logger;
  readonly #pools = new Map<SideName, Pool>();
  readonly #endpoints = new Map<SideName, SideEndpoints>();
  #connecting: Promise<void> | undefined;
  readonly #directions: DirectionPipeline[] = [];
  readonly #openConflicts = new OpenConflicts();
  readonly #ownWrites = new OwnWrites();
  readonly #rowClaims = new RowClaims();
  #lagSampler: NodeJS.Timeout | undefined;
  #storeProbe: NodeJS.Timeout | undefined;
  readonly #rowsAppliedAtSample = new Map<string, { rowsApplied: number; at: number }>();
  #keyHistory: KeyHistoryReader | undefined;

  constructor(options: SyncServiceOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'sync-service' });
  }

  get status(): ServiceStatus {
    const availability = this.#options.store.availability;
    return {
      mode: this.#options.config.sync.mode,
      directions: this.#directions.map((direction) => direction.status),
      stateStore: {
        available: availability.available,
        unavailableSince: availability.unavailableSince?.toISOString() ?? null,
        error: availability.error,
      },
      adoptingTables: this.adoptingTables,
    };
  }

  /** Bidirectional: tables adopted with rows on both sides whose differences no run has settled yet. */
  get adoptingTables(): readonly string[] {
    return [...new Set(this.#directions.flatMap((direction) => direction.adoptingTables))];
  }

  isAdopting(table: string): boolean {
    return this.#directions.some((direction) => direction.isAdopting(table));
  }

  /** A run settled these tables (compared them whole, both streams running): their adoption is done. */
  async adopted(tables: readonly string[]): Promise<void> {
    await Promise.all(this.#directions.map((direction) => direction.adopted(tables)));
  }

  /** The (source, target) pairs of the configured mode. */
  #pairs(): [SideName, SideName][] {
    switch (this.#options.config.sync.mode) {
      case 'local_to_cloud':
        return [['local', 'cloud']];
      case 'cloud_to_local':
        return [['cloud', 'local']];
      case 'bidirectional':
        return [
          ['local', 'cloud'],
          ['cloud', 'local'],
        ];
    }
  }

  /**
   * Reads both sides' TLS files and logs in once as each account (settling `tls.mode: preferred`), before any pool
   * exists; done once, or again after it failed.
   */
  async #connectSides(): Promise<void> {
    this.#connecting ??= (async () => {
      const { config, logger } = this.#options;
      const sources = new Set(this.#pairs().map(([source]) => source));
      for (const side of ['local', 'cloud'] as const) {
        const endpoints = await connectSide(config.databases[side], side, {
          checkReplication: readsBinlogs(config.sync) && sources.has(side),
          logger: logger.child({ component: 'connections' }),
        });
        this.#endpoints.set(side, endpoints);
      }
    })().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    return this.#connecting;
  }

  /** Starts every direction; rejects (after stopping what started) when one cannot start. */
  async start(): Promise<void> {
    const { config } = this.#options;
    const bidirectional = config.sync.mode === 'bidirectional';
    await this.#connectSides();
    const schemaChanges = new SchemaChangeLog();
    for (const [source, target] of this.#pairs()) {
      this.#directions.push(
        new DirectionPipeline(
          directionOptions({
            config,
            source,
            target,
            sourceEndpoints: this.#sideEndpoints(source),
            sourcePool: this.#pool(source),
            targetPool: this.#pool(target),
            store: this.#options.store,
            logger: this.#options.logger,
            fenceEpoch: this.#options.fenceEpoch,
            events: this.#options.events,
            onStatusChange: this.#options.onStatusChange,
            shared: bidirectional
              ? {
                  openConflicts: this.#openConflicts,
                  ownWrites: this.#ownWrites,
                  rowClaims: this.#rowClaims,
                  adopting: (table: string) => this.isAdopting(table),
                  schemaChanges,
                  publishConflict: (conflict: ConflictEvent) => this.#publishConflict(conflict),
                }
              : undefined,
          }),
        ),
      );
    }
    try {
      // Once per side (both directions of a pair use the same two databases).
      for (const side of ['local', 'cloud'] as const) {
        const { database, host, port } = config.databases[side];
        await checkDatabaseExists(this.#pool(side), { side, database, server: `${host}:${port}` });
      }
      const pools = { local: this.#pool('local'), cloud: this.#pool('cloud') };
      // Before the directions check their tables: each would stop at a table its own source lacks.
      if (bidirectional) await createTablesMissingOnOneSide({ config, pools, logger: this.#logger });
      const facts = await Promise.all(this.#directions.map((direction) => direction.prepare()));
      if (bidirectional) {
        await checkBidirectionalSetup({ config, pools, logger: this.#logger });
        await this.#openConflicts.load(
          this.#options.store,
          new Map(config.sync.tables.map((table) => [table.name, table.primaryKey])),
        );
      }
      const plans = bidirectional
        ? planBidirectionalStart(facts, config.sync.onExistingData, this.#logger)
        : facts.map(oneWayPlan);
      await Promise.all(
        this.#directions.map(async (direction, index) => {
          const plan = plans[index];
          if (plan === undefined) throw new Error(`no start plan for ${direction.direction}`);
          await direction.begin(plan);
        }),
      );
      reportAdoption(this.adoptingTables, config.sync.realtime, this.#logger);
      this.#startLagSampler();
      this.#storeProbe = setInterval(
        () => void this.#options.store.checkAvailability(),
        storeProbeIntervalMs,
      );
      this.#storeProbe.unref();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /**
   * Resolves a stored conflict (manual strategy): the chosen version — one side's row, or edited data — is written
   * to both sides in marked transactions, and the conflict is marked resolved by `resolvedBy`.
   */
  async resolveConflict(id: string, choice: ConflictChoice, resolvedBy: string): Promise<ConflictRecord> {
    const { config, store } = this.#options;
    await this.#connectSides();
    const resolved = await resolveConflict({
      id,
      choice,
      resolvedBy,
      config,
      store,
      pools: { local: this.#pool('local'), cloud: this.#pool('cloud') },
      openConflicts: this.#openConflicts,
      ownWrites: this.#ownWrites,
      rowClaims: this.#rowClaims,
      logger: this.#logger,
    });
    this.#options.events?.publish({
      type: 'conflict-resolved',
      id: resolved.id,
      table: resolved.tableName,
      resolvedBy,
      resolution: 'side' in choice ? choice.side : 'merged',
    });
    return resolved;
  }

  /** The directions a full sync repairs through, `local_to_cloud` first. */
  get fullSyncDirections(): readonly FullSyncDirection[] {
    return [...this.#directions].sort((left, right) =>
      left.source === 'local' ? -1 : right.source === 'local' ? 1 : 0,
    );
  }

  /** Where a full sync reads each side (the service's own pools). */
  get compareSides(): Readonly<Record<SideName, CompareSide>> {
    const { databases } = this.#options.config;
    return {
      local: { pool: this.#pool('local'), database: databases.local.database },
      cloud: { pool: this.#pool('cloud'), database: databases.cloud.database },
    };
  }

  /** Bidirectional: reads both binlogs for the history of rows a full sync finds on one side only. */
  get keyHistory(): KeyHistoryReader | undefined {
    if (this.#options.config.sync.mode !== 'bidirectional') return undefined;
    this.#keyHistory ??= new BinlogKeyHistory(
      { local: this.#historySide('local'), cloud: this.#historySide('cloud') },
      this.#logger,
    );
    return this.#keyHistory;
  }

  /** Bidirectional: lists rows on one side only whose binlogs cannot tell their history (undecided-rows.ts). */
  async listUndecided(table: string, rows: readonly UndecidedRow[]): Promise<void> {
    if (rows.length === 0) return;
    const tableConfig = this.#options.config.sync.tables.find((candidate) => candidate.name === table);
    if (tableConfig === undefined) throw new SyncError('INTERNAL', `${table} is not a synced table`);
    await listUndecidedRows({
      table,
      primaryKey: tableConfig.primaryKey,
      rows,
      store: this.#options.store,
      openConflicts: this.#openConflicts,
      onConflict: (conflict) => this.#publishConflict(conflict),
      logger: this.#logger,
    });
  }

  /**
   * Whether the row has an unresolved manual conflict: the conflict check records every later change of it against
   * that conflict instead of deciding, so a full sync counts it as a conflict.
   */
  hasOpenConflict(table: string, keyText: string): boolean {
    return this.#openConflicts.get(table, keyText) !== undefined;
  }

  /** Every conflict met (by a stream, or listed by a full sync) goes to the caller and the event bus. */
  #publishConflict(conflict: ConflictEvent): void {
    this.#options.onConflict?.(conflict);
    this.#options.events?.publish({
      type: 'conflict-detected',
      id: conflict.id,
      table: conflict.table,
      conflictType: conflict.type,
      strategy: conflict.strategy,
      winner: conflict.winner,
    });
  }

  #historySide(side: SideName): HistorySide {
    const { databases, sync } = this.#options.config;
    const database = databases[side];
    return {
      replication: this.#sideEndpoints(side).replication,
      pool: this.#pool(side),
      database: database.database,
      serverId: historyReaderServerId(database.serverId, side),
      markerSource: side === 'local' ? 'cloud' : 'local',
      heartbeatIntervalMs: sync.heartbeatIntervalMs,
      reconnectInitialDelayMs: sync.reconnectInitialDelayMs,
      reconnectMaxDelayMs: sync.reconnectMaxDelayMs,
      queryTimeoutMs: database.queryTimeoutMs,
    };
  }

  #startLagSampler(): void {
    const events = this.#options.events;
    if (events === undefined || this.#lagSampler !== undefined) return;
    this.#lagSampler = setInterval(() => {
      const now = Date.now();
      for (const status of this.status.directions) {
        if (status.stream === null) continue;
        const direction = directionName(status.source);
        const previous = this.#rowsAppliedAtSample.get(direction);
        this.#rowsAppliedAtSample.set(direction, { rowsApplied: status.rowsApplied, at: now });
        const seconds = previous === undefined ? 0 : (now - previous.at) / 1000;
        events.publish({
          type: 'lag',
          direction,
          lagMs: status.stream.lagMs,
          queueDepth: status.queueDepth,
          rowsPerSecond:
            previous === undefined || seconds <= 0
              ? 0
              : Math.round((status.rowsApplied - previous.rowsApplied) / seconds),
          position: status.stream.position,
        });
      }
    }, this.#options.lagSampleIntervalMs ?? 1_000);
    this.#lagSampler.unref();
  }

  /** Stops every direction (draining queued changes within the shutdown timeout) and closes the pools. */
  async stop(options: { readonly drain?: boolean } = {}): Promise<void> {
    clearInterval(this.#lagSampler);
    this.#lagSampler = undefined;
    clearInterval(this.#storeProbe);
    this.#storeProbe = undefined;
    await Promise.all(this.#directions.map((direction) => direction.stop(options)));
    for (const [side, pool] of this.#pools) {
      try {
        await pool.end();
      } catch (error) {
        this.#logger.warn({ side, error: describeError(error) }, 'failed to close a database pool');
      }
    }
    this.#pools.clear();
  }

  /** The side's endpoints (`start()` and `resolveConflict()` set them up first). */
  #sideEndpoints(side: SideName): SideEndpoints {
    const endpoints = this.#endpoints.get(side);
    if (endpoints === undefined) {
      throw new SyncError('INTERNAL', `the ${side} database's connections were used before they were set up`);
    }
    return endpoints;
  }

  #pool(side: SideName): Pool {
    let pool = this.#pools.get(side);
    if (pool === undefined) {
      const { config } = this.#options;
      const databaseConfig = config.databases[side];
      pool = createMysqlPool(
        { ...this.#sideEndpoints(side).application, database: databaseConfig.database },
        {
          connectionLimit: Math.max(databaseConfig.connectionLimit, config.sync.workers + extraConnections),
          purpose: side,
          queryTimeoutMs: databaseConfig.queryTimeoutMs,
          queryTimeoutSetting: `databases.${side}.query_timeout`,
        },
      );
      this.#pools.set(side, pool);
    }
    return pool;
  }
}
