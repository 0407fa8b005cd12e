import { afterEach, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  buildTestApi,
  metricsContentType,
  metricsText,
  readOnlyHeaders,
  type TestApi,
} from './testing/api-test-kit.js';

let api: TestApi;

afterEach(async () => {
  await api.app.close();
});

describe('GET /api/v1/config', () => {
  it('answers the redacted document and the keys waiting for a restart', async () => {
    api = buildTestApi();
    const response = await api.app.inject({ url: '/api/v1/config', headers: readOnlyHeaders });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ config: api.configuration.document, restartRequired: [] });
  });
});

describe('PUT /api/v1/config', () => {
  it('saves the whole document and answers what is in effect and what needs a restart', async () => {
    api = buildTestApi();
    const document = { server: { port: 9090, auth_token: '[redacted]' }, sync: { mode: 'bidirectional' } };
    const response = await api.app.inject({
      method: 'PUT',
      url: '/api/v1/config',
      headers: adminHeaders,
      payload: document,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      applied: ['sync.tables'],
      restartRequired: ['server.port'],
      config: document,
    });
    expect(api.configuration.updates).toEqual([{ document, changedBy: 'admin' }]);
  });

  it('answers 400 CONFIG_INVALID with the problems by key path', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'PUT',
      url: '/api/v1/config',
      headers: adminHeaders,
      payload: { server: { port: 'eighty' } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        code: 'CONFIG_INVALID',
        message: 'the configuration is invalid: server.port: expected a number',
        traceId: response.headers['x-request-id'],
        details: { problems: [{ path: 'server.port', message: 'expected a number' }] },
      },
    });
  });

  it('refuses a document that is not an object', async () => {
    api = buildTestApi();
    const response = await api.app.inject({
      method: 'PUT',
      url: '/api/v1/config',
      headers: adminHeaders,
      payload: [1],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: { code: 'REQUEST_INVALID', details: { issues: [{ path: 'body' }] } },
    });
  });
});

describe('GET /api/v1/metrics', () => {
  it('answers the Prometheus text with the registry’s content type', async () => {
    api = buildTestApi();
    const response = await api.app.inject({ url: '/api/v1/metrics', headers: readOnlyHeaders });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(metricsContentType);
    expect(response.body).toBe(metricsText);
  });
});

interface OpenApiOperation {
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  security: unknown[];
}

describe('GET /api/v1/openapi.json', () => {
  it('lists every route with its request and response schemas', async () => {
    api = buildTestApi();
    const response = await api.app.inject({ url: '/api/v1/openapi.json', headers: readOnlyHeaders });
    expect(response.statusCode).toBe(200);
    const document = response.json<OpenApiDocument>();
    expect(document.openapi).toBe('3.0.3');
    const routes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /health',
        'POST /api/v1/sync/trigger',
        'POST /api/v1/sync/stop',
        'POST /api/v1/sync/resume',
        'GET /api/v1/sync/status',
        'GET /api/v1/sync/history',
        'GET /api/v1/sync/stream',
        'GET /api/v1/conflicts',
        'GET /api/v1/conflicts/{id}',
        'POST /api/v1/conflicts/{id}/resolve',
        'GET /api/v1/config',
        'PUT /api/v1/config',
        'GET /api/v1/metrics',
        'GET /api/v1/openapi.json',
      ].sort(),
    );

    const operation = (route: string): OpenApiOperation => {
      const [method = '', path = ''] = route.split(' ');
      const found = document.paths[path]?.[method.toLowerCase()];
      if (found === undefined) throw new Error(`${route} is not in the document`);
      return found;
    };
    // Every route documents a success answer with a schema, and the error answers in the one shape.
    for (const route of routes) {
      const responses = operation(route).responses;
      const success = Object.keys(responses).find((status) => status.startsWith('2'));
      expect(success, `${route} has no success answer`).toBeDefined();
      expect(Object.values(responses[success ?? '']?.content ?? {})[0]?.schema, route).toBeDefined();
      expect(responses['500']?.content?.['application/json']?.schema, route).toEqual({
        $ref: '#/components/schemas/Error',
      });
    }
    // Request schemas.
    expect(operation('POST /api/v1/sync/trigger').requestBody).toMatchObject({
      required: false,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/TriggerRequestInput' } } },
    });
    expect(operation('POST /api/v1/conflicts/{id}/resolve').requestBody?.required).toBe(true);
    expect(operation('PUT /api/v1/config').requestBody?.content['application/json']).toBeDefined();
    expect(operation('GET /api/v1/sync/history').parameters?.map((parameter) => parameter.name)).toEqual([
      'limit',
      'offset',
    ]);
    expect(operation('GET /api/v1/conflicts').parameters?.map((parameter) => parameter.name)).toEqual([
      'table',
      'resolved',
      'limit',
      'offset',
    ]);
    expect(operation('GET /api/v1/conflicts/{id}').parameters).toContainEqual(
      expect.objectContaining({ in: 'path', name: 'id' }),
    );
    expect(operation('GET /api/v1/sync/stream').parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'last-event-id' }),
    );
    expect(operation('GET /api/v1/sync/stream').responses['200']?.content).toHaveProperty(
      'text/event-stream',
    );
    // Auth: bearer everywhere but /health.
    expect(document.components.securitySchemes).toEqual({ bearerToken: { type: 'http', scheme: 'bearer' } });
    expect(document.security).toEqual([{ bearerToken: [] }]);
    expect(operation('GET /health').security).toEqual([]);
    // Named schemas that something refers to, and no unreferenced leftovers.
    expect(Object.keys(document.components.schemas).sort()).toEqual(
      [
        'ConfigDocument',
        'ConfigDocumentInput',
        'ConfigUpdateResult',
        'ConfigView',
        'Conflict',
        'ConflictResolutionInput',
        'DirectionStatus',
        'Error',
        'HealthReport',
        'PublicHealthReport',
        'ResolutionColumns',
        'ResumeResult',
        'RunProgress',
        'SchemaChange',
        'SyncHistoryEntry',
        'TriggerRequestInput',
      ].sort(),
    );
    expect(document.components.schemas.RunProgress).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['runId', 'state', 'percent', 'tables']) as unknown,
    });
  });
});
