/**
 * Runs the configured direction(s) between the two databases: owns the database pools and the direction
 * pipelines, answers for their status, and stops them in order.
 */
import type { ServiceConfig } from '../config/index.js';
import { OpenConflicts, OwnWrites, RowClaims, type ConflictEvent } from '../conflict/index.js';
import { describeError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { SideName } from '../model/index.js';
import { createMysqlPool, type Pool } from '../mysql/index.js';
import type { ConflictRecord, StateStore } from '../store/index.js';
import { planBidirectionalStart } from './bidirectional-plan.js';
import { resolveConflict, type ConflictChoice } from './conflict-resolution.js';
import { DirectionPipeline, oneWayPlan } from './direction-pipeline.js';
import type { DirectionStatus } from './direction-status.js';
import { checkBidirectionalSetup } from './loop-checks.js';

export interface SyncServiceOptions {
  readonly config: ServiceConfig;
  readonly store: StateStore;
  readonly logger: Logger;
  readonly onStatusChange?: (status: DirectionStatus) => void;
  /** Every conflict met while applying (bidirectional), resolved or stored for a person. */
  readonly onConflict?: (event: ConflictEvent) => void;
}

export interface ServiceStatus {
  readonly mode: ServiceConfig['sync']['mode'];
  readonly directions: readonly DirectionStatus[];
}

/** Snapshot writers and the watermark writer need connections beside the apply workers. */
const extraConnections = 6;

export class SyncService {
  readonly #options: SyncServiceOptions;
  readonly #logger: Logger;
  readonly #pools = new Map<SideName, Pool>();
  readonly #directions: DirectionPipeline[] = [];
  readonly #openConflicts = new OpenConflicts();
  readonly #ownWrites = new OwnWrites();
  readonly #rowClaims = new RowClaims();

  constructor(options: SyncServiceOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'sync-service' });
  }

  get status(): ServiceStatus {
    return {
      mode: this.#options.config.sync.mode,
      directions: this.#directions.map((direction) => direction.status),
    };
  }

  /** Starts every direction; rejects (after stopping what started) when one cannot start. */
  async start(): Promise<void> {
    const { config } = this.#options;
    const bidirectional = config.sync.mode === 'bidirectional';
    const pairs: [SideName, SideName][] =
      config.sync.mode === 'local_to_cloud'
        ? [['local', 'cloud']]
        : config.sync.mode === 'cloud_to_local'
          ? [['cloud', 'local']]
          : [
              ['local', 'cloud'],
              ['cloud', 'local'],
            ];
    for (const [source, target] of pairs) {
      this.#directions.push(
        new DirectionPipeline({
          config,
          source,
          target,
          sourcePool: this.#pool(source),
          targetPool: this.#pool(target),
          store: this.#options.store,
          logger: this.#options.logger,
          ...(this.#options.onStatusChange === undefined
            ? {}
            : { onStatusChange: this.#options.onStatusChange }),
          ...(bidirectional
            ? {
                bidirectional: {
                  openConflicts: this.#openConflicts,
                  ownWrites: this.#ownWrites,
                  rowClaims: this.#rowClaims,
                  ...(this.#options.onConflict === undefined ? {} : { onConflict: this.#options.onConflict }),
                },
              }
            : {}),
        }),
      );
    }
    try {
      const facts = await Promise.all(this.#directions.map((direction) => direction.prepare()));
      if (bidirectional) {
        await checkBidirectionalSetup({
          config,
          pools: { local: this.#pool('local'), cloud: this.#pool('cloud') },
          logger: this.#logger,
        });
        await this.#openConflicts.load(
          this.#options.store,
          new Map(config.sync.tables.map((table) => [table.name, table.primaryKey])),
        );
      }
      const plans = bidirectional ? planBidirectionalStart(facts, this.#logger) : facts.map(oneWayPlan);
      await Promise.all(
        this.#directions.map(async (direction, index) => {
          const plan = plans[index];
          if (plan === undefined) throw new Error(`no start plan for ${direction.direction}`);
          await direction.begin(plan);
        }),
      );
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
    return resolveConflict({
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
  }

  /** Stops every direction (draining queued changes within the shutdown timeout) and closes the pools. */
  async stop(): Promise<void> {
    await Promise.all(this.#directions.map((direction) => direction.stop()));
    for (const [side, pool] of this.#pools) {
      try {
        await pool.end();
      } catch (error) {
        this.#logger.warn({ side, error: describeError(error) }, 'failed to close a database pool');
      }
    }
    this.#pools.clear();
  }

  #pool(side: SideName): Pool {
    let pool = this.#pools.get(side);
    if (pool === undefined) {
      const { config } = this.#options;
      const databaseConfig = config.databases[side];
      pool = createMysqlPool(
        {
          host: databaseConfig.host,
          port: databaseConfig.port,
          user: databaseConfig.user,
          password: databaseConfig.password,
          database: databaseConfig.database,
        },
        {
          connectionLimit: Math.max(databaseConfig.connectionLimit, config.sync.workers + extraConnections),
          purpose: side,
        },
      );
      this.#pools.set(side, pool);
    }
    return pool;
  }
}
