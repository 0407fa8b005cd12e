import { afterEach, describe, expect, it } from 'vitest';
import { SyncError } from '../errors/index.js';
import { adminHeaders, buildTestApi, readOnlyHeaders, type TestApi } from './testing/api-test-kit.js';
import { describeFailure, formatPath } from './errors.js';

let api: TestApi;

afterEach(async () => {
  await api.app.close();
});

interface ErrorAnswer {
  error: { code: string; message: string; traceId: string; details?: Record<string, unknown> };
}

describe('validation failures', () => {
  it('answer 400 REQUEST_INVALID naming every bad field of the body', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/trigger',
      headers: adminHeaders,
      payload: { tables: ['users', 7], direction: 'sideways', tabels: ['users'] },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<ErrorAnswer>();
    expect(body.error.code).toBe('REQUEST_INVALID');
    expect(body.error.details?.issues).toEqual([
      { path: 'body.tables[1]', message: 'Invalid input: expected string, received number' },
      {
        path: 'body.direction',
        message: 'Invalid option: expected one of "local_to_cloud"|"cloud_to_local"|"bidirectional"',
      },
      { path: 'body.tabels', message: 'unknown field' },
    ]);
    expect(body.error.message).toContain('body.tables[1]');
    expect(api.control.triggers).toEqual([]);
  });

  it('name the query parameter: limit out of range, not a number, unknown parameter', async () => {
    api = buildTestApi();
    const cases = {
      '?limit=0': 'query.limit',
      '?limit=501': 'query.limit',
      '?limit=ten': 'query.limit',
      '?limit=2.5': 'query.limit',
      '?offset=-1': 'query.offset',
      '?page=2': 'query.page',
    };
    const answers: Record<string, unknown> = {};
    for (const query of Object.keys(cases)) {
      const response = await api.app.inject({
        url: `/api/v1/sync/history${query}`,
        headers: readOnlyHeaders,
      });
      const issues = response.json<ErrorAnswer>().error.details?.issues as { path: string }[];
      answers[query] =
        response.statusCode === 400 ? issues.map((issue) => issue.path).join(',') : response.statusCode;
    }
    expect(answers).toEqual(cases);
  });

  it('accept the limits 1 and 500', async () => {
    api = buildTestApi();
    for (const limit of [1, 500]) {
      const response = await api.app.inject({
        url: `/api/v1/sync/history?limit=${limit}`,
        headers: readOnlyHeaders,
      });
      expect(response.json()).toMatchObject({ limit });
    }
  });
});

describe('body errors', () => {
  it('answers 400 for malformed JSON without quoting the body', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'PUT',
      url: '/api/v1/config',
      headers: { ...adminHeaders, 'content-type': 'application/json' },
      payload: '{"databases": {"password": "hunter2-secret"',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorAnswer>().error).toMatchObject({
      code: 'REQUEST_INVALID',
      message: 'the request body is not valid JSON',
    });
    expect(response.body).not.toContain('hunter2');
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body over 1 MiB', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'PUT',
      url: '/api/v1/config',
      headers: { ...adminHeaders, 'content-type': 'application/json' },
      payload: JSON.stringify({ padding: 'x'.repeat(1024 * 1024) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json<ErrorAnswer>().error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'the request body is larger than 1 MiB',
      traceId: response.headers['x-request-id'],
    });
    expect(api.configuration.updates).toEqual([]);
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'PUT',
      url: '/api/v1/config',
      headers: { ...adminHeaders, 'content-type': 'application/xml' },
      payload: '<config/>',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json<ErrorAnswer>().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 400 for an empty body sent as JSON', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/sync/stop',
      headers: { ...adminHeaders, 'content-type': 'application/json' },
      payload: '',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorAnswer>().error.code).toBe('REQUEST_INVALID');
  });
});

describe('unknown routes', () => {
  it('answer 404 NOT_FOUND in the error shape, without echoing the query string', async () => {
    api = buildTestApi();
    const outside = await api.app.inject({ url: '/nowhere?secret=abc', headers: adminHeaders });
    expect(outside.statusCode).toBe(404);
    expect(outside.json()).toEqual({
      error: {
        code: 'NOT_FOUND',
        message: 'no route GET /nowhere; GET /api/v1/openapi.json lists them',
        traceId: outside.headers['x-request-id'],
      },
    });
    const inside = await api.app.inject({
      method: 'DELETE',
      url: '/api/v1/conflicts/1',
      headers: adminHeaders,
    });
    expect(inside.statusCode).toBe(404);
    expect(inside.json<ErrorAnswer>().error.code).toBe('NOT_FOUND');
  });

  it('are 401 without a token, inside /api/v1 or not, so an anonymous caller learns nothing', async () => {
    api = buildTestApi();
    for (const url of ['/api/v1/secret-route', '/nowhere', '/', '/api']) {
      const response = await api.app.inject({ url });
      expect(response.statusCode, url).toBe(401);
    }
  });
});

describe('unexpected errors', () => {
  it('answer 500 INTERNAL with a generic message and log the real one with the trace id', async () => {
    api = buildTestApi();
    api.control.failure = new Error(
      "ER_ACCESS_DENIED: Access denied for user 'sync'@'db' (using password: hunter2)",
    );
    const response = await api.app.inject({
      url: '/api/v1/sync/history',
      headers: { ...readOnlyHeaders, 'x-request-id': 'failing-request-1' },
    });
    expect(response.statusCode).toBe(500);
    const body = response.json<ErrorAnswer>();
    expect(body).toEqual({
      error: {
        code: 'INTERNAL',
        message:
          'An unexpected error occurred. It was logged with this traceId; please report it with the log lines around it.',
        traceId: 'failing-request-1',
      },
    });
    expect(response.body).not.toMatch(/hunter2|ER_ACCESS_DENIED|at .*\.ts/);
    const logged = api.logs.records().find((record) => record.msg === 'request failed');
    expect(logged).toMatchObject({
      level: 'error',
      traceId: 'failing-request-1',
      error: { message: expect.stringContaining('ER_ACCESS_DENIED') as unknown },
    });
  });

  it('pass a server-side SyncError’s own message and details, never its cause', () => {
    const cause = new Error("connect ECONNREFUSED; Access denied for user 'root' using password hunter2");
    const found = describeFailure(
      new SyncError('DATABASE_UNAVAILABLE', 'failed to read the binlog position', {
        cause,
        details: { side: 'cloud' },
      }),
    );
    expect(found).toEqual({
      status: 503,
      code: 'DATABASE_UNAVAILABLE',
      message: 'failed to read the binlog position',
      details: { side: 'cloud' },
      unexpected: true,
    });
  });

  it('treat a SyncError INTERNAL as a bug: generic message, no details', async () => {
    api = buildTestApi();
    api.control.failure = new SyncError('INTERNAL', 'state store: row 7 has a NaN in rows_changed', {
      details: { row: 7 },
    });
    const response = await api.app.inject({ url: '/api/v1/sync/history', headers: readOnlyHeaders });
    expect(response.statusCode).toBe(500);
    expect(response.json<ErrorAnswer>().error).toEqual({
      code: 'INTERNAL',
      message:
        'An unexpected error occurred. It was logged with this traceId; please report it with the log lines around it.',
      traceId: response.headers['x-request-id'],
    });
  });
});

describe('trace ids', () => {
  it('adopt x-request-id, or the trace id of a traceparent, and echo it in the header and in errors', async () => {
    api = buildTestApi();
    const adopted = await api.app.inject({
      url: '/api/v1/sync/status',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(adopted.headers['x-request-id']).toBe('abc-123');
    expect(adopted.json<ErrorAnswer>().error.traceId).toBe('abc-123');

    const fromTraceparent = await api.app.inject({
      url: '/health',
      headers: { traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01' },
    });
    expect(fromTraceparent.headers['x-request-id']).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('are generated when the incoming one is unusable', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      url: '/health',
      headers: { 'x-request-id': 'has spaces<script>' },
    });
    expect(response.headers['x-request-id']).toMatch(/^[\da-f]{32}$/);
  });
});

describe('formatPath', () => {
  it('writes indexes in brackets and quotes keys that are not identifiers', () => {
    expect(formatPath('body', ['tables', 0, 'name'])).toBe('body.tables[0].name');
    expect(formatPath('body', ['odd key'])).toBe('body["odd key"]');
    expect(formatPath('query', [])).toBe('query');
  });
});
