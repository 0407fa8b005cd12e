import { describe, expect, it } from 'vitest';
import type { RunProgress, StatusResponse } from '../api/types';
import {
  initialLiveState,
  liveReducer,
  overview,
  pausedTables,
  sampleWindowMs,
  streamHealth,
  tableRate,
  type LiveAction,
  type LiveState,
} from './live-state';
import { directionStatus as direction, noPreparedXa } from '../test-support/status-fixtures';

function run(overrides: Partial<RunProgress> = {}): RunProgress {
  return {
    runId: 'run-1',
    kind: 'manual',
    dryRun: false,
    pendingChanges: null,
    state: 'running',
    direction: 'local_to_cloud',
    startedAt: '2025-01-02T03:04:05.000Z',
    finishedAt: null,
    tables: [
      {
        table: 'items',
        state: 'comparing',
        chunksTotal: 4,
        chunksCompared: 1,
        rowsTotal: 1000,
        rowsCompared: 250,
        rowsChanged: 0,
        conflicts: 0,
        changes: {
          copied: { local: 0, cloud: 0 },
          deleted: { local: 0, cloud: 0 },
          changed: { local: 0, cloud: 0 },
          conflicts: 0,
          undecided: 0,
          sampleKeys: { copied: [], deleted: [], changed: [], conflicts: [], undecided: [] },
        },
        error: null,
      },
    ],
    rowsTotal: 1000,
    rowsCompared: 250,
    rowsChanged: 0,
    conflicts: 0,
    percent: 25,
    rowsPerSecond: 500,
    etaSeconds: 1.5,
    error: null,
    traceId: 'trace-1',
    ...overrides,
  };
}

const snapshot: StatusResponse = {
  mode: 'bidirectional',
  directions: [direction(), direction({ source: 'cloud', target: 'local' })],
  run: null,
  health: { status: 'ok', reasons: [], problems: [], mode: 'bidirectional', directions: [] },
  adoptingTables: [],
};

function apply(actions: LiveAction[], state: LiveState = initialLiveState): LiveState {
  return actions.reduce(liveReducer, state);
}

describe('the live state', () => {
  it('takes the snapshot, then replaces a direction from its status event', () => {
    const state = apply([
      { kind: 'snapshot', status: snapshot },
      {
        kind: 'event',
        receivedAt: 1,
        event: {
          type: 'status',
          direction: 'cloud_to_local',
          status: direction({
            source: 'cloud',
            target: 'local',
            stream: {
              state: 'reconnecting',
              position: null,
              lagMs: null,
              preparedXa: noPreparedXa,
              reconnectAttempt: 2,
              lastError: null,
            },
          }),
        },
      },
    ]);
    expect(state.directions.map((entry) => [entry.source, streamHealth(entry)])).toEqual([
      ['local', 'up'],
      ['cloud', 'reconnecting'],
    ]);
  });

  it('keeps lag samples per direction for the chart window only', () => {
    const lag = (receivedAt: number, rowsPerSecond: number): LiveAction => ({
      kind: 'event',
      receivedAt,
      event: {
        type: 'lag',
        direction: 'local_to_cloud',
        lagMs: 20,
        queueDepth: 7,
        rowsPerSecond,
        position: null,
      },
    });
    const state = apply([
      { kind: 'snapshot', status: snapshot },
      lag(1_000, 10),
      lag(2_000, 20),
      lag(1_000 + sampleWindowMs + 500, 30),
    ]);
    expect(state.samples.local_to_cloud?.map((sample) => sample.rowsPerSecond)).toEqual([20, 30]);
    expect(state.samples.cloud_to_local).toBeUndefined();
    expect(state.directions[0]?.queueDepth).toBe(7);
  });

  it('follows a run through progress and run events and counts conflicts waiting for a person', () => {
    const state = apply([
      { kind: 'snapshot', status: snapshot },
      { kind: 'event', receivedAt: 0, event: { type: 'run', progress: run({ percent: 0 }) } },
      { kind: 'event', receivedAt: 1, event: { type: 'progress', progress: run() } },
      {
        kind: 'event',
        receivedAt: 2,
        event: {
          type: 'conflict-detected',
          id: 'c1',
          table: 'items',
          conflictType: 'update_update',
          strategy: 'manual',
          winner: null,
        },
      },
      {
        kind: 'event',
        receivedAt: 3,
        event: {
          type: 'conflict-detected',
          id: 'c2',
          table: 'items',
          conflictType: 'update_update',
          strategy: 'source_priority',
          winner: 'local',
        },
      },
      {
        kind: 'event',
        receivedAt: 4,
        event: { type: 'run', progress: run({ state: 'completed', percent: 100 }) },
      },
    ]);
    expect(state.run).toMatchObject({ state: 'completed', percent: 100 });
    expect(state.runRevision).toBe(2);
    expect(state.conflictRevision).toBe(2);
    expect(state.conflictsAwaiting).toBe(1);
  });

  it('computes a table’s rate and ETA from when the page first saw it compare', () => {
    const state = apply([
      { kind: 'event', receivedAt: 10_000, event: { type: 'progress', progress: run() } },
    ]);
    const clock = state.tableClocks.items;
    expect(clock).toEqual({ runId: 'run-1', since: 10_000, rowsAtStart: 250 });
    expect(tableRate(clock, { rowsCompared: 450, rowsTotal: 1000, state: 'comparing' }, 12_000)).toEqual({
      rowsPerSecond: 100,
      etaSeconds: 5.5,
    });
    expect(
      tableRate(clock, { rowsCompared: 1000, rowsTotal: 1000, state: 'done' }, 12_000).rowsPerSecond,
    ).toBeNull();
  });

  it('sums the service up: error over syncing over idle', () => {
    const loaded = apply([{ kind: 'snapshot', status: snapshot }]);
    expect(overview(loaded).state).toBe('idle');
    const running = liveReducer(loaded, {
      kind: 'event',
      receivedAt: 0,
      event: { type: 'run', progress: run() },
    });
    expect(overview(running)).toEqual({
      state: 'syncing',
      explanation: 'full sync running (25 %)',
      problems: [],
    });
    const failed = liveReducer(running, {
      kind: 'event',
      receivedAt: 0,
      event: {
        type: 'status',
        direction: 'local_to_cloud',
        status: direction({
          state: 'failed',
          error: { code: 'BINLOG_PURGED', message: 'binlog file purged' },
        }),
      },
    });
    expect(overview(failed)).toEqual({
      state: 'error',
      explanation: 'local_to_cloud failed: binlog file purged',
      problems: ['local_to_cloud failed: binlog file purged'],
    });
  });

  it('calls a direction whose batches fail to apply an error, not syncing, even with changes queued', () => {
    const state = apply([
      {
        kind: 'snapshot',
        status: {
          ...snapshot,
          directions: [
            direction({
              queueDepth: 40,
              applyFailure: {
                code: 'DATABASE_UNAVAILABLE',
                message: 'cannot reach cloud at 10.0.0.2:3306 (ECONNREFUSED)',
                since: '2025-01-02T03:04:05.000Z',
              },
            }),
            direction({ source: 'cloud', target: 'local' }),
          ],
        },
      },
    ]);
    expect(overview(state)).toEqual({
      state: 'error',
      explanation:
        'local_to_cloud cannot apply changes (DATABASE_UNAVAILABLE): cannot reach cloud at 10.0.0.2:3306 (ECONNREFUSED)',
      problems: [
        'local_to_cloud cannot apply changes (DATABASE_UNAVAILABLE): cannot reach cloud at 10.0.0.2:3306 (ECONNREFUSED)',
      ],
    });
    // The failure clears with the next status event: syncing the queue again.
    const recovered = liveReducer(state, {
      kind: 'event',
      receivedAt: 0,
      event: { type: 'status', direction: 'local_to_cloud', status: direction({ queueDepth: 40 }) },
    });
    expect(overview(recovered)).toEqual({
      state: 'syncing',
      explanation: 'local_to_cloud applying 40 queued changes',
      problems: [],
    });
  });

  it('keeps the snapshot’s health and calls a state store outage an error, until a snapshot says it is back', () => {
    const outage: StatusResponse = {
      ...snapshot,
      health: {
        ...snapshot.health,
        status: 'degraded',
        stateStore: {
          available: false,
          unavailableSince: '2025-01-02T03:04:05.000Z',
          error: { code: 'STATE_STORE_UNAVAILABLE', message: 'connect ECONNREFUSED 127.0.0.1:3306' },
        },
      },
    };
    const down = apply([{ kind: 'snapshot', status: outage }]);
    expect(down.health?.stateStore?.available).toBe(false);
    expect(overview(down)).toEqual({
      state: 'error',
      explanation:
        'state store unavailable (STATE_STORE_UNAVAILABLE): connect ECONNREFUSED 127.0.0.1:3306; syncing goes on, full syncs and resolving conflicts wait for it',
      problems: [
        'state store unavailable (STATE_STORE_UNAVAILABLE): connect ECONNREFUSED 127.0.0.1:3306; syncing goes on, full syncs and resolving conflicts wait for it',
      ],
    });
    const back = liveReducer(down, {
      kind: 'snapshot',
      status: {
        ...snapshot,
        health: {
          ...snapshot.health,
          stateStore: { available: true, unavailableSince: null, error: null },
        },
      },
    });
    expect(overview(back)).toEqual({
      state: 'idle',
      explanation: 'up to date: streaming, nothing queued',
      problems: [],
    });
  });

  it('lists every problem at once, the most serious first, and each paused table with its pause', () => {
    const pause = {
      table: 'orders',
      reason: 'target-read-only' as const,
      code: 'TARGET_READ_ONLY',
      message: 'cloud is read-only; make cloud writable, then resume',
      fromSequence: 3,
      resumePosition: null,
      position: null,
      row: null,
      errorCode: 'ER_OPTION_PREVENTS_STATEMENT',
    };
    const state = apply([
      {
        kind: 'snapshot',
        status: {
          ...snapshot,
          directions: [
            direction({
              applyFailure: {
                code: 'APPLY_FAILED',
                message: 'deadlock found',
                since: '2025-01-02T03:04:05Z',
              },
              tables: [
                { table: 'items', state: 'streaming', rowsApplied: 0, rowsCopied: 0, pause: null },
                { table: 'orders', state: 'paused', rowsApplied: 0, rowsCopied: 0, pause },
              ],
            }),
            direction({
              source: 'cloud',
              target: 'local',
              state: 'failed',
              error: { code: 'BINLOG_PURGED', message: 'binlog file purged' },
              // A failed direction's last apply failure is not listed besides its error.
              applyFailure: { code: 'APPLY_FAILED', message: 'stale', since: '2025-01-02T03:04:05Z' },
            }),
          ],
          health: {
            ...snapshot.health,
            stateStore: {
              available: false,
              unavailableSince: null,
              error: null,
            },
          },
        },
      },
    ]);
    expect(overview(state).problems).toEqual([
      'cloud_to_local failed: binlog file purged',
      'local_to_cloud cannot apply changes (APPLY_FAILED): deadlock found',
      'state store unavailable; syncing goes on, full syncs and resolving conflicts wait for it',
      'paused tables: orders',
    ]);
    expect(overview(state).explanation).toBe(overview(state).problems.join('; '));
    expect(pausedTables(state)).toEqual([{ direction: 'local_to_cloud', table: 'orders', pause }]);
  });

  it('keeps the adopted tables of the snapshot and calls them syncing, next to a running run', () => {
    const adopting = apply([
      { kind: 'snapshot', status: { ...snapshot, adoptingTables: ['orders', 'items'] } },
    ]);
    expect(adopting.adoptingTables).toEqual(['orders', 'items']);
    expect(overview(adopting)).toEqual({
      state: 'syncing',
      explanation:
        'adopting orders, items: both directions stream them; an adoption run settles the rows that differed',
      problems: [],
    });
    const running = liveReducer(adopting, {
      kind: 'event',
      receivedAt: 0,
      event: { type: 'run', progress: run({ kind: 'adoption' }) },
    });
    expect(overview(running).explanation).toBe(
      'adoption run running (25 %); adopting orders, items: both directions stream them; an adoption run settles the rows that differed',
    );
    const preview = liveReducer(adopting, {
      kind: 'event',
      receivedAt: 0,
      event: { type: 'run', progress: run({ dryRun: true }) },
    });
    expect(overview(preview).explanation).toMatch(/^full-sync preview running \(25 %\); adopting /);
    // The next snapshot after the run settled them lists none: idle again.
    const settled = liveReducer(adopting, { kind: 'snapshot', status: snapshot });
    expect(settled.adoptingTables).toEqual([]);
    expect(overview(settled)).toEqual({
      state: 'idle',
      explanation: 'up to date: streaming, nothing queued',
      problems: [],
    });
    // An adopted table that is also paused is an error first.
    const withProblem = liveReducer(adopting, {
      kind: 'event',
      receivedAt: 0,
      event: {
        type: 'status',
        direction: 'local_to_cloud',
        status: direction({ state: 'failed', error: { code: 'BINLOG_PURGED', message: 'purged' } }),
      },
    });
    expect(overview(withProblem).state).toBe('error');
  });
});
