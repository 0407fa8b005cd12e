/**
 * Starts full syncs on their own: on the configured cron schedule (`scheduler.interval`, when
 * `scheduler.enabled`), and as a fallback when a binlog stream has been down longer than
 * `scheduler.fallback_after` (changes may be piling up unseen: a full sync repairs what the stream missed once
 * the databases answer again). A tick that finds a run active is skipped and logged, never queued.
 */
import { Cron } from 'croner';
import type { SchedulerConfig } from '../config/index.js';
import { SyncError, describeError } from '../errors/index.js';
import { newTraceId, type Logger } from '../logging/index.js';
import type { ServiceStatus } from '../sync/index.js';
import type { SyncManager } from './sync-manager.js';

export interface SchedulerOptions {
  readonly config: SchedulerConfig;
  readonly manager: Pick<SyncManager, 'trigger' | 'isRunning'>;
  readonly status: () => ServiceStatus;
  readonly logger: Logger;
  /** How often stream states are checked for the fallback (default 5 s). */
  readonly fallbackCheckIntervalMs?: number;
}

export type SchedulerTickOutcome = 'started' | 'skipped-running' | 'failed';

export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #logger: Logger;
  #cron: Cron | undefined;
  #fallbackTimer: NodeJS.Timeout | undefined;
  /** Since when each direction's stream has not been streaming (direction name → ms since epoch). */
  readonly #downSince = new Map<string, number>();
  /** Directions whose current outage already triggered a fallback run. */
  readonly #fallbackDone = new Set<string>();
  readonly #outcomes: SchedulerTickOutcome[] = [];

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

  #tick(kind: 'scheduled' | 'fallback', triggeredBy: string): void {
    if (this.#options.manager.isRunning) {
      this.#logger.info({ kind }, 'full sync skipped: a run is still active');
      this.#record('skipped-running');
      return;
    }
    const traceId = newTraceId();
    this.#options.manager.trigger({}, triggeredBy, traceId, kind).then(
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

  #checkStreams(): void {
    const now = Date.now();
    for (const direction of this.#options.status().directions) {
      const name = `${direction.source}_to_${direction.target}`;
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
