import { afterEach, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  adminToken,
  buildTestApi,
  readOnlyTokens,
  type TestApi,
} from './testing/api-test-kit.js';

let api: TestApi;

afterEach(async () => {
  await api.app.close();
});

const dashboard = 'https://dashboard.example.com';

function withOrigins(corsOrigins: string[]): TestApi {
  return buildTestApi({
    server: { authToken: adminToken, readOnlyTokens: [...readOnlyTokens], corsOrigins },
  });
}

function preflight(origin: string) {
  return api.app.inject({
    method: 'OPTIONS',
    url: '/api/v1/sync/trigger',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
}

describe('CORS', () => {
  it('answers a preflight from a listed origin without a token, allowing the API’s methods and headers', async () => {
    api = withOrigins([dashboard, 'http://localhost:3000']);
    const response = await preflight(dashboard);
    expect(response.statusCode).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': dashboard,
      'access-control-allow-methods': 'GET, POST, PUT',
      'access-control-allow-headers': 'Authorization, Content-Type, Last-Event-ID, traceparent, X-Request-Id',
      'access-control-max-age': '600',
    });
  });

  it('adds the allow-origin header to answers for a listed origin, errors included', async () => {
    api = withOrigins([dashboard]);
    const allowed = await api.app.inject({
      url: '/api/v1/sync/status',
      headers: { ...adminHeaders, origin: dashboard },
    });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(dashboard);
    expect(allowed.headers['access-control-expose-headers']).toBe(
      'X-Request-Id, Retry-After, WWW-Authenticate',
    );
    const unauthorised = await api.app.inject({ url: '/api/v1/sync/status', headers: { origin: dashboard } });
    expect(unauthorised.statusCode).toBe(401);
    expect(unauthorised.headers['access-control-allow-origin']).toBe(dashboard);
  });

  it('gives an unlisted origin no CORS headers, and its preflight a 401 (a preflight carries no token)', async () => {
    api = withOrigins([dashboard]);
    const lookalike = 'https://dashboard.example.com.evil.test';
    const response = await api.app.inject({
      url: '/api/v1/sync/status',
      headers: { ...adminHeaders, origin: lookalike },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const refused = await preflight(lookalike);
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(refused.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('sends no CORS headers at all when no origin is configured', async () => {
    api = withOrigins([]);
    const response = await api.app.inject({
      url: '/api/v1/sync/status',
      headers: { ...adminHeaders, origin: dashboard },
    });
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    const refused = await preflight(dashboard);
    expect(refused.statusCode).toBe(401);
    expect(Object.keys(refused.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });

  it('allows any origin when `*` is listed', async () => {
    api = withOrigins(['*']);
    const response = await preflight('https://anywhere.example.org');
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('https://anywhere.example.org');
  });
});
