/**
 * The sync manager: starts, stops and reports full-sync runs (manual, scheduled, fallback) beside the streams,
 * one run at a time (run-state.ts), each recorded in the state store's history and published as events.
 */
import { randomUUID } from 'node:crypto';
import type { ServiceConfig, SyncMode } from '../config/index.js';
import { SyncError, describeError } from '../errors/index.js';
import type { ServiceEvents } from '../events/index.js';
import {
  RunProgressTracker,
  runFullSync,
  type CompareSide,
  type FullSyncDirection,
  type KeyHistoryReader,
  type UndecidedRow,
} from '../fullsync/index.js';
import { strategyFor } from '../conflict/index.js';
import { withTraceId, type Logger } from '../logging/index.js';
import type { SideName } from '../model/index.js';
import type { PageRequest, StateStore, SyncHistoryEntry, SyncHistoryKind } from '../store/index.js';
import type { SyncControl, TriggerRequest } from './contracts.js';
import { RunStateMachine } from './run-state.js';
import type { AdoptionFailure, RunProgress } from '../status/index.js';

/** What the manager needs of the sync service. */
export interface FullSyncHost {
  readonly fullSyncDirections: readonly FullSyncDirection[];
  readonly compareSides: Readonly<Record<SideName, CompareSide>>;
  /** A run compared these tables whole and settled what differed: a table being adopted is adopted. */
  adopted(tables: readonly string[]): Promise<void>;
  /** Bidirectional: reads the binlogs for the history of rows found on one side only. */
  readonly keyHistory: KeyHistoryReader | undefined;
  /** Bidirectional: lists rows whose history the binlogs cannot tell as conflicts for a person. */
  listUndecided(table: string, rows: readonly UndecidedRow[]): Promise<void>;
  /** Bidirectional: whether the row waits for a person (an unresolved conflict, conflict/open-conflicts.ts). */
  hasOpenConflict(table: string, keyText: string): boolean;
  /** Bidirectional: whether the table is being adopted (its streams leave updates of rows the other side lacks). */
  isAdopting(table: string): boolean;
}

export interface SyncManagerOptions {
  /** The running configuration (it can change while running). */
  readonly config: () => ServiceConfig;
  readonly host: FullSyncHost;
  readonly store: StateStore;
  readonly events: ServiceEvents;
  readonly logger: Logger;
  /** At most one progress event per this interval (default 250 ms); state changes are always published. */
  readonly progressIntervalMs?: number;
}

/** The history entry of a run that has just started. */
function runningEntry(run: {
  readonly id: string;
  readonly kind: SyncHistoryKind;
  readonly startedAt: Date;
  readonly direction: string;
  readonly tables: readonly string[];
  readonly traceId: string;
  readonly triggeredBy: string;
}): SyncHistoryEntry {
  return {
    id: run.id,
    kind: run.kind,
    startedAt: run.startedAt,
    completedAt: null,
    direction: run.direction,
    tablesSynced: [...run.tables],
    totalRows: 0,
    rowsChanged: 0,
    conflictsDetected: 0,
    status: 'running',
    errorMessage: null,
    traceId: run.traceId,
    triggerSource: run.triggeredBy,
  };
}

/**
 * The status and message of a history entry an earlier process left `running`: it stopped (killed, crashed, its
 * host lost) before it recorded the run's end.
 */
export const interruptedRunStatus = 'interrupted';
export const interruptedRunMessage =
  'the service process stopped during this run (killed, crashed or its host lost) before it could record its ' +
  'end; what the run repaired stays repaired, and a later run compares the tables again';

interface ActiveRun {
  readonly tracker: RunProgressTracker;
  readonly abortController: AbortController;
  readonly finished: Promise<RunProgress>;
}

export class SyncManager implements SyncControl {
  readonly #options: SyncManagerOptions;
  readonly #logger: Logger;
  readonly #machine = new RunStateMachine();
  #active: ActiveRun | undefined;
  #lastRun: RunProgress | null = null;
  /** Tables whose last adoption run failed, until a run settles them (health reports them). */
  readonly #adoptionFailures = new Map<string, AdoptionFailure>();
  /** The history entries of this manager's runs that are still open (`running` in the store). */
  readonly #openEntries = new Set<string>();

  constructor(options: SyncManagerOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'sync-manager' });
  }

  get currentRun(): RunProgress | null {
    return this.#active?.tracker.snapshot() ?? this.#lastRun;
  }

  /** Tables whose last adoption run failed and that no run has settled since (this process's runs). */
  get adoptionFailures(): readonly AdoptionFailure[] {
    return [...this.#adoptionFailures.values()];
  }

  get isRunning(): boolean {
    return this.#machine.isRunning;
  }

  async history(page: PageRequest): Promise<{ entries: SyncHistoryEntry[]; total: number }> {
    return this.#options.store.listHistory(page);
  }

  async trigger(
    request: TriggerRequest,
    triggeredBy: string,
    traceId: string,
    kind: SyncHistoryKind = 'manual',
  ): Promise<RunProgress> {
    const tables = this.#checkRequest(request);
    if (this.#machine.isRunning) {
      throw new SyncError('SYNC_ALREADY_RUNNING', 'a full sync is already running', {
        details: { runId: this.#active?.tracker.snapshot().runId },
      });
    }
    const directions = this.#options.host.fullSyncDirections;
    if (directions.length === 0) {
      throw new SyncError('FULL_SYNC_FAILED', 'the sync service has not started its directions');
    }
    this.#machine.apply('start');
    const runId = randomUUID();
    const direction = this.#options.config().sync.mode;
    const dryRun = request.dryRun ?? false;
    const tracker = new RunProgressTracker({ runId, kind, dryRun, direction, traceId }, tables);
    const abortController = new AbortController();
    const startedAt = new Date(tracker.snapshot().startedAt);
    try {
      // A preview changes nothing: it is not history.
      if (!dryRun) {
        this.#openEntries.add(runId);
        await this.#options.store.insertHistory(
          runningEntry({ id: runId, kind, startedAt, direction, tables, traceId, triggeredBy }),
        );
      }
    } catch (error) {
      this.#openEntries.delete(runId);
      this.#machine.apply('fail');
      throw error;
    }
    const finished = withTraceId(traceId, () =>
      this.#execute(tracker, directions, abortController.signal, triggeredBy),
    );
    this.#active = { tracker, abortController, finished };
    const first = tracker.snapshot();
    this.#options.events.publish({ type: 'run', progress: first });
    return first;
  }

  /**
   * Records `work` in the history as a run of `kind` (a recovery that is not a compare, such as copying the tables
   * again after a purged binlog). Refused with SYNC_ALREADY_RUNNING while a full sync runs.
   */
  async recordRun(
    kind: SyncHistoryKind,
    triggeredBy: string,
    traceId: string,
    work: () => Promise<void>,
  ): Promise<void> {
    if (!this.#machine.tryApply('start')) {
      throw new SyncError('SYNC_ALREADY_RUNNING', 'a full sync is already running');
    }
    const config = this.#options.config();
    const id = randomUUID();
    const startedAt = new Date();
    this.#openEntries.add(id);
    try {
      await this.#options.store.insertHistory(
        runningEntry({
          id,
          kind,
          startedAt,
          direction: config.sync.mode,
          tables: config.sync.tables.map((table) => table.name),
          traceId,
          triggeredBy,
        }),
      );
      await work();
      this.#machine.apply('complete');
      await this.#options.store.updateHistory(id, { completedAt: new Date(), status: 'completed' });
    } catch (error) {
      if (this.#machine.isRunning) this.#machine.apply('fail');
      await this.#options.store
        .updateHistory(id, { completedAt: new Date(), status: 'failed', errorMessage: describeError(error) })
        .catch((historyError: unknown) =>
          this.#logger.error(
            { error: describeError(historyError) },
            'failed to record a failed run in the history',
          ),
        );
      throw error;
    } finally {
      this.#openEntries.delete(id);
    }
  }

  /**
   * Ends the history entries an earlier process left `running` as `interrupted` (interruptedRunMessage). Called
   * when this process becomes the one that runs full syncs (at start, or when elected leader), before any run
   * starts: only the process that runs full syncs writes their history. Its own open runs are left alone. A store
   * that does not answer is logged: the entries stay `running` until the next start.
   */
  async closeInterruptedRuns(): Promise<void> {
    try {
      const ended = await this.#options.store.endRunningHistory(
        { status: interruptedRunStatus, completedAt: new Date(), errorMessage: interruptedRunMessage },
        [...this.#openEntries],
      );
      if (ended > 0) {
        this.#logger.warn({ runs: ended }, 'runs left running by an earlier process recorded as interrupted');
      }
    } catch (error) {
      this.#logger.error(
        { error: describeError(error) },
        'failed to record the runs left running by an earlier process as interrupted',
      );
    }
  }

  /** Stops the active run; resolves with its final progress once its queued repairs are applied. */
  async stop(): Promise<RunProgress | null> {
    const active = this.#active;
    if (active === undefined) return null;
    active.abortController.abort();
    return active.finished;
  }

  /** Resolves when the active run (if any) has finished. */
  async idle(): Promise<void> {
    await this.#active?.finished;
  }

  #checkRequest(request: TriggerRequest): string[] {
    const config = this.#options.config();
    const configured = config.sync.tables.map((table) => table.name);
    const unknown = (request.tables ?? []).filter((table) => !configured.includes(table));
    if (unknown.length > 0) {
      throw new SyncError('SYNC_REQUEST_INVALID', `not configured for sync: ${unknown.join(', ')}`, {
        details: { tables: unknown, configured },
      });
    }
    const direction: SyncMode = request.direction ?? config.sync.mode;
    if (direction !== config.sync.mode) {
      throw new SyncError(
        'SYNC_REQUEST_INVALID',
        `direction ${direction} is not what this service syncs (sync.mode is ${config.sync.mode})`,
        { details: { direction, mode: config.sync.mode } },
      );
    }
    const tables = request.tables === undefined || request.tables.length === 0 ? configured : request.tables;
    return [...new Set(tables)];
  }

  async #execute(
    tracker: RunProgressTracker,
    directions: readonly FullSyncDirection[],
    signal: AbortSignal,
    triggeredBy: string,
  ): Promise<RunProgress> {
    const { events } = this.#options;
    const config = this.#options.config();
    const runId = tracker.snapshot().runId;
    const logger = this.#logger.child({ runId });
    const { dryRun } = tracker.snapshot();
    logger.info({ tables: tracker.snapshot().tables.length, triggeredBy, dryRun }, 'full sync started');
    const progressIntervalMs = this.#options.progressIntervalMs ?? 250;
    let lastPublishedAt = 0;
    const publishProgress = (): void => {
      const now = Date.now();
      if (now - lastPublishedAt < progressIntervalMs) return;
      lastPublishedAt = now;
      events.publish({ type: 'progress', progress: tracker.snapshot(now) });
    };
    // Conflicts met while the run is active on its tables (by its repairs or by the streams).
    const unsubscribe = events.subscribe((event) => {
      if (event.type === 'conflict-detected' && tracker.has(event.table)) {
        tracker.table(event.table).conflicts += 1;
      }
    });
    try {
      await runFullSync({
        tables: tracker.snapshot().tables.map((table) => table.table),
        directions,
        sides: this.#options.host.compareSides,
        chunkSize: config.sync.snapshotChunkSize,
        concurrency: config.sync.snapshotConcurrency,
        signal,
        progress: tracker,
        onProgress: publishProgress,
        logger,
        dryRun,
        rules: new Map(
          config.sync.tables.map((table) => [
            table.name,
            { strategy: strategyFor(table), timestampColumn: table.timestampColumn },
          ]),
        ),
        keyHistory: this.#options.host.keyHistory,
        listUndecided: (table, rows) => this.#options.host.listUndecided(table, rows),
        hasOpenConflict: (table, keyText) => this.#options.host.hasOpenConflict(table, keyText),
        isAdopting: (table) => this.#options.host.isAdopting(table),
      });
      const failed = tracker.snapshot().tables.filter((table) => table.state === 'failed');
      if (signal.aborted) {
        this.#machine.apply('stop');
        tracker.finish('stopped');
      } else if (failed.length > 0) {
        this.#machine.apply('fail');
        tracker.finish('failed', {
          code: 'FULL_SYNC_FAILED',
          message: failed.map((table) => `${table.table}: ${table.error ?? 'failed'}`).join('; '),
        });
      } else {
        this.#machine.apply('complete');
        tracker.finish('completed');
      }
    } catch (error) {
      this.#machine.apply('fail');
      tracker.finish('failed', { code: 'FULL_SYNC_FAILED', message: describeError(error) });
    } finally {
      unsubscribe();
    }
    const final = tracker.snapshot();
    if (!dryRun) {
      this.#rememberAdoptionFailures(final);
      await this.#settleAdoptions(final, logger);
    }
    this.#lastRun = final;
    this.#active = undefined;
    if (!dryRun) await this.#recordEnd(final, logger);
    events.publish({ type: 'progress', progress: final });
    events.publish({ type: 'run', progress: final });
    logger.info(
      {
        status: final.state,
        rowsCompared: final.rowsCompared,
        rowsChanged: final.rowsChanged,
        conflicts: final.conflicts,
        error: final.error?.message,
        dryRun,
      },
      dryRun ? 'full sync preview finished' : 'full sync finished',
    );
    return final;
  }

  /**
   * The tables a failed run left unsettled are remembered, whoever started it (with `realtime: false` an adoption is
   * triggered by hand or by the schedule); health counts those still being adopted. The tables any run settled are
   * forgotten.
   */
  #rememberAdoptionFailures(final: RunProgress): void {
    for (const table of final.tables) {
      if (table.state === 'done') {
        this.#adoptionFailures.delete(table.table);
      } else if (table.state === 'failed' || final.state === 'failed') {
        this.#adoptionFailures.set(table.table, {
          table: table.table,
          runId: final.runId,
          finishedAt: final.finishedAt,
          message: table.error ?? final.error?.message ?? 'the run failed',
        });
      }
    }
  }

  /** The tables the run compared whole and repaired are settled: any adoption of them is done. */
  async #settleAdoptions(final: RunProgress, logger: Logger): Promise<void> {
    const settled = final.tables.filter((table) => table.state === 'done').map((table) => table.table);
    if (settled.length === 0) return;
    try {
      await this.#options.host.adopted(settled);
    } catch (error) {
      // The marks stay: the next run (or start) adopts the tables again, which finds nothing left to settle.
      logger.error({ tables: settled, error: describeError(error) }, 'failed to record the adopted tables');
    }
  }

  async #recordEnd(final: RunProgress, logger: Logger): Promise<void> {
    this.#openEntries.delete(final.runId);
    try {
      await this.#options.store.updateHistory(final.runId, {
        completedAt: final.finishedAt === null ? new Date() : new Date(final.finishedAt),
        totalRows: final.rowsCompared,
        rowsChanged: final.rowsChanged,
        conflictsDetected: final.conflicts,
        status: final.state,
        errorMessage: final.error?.message ?? null,
      });
    } catch (error) {
      // The run itself is over and its repairs are on the target; only its history entry is incomplete.
      logger.error({ error: describeError(error) }, 'failed to record the end of a full sync in the history');
    }
  }
}
