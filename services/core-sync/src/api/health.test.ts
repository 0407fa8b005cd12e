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
