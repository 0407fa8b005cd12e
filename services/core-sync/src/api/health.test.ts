import { describe, expect, it } from 'vitest';
import type { DirectionStatus, ServiceStatus } from '../sync/index.js';
import { buildTestApi } from './testing/api-test-kit.js';

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
      reconnectAttempt: 0,
      lastError: null,
    },
    watermark: null,
    queueDepth: 0,
    backpressure: null,
    rowsApplied: 0,
    applyFailure: null,
    tables: [{ table: 'users', state: 'streaming', rowsApplied: 0, rowsCopied: 0, pause: null }],
    ...overrides,
  };
}

async function health(status: ServiceStatus): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const { app } = buildTestApi({ status: () => status });
  const response = await app.inject({ url: '/health' });
  await app.close();
  return { statusCode: response.statusCode, body: response.json() };
}

describe('GET /health', () => {
  it('is 200 ok while every direction streams', async () => {
    const response = await health({ mode: 'local_to_cloud', directions: [direction()] });
    expect(response).toEqual({
      statusCode: 200,
      body: {
        status: 'ok',
        reasons: [],
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
