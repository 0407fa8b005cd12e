import { z } from 'zod';
import type { ApiInstance, RouteContext } from '../api-context.js';
import type { ApiAuthenticator } from '../auth.js';
import { assessHealth, publicHealth } from '../health.js';
import { errorResponses, healthReportSchema, jsonResponse, publicHealthReportSchema } from '../schemas.js';
import type { ServiceStatus } from '../../status/index.js';

const openApiDocumentSchema = z
  .looseObject({
    openapi: z.string(),
    info: z.record(z.string(), z.unknown()),
    paths: z.record(z.string(), z.unknown()),
  })
  .describe('An OpenAPI 3 document.');

/** `GET /health`, outside /api/v1: no token needed; with a token, the whole report. */
export function registerHealthRoute(
  root: ApiInstance,
  status: () => ServiceStatus,
  auth: ApiAuthenticator,
): void {
  root.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Liveness and readiness',
        description:
          '200 when ok or degraded (paused tables), 503 when a direction failed or its binlog stream is down. No token needed: without one, the answer has states and error codes only; with a known token (any), it has the reasons in words, the lag and the paused tables. An unknown token is refused (401).',
        tags: ['system'],
        security: [],
        response: {
          200: jsonResponse(
            z.union([healthReportSchema, publicHealthReportSchema]),
            'ok or degraded (PublicHealthReport without a token).',
          ),
          503: jsonResponse(
            z.union([healthReportSchema, publicHealthReportSchema]),
            'down; the problems say why (the reasons too, with a token).',
          ),
          ...errorResponses(401, 429, 500),
        },
      },
    },
    (request, reply) => {
      const report = assessHealth(status());
      reply.code(report.status === 'down' ? 503 : 200);
      return auth.optionalCallerOf(request) === null ? publicHealth(report) : report;
    },
  );
}

/** `GET /metrics` and `GET /openapi.json`. */
export function registerSystemRoutes(api: ApiInstance, context: RouteContext): void {
  const { metrics } = context.dependencies;
  let document: OpenApiDocument | undefined;

  api.get(
    '/metrics',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Prometheus metrics',
        description:
          'The Prometheus text exposition format. Scrape with the read-only token as a bearer token.',
        tags: ['system'],
        response: {
          200: {
            description: 'Prometheus text format.',
            content: { 'text/plain': { schema: z.string() } },
          },
          ...errorResponses(401, 429, 500, 503),
        },
      },
    },
    async (_request, reply) => {
      const text = await metrics.render();
      return reply.type(metrics.contentType).send(text);
    },
  );

  api.get(
    '/openapi.json',
    {
      config: { access: 'read' },
      schema: {
        summary: 'This API’s OpenAPI document',
        description:
          'Generated from the route schemas. Needs a token like every /api/v1 route; a read-only token is enough.',
        tags: ['system'],
        response: {
          200: jsonResponse(openApiDocumentSchema, 'The OpenAPI 3 document.'),
          ...errorResponses(401, 429, 500, 503),
        },
      },
    },
    (request) => {
      document ??= tidyOpenApiDocument(request.server.swagger() as unknown as OpenApiDocument);
      return document;
    },
  );
}

type OpenApiDocument = z.infer<typeof openApiDocumentSchema>;

/** Routes whose body may be left out (fastify's OpenAPI generator marks every body required). */
const optionalBodies = ['/api/v1/sync/trigger', '/api/v1/sync/stop'];

/**
 * The generated document, with optional bodies marked so, and without the component schemas nothing refers to
 * (the zod transform emits an input and an output variant of every named schema).
 */
function tidyOpenApiDocument(generated: OpenApiDocument): OpenApiDocument {
  const document = structuredClone(generated);
  for (const path of optionalBodies) {
    const operation = (
      document.paths[path] as { post?: { requestBody?: { required?: boolean } } } | undefined
    )?.post;
    if (operation?.requestBody !== undefined) operation.requestBody.required = false;
  }
  const components = document.components as { schemas?: Record<string, unknown> } | undefined;
  const schemas = components?.schemas;
  if (schemas === undefined) return document;
  const referenced = new Set<string>();
  const pending = [JSON.stringify(document.paths)];
  for (let text = pending.pop(); text !== undefined; text = pending.pop()) {
    for (const match of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      const name = match[1];
      if (name === undefined || referenced.has(name)) continue;
      referenced.add(name);
      pending.push(JSON.stringify(schemas[name] ?? null));
    }
  }
  for (const name of Object.keys(schemas)) {
    if (!referenced.has(name)) delete schemas[name];
  }
  return document;
}
