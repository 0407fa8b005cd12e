// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { apiError, FakeApi } from '../test-support/fake-api';
import { ApiClient, ApiError } from './api-client';

function client(api: FakeApi): ApiClient {
  return new ApiClient({ baseUrl: 'http://api.test/', token: 'token-1', fetch: api.fetch });
}

describe('ApiClient', () => {
  it('sends the token as a bearer header and the filters as a query string', async () => {
    const api = new FakeApi().answer('GET /api/v1/conflicts', 200, {
      conflicts: [],
      total: 0,
      limit: 20,
      offset: 40,
    });
    await client(api).conflicts({ table: 'items', resolved: 'false', limit: 20, offset: 40 });
    expect(api.requests).toEqual([
      {
        method: 'GET',
        path: '/api/v1/conflicts?table=items&resolved=false&limit=20&offset=40',
        headers: { authorization: 'Bearer token-1', accept: 'application/json' },
        body: undefined,
      },
    ]);
  });

  it('turns an error answer into an ApiError with the code, message, trace id and field problems', async () => {
    const api = new FakeApi().answer(
      'PUT /api/v1/config',
      400,
      apiError('CONFIG_INVALID', 'invalid configuration', {
        problems: [{ path: 'sync.workers', message: 'must be at least 1' }, { path: 7 }],
      }),
    );
    const failure = await client(api)
      .updateConfig({})
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(ApiError);
    const error = failure as ApiError;
    expect([error.status, error.code, error.message, error.traceId]).toEqual([
      400,
      'CONFIG_INVALID',
      'invalid configuration',
      'trace-test',
    ]);
    expect(error.fieldProblems).toEqual([{ path: 'sync.workers', message: 'must be at least 1' }]);
  });

  it('resumes the paused tables with an empty body and answers which tables were resumed', async () => {
    const resumed = [
      { direction: 'local_to_cloud', table: 'orders', reason: 'target-read-only', code: 'TARGET_READ_ONLY' },
    ];
    const api = new FakeApi().answer('POST /api/v1/sync/resume', 200, { resumed });
    expect(await client(api).resume()).toEqual({ resumed });
    expect(api.requests).toEqual([
      {
        method: 'POST',
        path: '/api/v1/sync/resume',
        headers: {
          authorization: 'Bearer token-1',
          accept: 'application/json',
          'content-type': 'application/json',
        },
        body: {},
      },
    ]);
  });

  it('turns a refused resume into an ApiError with the 409 code', async () => {
    const api = new FakeApi().answer(
      'POST /api/v1/sync/resume',
      409,
      apiError('NOTHING_PAUSED', 'no table is paused: there is nothing to resume'),
    );
    await expect(client(api).resume()).rejects.toMatchObject({
      status: 409,
      code: 'NOTHING_PAUSED',
      message: 'no table is paused: there is nothing to resume',
      traceId: 'trace-test',
    });
  });

  it('says where it tried when core-sync cannot be reached', async () => {
    const unreachable = new ApiClient({
      baseUrl: 'http://api.test',
      token: 'token-1',
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    await expect(unreachable.status()).rejects.toMatchObject({
      status: 0,
      code: 'NETWORK',
      message: expect.stringContaining(
        'cannot reach core-sync at http://api.test (Failed to fetch)',
      ) as unknown,
    });
  });
});
