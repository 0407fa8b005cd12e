import { describe, expect, it } from 'vitest';
import { seriesOf, type Exposition } from './testing/exposition.js';
import { createHarness, runProgress, type MetricsHarness } from './testing/metrics-test-kit.js';
import type { RunProgress } from '../status/index.js';

function publishRun(harness: MetricsHarness, progress: RunProgress): void {
  harness.events.publish({ type: 'run', progress });
}

function publishProgress(harness: MetricsHarness, progress: RunProgress): void {
  harness.events.publish({ type: 'progress', progress });
}

function nonZero(series: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(series).filter(([, value]) => value !== 0));
}

function runFigures(scrape: Exposition): Record<string, unknown> {
  return {
    running: seriesOf(scrape, 'mysql_sync_full_sync_running'),
    runs: nonZero(seriesOf(scrape, 'mysql_sync_full_sync_runs_total')),
    compared: seriesOf(scrape, 'mysql_sync_full_sync_rows_compared_total'),
    changed: seriesOf(scrape, 'mysql_sync_full_sync_rows_changed_total'),
    durations: nonZero(seriesOf(scrape, 'mysql_sync_full_sync_duration_seconds_count')),
  };
}

describe('full-sync runs', () => {
  it('shows a running run and counts its rows as it progresses', async () => {
    const harness = createHarness();
    publishRun(harness, runProgress());
    publishProgress(harness, runProgress({ rowsCompared: 1_000, rowsChanged: 4 }));
    publishProgress(harness, runProgress({ rowsCompared: 2_500, rowsChanged: 9 }));
    expect(runFigures(await harness.scrape())).toEqual({
      running: { '': 1 },
      runs: {},
      compared: { '': 2_500 },
      changed: { '': 9 },
      durations: {},
    });
  });

  it('counts a run that ended once, even when its final progress is published twice', async () => {
    const harness = createHarness();
    publishRun(harness, runProgress());
    publishProgress(harness, runProgress({ rowsCompared: 3_000, rowsChanged: 2 }));
    const completed = runProgress({
      state: 'completed',
      finishedAt: '2025-03-01T10:02:30.000Z',
      rowsCompared: 5_000,
      rowsChanged: 7,
      percent: 100,
    });
    publishProgress(harness, completed);
    publishRun(harness, completed);
    // A late progress event of the ended run changes nothing.
    publishProgress(harness, runProgress({ rowsCompared: 4_000, rowsChanged: 3 }));

    const scrape = await harness.scrape();
    expect(runFigures(scrape)).toEqual({
      running: { '': 0 },
      runs: { 'kind=manual,status=completed': 1 },
      compared: { '': 5_000 },
      changed: { '': 7 },
      durations: { 'kind=manual': 1 },
    });
    // 150 seconds: in the 300 s bucket, not in the 120 s one.
    expect(
      seriesOf(scrape, 'mysql_sync_full_sync_duration_seconds_bucket', { kind: 'manual' }),
    ).toMatchObject({
      'kind=manual,le=120': 0,
      'kind=manual,le=300': 1,
    });
    expect(seriesOf(scrape, 'mysql_sync_full_sync_duration_seconds_sum', { kind: 'manual' })).toEqual({
      'kind=manual': 150,
    });
  });

  it('counts runs of each kind and outcome, and adds up the rows of successive runs', async () => {
    const harness = createHarness();
    publishRun(harness, runProgress({ runId: 'run-1', kind: 'scheduled' }));
    publishRun(
      harness,
      runProgress({
        runId: 'run-1',
        kind: 'scheduled',
        state: 'failed',
        finishedAt: '2025-03-01T10:00:20.000Z',
        rowsCompared: 800,
        rowsChanged: 1,
        error: { code: 'FULL_SYNC_FAILED', message: 'comparing orders: connection lost' },
      }),
    );
    publishRun(
      harness,
      runProgress({ runId: 'run-2', kind: 'manual', startedAt: '2025-03-01T11:00:00.000Z' }),
    );
    publishRun(
      harness,
      runProgress({
        runId: 'run-2',
        kind: 'manual',
        state: 'stopped',
        startedAt: '2025-03-01T11:00:00.000Z',
        finishedAt: '2025-03-01T11:00:05.000Z',
        rowsCompared: 300,
        rowsChanged: 0,
      }),
    );
    expect(runFigures(await harness.scrape())).toEqual({
      running: { '': 0 },
      runs: { 'kind=scheduled,status=failed': 1, 'kind=manual,status=stopped': 1 },
      compared: { '': 1_100 },
      changed: { '': 1 },
      durations: { 'kind=scheduled': 1, 'kind=manual': 1 },
    });
  });

  it('counts a run whose final progress has no finish time, without a duration, and says so in the log', async () => {
    const harness = createHarness();
    publishRun(harness, runProgress({ state: 'completed', finishedAt: null, rowsCompared: 10 }));
    expect(runFigures(await harness.scrape())).toEqual({
      running: { '': 0 },
      runs: { 'kind=manual,status=completed': 1 },
      compared: { '': 10 },
      changed: { '': 0 },
      durations: {},
    });
    expect(harness.logLines.map((line) => [line['level'], line['runId'], line['msg']])).toEqual([
      [
        40,
        'run-1',
        'full-sync run ended without readable start and finish times; its duration is not observed',
      ],
    ]);
  });

  it('starts every kind and outcome at 0, so the first failure shows in increase()', async () => {
    const series = seriesOf(await createHarness().scrape(), 'mysql_sync_full_sync_runs_total');
    expect(Object.keys(series)).toHaveLength(5 * 3);
    expect(series['kind=scheduled,status=failed']).toBe(0);
  });
});
