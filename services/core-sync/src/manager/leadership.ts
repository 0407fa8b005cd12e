/**
 * High availability: several replicas of one database pair share a MySQL state store, and the one holding its
 * lease (store.acquireLease) streams and applies; the others stand by.
 *
 *                 acquired (epoch N)                    not renewed in time / taken over
 *   standby ──────────────────────────► leader ───────────────────────────────────────► standby
 *      ▲  └── held by another: retry          │ └── renewed: stay                           │
 *      │       every renew_interval           │                                             │
 *      └──────────────────────────────────────┴─────── stop(): step down, release ─► stopped
 *
 * A lease alone is not enough: a leader paused past its lease (a long GC, a frozen VM) wakes up still
 * believing it leads. So every epoch is fenced on the targets (target/fence.ts `raiseFence` and
 * `checkFence`): once the new leader started, the old one's next batch rolls back with LEASE_LOST.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { HighAvailabilityConfig } from '../config/index.js';
import { SyncError, describeError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { StateStore } from '../store/index.js';

export type LeadershipRole = 'standby' | 'leader' | 'stopped';

export interface LeadershipOptions {
  readonly config: HighAvailabilityConfig;
  readonly store: Pick<StateStore, 'acquireLease' | 'releaseLease'>;
  readonly logger: Logger;
  /** Starts leading with this lease epoch; a rejection steps down (and the lease is released). */
  readonly onElected: (epoch: number) => Promise<void>;
  /** Stops leading (the lease was lost, or the process stops). */
  readonly onDeposed: () => Promise<void>;
  /** This replica's name in the lease (default host name, process id and a random suffix). */
  readonly holder?: string;
  /**
   * True when the leader's writes were fenced out by a newer leader (LEASE_LOST): it steps down and releases the
   * lease, so the next term (this replica's or another's) starts fresh with a higher epoch.
   */
  readonly fencedOut?: () => boolean;
}

export class Leadership {
  readonly #options: LeadershipOptions;
  readonly #logger: Logger;
  readonly holder: string;
  #role: LeadershipRole = 'standby';
  #epoch: number | null = null;
  #timer: NodeJS.Timeout | undefined;
  /** When the lease was last confirmed held, by this process's clock. */
  #confirmedAt = 0;
  /** One transition at a time: elections, step-downs and stop run in order. */
  #transition: Promise<void> = Promise.resolve();

  constructor(options: LeadershipOptions) {
    this.#options = options;
    this.holder = options.holder ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.#logger = options.logger.child({ component: 'leadership', holder: this.holder });
  }

  get role(): LeadershipRole {
    return this.#role;
  }

  get epoch(): number | null {
    return this.#epoch;
  }

  start(): void {
    this.#logger.info({ lease: this.#options.config.leaseName }, 'standing by for the lease');
    this.#schedule(0);
  }

  /** Steps down if leading, releases the lease so a standby takes over at once, and stops trying. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const wasLeader = this.#role === 'leader';
    this.#role = 'stopped';
    await this.#transition;
    if (!wasLeader) return;
    await this.#options.onDeposed();
    try {
      await this.#options.store.releaseLease(this.#options.config.leaseName, this.holder);
    } catch (error) {
      this.#logger.warn({ error: describeError(error) }, 'could not release the lease; it expires by itself');
    }
  }

  #schedule(delayMs: number): void {
    if (this.#role === 'stopped') return;
    this.#timer = setTimeout(() => {
      this.#transition = this.#transition.then(() => this.#tick());
    }, delayMs);
  }

  async #tick(): Promise<void> {
    if (this.#role === 'stopped') return;
    const { config, store } = this.#options;
    if (this.#role === 'leader' && this.#options.fencedOut?.() === true) {
      this.#logger.warn({ epoch: this.#epoch }, 'fenced out by a newer leader: stepping down');
      await this.#stepDown();
    }
    try {
      const lease = await withTimeout(
        store.acquireLease(config.leaseName, this.holder, config.leaseTtlMs),
        // Generous: a slow answer is not a lost lease; half the lease still leaves time to step down.
        config.leaseTtlMs / 2,
      );
      if (lease.held) {
        this.#confirmedAt = Date.now();
        if (this.#role === 'standby') await this.#lead(lease.epoch);
      } else if (this.#role === 'leader') {
        this.#logger.warn(
          { leaseHolder: lease.holder, epoch: lease.epoch },
          'the lease was taken over: stepping down',
        );
        await this.#stepDown();
      }
    } catch (error) {
      // The store does not answer: a leader keeps leading until its lease would have expired, then steps down
      // (another replica may have taken it over by then).
      // A store outage is logged by the store when it begins and ends; each tick during it only at debug.
      const storeOutage = error instanceof SyncError && error.code === 'STATE_STORE_UNAVAILABLE';
      this.#logger[storeOutage ? 'debug' : 'warn'](
        { error: describeError(error), role: this.#role },
        'could not renew or acquire the lease',
      );
      if (this.#role === 'leader' && Date.now() - this.#confirmedAt >= config.leaseTtlMs) {
        await this.#stepDown();
      }
    }
    this.#schedule(config.renewIntervalMs);
  }

  async #lead(epoch: number): Promise<void> {
    this.#role = 'leader';
    this.#epoch = epoch;
    this.#logger.info({ epoch }, 'elected leader: starting to sync');
    try {
      await this.#options.onElected(epoch);
    } catch (error) {
      this.#logger.error(
        { error: describeError(error), epoch },
        'could not start leading: releasing the lease',
      );
      await this.#stepDown();
      await this.#options.store
        .releaseLease(this.#options.config.leaseName, this.holder)
        .catch((releaseError: unknown) =>
          this.#logger.warn(
            { error: describeError(releaseError) },
            'could not release the lease; it expires by itself',
          ),
        );
    }
  }

  async #stepDown(): Promise<void> {
    if (this.#role !== 'leader') return;
    this.#role = 'standby';
    this.#epoch = null;
    try {
      await this.#options.onDeposed();
    } catch (error) {
      this.#logger.error({ error: describeError(error) }, 'stopping the sync after losing the lease failed');
    }
    // If this replica still holds the lease in the store (its renewals only answered late), end it: the next
    // term then starts with a higher epoch instead of resuming this one.
    const { config, store } = this.#options;
    await withTimeout(store.releaseLease(config.leaseName, this.holder), config.leaseTtlMs / 2).catch(
      (error: unknown) =>
        this.#logger.warn(
          { error: describeError(error) },
          'could not release the lease; it expires by itself',
        ),
    );
  }
}

/**
 * A store call that does not answer in time counts as a failed renewal: a leader whose calls hang (the store or
 * its connections stuck) must still step down once its lease may have passed to another replica.
 */
async function withTimeout<Result>(work: Promise<Result>, timeoutMs: number): Promise<Result> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the state store did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
