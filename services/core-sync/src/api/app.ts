/**
 * The HTTP API: `GET /health` (open) and everything under `/api/v1` (bearer tokens; see auth.ts). The request
 * path through the app:
 *
 *   onRequest: trace id echoed as x-request-id, 503 while shutting down
 *   onRequest: CORS (only when server.cors_origins is set; answers preflights before auth)
 *   onRequest: authentication and authorisation of every route, by the route that matched (auth.ts)
 *   validation of params, query, body against the zod schemas (schemas.ts) → 400 naming each field
 *   handler → response shaped by its zod schema
 *   any error → one error body (errors.ts)
 *
 * docs/api.md documents the routes, the error codes and the event stream for operators.
 */
import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import fastifySwagger, { type SwaggerOptions } from '@fastify/swagger';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  createSerializerCompiler,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { ServerConfig } from '../config/index.js';
import { SyncError } from '../errors/index.js';
import { newTraceId, redactedPaths, type Logger } from '../logging/index.js';
import type { AppDependencies, RouteContext } from './api-context.js';
import { FailedAuthLimiter } from './auth-limiter.js';
import { ApiAuthenticator, type TokenAuthority } from './auth.js';
import { installErrorHandling, requestValidatorCompiler } from './errors.js';
import { registerConfigRoutes } from './routes/config.js';
import { registerConflictRoutes } from './routes/conflicts.js';
import { registerSyncRoutes } from './routes/sync.js';
import { registerHealthRoute, registerSystemRoutes } from './routes/system.js';
import { jsonReplacer, SseHub } from './sse-hub.js';
import { registerStreamRoute } from './sse-route.js';
import { defaultStreamLimits } from './stream-admission.js';
import { requestTraceId } from './trace-id.js';
import { UnusedConnections } from './unused-connections.js';

export type { AppDependencies, MetricsSource } from './api-context.js';
export { requestTraceId } from './trace-id.js';

/** Request bodies larger than this are refused with 413. */
export const bodyLimitBytes = 1024 * 1024;

/** Header paths that never reach a log line, besides the service-wide secrets. */
const headerRedactions = [
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  'headers.authorization',
  'headers.cookie',
];

function apiLogger(logger: Logger): Logger {
  const paths = [...new Set([...redactedPaths, ...headerRedactions])];
  return logger.child({ component: 'api' }, { redact: { paths, censor: '[redacted]' } });
}

function warnAboutAccess(logger: Logger, authority: TokenAuthority): void {
  if (authority.open) {
    logger.warn(
      'no API token is configured: the API answers only requests addressed to a loopback host, with admin rights; set server.auth_token (and server.read_only_tokens) to reach it from anywhere else',
    );
  } else if (!authority.hasAdminToken) {
    logger.warn('no server.auth_token is set: read-only tokens can read, and nobody can change anything');
  }
}

/**
 * fastify's `trustProxy` from server.trust_proxy: whose X-Forwarded-For makes `request.ip` (the address the
 * failed-auth limit counts and the logs show). false: the TCP peer; true: the left-most forwarded address, from
 * anyone; addresses/CIDRs: the proxies that may speak for a client; a number: that many proxies in front, whoever
 * they are. fastify takes a bare number as "trust nobody" (a hop count cannot tell a proxy from a direct client),
 * so the count is given as the function Express uses for it: the peer and the next `count - 1` forwarders.
 */
function trustProxyOption(
  trustProxy: ServerConfig['trustProxy'] | undefined,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trustProxy === undefined) return false;
  if (typeof trustProxy === 'number') return (_address, hop) => hop < trustProxy;
  return typeof trustProxy === 'object' ? [...trustProxy] : trustProxy;
}

function createServer(dependencies: AppDependencies, logger: Logger) {
  // Typed as fastify's own logger so the instance has fastify's default types (hooks, handlers) throughout.
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    trustProxy: trustProxyOption(dependencies.server.trustProxy),
    genReqId: (request) => requestTraceId(request.headers),
    requestTimeout: dependencies.requestTimeoutMs ?? 30_000,
    bodyLimit: bodyLimitBytes,
    // Answered by our own hook instead, in the one error shape.
    return503OnClosing: false,
    clientErrorHandler: answerClientError,
    // Probes hit /health every few seconds: logging each would bury everything else.
    logController: new LogController({
      requestIdLogLabel: 'traceId',
      disableRequestLogging: (request) => request.url === '/health',
    }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(requestValidatorCompiler);
  app.setSerializerCompiler(createSerializerCompiler({ replacer: jsonReplacer }));
  return app;
}

type Server = ReturnType<typeof createServer>;

/**
 * A request Node's HTTP parser refuses (a malformed request line or header, a target without a leading `/`, too
 * large headers, a timeout). fastify's own handler logs the parser's error whole, raw packet buffer included,
 * which the log redaction cannot walk (it threw out of the handler, leaving the client unanswered and the error
 * uncaught); here only its code is logged.
 */
function answerClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request took too long to arrive']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request headers are too large']
        : [400, 'the request is not valid HTTP'];
  const traceId = newTraceId();
  this.log.debug({ traceId, errorCode: error.code, statusCode: status }, 'refused a malformed request');
  if (socket.writable) {
    const body = JSON.stringify({ error: { code: 'REQUEST_INVALID', message, traceId } });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function createHub(dependencies: AppDependencies): SseHub {
  return new SseHub({
    events: dependencies.events,
    logger: dependencies.logger.child({ component: 'sse' }),
    ...(dependencies.sseBufferSize === undefined ? {} : { bufferSize: dependencies.sseBufferSize }),
    ...(dependencies.sseHeartbeatMs === undefined ? {} : { heartbeatMs: dependencies.sseHeartbeatMs }),
    ...(dependencies.sseClientBufferBytes === undefined
      ? {}
      : { maxClientBufferBytes: dependencies.sseClientBufferBytes }),
    ...(dependencies.sseStallTimeoutMs === undefined
      ? {}
      : { stallTimeoutMs: dependencies.sseStallTimeoutMs }),
    limits: {
      maxClients: dependencies.server.eventStreamMaxClients ?? defaultStreamLimits.maxClients,
      maxClientsPerCaller:
        dependencies.server.eventStreamMaxClientsPerToken ?? defaultStreamLimits.maxClientsPerCaller,
    },
    ...(dependencies.metrics.streamClients === undefined
      ? {}
      : { observer: dependencies.metrics.streamClients }),
  });
}

/** The onRequest hooks in their order (trace id, shutdown, CORS, auth) and the shutdown of streams. */
function installHooks(
  app: Server,
  corsOrigins: readonly string[],
  auth: ApiAuthenticator,
  hub: SseHub,
): void {
  let stopping = false;
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done(stopping ? new SyncError('SERVICE_STOPPING', 'the service is shutting down') : undefined);
  });
  if (corsOrigins.length > 0) void app.register(fastifyCors, corsOptions(corsOrigins));
  app.addHook('onRequest', auth.authenticate);
  // Streams and never-used connections would hold the server open: end them before fastify waits for it.
  const unusedConnections = new UnusedConnections(app.server);
  app.addHook('preClose', (done) => {
    stopping = true;
    hub.close();
    unusedConnections.destroyAll();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    hub.close();
    done();
  });
}

export function buildApp(dependencies: AppDependencies) {
  const logger = apiLogger(dependencies.logger);
  const app = createServer(dependencies, logger);
  warnAboutAccess(logger, dependencies.tokens);
  const auth = new ApiAuthenticator(dependencies.tokens, new FailedAuthLimiter(dependencies.authRateLimit));
  const hub = createHub(dependencies);
  installHooks(app, dependencies.server.corsOrigins, auth, hub);
  // Before the routes: the OpenAPI plugin collects the routes registered after it.
  void app.register(fastifySwagger, openApiOptions);
  installErrorHandling(app);
  void app.register((root, _options, done) => {
    registerHealthRoute(root, dependencies.status, auth);
    done();
  });
  const context: RouteContext = { dependencies, auth };
  void app.register(
    (api, _options, done) => {
      registerSyncRoutes(api, context);
      registerStreamRoute(api, hub, auth);
      registerConflictRoutes(api, context);
      registerConfigRoutes(api, context);
      registerSystemRoutes(api, context);
      done();
    },
    { prefix: '/api/v1' },
  );
  return app;
}

const openApiOptions: SwaggerOptions = {
  openapi: {
    openapi: '3.0.3',
    info: {
      title: 'mysql-sync core-sync API',
      version: '1',
      description: 'Real-time MySQL synchronisation: control full syncs, resolve conflicts, read status.',
    },
    components: { securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearerToken: [] }],
    tags: [{ name: 'sync' }, { name: 'conflicts' }, { name: 'config' }, { name: 'system' }],
  },
  transform: jsonSchemaTransform,
  transformObject: jsonSchemaTransformObject,
};

/** Cross-origin access for the listed origins only (exact match; `*` allows any). */
function corsOptions(corsOrigins: readonly string[]): FastifyCorsOptions {
  const allowed = new Set(corsOrigins);
  const anyOrigin = allowed.has('*');
  return {
    origin: (origin, callback) => callback(null, origin !== undefined && (anyOrigin || allowed.has(origin))),
    methods: ['GET', 'POST', 'PUT'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID', 'traceparent', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate'],
    maxAge: 600,
    // A malformed preflight from an allowed origin gets the headers rather than a plain-text 400.
    strictPreflight: false,
  };
}

export type App = ReturnType<typeof buildApp>;
