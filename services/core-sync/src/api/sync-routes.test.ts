import { afterEach, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  buildTestApi,
  directionStatus,
  historyEntry,
  readOnlyHeaders,
  runProgress,
  type TestApi,
} from './testing/api-test-kit.js';

let api: TestApi;

afterEach(async () => {
  await api.app.close();
});

describe('POST /api/v1/sync/trigger', () => {
  it('starts a run and answers 202 with its progress, naming the caller by label and passing the trace id', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/trigger',
      headers: { ...adminHeaders, 'x-request-id': 'trigger-trace-1' },
      payload: { tables: ['users'], direction: 'cloud_to_local' },
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual(
      runProgress({ runId: 'run-1', direction: 'cloud_to_local', traceId: 'trigger-trace-1' }),
    );
    expect(api.control.triggers).toEqual([
      {
        request: { tables: ['users'], direction: 'cloud_to_local' },
        triggeredBy: 'admin',
        traceId: 'trigger-trace-1',
      },
    ]);
  });

  it('takes no body at all, or an empty object, as "every table in the configured mode"', async () => {
    api = buildTestApi();
    const withoutBody = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/trigger',
      headers: adminHeaders,
    });
    expect(withoutBody.statusCode).toBe(202);
    await api.control.stop();
    const withEmptyObject = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/trigger',
      headers: adminHeaders,
      payload: {},
    });
    expect(withEmptyObject.statusCode).toBe(202);
    expect(api.control.triggers.map((call) => call.request)).toEqual([{}, {}]);
  });

  it('answers 409 SYNC_ALREADY_RUNNING while a run is active', async () => {
    api = buildTestApi();
    await api.app.inject({ method: 'POST', url: '/api/v1/sync/trigger', headers: adminHeaders });
    const second = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/trigger',
      headers: adminHeaders,
    });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({
      error: { code: 'SYNC_ALREADY_RUNNING', message: 'full sync run-1 is running' },
    });
  });

  it('passes the engine’s 400 SYNC_REQUEST_INVALID through with its details', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/trigger',
      headers: adminHeaders,
      payload: { tables: ['invoices'] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: {
        code: 'SYNC_REQUEST_INVALID',
        message: 'table invoices is not configured',
        details: { tables: ['invoices'] },
      },
    });
  });
});

describe('POST /api/v1/sync/stop', () => {
  it('stops the running run and answers with its final progress', async () => {
    api = buildTestApi();
    await api.app.inject({ method: 'POST', url: '/api/v1/sync/trigger', headers: adminHeaders });
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/stop',
      headers: adminHeaders,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      runId: 'run-1',
      state: 'stopped',
      finishedAt: '2025-01-02T03:05:00.000Z',
    });
  });

  it('answers 409 SYNC_NOT_RUNNING when nothing runs', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/stop',
      headers: adminHeaders,
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      error: { code: 'SYNC_NOT_RUNNING', message: 'no full sync is running' },
    });
  });
});

describe('POST /api/v1/sync/resume', () => {
  it('resumes the paused tables, names them, and logs who asked', async () => {
    api = buildTestApi();
    const paused = [
      {
        direction: 'local_to_cloud' as const,
        table: 'orders',
        reason: 'target-read-only' as const,
        code: 'TARGET_READ_ONLY',
      },
      {
        direction: 'cloud_to_local' as const,
        table: 'users',
        reason: 'schema-change' as const,
        code: 'TABLE_PAUSED_DDL',
      },
    ];
    api.pauses.paused = [...paused];
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/resume',
      headers: adminHeaders,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ resumed: paused });
    expect(api.pauses.resumedBy).toEqual(['admin']);
    const logged = api.logs.records().find((record) => record.msg === 'paused tables resumed');
    expect(logged).toMatchObject({
      resumedBy: 'admin',
      tables: ['local_to_cloud orders', 'cloud_to_local users'],
    });
  });

  it('answers 409 NOTHING_PAUSED when no table is paused', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/resume',
      headers: adminHeaders,
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      error: { code: 'NOTHING_PAUSED', message: 'no table is paused: there is nothing to resume' },
    });
    expect(api.pauses.resumedBy).toEqual([]);
  });

  it('refuses a body with fields', async () => {
    api = buildTestApi();
    api.pauses.paused = [
      { direction: 'local_to_cloud', table: 'orders', reason: 'target-full', code: 'TARGET_FULL' },
    ];
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/resume',
      headers: { ...adminHeaders, 'content-type': 'application/json' },
      payload: { tables: ['orders'] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'REQUEST_INVALID' } });
    expect(api.pauses.resumedBy).toEqual([]);
  });
});

describe('GET /api/v1/sync/status', () => {
  it('reports the directions, the current run and the health assessment', async () => {
    api = buildTestApi();
    const idle = await api.app.inject({ url: '/api/v1/sync/status', headers: readOnlyHeaders });
    expect(idle.statusCode).toBe(200);
    expect(idle.json()).toEqual({
      mode: 'local_to_cloud',
      directions: [directionStatus()],
      run: null,
      adoptingTables: [],
      health: {
        status: 'ok',
        reasons: [],
        problems: [],
        mode: 'local_to_cloud',
        directions: [
          {
            direction: 'local_to_cloud',
            state: 'streaming',
            stream: 'streaming',
            lagMs: 12,
            pausedTables: [],
          },
        ],
      },
    });

    await api.app.inject({ method: 'POST', url: '/api/v1/sync/trigger', headers: adminHeaders });
    const running = await api.app.inject({ url: '/api/v1/sync/status', headers: readOnlyHeaders });
    expect(running.json()).toMatchObject({ run: { runId: 'run-1', state: 'running' } });
  });

  it('serialises a paused table’s binlog positions as {file, offset, gtid}', async () => {
    const { BinlogPosition } = await import('../model/index.js');
    const paused = directionStatus({
      tables: [
        {
          table: 'users',
          state: 'paused',
          rowsApplied: 1,
          rowsCopied: 2,
          pause: {
            table: 'users',
            reason: 'row-rejected',
            code: 'ROW_REJECTED',
            message: 'Data too long',
            fromSequence: 3,
            resumePosition: new BinlogPosition('binlog.000002', 120, '0-1-5'),
            position: null,
            row: { id: 7 },
            errorCode: 'ROW_REJECTED',
          },
        },
      ],
    });
    api = buildTestApi({ status: () => ({ mode: 'local_to_cloud', directions: [paused] }) });
    const response = await api.app.inject({ url: '/api/v1/sync/status', headers: adminHeaders });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      directions: [
        {
          tables: [
            {
              pause: {
                resumePosition: { file: 'binlog.000002', offset: 120, gtid: '0-1-5' },
                row: { id: 7 },
              },
            },
          ],
        },
      ],
      health: { status: 'degraded', reasons: ['local_to_cloud table users is paused: Data too long'] },
    });
  });
});

describe('GET /api/v1/sync/history', () => {
  it('pages the history with dates as ISO strings, 50 by default', async () => {
    api = buildTestApi();
    api.control.entries.push(...Array.from({ length: 60 }, (_unused, index) => historyEntry(index)));
    const firstPage = await api.app.inject({ url: '/api/v1/sync/history', headers: readOnlyHeaders });
    expect(firstPage.statusCode).toBe(200);
    const body = firstPage.json<{ entries: { id: string; startedAt: string }[]; total: number }>();
    expect(body).toMatchObject({ total: 60, limit: 50, offset: 0 });
    expect(body.entries).toHaveLength(50);
    expect(body.entries[0]).toEqual({
      ...historyEntry(0),
      startedAt: '2025-01-01T00:00:00.000Z',
      completedAt: '2025-01-01T00:00:30.000Z',
    });

    const secondPage = await api.app.inject({
      url: '/api/v1/sync/history?limit=5&offset=55',
      headers: readOnlyHeaders,
    });
    expect(secondPage.json()).toMatchObject({ total: 60, limit: 5, offset: 55 });
    expect(secondPage.json<{ entries: { id: string }[] }>().entries.map((entry) => entry.id)).toEqual([
      'history-55',
      'history-56',
      'history-57',
      'history-58',
      'history-59',
    ]);
  });
});
