/**
 * In-memory sync and pause control for the API's tests: triggers recorded, one run at a time, paged history, paused
 * tables handed back by a resume; with the sample run progress and history entries they answer with.
 */
import { SyncError } from '../../errors/index.js';
import { noChanges } from '../../fullsync/index.js';
import type { PauseControl, ResumedTable, SyncControl, TriggerRequest } from '../../manager/index.js';
import type { PageRequest, SyncHistoryEntry } from '../../store/index.js';
import type { RunProgress } from '../../status/index.js';

export const configuredTables = ['users', 'orders'] as const;

export function runProgress(overrides: Partial<RunProgress> = {}): RunProgress {
  return {
    runId: 'run-1',
    kind: 'manual',
    dryRun: false,
    state: 'running',
    direction: 'local_to_cloud',
    startedAt: '2025-01-02T03:04:05.000Z',
    finishedAt: null,
    tables: [
      {
        table: 'users',
        state: 'pending',
        chunksTotal: 0,
        chunksCompared: 0,
        rowsTotal: 0,
        rowsCompared: 0,
        rowsChanged: 0,
        conflicts: 0,
        changes: noChanges(),
        error: null,
      },
    ],
    pendingChanges: null,
    rowsTotal: 0,
    rowsCompared: 0,
    rowsChanged: 0,
    conflicts: 0,
    percent: 0,
    rowsPerSecond: 0,
    etaSeconds: null,
    error: null,
    traceId: 'trace-1',
    ...overrides,
  };
}

export interface TriggerCall {
  readonly request: TriggerRequest;
  readonly triggeredBy: string;
  readonly traceId: string;
}

/** Paused tables that a resume hands back (and forgets, as a restart does when their causes are fixed). */
export class InMemoryPauseControl implements PauseControl {
  paused: ResumedTable[] = [];
  /** Who resumed, one entry per call that resumed something. */
  readonly resumedBy: string[] = [];

  resume(resumedBy: string): Promise<{ resumed: ResumedTable[] }> {
    if (this.paused.length === 0) {
      return Promise.reject(
        new SyncError('NOTHING_PAUSED', 'no table is paused: there is nothing to resume'),
      );
    }
    const resumed = this.paused;
    this.paused = [];
    this.resumedBy.push(resumedBy);
    return Promise.resolve({ resumed });
  }
}

export class InMemorySyncControl implements SyncControl {
  readonly triggers: TriggerCall[] = [];
  readonly entries: SyncHistoryEntry[] = [];
  /** Set to make every call fail with it. */
  failure: Error | undefined;
  #run: RunProgress | null = null;

  get currentRun(): RunProgress | null {
    return this.#run;
  }

  trigger(request: TriggerRequest, triggeredBy: string, traceId: string): Promise<RunProgress> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.#run?.state === 'running') {
      return Promise.reject(new SyncError('SYNC_ALREADY_RUNNING', `full sync ${this.#run.runId} is running`));
    }
    const unknown = (request.tables ?? []).filter(
      (table) => !(configuredTables as readonly string[]).includes(table),
    );
    if (unknown.length > 0) {
      return Promise.reject(
        new SyncError('SYNC_REQUEST_INVALID', `table ${unknown.join(', ')} is not configured`, {
          details: { tables: unknown },
        }),
      );
    }
    this.triggers.push({ request, triggeredBy, traceId });
    this.#run = runProgress({
      runId: `run-${this.triggers.length}`,
      direction: request.direction ?? 'local_to_cloud',
      traceId,
    });
    return Promise.resolve(this.#run);
  }

  stop(): Promise<RunProgress | null> {
    if (this.#run?.state !== 'running') return Promise.resolve(null);
    this.#run = { ...this.#run, state: 'stopped', finishedAt: '2025-01-02T03:05:00.000Z' };
    return Promise.resolve(this.#run);
  }

  history(page: PageRequest): Promise<{ entries: SyncHistoryEntry[]; total: number }> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return Promise.resolve({
      entries: this.entries.slice(page.offset, page.offset + page.limit),
      total: this.entries.length,
    });
  }
}

export function historyEntry(index: number): SyncHistoryEntry {
  return {
    id: `history-${index}`,
    kind: 'manual',
    startedAt: new Date(Date.UTC(2025, 0, 1, 0, index)),
    completedAt: new Date(Date.UTC(2025, 0, 1, 0, index, 30)),
    direction: 'local_to_cloud',
    tablesSynced: ['users'],
    totalRows: 100,
    rowsChanged: index,
    conflictsDetected: 0,
    status: 'completed',
    errorMessage: null,
    traceId: `trace-${index}`,
    triggerSource: 'admin',
  };
}
