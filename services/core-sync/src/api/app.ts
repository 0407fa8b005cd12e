import { randomUUID } from 'node:crypto';
import Fastify, { LogController } from 'fastify';
import type { Logger } from '../logging/index.js';
import type { ServiceStatus } from '../sync/index.js';
import { assessHealth } from './health.js';

export interface AppDependencies {
  readonly logger: Logger;
  /** The live status of the sync service. */
  readonly status: () => ServiceStatus;
  readonly requestTimeoutMs?: number;
}

/** Trace ids: an incoming W3C `traceparent` or `x-request-id` is adopted, else a new one is made. */
function requestTraceId(headers: Record<string, string | string[] | undefined>): string {
  const traceparent = headers.traceparent;
  if (typeof traceparent === 'string') {
    const match = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/i.exec(traceparent.trim());
    if (match?.[1] !== undefined) return match[1].toLowerCase();
  }
  const requestId = headers['x-request-id'];
  if (typeof requestId === 'string' && /^[\w.:-]{1,128}$/.test(requestId)) return requestId;
  return randomUUID().replaceAll('-', '');
}

/** The HTTP API. This version serves `GET /health`; the rest of the API arrives with the sync manager. */
export function buildApp(dependencies: AppDependencies) {
  const app = Fastify({
    loggerInstance: dependencies.logger.child({ component: 'api' }),
    genReqId: (request) => requestTraceId(request.headers),
    requestTimeout: dependencies.requestTimeoutMs ?? 30_000,
    // Probes hit /health every few seconds: logging each would bury everything else.
    logController: new LogController({
      requestIdLogLabel: 'traceId',
      disableRequestLogging: (request) => request.url === '/health',
    }),
  });

  app.get('/health', async (_request, reply) => {
    const report = assessHealth(dependencies.status());
    return reply.code(report.status === 'down' ? 503 : 200).send(report);
  });

  return app;
}

export type App = ReturnType<typeof buildApp>;
