import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildTestApi, readOnlyHeaders } from './testing/api-test-kit.js';
import { type DirectionStatus, type ServiceStatus, noPreparedXaView } from '../status/index.js';

function direction(overrides: Partial<DirectionStatus> = {}): DirectionStatus {
  return {
    source: 'local',
    target: 'cloud',
    state: 'streaming',
    error: null,
    stream: {
      state: 'streaming',
      position: 'binlog.000001:4',
      lagMs: 0,
      preparedXa: noPreparedXaView,
      reconnectAttempt: 0,
      lastError: null,
    },
    watermark: null,
    queueDepth: 0,
    backpressure: null,
    rowsApplied: 0,
    applyFailure: null,
    tables: [{ table: 'users', state: 'streaming', rowsApplied: 0, rowsCopied: 0, pause: null }],
    schemaChanges: [],
    ...overrides,
  };
}

async function health(status: ServiceStatus): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const { app } = buildTestApi({ status: () => status });
  const response = await app.inject({ url: '/health', headers: readOnlyHeaders });
  await app.close();
  return { statusCode: response.statusCode, body: response.json() };
}

describe('GET /health with a token', () => {
  it('is degraded while tables whose last adoption run failed are still being adopted', async () => {
    const failure = {
      runId: 'run-1',
      finishedAt: '2025-01-02T03:04:05.000Z',
      message: '9 differing rows of users were left unsettled',
    };
    const failedRun = await health({
      mode: 'bidirectional',
      directions: [direction()],
      adoptingTables: ['users', 'orders'],
      adoptionFailures: [
        { ...failure, table: 'users' },
        { ...failure, table: 'gone', message: 'settled since by a scheduled run' },
      ],
    });
    expect(failedRun.statusCode).toBe(200);
    expect(failedRun.body).toMatchObject({
      status: 'degraded',
      reasons: [
        'tables users are not adopted yet: adoption run run-1 (ended 2025-01-02T03:04:05.000Z) did not settle ' +
          'them: 9 differing rows of users were left unsettled; the scheduler tries again',
      ],
      problems: [{ direction: null, code: 'FULL_SYNC_FAILED' }],
    });
    // The first adoption run pending or running, or the table adopted since: ok.
    for (const status of [
      { mode: 'bidirectional' as const, directions: [direction()], adoptingTables: ['users'] },
      {
        mode: 'bidirectional' as const,
        directions: [direction()],
        adoptingTables: [],
        adoptionFailures: [{ ...failure, table: 'users' }],
      },
    ]) {
      expect((await health(status)).body).toMatchObject({ status: 'ok', reasons: [], problems: [] });
    }
  });

  it('is 200 ok while every direction streams', async () => {
    const response = await health({ mode: 'local_to_cloud', directions: [direction()] });
    expect(response).toEqual({
      statusCode: 200,
      body: {
        status: 'ok',
        reasons: [],
        problems: [],
        mode: 'local_to_cloud',
        directions: [
          {
            direction: 'local_to_cloud',
            state: 'streaming',
            stream: 'streaming',
            lagMs: 0,
            pausedTables: [],
          },
        ],
      },
    });
  });

  it('is 503 with the reason when the binlog stream is reconnecting or the direction failed', async () => {
    const reconnecting = await health({
      mode: 'local_to_cloud',
      directions: [
        direction({
          stream: {
            state: 'reconnecting',
            position: 'binlog.000001:4',
            lagMs: null,
            preparedXa: noPreparedXaView,
            reconnectAttempt: 2,
            lastError: { code: 'BINLOG_STREAM_FAILED', message: 'connection lost' },
          },
        }),
      ],
    });
    expect(reconnecting.statusCode).toBe(503);
    expect(reconnecting.body.reasons).toEqual([
      'local_to_cloud binlog stream is reconnecting: connection lost',
    ]);

    const failed = await health({
      mode: 'cloud_to_local',
      directions: [
        direction({
          source: 'cloud',
          target: 'local',
          state: 'failed',
          error: { code: 'BINLOG_PURGED', message: 'binlog file binlog.000001 was purged' },
        }),
      ],
    });
    expect(failed.statusCode).toBe(503);
    expect(failed.body).toMatchObject({
      status: 'down',
      reasons: ['cloud_to_local failed: binlog file binlog.000001 was purged'],
      problems: [{ direction: 'cloud_to_local', code: 'BINLOG_PURGED' }],
    });
  });

  it('is 503 while the target cannot be reached, 200 degraded while it answers batches with retryable errors', async () => {
    const unreachable = await health({
      mode: 'local_to_cloud',
      directions: [
        direction({
          applyFailure: {
            code: 'DATABASE_UNAVAILABLE',
            message: 'writing to cloud failed, retrying: connect ETIMEDOUT',
            since: '2030-01-01T00:00:00.000Z',
          },
        }),
      ],
    });
    expect(unreachable).toMatchObject({
      statusCode: 503,
      body: {
        status: 'down',
        reasons: [
          'local_to_cloud DATABASE_UNAVAILABLE since 2030-01-01T00:00:00.000Z: writing to cloud failed, retrying: connect ETIMEDOUT',
        ],
      },
    });
    const deadlocked = await health({
      mode: 'local_to_cloud',
      directions: [
        direction({
          applyFailure: {
            code: 'APPLY_FAILED',
            message: 'writing to cloud failed, retrying: Deadlock found',
            since: '2030-01-01T00:00:00.000Z',
          },
        }),
      ],
    });
    expect(deadlocked).toMatchObject({ statusCode: 200, body: { status: 'degraded' } });
  });

  it('is 200 degraded while the state store is unavailable, with the outage in the report', async () => {
    const stateStore = {
      available: false,
      unavailableSince: '2030-01-01T00:00:00.000Z',
      error: {
        code: 'STATE_STORE_UNAVAILABLE',
        message: 'failed to save checkpoints: the mysql state store is unavailable: connect ECONNREFUSED',
      },
    };
    const response = await health({ mode: 'local_to_cloud', directions: [direction()], stateStore });
    expect(response).toMatchObject({
      statusCode: 200,
      body: {
        status: 'degraded',
        stateStore,
        reasons: [
          'state store STATE_STORE_UNAVAILABLE since 2030-01-01T00:00:00.000Z: failed to save checkpoints: the mysql state store is unavailable: connect ECONNREFUSED',
        ],
      },
    });
  });

  it('is 200 degraded, naming the table, when a table is paused', async () => {
    const response = await health({
      mode: 'local_to_cloud',
      directions: [
        direction({
          tables: [
            {
              table: 'users',
              state: 'paused',
              rowsApplied: 3,
              rowsCopied: 10,
              pause: {
                table: 'users',
                reason: 'row-rejected',
                code: 'ROW_REJECTED',
                message: 'Data too long for column name',
                fromSequence: 7,
                resumePosition: null,
                position: null,
                row: { id: 1 },
                errorCode: 'ER_DATA_TOO_LONG',
              },
            },
          ],
        }),
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({
      status: 'degraded',
      reasons: ['local_to_cloud table users is paused: Data too long for column name'],
      directions: [{ pausedTables: ['users'] }],
    });
  });
});

/** Text a stranger must never read: driver messages, table names, row values, times. */
const secretText = fc.string({ minLength: 1, maxLength: 12 }).map((text) => `SECRET<${text}>`);

const tablePause = fc.record({
  table: secretText,
  reason: fc.constant('row-rejected' as const),
  code: fc.constantFrom('ROW_REJECTED', 'TARGET_READ_ONLY', 'TABLE_PAUSED_DDL' as const),
  message: secretText,
  fromSequence: fc.nat(),
  resumePosition: fc.constant(null),
  position: fc.constant(null),
  row: secretText.map((value) => ({ id: value })),
  errorCode: fc.constant('ER_DATA_TOO_LONG'),
});

const tableStatus = fc.record({
  table: secretText,
  state: fc.constantFrom('streaming' as const, 'paused' as const, 'snapshotting' as const),
  rowsApplied: fc.nat(),
  rowsCopied: fc.nat(),
  pause: fc.option(tablePause, { nil: null }),
});

const errorOf = fc.option(
  fc.record({ code: fc.constantFrom('BINLOG_PURGED', 'DATABASE_UNAVAILABLE'), message: secretText }),
  {
    nil: null,
  },
);

const directionArbitrary = fc.record({
  state: fc.constantFrom(
    'streaming' as const,
    'failed' as const,
    'stopped' as const,
    'snapshotting' as const,
  ),
  error: errorOf,
  streamState: fc.constantFrom('streaming' as const, 'reconnecting' as const, 'starting' as const),
  lastError: errorOf,
  applyFailure: fc.option(
    fc.record({
      code: fc.constantFrom('DATABASE_UNAVAILABLE', 'APPLY_FAILED'),
      message: secretText,
      since: secretText,
    }),
    { nil: null },
  ),
  tables: fc.array(tableStatus, { maxLength: 3 }),
});

const serviceStatus = fc.record({
  directions: fc.array(directionArbitrary, { minLength: 1, maxLength: 2 }),
  stateStore: fc.option(
    fc.record({
      available: fc.boolean(),
      unavailableSince: secretText,
      error: fc.record({ code: fc.constant('STATE_STORE_UNAVAILABLE'), message: secretText }),
    }),
    { nil: undefined },
  ),
});

describe('GET /health without a token', () => {
  it('tells states and error codes only, never a message, a table name, a row or a time', async () => {
    const { app } = buildTestApi({ status: () => current });
    let current: ServiceStatus = { mode: 'local_to_cloud', directions: [direction()] };
    await fc.assert(
      fc.asyncProperty(serviceStatus, async (generated) => {
        current = {
          mode: 'bidirectional',
          ...(generated.stateStore === undefined ? {} : { stateStore: generated.stateStore }),
          directions: generated.directions.map((generatedDirection, index) =>
            direction({
              source: index === 0 ? 'local' : 'cloud',
              target: index === 0 ? 'cloud' : 'local',
              state: generatedDirection.state,
              error: generatedDirection.error,
              applyFailure: generatedDirection.applyFailure,
              tables: generatedDirection.tables,
              stream: {
                state: generatedDirection.streamState,
                position: 'binlog.000001:4',
                lagMs: 5,
                preparedXa: noPreparedXaView,
                reconnectAttempt: 0,
                lastError: generatedDirection.lastError,
              },
            }),
          ),
        };
        const anonymous = await app.inject({ url: '/health' });
        const reader = await app.inject({ url: '/health', headers: readOnlyHeaders });
        expect(anonymous.statusCode).toBe(reader.statusCode);
        expect(anonymous.body).not.toContain('SECRET<');
        const full = reader.json<{ status: string; problems: unknown[]; reasons: string[] }>();
        expect(anonymous.json()).toMatchObject({ status: full.status, problems: full.problems });
        expect(full.reasons).toHaveLength(full.problems.length);
        expect(Object.keys(anonymous.json<object>()).sort()).toEqual(
          [
            'directions',
            'mode',
            'problems',
            'status',
            ...(current.stateStore === undefined ? [] : ['stateStore']),
          ].sort(),
        );
      }),
      { numRuns: 150 },
    );
    await app.close();
  });

  it('refuses an unknown token instead of answering as if none were sent', async () => {
    const { app } = buildTestApi();
    const response = await app.inject({
      url: '/health',
      headers: { authorization: 'Bearer not-a-known-token-0123' },
    });
    expect(response.statusCode).toBe(401);
    await app.close();
  });
});
