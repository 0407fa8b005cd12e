/**
 * The REST client: one method per route the dashboard uses, typed from the OpenAPI document, the bearer token
 * in the Authorization header, and every failure as an ApiError carrying the API's code, message and trace id
 * (or, when the service could not be reached, what was tried).
 */
import type {
  ConfigDocument,
  ConfigUpdateResult,
  ConfigView,
  Conflict,
  ConflictPage,
  ConflictQuery,
  ConflictResolution,
  HistoryPage,
  HistoryQuery,
  ResumeResult,
  RunProgress,
  StatusResponse,
  TriggerRequest,
} from './types';

/** One problem of a rejected configuration (`details.problems` of CONFIG_INVALID), by YAML key path. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

export class ApiError extends Error {
  /** The HTTP status; 0 when no answer came (network, CORS, DNS). */
  readonly status: number;
  /** The API's error code (`FORBIDDEN`, `CONFIG_INVALID`…); `NETWORK` when no answer came. */
  readonly code: string;
  readonly traceId: string | null;
  readonly details: Readonly<Record<string, unknown>> | null;
  /** Seconds to wait, for 429 answers. */
  readonly retryAfterSeconds: number | null;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    traceId?: string | null;
    details?: Record<string, unknown> | null;
    retryAfterSeconds?: number | null;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.traceId = init.traceId ?? null;
    this.details = init.details ?? null;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }

  /** `details.problems` of CONFIG_INVALID, `details.issues` of REQUEST_INVALID; empty otherwise. */
  get fieldProblems(): FieldProblem[] {
    const list = this.details?.problems ?? this.details?.issues;
    if (!Array.isArray(list)) return [];
    return list.flatMap((entry: unknown) => {
      if (typeof entry !== 'object' || entry === null) return [];
      const { path, message } = entry as { path?: unknown; message?: unknown };
      return typeof path === 'string' && typeof message === 'string' ? [{ path, message }] : [];
    });
  }
}

type Method = 'GET' | 'POST' | 'PUT';

export interface ApiClientOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly fetch?: typeof fetch;
}

export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The headers every request carries (the event stream uses them too). */
  authHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.#token}` };
  }

  get streamUrl(): string {
    return `${this.baseUrl}/api/v1/sync/stream`;
  }

  status(): Promise<StatusResponse> {
    return this.#request('GET', '/api/v1/sync/status');
  }

  history(query: HistoryQuery = {}): Promise<HistoryPage> {
    return this.#request('GET', `/api/v1/sync/history${queryString(query)}`);
  }

  trigger(request: TriggerRequest): Promise<RunProgress> {
    return this.#request('POST', '/api/v1/sync/trigger', request);
  }

  stop(): Promise<RunProgress> {
    return this.#request('POST', '/api/v1/sync/stop', {});
  }

  /** Resumes every paused table (core-sync restarts its sync service in the process); 409 when none is paused. */
  resume(): Promise<ResumeResult> {
    return this.#request('POST', '/api/v1/sync/resume', {});
  }

  conflicts(query: ConflictQuery = {}): Promise<ConflictPage> {
    return this.#request('GET', `/api/v1/conflicts${queryString(query)}`);
  }

  conflict(id: string): Promise<Conflict> {
    return this.#request('GET', `/api/v1/conflicts/${encodeURIComponent(id)}`);
  }

  resolveConflict(id: string, resolution: ConflictResolution): Promise<Conflict> {
    return this.#request('POST', `/api/v1/conflicts/${encodeURIComponent(id)}/resolve`, resolution);
  }

  /** The configuration as saved (secrets redacted) and the keys that wait for a restart of core-sync. */
  config(): Promise<ConfigView> {
    return this.#request('GET', '/api/v1/config');
  }

  updateConfig(document: ConfigDocument): Promise<ConfigUpdateResult> {
    return this.#request('PUT', '/api/v1/config', document);
  }

  async #send(method: Method, path: string, body?: unknown): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { ...this.authHeaders(), accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.#fetch(url, {
        method,
        headers,
        cache: 'no-store',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError({
        status: 0,
        code: 'NETWORK',
        message: `cannot reach core-sync at ${this.baseUrl} (${error instanceof Error ? error.message : String(error)}). Check that it runs, and that its server.cors_origins lists this page's origin (${globalThis.location?.origin ?? 'unknown'}).`,
        cause: error,
      });
    }
  }

  async #request<Answer>(method: Method, path: string, body?: unknown): Promise<Answer> {
    const response = await this.#send(method, path, body);
    if (!response.ok) throw await errorFrom(response, `${method} ${path}`);
    try {
      return (await response.json()) as Answer;
    } catch (error) {
      throw new ApiError({
        status: response.status,
        code: 'RESPONSE_INVALID',
        message: `${method} ${path} answered ${response.status} with a body that is not JSON`,
        traceId: response.headers.get('x-request-id'),
        cause: error,
      });
    }
  }
}

function queryString(query: Record<string, string | number | boolean | undefined>): string {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') parameters.set(key, String(value));
  }
  const text = parameters.toString();
  return text === '' ? '' : `?${text}`;
}

/** The error answer as an ApiError: the API's `{ error: { code, message, traceId, details } }` when sent. */
export async function errorFrom(response: Response, what: string): Promise<ApiError> {
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
  const text = await response.text().catch((error: unknown) => `(unreadable body: ${String(error)})`);
  let body: { error?: { code?: unknown; message?: unknown; traceId?: unknown; details?: unknown } } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not the API's JSON (a proxy's error page): the status and the text below say what happened.
  }
  const error = body.error;
  if (typeof error?.code === 'string' && typeof error.message === 'string') {
    return new ApiError({
      status: response.status,
      code: error.code,
      message: error.message,
      traceId: typeof error.traceId === 'string' ? error.traceId : response.headers.get('x-request-id'),
      details:
        typeof error.details === 'object' && error.details !== null
          ? (error.details as Record<string, unknown>)
          : null,
      retryAfterSeconds,
    });
  }
  return new ApiError({
    status: response.status,
    code: `HTTP_${response.status}`,
    message: `${what} answered ${response.status} ${response.statusText}${text === '' ? '' : `: ${text.slice(0, 200)}`}`,
    traceId: response.headers.get('x-request-id'),
    retryAfterSeconds,
  });
}
