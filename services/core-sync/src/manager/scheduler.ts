/**
 * Starts full syncs on their own: on the configured cron schedule (`scheduler.interval`, when
 * `scheduler.enabled`), and as a fallback when a binlog stream has been down longer than
 * `scheduler.fallback_after` (changes may be piling up unseen: a full sync repairs what the stream missed once
 * the databases answer again), and, with `scheduler.resync_on_purged_binlog`, copies the tables again when a
 * direction failed because the binlog to resume from was purged (no stream can repair that), and restarts the
 * service when a running direction met another source server (a failover), so the new start follows it by GTID.
 * In bidirectional mode it also starts the adoption run of tables adopted with rows on both sides (tried again
 * after a failure, waiting 1 minute, then twice as long each time, up to an hour) — at once while streaming; with
 * `sync.realtime: false` the next run adopts them, so an operator can preview it first (a dry run) and nothing is
 * written before.
 * A tick that finds a run active is skipped and logged, never queued.
 */
import { Cron } from 'croner';
import type { SchedulerConfig } from '../config/index.js';
import { SyncError, describeError } from '../errors/index.js';
import { newTraceId, type Logger } from '../logging/index.js';
import type { SyncManager } from './sync-manager.js';
import type { ServiceStatus } from '../status/index.js';
import { directionName } from '../model/index.js';

export interface SchedulerOptions {
  readonly config: SchedulerConfig;
  readonly manager: Pick<SyncManager, 'trigger' | 'isRunning'>;
  readonly status: () => ServiceStatus;
  readonly logger: Logger;
  /** Whether tables waiting for adoption are adopted at once (streaming) or by the next run; at once when absent. */
  readonly adoptAtOnce?: () => boolean;
  /** How often stream states are checked for the fallback (default 5 s). */
  readonly fallbackCheckIntervalMs?: number;
  /** Copies the tables of a direction again (`source` is the side its binlog comes from). */
  readonly resyncAfterPurge?: (source: 'local' | 'cloud') => Promise<void>;
  /**
   * Restarts the sync service, whose start follows a source that moved to another server (a failover) by GTID;
   * called when a running direction stopped with SOURCE_SERVER_CHANGED.
   */
  readonly followSourceServer?: () => Promise<void>;
}

export type SchedulerTickOutcome = 'started' | 'skipped-running' | 'failed';

const adoptionRetryFirstMs = 60_000;
const adoptionRetryMaxMs = 3_600_000;

export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #logger: Logger;
  #cron: Cron | undefined;
  #fallbackTimer: NodeJS.Timeout | undefined;
  /** Since when each direction's stream has not been streaming (direction name → ms since epoch). */
  readonly #downSince = new Map<string, number>();
  /** Directions whose current outage already triggered a fallback run. */
  readonly #fallbackDone = new Set<string>();
  /** Directions whose purged-binlog failure is being (or was) recovered from. */
  readonly #purgeHandled = new Set<string>();
  /** Directions whose move to another source server is being (or was) followed. */
  readonly #serverChangeHandled = new Set<string>();
  readonly #outcomes: SchedulerTickOutcome[] = [];
  /** When the next adoption run may start, and how long to wait after it if it does not settle the tables. */
  #nextAdoptionAt = 0;
  #adoptionRetryMs = adoptionRetryFirstMs;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'scheduler' });
  }

  start(): void {
    const { config } = this.#options;
    if (config.enabled) {
      this.#cron = new Cron(config.interval, { protect: true }, () => this.#tick('scheduled', 'cron'));
      this.#logger.info(
        { interval: config.interval, nextRun: this.#cron.nextRun()?.toISOString() },
        'scheduled full syncs enabled',
      );
    }
    this.#checkAdoption();
    this.#fallbackTimer = setInterval(
      () => this.#checkStreams(),
      this.#options.fallbackCheckIntervalMs ?? 5_000,
    );
    this.#fallbackTimer.unref();
  }

  stop(): void {
    this.#cron?.stop();
    this.#cron = undefined;
    clearInterval(this.#fallbackTimer);
    this.#fallbackTimer = undefined;
  }

  /** The next scheduled run, or null when scheduling is off. */
  get nextRun(): Date | null {
    return this.#cron?.nextRun() ?? null;
  }

  /** What each tick did, oldest first (the last 100). */
  get outcomes(): readonly SchedulerTickOutcome[] {
    return this.#outcomes;
  }

  #record(outcome: SchedulerTickOutcome): void {
    this.#outcomes.push(outcome);
    if (this.#outcomes.length > 100) this.#outcomes.shift();
  }

  #tick(kind: 'scheduled' | 'fallback' | 'adoption', triggeredBy: string, tables?: readonly string[]): void {
    if (this.#options.manager.isRunning) {
      this.#logger.info({ kind }, 'full sync skipped: a run is still active');
      this.#record('skipped-running');
      return;
    }
    const traceId = newTraceId();
    this.#options.manager.trigger(tables === undefined ? {} : { tables }, triggeredBy, traceId, kind).then(
      (progress) => {
        this.#record('started');
        this.#logger.info({ kind, runId: progress.runId, traceId }, 'full sync started by the scheduler');
      },
      (error: unknown) => {
        if (error instanceof SyncError && error.code === 'SYNC_ALREADY_RUNNING') {
          this.#record('skipped-running');
          this.#logger.info({ kind }, 'full sync skipped: a run is still active');
          return;
        }
        this.#record('failed');
        this.#logger.error(
          {
            kind,
            errorCode: error instanceof SyncError ? error.code : undefined,
            error: describeError(error),
          },
          'the scheduler could not start a full sync',
        );
      },
    );
  }

  /** Once per failure (until the direction streams again): a start that cannot follow says why in its status. */
  #followSourceServer(name: string): void {
    const follow = this.#options.followSourceServer;
    if (follow === undefined || this.#serverChangeHandled.has(name)) return;
    this.#serverChangeHandled.add(name);
    this.#logger.warn(
      { direction: name },
      'the source moved to another server: restarting to follow it by GTID',
    );
    follow().catch((error: unknown) => {
      this.#logger.error(
        {
          direction: name,
          errorCode: error instanceof SyncError ? error.code : undefined,
          error: describeError(error),
        },
        'the source could not be followed to the new server',
      );
    });
  }

  #recoverFromPurge(name: string, source: 'local' | 'cloud'): void {
    const resync = this.#options.resyncAfterPurge;
    if (!this.#options.config.resyncOnPurgedBinlog || resync === undefined || this.#purgeHandled.has(name))
      return;
    this.#purgeHandled.add(name);
    this.#logger.warn({ direction: name }, 'the binlog to resume from was purged: copying the tables again');
    resync(source).then(
      () =>
        this.#logger.info(
          { direction: name },
          'tables copied again after a purged binlog; streaming resumed',
        ),
      (error: unknown) => {
        // Tried again at the next check unless it failed for a reason retrying cannot cure.
        if (error instanceof SyncError && error.code === 'SYNC_ALREADY_RUNNING')
          this.#purgeHandled.delete(name);
        this.#logger.error(
          {
            direction: name,
            errorCode: error instanceof SyncError ? error.code : undefined,
            error: describeError(error),
          },
          'copying the tables again after a purged binlog failed',
        );
      },
    );
  }

  /** Starts the adoption run of the tables waiting for one, unless a run is active or a failed one is waited out. */
  #checkAdoption(): void {
    const tables = this.#options.status().adoptingTables ?? [];
    const now = Date.now();
    if (tables.length === 0 || this.#options.adoptAtOnce?.() === false) {
      this.#nextAdoptionAt = 0;
      this.#adoptionRetryMs = adoptionRetryFirstMs;
      return;
    }
    if (now < this.#nextAdoptionAt || this.#options.manager.isRunning) return;
    if (this.#nextAdoptionAt > 0) {
      this.#logger.warn({ tables }, 'the last adoption run did not settle these tables: trying again');
    }
    this.#nextAdoptionAt = now + this.#adoptionRetryMs;
    this.#adoptionRetryMs = Math.min(this.#adoptionRetryMs * 2, adoptionRetryMaxMs);
    this.#tick('adoption', 'adoption', tables);
  }

  #checkStreams(): void {
    this.#checkAdoption();
    const now = Date.now();
    for (const direction of this.#options.status().directions) {
      const name = directionName(direction.source);
      if (direction.state === 'failed' && direction.error?.code === 'BINLOG_PURGED') {
        this.#recoverFromPurge(name, direction.source);
        continue;
      }
      if (direction.state === 'failed' && direction.error?.code === 'SOURCE_SERVER_CHANGED') {
        this.#followSourceServer(name);
        continue;
      }
      if (direction.state === 'streaming') {
        this.#purgeHandled.delete(name);
        this.#serverChangeHandled.delete(name);
      }
      const streaming = direction.stream === null || direction.stream.state === 'streaming';
      if (streaming) {
        // Back up: the stream resumes from its checkpoint; a fallback run is needed again only after a new outage.
        this.#downSince.delete(name);
        this.#fallbackDone.delete(name);
        continue;
      }
      const since = this.#downSince.get(name) ?? now;
      this.#downSince.set(name, since);
      if (this.#fallbackDone.has(name) || now - since < this.#options.config.fallbackAfterMs) continue;
      this.#fallbackDone.add(name);
      this.#logger.warn(
        { direction: name, downForMs: now - since, streamState: direction.stream?.state },
        'binlog stream down too long: starting a fallback full sync',
      );
      this.#tick('fallback', 'binlog-fallback');
    }
  }
}
