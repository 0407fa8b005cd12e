/**
 * Owns the running sync service and replaces it when the configuration changes while running: the old service
 * stops the way a shutdown does (reading stops, queued changes are applied, checkpoints written), and a new one
 * starts on the new configuration from those checkpoints. If the new one cannot start, the previous
 * configuration is started again and the error is reported.
 */
import { deleteSource } from '../target/index.js';
import type { ServiceConfig } from '../config/index.js';
import { SyncError, describeError, driverErrorCode } from '../errors/index.js';
import type { ServiceEvents } from '../events/index.js';
import type { CompareSide, FullSyncDirection, KeyHistoryReader, UndecidedRow } from '../fullsync/index.js';
import { currentTraceId, type Logger } from '../logging/index.js';
import type { SideName } from '../model/index.js';
import { createMysqlPool } from '../mysql/index.js';
import type { ConflictRecord, StateStore } from '../store/index.js';
import { SyncService, connectSide, type ConflictChoice } from '../sync/index.js';
import type { ResumedTable } from './contracts.js';
import { startFailureError } from './start-failure.js';
import type { FullSyncHost } from './sync-manager.js';
import type { ServiceStatus } from '../status/index.js';

export interface ServiceSupervisorOptions {
  readonly config: ServiceConfig;
  readonly store: StateStore;
  readonly events: ServiceEvents;
  readonly logger: Logger;
}

export class ServiceSupervisor implements FullSyncHost {
  readonly #options: ServiceSupervisorOptions;
  readonly #logger: Logger;
  #config: ServiceConfig;
  #service: SyncService;
  /** Reconfigurations run one after the other. */
  #reconfiguring: Promise<void> = Promise.resolve();
  /** High availability: the lease epoch this replica leads with; undefined when it does not use a lease. */
  #fenceEpoch: number | undefined;
  #role: 'leader' | 'standby' | undefined;
  /** The tables of a resume whose restart failed (the service is not running): the next resume tries again. */
  #resumeStartFailed: ResumedTable[] | undefined;

  constructor(options: ServiceSupervisorOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'supervisor' });
    this.#config = options.config;
    this.#service = this.#create(options.config);
  }

  get config(): ServiceConfig {
    return this.#config;
  }

  get status(): ServiceStatus {
    const status = this.#service.status;
    return this.#role === undefined ? status : { ...status, role: this.#role };
  }

  /** High availability: this replica waits for the lease (status reports `standby`). */
  markStandby(): void {
    this.#role = 'standby';
  }

  get fullSyncDirections(): readonly FullSyncDirection[] {
    return this.#service.fullSyncDirections;
  }

  get compareSides(): Readonly<Record<SideName, CompareSide>> {
    return this.#service.compareSides;
  }

  adopted(tables: readonly string[]): Promise<void> {
    return this.#service.adopted(tables);
  }

  get keyHistory(): KeyHistoryReader | undefined {
    return this.#service.keyHistory;
  }

  listUndecided(table: string, rows: readonly UndecidedRow[]): Promise<void> {
    return this.#service.listUndecided(table, rows);
  }

  hasOpenConflict(table: string, keyText: string): boolean {
    return this.#service.hasOpenConflict(table, keyText);
  }

  isAdopting(table: string): boolean {
    return this.#service.isAdopting(table);
  }

  /**
   * Starts the sync service. With high availability, `fenceEpoch` is the lease epoch it leads with: a fresh
   * service is started each time the replica is elected (after a previous term it stepped down from).
   */
  async start(fenceEpoch?: number): Promise<void> {
    if (fenceEpoch !== undefined) {
      this.#fenceEpoch = fenceEpoch;
      this.#role = 'leader';
      this.#service = this.#create(this.#config);
    }
    await this.#service.start();
  }

  async stop(): Promise<void> {
    await this.#reconfiguring;
    await this.#service.stop();
  }

  /** High availability: stops leading (the lease is lost or released) and waits for the next term. */
  async stepDown(): Promise<void> {
    this.#role = 'standby';
    await this.#reconfiguring;
    // No draining: another replica leads now, and this one's writes are fenced on the targets.
    await this.#service.stop({ drain: false });
  }

  resolveConflict(id: string, choice: ConflictChoice, resolvedBy: string): Promise<ConflictRecord> {
    return this.#service.resolveConflict(id, choice, resolvedBy);
  }

  /**
   * One-way recovery from a purged binlog: the target's checkpoints of `source` are deleted and the service
   * restarts, so the tables are copied again (rows the source no longer has are deleted from the target) and
   * streaming resumes from the copy's position. Refused in bidirectional mode, where both sides may hold rows
   * the other lacks and a copy cannot tell new rows from deleted ones.
   */
  resnapshot(source: SideName): Promise<void> {
    const run = this.#reconfiguring.then(() => this.#resnapshot(source));
    this.#reconfiguring = run.catch(() => undefined);
    return run;
  }

  async #resnapshot(source: SideName): Promise<void> {
    const config = this.#config;
    if (config.sync.mode === 'bidirectional') {
      throw new SyncError(
        'FULL_SYNC_FAILED',
        'copying the tables again after a purged binlog is not automatic in bidirectional mode: empty one side and restart (see docs/full-sync.md)',
      );
    }
    const target: SideName = source === 'local' ? 'cloud' : 'local';
    this.#logger.warn({ source, target }, 'copying the tables again: the binlog to resume from was purged');
    await this.#service.stop();
    const targetDatabase = config.databases[target];
    const endpoints = await connectSide(targetDatabase, target, {
      checkReplication: false,
      logger: this.#logger,
    });
    const pool = createMysqlPool(
      { ...endpoints.application, database: targetDatabase.database },
      { connectionLimit: 1, purpose: 'resync' },
    );
    try {
      await deleteSource(pool, targetDatabase.database, source);
    } finally {
      await pool.end();
    }
    await this.#options.store.deleteCheckpoints(source);
    this.#service = this.#create(config);
    await this.#service.start();
  }

  /**
   * Resumes the paused tables: the sync service restarts on the same configuration (stopping the way a shutdown
   * does), and each direction reads again from its watermark, which a paused table holds at its pause. Throws
   * NOTHING_PAUSED when no table is paused. Runs after any reconfiguration in progress.
   */
  resumePausedTables(): Promise<ResumedTable[]> {
    const run = this.#reconfiguring.then(() => this.#resumePausedTables());
    this.#reconfiguring = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #resumePausedTables(): Promise<ResumedTable[]> {
    if (this.#role === 'standby') {
      // Not leading: nothing runs here to resume (the leader's status is where its pauses show).
      throw new SyncError('NOTHING_PAUSED', 'this replica stands by: no table is paused here');
    }
    // After a resume whose restart failed, the tables it was for are still to resume: try again.
    const paused = this.#resumeStartFailed ?? pausedTables(this.#service.status);
    if (paused.length === 0) {
      throw new SyncError('NOTHING_PAUSED', 'no table is paused: there is nothing to resume');
    }
    this.#logger.info(
      { tables: paused.map(describeResumed) },
      'resuming paused tables: restarting the sync service',
    );
    await this.#service.stop();
    this.#service = this.#create(this.#config);
    try {
      await this.#service.start();
    } catch (error) {
      this.#resumeStartFailed = paused;
      this.#logger.error(
        { error: describeError(error), tables: paused.map(describeResumed) },
        'the sync service did not start again to resume the paused tables; resume again once the cause is fixed',
      );
      throw new SyncError(
        error instanceof SyncError ? error.code : 'INTERNAL',
        `the sync service did not start again to resume the paused tables (resume again once fixed): ${describeError(error)}`,
        { cause: error },
      );
    }
    this.#resumeStartFailed = undefined;
    this.#logger.info({ tables: paused.map(describeResumed) }, 'paused tables resumed');
    return paused;
  }

  /**
   * Restarts the sync service on the same configuration, as a start does: after a direction met another source
   * server under a running service (SOURCE_SERVER_CHANGED), the new start follows the source there by GTID
   * (docs/operations.md, "After a failover of a source"). Rejects when the service does not start; its status then
   * says why. Nothing to do on a replica that stands by.
   */
  restartService(reason: string): Promise<void> {
    const run = this.#reconfiguring.then(async () => {
      if (this.#role === 'standby') return;
      this.#logger.warn({ reason }, 'restarting the sync service');
      await this.#service.stop();
      this.#service = this.#create(this.#config);
      await this.#service.start();
      this.#logger.info({ reason }, 'sync service restarted');
    });
    this.#reconfiguring = run.catch(() => undefined);
    return run;
  }

  /** Restarts the sync service on `next`; rejects (with the previous configuration running again) when it cannot start. */
  reconfigure(next: ServiceConfig): Promise<void> {
    const run = this.#reconfiguring.then(() => this.#restart(next));
    this.#reconfiguring = run.catch(() => undefined);
    return run;
  }

  #create(config: ServiceConfig): SyncService {
    return new SyncService({
      config,
      store: this.#options.store,
      logger: this.#options.logger,
      events: this.#options.events,
      ...(this.#fenceEpoch === undefined ? {} : { fenceEpoch: this.#fenceEpoch }),
    });
  }

  async #restart(next: ServiceConfig): Promise<void> {
    const previous = this.#config;
    if (this.#role === 'standby') {
      // Not leading: the new configuration is what the next term starts with.
      this.#config = next;
      this.#service = this.#create(next);
      return;
    }
    this.#logger.info('restarting the sync service on a new configuration');
    await this.#service.stop();
    this.#config = next;
    this.#service = this.#create(next);
    try {
      await this.#service.start();
      this.#logger.info({ mode: next.sync.mode, tables: next.sync.tables.length }, 'sync service restarted');
    } catch (error) {
      // The cause goes to the log only (with the request's trace id): the answer says where, not why.
      this.#logger.error(
        {
          error: describeError(error),
          errorCode: error instanceof SyncError ? error.code : 'INTERNAL',
          driverCode: driverErrorCode(error) ?? null,
          details: error instanceof SyncError ? error.details : undefined,
        },
        'the new configuration could not start; starting the previous one again',
      );
      this.#config = previous;
      this.#service = this.#create(previous);
      try {
        await this.#service.start();
      } catch (restoreError) {
        this.#logger.error(
          { error: describeError(restoreError) },
          'the previous configuration did not start either',
        );
      }
      // The configuration was valid but does not work with these databases (a table missing, a server that does
      // not answer…): a problem with the request, answered without the cause (start-failure.ts).
      throw startFailureError(error, currentTraceId());
    }
  }
}

/** Every paused table of a status, by direction. */
function pausedTables(status: ServiceStatus): ResumedTable[] {
  return status.directions.flatMap((direction) =>
    direction.tables.flatMap((table) =>
      table.pause === null
        ? []
        : [
            {
              direction:
                direction.source === 'local' ? ('local_to_cloud' as const) : ('cloud_to_local' as const),
              table: table.table,
              reason: table.pause.reason,
              code: table.pause.code,
            },
          ],
    ),
  );
}

function describeResumed(table: ResumedTable): string {
  return `${table.direction} ${table.table}`;
}
