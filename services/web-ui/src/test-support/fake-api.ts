/**
 * A scripted stand-in for core-sync's HTTP API in component tests: each route answers what the test set, and
 * every request is recorded (method, path, headers, parsed body).
 */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

type Answer = { readonly status: number; readonly body: unknown };

export class FakeApi {
  readonly requests: RecordedRequest[] = [];
  readonly #answers = new Map<string, Answer[]>();

  /** Queues an answer for `METHOD /path` (the last one repeats). */
  answer(route: string, status: number, body: unknown): this {
    this.#answers.set(route, [...(this.#answers.get(route) ?? []), { status, body }]);
    return this;
  }

  readonly fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    this.requests.push({
      method,
      path: url.pathname + url.search,
      headers: { ...(init?.headers as Record<string, string>) },
      body,
    });
    const route = `${method} ${url.pathname}`;
    const queue = this.#answers.get(route);
    const answer = queue?.length === 1 ? queue[0] : queue?.shift();
    if (answer === undefined) {
      return Promise.resolve(
        new Response(
          JSON.stringify({
            error: { code: 'NOT_FOUND', message: `no answer for ${route}`, traceId: 'test' },
          }),
          {
            status: 404,
          },
        ),
      );
    }
    return Promise.resolve(
      new Response(JSON.stringify(answer.body), {
        status: answer.status,
        headers: { 'content-type': 'application/json', 'x-request-id': 'trace-test' },
      }),
    );
  };
}

export function apiError(code: string, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, traceId: 'trace-test', ...(details === undefined ? {} : { details }) } };
}
