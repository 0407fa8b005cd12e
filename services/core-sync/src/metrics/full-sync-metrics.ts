/**
 * Full-sync (reconciliation) runs, from `progress` and `run` events. Rows compared and changed are counted as
 * the run goes (the difference to what was counted for the run before), so their rate shows a run's speed; a
 * run that ended is counted once, whichever events repeat its final progress, and later events for it are
 * ignored.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../logging/index.js';
import { runKindLabel, runKinds, runOutcomes, type RunOutcome } from './label-values.js';
import type { RunProgress } from '../status/index.js';

/** Run ids remembered as ended, oldest dropped first; far more than can repeat a final event. */
const endedRunsRemembered = 256;

/** From a minute (a few small tables) to several hours (a large database compared chunk by chunk). */
const runDurationBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1_800, 3_600, 7_200, 14_400, 28_800];

interface CountedRows {
  readonly rowsCompared: number;
  readonly rowsChanged: number;
}

export class FullSyncMetrics {
  readonly #runs: Counter<'kind' | 'status'>;
  readonly #duration: Histogram<'kind'>;
  readonly #rowsCompared: Counter;
  readonly #rowsChanged: Counter;
  readonly #activeRuns = new Map<string, CountedRows>();
  readonly #endedRuns = new Set<string>();
  readonly #logger: Logger;

  constructor(registry: Registry, logger: Logger) {
    this.#logger = logger;
    const registers = [registry];
    this.#runs = new Counter({
      name: 'mysql_sync_full_sync_runs_total',
      help: 'Full-sync (reconciliation) runs that ended, by kind (initial, manual, scheduled, fallback, adoption) and how they ended (completed, failed, stopped).',
      labelNames: ['kind', 'status'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'mysql_sync_full_sync_duration_seconds',
      help: 'Wall-clock time of full-sync runs from start to end, whatever the outcome, by kind.',
      labelNames: ['kind'],
      buckets: runDurationBuckets,
      registers,
    });
    this.#rowsCompared = new Counter({
      name: 'mysql_sync_full_sync_rows_compared_total',
      help: 'Rows that full-sync runs compared between the two databases, counted as the runs progress.',
      registers,
    });
    this.#rowsChanged = new Counter({
      name: 'mysql_sync_full_sync_rows_changed_total',
      help: 'Rows that full-sync runs found different and wrote (missing, extra or changed rows), counted as the runs progress.',
      registers,
    });
    new Gauge({
      name: 'mysql_sync_full_sync_running',
      help: 'Full-sync runs in progress now (0 or 1: one run at a time).',
      registers,
      collect: this.#collectRunning(),
    });
    // Every kind and outcome from 0, so increase() sees the first failure of a kind.
    for (const kind of runKinds) {
      this.#duration.zero({ kind });
      for (const status of runOutcomes) this.#runs.inc({ kind, status }, 0);
    }
  }

  record(progress: RunProgress): void {
    const { runId } = progress;
    if (this.#endedRuns.has(runId)) return;
    const counted = this.#activeRuns.get(runId) ?? { rowsCompared: 0, rowsChanged: 0 };
    // A count that went down (should not happen) adds nothing and is not taken as the new base.
    const rowsCompared = Math.max(counted.rowsCompared, progress.rowsCompared);
    const rowsChanged = Math.max(counted.rowsChanged, progress.rowsChanged);
    this.#rowsCompared.inc(rowsCompared - counted.rowsCompared);
    this.#rowsChanged.inc(rowsChanged - counted.rowsChanged);

    const outcome = runOutcome(progress);
    if (outcome === null) {
      if (progress.state === 'running') this.#activeRuns.set(runId, { rowsCompared, rowsChanged });
      return;
    }
    this.#activeRuns.delete(runId);
    this.#rememberEnded(runId);
    const kind = runKindLabel(progress.kind);
    this.#runs.inc({ kind, status: outcome });
    const durationSeconds = runDurationSeconds(progress);
    if (durationSeconds === null) {
      const { startedAt, finishedAt } = progress;
      this.#logger.warn(
        { runId, startedAt, finishedAt },
        'full-sync run ended without readable start and finish times; its duration is not observed',
      );
      return;
    }
    this.#duration.observe({ kind }, durationSeconds);
  }

  #rememberEnded(runId: string): void {
    this.#endedRuns.add(runId);
    if (this.#endedRuns.size <= endedRunsRemembered) return;
    const oldest = this.#endedRuns.values().next();
    if (oldest.done !== true) this.#endedRuns.delete(oldest.value);
  }

  #collectRunning(): (this: Gauge) => void {
    const activeRuns = this.#activeRuns;
    return function setRunning(this: Gauge): void {
      this.set(activeRuns.size);
    };
  }
}

function runOutcome(progress: RunProgress): RunOutcome | null {
  switch (progress.state) {
    case 'completed':
    case 'failed':
    case 'stopped':
      return progress.state;
    case 'idle':
    case 'running':
      return null;
  }
}

/** From the run's own timestamps; null when the final progress lacks a finish time or a timestamp is unreadable. */
function runDurationSeconds(progress: RunProgress): number | null {
  if (progress.finishedAt === null) return null;
  const startedAt = Date.parse(progress.startedAt);
  const finishedAt = Date.parse(progress.finishedAt);
  if (Number.isNaN(startedAt) || Number.isNaN(finishedAt)) return null;
  return Math.max(0, finishedAt - startedAt) / 1_000;
}
