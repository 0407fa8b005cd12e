import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerConfig } from '../config/index.js';
import type { ServiceEvents } from '../events/index.js';
import type { Logger } from '../logging/index.js';
import type { ConfigAccess, ConflictAccess, PauseControl, SyncControl } from '../manager/index.js';
import type { AuthRateLimitOptions } from './auth-limiter.js';
import type { ApiAuthenticator, TokenAuthority } from './auth.js';
import type { StreamClientObserver } from './stream-admission.js';
import type { ServiceStatus } from '../status/index.js';

/** The Prometheus registry as the API sees it. */
export interface MetricsSource {
  /** The Content-Type of the text `render()` returns. */
  readonly contentType: string;
  render(): Promise<string>;
  /** Counts the event-stream clients (connected, refused, dropped), when the registry has those metrics. */
  readonly streamClients?: StreamClientObserver;
}

export interface AppDependencies {
  readonly logger: Logger;
  /** The live status of the sync service. */
  readonly status: () => ServiceStatus;
  /** Time allowed to receive a whole request (default 30 s). */
  readonly requestTimeoutMs?: number;
  readonly control: SyncControl;
  readonly conflicts: ConflictAccess;
  /** Resumes paused tables (`POST /sync/resume`). */
  readonly pauses: PauseControl;
  readonly configuration: ConfigAccess;
  readonly metrics: MetricsSource;
  /** The bus whose public events the SSE stream carries. */
  readonly events: ServiceEvents;
  /**
   * The API tokens (server.auth_token and server.read_only_tokens), replaced in place when the configuration
   * changes them.
   */
  readonly tokens: TokenAuthority;
  /**
   * CORS origins, which proxies' X-Forwarded-For to believe and the caps on event streams (server.* of the
   * configuration; `trustProxy` defaults to false: the address is the TCP peer's; the caps to 100 and 10).
   */
  readonly server: Pick<ServerConfig, 'corsOrigins'> &
    Partial<Pick<ServerConfig, 'trustProxy' | 'eventStreamMaxClients' | 'eventStreamMaxClientsPerToken'>>;
  /** Interval of the SSE heartbeat comments (default 15 s). */
  readonly sseHeartbeatMs?: number;
  /** Events the SSE stream keeps for Last-Event-ID replay (default 1,000). */
  readonly sseBufferSize?: number;
  /** Bytes an SSE client may have waiting before it is disconnected (default 4 MiB). */
  readonly sseClientBufferBytes?: number;
  /** How long a backed-up SSE client may take nothing before it is disconnected (default 60 s). */
  readonly sseStallTimeoutMs?: number;
  /** Limits on wrong tokens per client address (default 20 a minute, then blocked for a minute). */
  readonly authRateLimit?: AuthRateLimitOptions;
}

/** What the route modules get. */
export interface RouteContext {
  readonly dependencies: AppDependencies;
  readonly auth: ApiAuthenticator;
}

/** The fastify instance the `/api/v1` routes are registered on (zod schemas, typed handlers). */
export type ApiInstance = Parameters<FastifyPluginAsyncZod>[0];
