import { afterEach, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  buildTestApi,
  conflictRecord,
  readOnlyHeaders,
  type TestApi,
} from './testing/api-test-kit.js';

let api: TestApi;

afterEach(async () => {
  await api.app.close();
});

function ids(body: { conflicts: { id: string }[] }): string[] {
  return body.conflicts.map((conflict) => conflict.id);
}

describe('GET /api/v1/conflicts', () => {
  it('lists conflicts with dates as ISO strings and the paging it used', async () => {
    api = buildTestApi();
    const response = await api.app.inject({ url: '/api/v1/conflicts', headers: readOnlyHeaders });
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      conflicts: { id: string }[];
      total: number;
      limit: number;
      offset: number;
    }>();
    expect(body).toMatchObject({ total: 3, limit: 50, offset: 0 });
    expect(body.conflicts[0]).toEqual({
      id: 'conflict-1',
      tableName: 'users',
      primaryKeyValue: '[1]',
      localData: { id: 1, name: 'local name' },
      cloudData: { id: 1, name: 'cloud name' },
      conflictType: 'update_update',
      detectedAt: '2025-01-02T03:04:05.000Z',
      resolved: false,
      resolutionStrategy: null,
      resolvedAt: null,
      resolvedData: null,
      resolvedBy: null,
      resolutionSide: null,
      resolutionColumns: null,
      sourcePosition: 'binlog.000001:4',
    });
  });

  it('filters by table and by resolved, and pages', async () => {
    api = buildTestApi();
    const byTable = await api.app.inject({ url: '/api/v1/conflicts?table=orders', headers: readOnlyHeaders });
    expect(ids(byTable.json())).toEqual(['conflict-2']);
    const unresolved = await api.app.inject({
      url: '/api/v1/conflicts?resolved=false',
      headers: readOnlyHeaders,
    });
    expect(ids(unresolved.json())).toEqual(['conflict-1', 'conflict-2']);
    const resolved = await api.app.inject({
      url: '/api/v1/conflicts?resolved=true',
      headers: readOnlyHeaders,
    });
    expect(ids(resolved.json())).toEqual(['conflict-3']);
    const paged = await api.app.inject({
      url: '/api/v1/conflicts?limit=1&offset=1',
      headers: readOnlyHeaders,
    });
    expect(paged.json()).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(ids(paged.json())).toEqual(['conflict-2']);
  });

  it('refuses resolved=yes naming the field', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      url: '/api/v1/conflicts?resolved=yes',
      headers: readOnlyHeaders,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: { code: 'REQUEST_INVALID', details: { issues: [{ path: 'query.resolved' }] } },
    });
  });
});

describe('GET /api/v1/conflicts/:id', () => {
  it('answers one conflict', async () => {
    api = buildTestApi();
    const response = await api.app.inject({ url: '/api/v1/conflicts/conflict-2', headers: readOnlyHeaders });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: 'conflict-2', tableName: 'orders' });
  });

  it('answers 404 CONFLICT_NOT_FOUND for an unknown id', async () => {
    api = buildTestApi();
    const response = await api.app.inject({ url: '/api/v1/conflicts/nope', headers: readOnlyHeaders });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: {
        code: 'CONFLICT_NOT_FOUND',
        message: 'no conflict has the id nope',
        traceId: response.headers['x-request-id'],
      },
    });
  });
});

describe('POST /api/v1/conflicts/:id/resolve', () => {
  it('resolves with one side, recording the caller’s label', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/conflicts/conflict-1/resolve',
      headers: adminHeaders,
      payload: { side: 'cloud' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: 'conflict-1',
      resolved: true,
      resolvedBy: 'admin',
      resolutionSide: 'cloud',
      resolvedData: { id: 1, name: 'cloud name' },
      resolvedAt: '2025-01-03T00:00:00.000Z',
    });
  });

  it('resolves with edited data', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/conflicts/conflict-2/resolve',
      headers: adminHeaders,
      payload: { data: { id: 1, name: 'merged name' } },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      resolutionSide: 'merged',
      resolvedData: { id: 1, name: 'merged name' },
      resolutionColumns: { given: ['id', 'name'], filledFrom: null, filled: [] },
    });
  });

  it('passes fillFrom on with data, and answers which columns were given and which filled', async () => {
    api = buildTestApi();
    api.conflicts.records.set(
      'conflict-4',
      conflictRecord('conflict-4', { cloudData: { id: 1, name: 'cloud', city: 'Oslo' } }),
    );
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/conflicts/conflict-4/resolve',
      headers: adminHeaders,
      payload: { data: { id: 1, name: 'merged name' }, fillFrom: 'cloud' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      resolutionSide: 'merged',
      resolvedData: { id: 1, name: 'merged name', city: 'Oslo' },
      resolutionColumns: { given: ['id', 'name'], filledFrom: 'cloud', filled: ['city'] },
    });
  });

  it('passes the engine’s 404, 409 and 400 through', async () => {
    api = buildTestApi();
    const resolve = (id: string, payload: object) =>
      api.app.inject({
        method: 'POST',
        url: `/api/v1/conflicts/${id}/resolve`,
        headers: adminHeaders,
        payload,
      });
    const missing = await resolve('nope', { side: 'local' });
    const already = await resolve('conflict-3', { side: 'local' });
    const badData = await resolve('conflict-1', { data: { name: 'no key' } });
    expect([missing, already, badData].map((response) => response.statusCode)).toEqual([404, 409, 400]);
    expect(
      [missing, already, badData].map((response) => response.json<{ error: { code: string } }>().error),
    ).toEqual([
      expect.objectContaining({ code: 'CONFLICT_NOT_FOUND' }),
      expect.objectContaining({ code: 'CONFLICT_ALREADY_RESOLVED' }),
      expect.objectContaining({
        code: 'CONFLICT_RESOLUTION_INVALID',
        message: 'data: the primary key column id is missing',
      }),
    ]);
  });

  it('refuses a body with both or neither of side and data, or a bad side, naming the field', async () => {
    api = buildTestApi();
    const resolve = (payload: object) =>
      api.app.inject({
        method: 'POST',
        url: '/api/v1/conflicts/conflict-1/resolve',
        headers: adminHeaders,
        payload,
      });
    const both = await resolve({ side: 'local', data: { id: 1 } });
    const neither = await resolve({});
    const badSide = await resolve({ side: 'left' });
    const dataNotObject = await resolve({ data: 'text' });
    const fillWithSide = await resolve({ side: 'local', fillFrom: 'cloud' });
    const badFill = await resolve({ data: { id: 1 }, fillFrom: 'both' });
    expect(both.json()).toMatchObject({
      error: {
        code: 'REQUEST_INVALID',
        details: { issues: [{ path: 'body', message: 'give exactly one of side or data' }] },
      },
    });
    expect(neither.statusCode).toBe(400);
    expect(badSide.json()).toMatchObject({ error: { details: { issues: [{ path: 'body.side' }] } } });
    expect(dataNotObject.json()).toMatchObject({ error: { details: { issues: [{ path: 'body.data' }] } } });
    expect(fillWithSide.json()).toMatchObject({
      error: {
        code: 'REQUEST_INVALID',
        details: {
          issues: [
            {
              path: 'body.fillFrom',
              message: 'fillFrom goes with data (it names the side that fills the columns data leaves out)',
            },
          ],
        },
      },
    });
    expect(badFill.json()).toMatchObject({ error: { details: { issues: [{ path: 'body.fillFrom' }] } } });
    expect(api.conflicts.records.get('conflict-1')?.resolved).toBe(false);
  });
});
