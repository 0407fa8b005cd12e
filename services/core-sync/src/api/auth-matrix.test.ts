/**
 * Every route the app registers × (no token, a wrong token, a read-only token, the admin token), over a real
 * listening server (the event stream cannot be injected). The routes come from the app itself (an `onRoute`
 * hook), so a new route without an expectation here fails the test instead of escaping the matrix; the same
 * expectations are checked against docs/api.md's route table and the served OpenAPI document.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, buildTestApi, readOnlyTokens, type TestApi } from './testing/api-test-kit.js';

type Access = 'public' | 'read' | 'admin';

interface RouteCase {
  readonly access: Access;
  readonly body?: unknown;
  /** Sent on every cell (a CORS preflight needs its own headers). */
  readonly headers?: Record<string, string>;
  /** The URL to call when the route's own is not one (`*`). */
  readonly url?: string;
  /** An endless event stream: only the status and headers are checked, then the connection is closed. */
  readonly stream?: boolean;
}

const allowedOrigin = 'https://dashboard.example';

/** What each route needs, keyed `METHOD /url` as fastify registers it. HEAD routes follow their GET. */
const routeCases: Readonly<Record<string, RouteCase>> = {
  'OPTIONS *': {
    access: 'public',
    url: '/api/v1/sync/trigger',
    headers: { origin: allowedOrigin, 'access-control-request-method': 'POST' },
  },
  'GET /health': { access: 'public' },
  'POST /api/v1/sync/trigger': { access: 'admin', body: {} },
  'POST /api/v1/sync/stop': { access: 'admin', body: {} },
  'POST /api/v1/sync/resume': { access: 'admin', body: {} },
  'GET /api/v1/sync/status': { access: 'read' },
  'GET /api/v1/sync/history': { access: 'read' },
  'GET /api/v1/sync/stream': { access: 'read', stream: true },
  'GET /api/v1/conflicts': { access: 'read' },
  'GET /api/v1/conflicts/:id': { access: 'read' },
  'POST /api/v1/conflicts/:id/resolve': { access: 'admin', body: { side: 'local' } },
  'GET /api/v1/config': { access: 'read' },
  'PUT /api/v1/config': { access: 'admin', body: { server: { port: 1 } } },
  'GET /api/v1/metrics': { access: 'read' },
  'GET /api/v1/openapi.json': { access: 'read' },
};

/** A valid-looking value for each path parameter. */
const pathParameters: Readonly<Record<string, string>> = { id: 'conflict-1' };

const wrongToken = 'wrong-token-never-configured-0123';
const callers = {
  none: undefined,
  wrong: wrongToken,
  'read-only': readOnlyTokens[0],
  admin: adminToken,
} as const;
type CallerName = keyof typeof callers;
const secrets = [adminToken, ...readOnlyTokens, wrongToken];

interface Cell {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

function routeCaseOf(route: string): RouteCase | undefined {
  const [method, url] = route.split(' ');
  return method === 'HEAD' ? routeCases[`GET ${url}`] : routeCases[route];
}

function concreteUrl(route: string, routeCase: RouteCase): string {
  const url = routeCase.url ?? route.split(' ')[1] ?? '';
  return url.replace(/:(\w+)/g, (_match, name: string) => {
    const value = pathParameters[name];
    if (value === undefined) throw new Error(`no sample value for the path parameter :${name} of ${route}`);
    return encodeURIComponent(value);
  });
}

describe('the auth matrix', () => {
  let api: TestApi;
  let baseUrl: string;
  const registered: string[] = [];

  beforeAll(async () => {
    // Wrong tokens by the dozen: the failed-auth rate limit (tested in auth.test.ts) would turn them into 429.
    api = buildTestApi({
      authRateLimit: { maxFailures: 1_000_000 },
      server: { authToken: adminToken, readOnlyTokens: [...readOnlyTokens], corsOrigins: [allowedOrigin] },
    });
    api.app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) registered.push(`${method} ${route.url}`);
    });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await api.app.close();
  });

  async function call(route: string, caller: CallerName): Promise<Cell> {
    const routeCase = routeCaseOf(route);
    if (routeCase === undefined) throw new Error(`no expectation for ${route}`);
    const method = route.split(' ')[0] ?? 'GET';
    const token = callers[caller];
    const abort = new AbortController();
    const response = await fetch(`${baseUrl}${concreteUrl(route, routeCase)}`, {
      method,
      signal: abort.signal,
      headers: {
        ...routeCase.headers,
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(routeCase.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(routeCase.body === undefined ? {} : { body: JSON.stringify(routeCase.body) }),
    });
    if (routeCase.stream === true && response.status === 200) {
      // The first bytes (`retry:`) show the stream is open; the rest never ends.
      const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
      const first = await reader?.read();
      abort.abort();
      return { status: response.status, headers: response.headers, body: first?.value ?? '' };
    }
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  it('has an expectation for every route the app registers, and nothing else', () => {
    expect(registered.length).toBeGreaterThan(10);
    const unexpected = registered.filter((route) => routeCaseOf(route) === undefined);
    expect(unexpected, 'routes without an auth expectation: add them to routeCases').toEqual([]);
    const gone = Object.keys(routeCases).filter((route) => !registered.includes(route));
    expect(gone, 'expectations for routes the app no longer has').toEqual([]);
  });

  it('answers each route as its access level says, for every caller', async () => {
    const cells: { route: string; caller: CallerName; cell: Cell }[] = [];
    for (const route of registered) {
      for (const caller of Object.keys(callers) as CallerName[]) {
        cells.push({ route, caller, cell: await call(route, caller) });
      }
    }
    const outcomes = cells.map(({ route, caller, cell }) => {
      const access = routeCaseOf(route)?.access;
      return { route, caller, access, ...outcomeOf(route, caller, cell) };
    });
    expect(outcomes.filter((outcome) => outcome.problem !== null)).toEqual([]);
    for (const { route, caller, cell } of cells) {
      const text = `${JSON.stringify([...cell.headers.entries()])}${cell.body}`;
      for (const secret of secrets) expect(text, `${route} as ${caller}`).not.toContain(secret);
    }
    const logs = api.logs.output();
    expect(logs).toContain('refused an unknown API token');
    for (const secret of secrets) expect(logs).not.toContain(secret);
    expect(logs.toLowerCase()).not.toContain('bearer ');
  }, 60_000); // some 90 requests one after the other: seconds on a loaded machine

  it('matches the route table of docs/api.md, row for row', () => {
    const documented = documentedRoutes();
    const expected = Object.entries(routeCases)
      .filter(([route]) => route !== 'OPTIONS *')
      .map(([route, routeCase]) => `${route} ${routeCase.access}`);
    expect(documented.sort()).toEqual(expected.sort());
  });

  it('matches the served OpenAPI document: every route listed, only the public ones without security', async () => {
    const response = await call('GET /api/v1/openapi.json', 'read-only');
    const document = JSON.parse(response.body) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const listed = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => {
        const route = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
        return `${route} ${operation.security?.length === 0 ? 'public' : 'token'}`;
      }),
    );
    const expected = Object.entries(routeCases)
      .filter(([route]) => route !== 'OPTIONS *')
      .map(([route, routeCase]) => `${route} ${routeCase.access === 'public' ? 'public' : 'token'}`);
    expect(listed.sort()).toEqual(expected.sort());
  });
});

/** What is wrong with one cell of the matrix, or null. */
function outcomeOf(
  route: string,
  caller: CallerName,
  cell: Cell,
): { status: number; problem: string | null } {
  const routeCase = routeCaseOf(route);
  const head = route.startsWith('HEAD ');
  const problem = (text: string) => ({ status: cell.status, problem: text });
  if (routeCase === undefined) return problem('no expectation');
  if (cell.status >= 500) return problem('a server error');
  if (routeCase.access === 'public') {
    // A public route needs no token, but one that is sent must be a known one. (A CORS preflight is answered
    // before authentication: browsers send it without credentials, and it carries no data.)
    if (caller === 'wrong' && route !== 'OPTIONS *')
      return cell.status === 401 ? { status: cell.status, problem: null } : problem('expected 401');
    return cell.status < 300 ? { status: cell.status, problem: null } : problem('a public route refused');
  }
  if (caller === 'none' || caller === 'wrong') {
    if (cell.status !== 401) return problem('expected 401');
    if (!(cell.headers.get('www-authenticate') ?? '').startsWith('Bearer realm="mysql-sync"'))
      return problem('no Bearer challenge');
    if (!head && errorCodeOf(cell) !== 'UNAUTHORIZED') return problem('not the UNAUTHORIZED error');
    return { status: cell.status, problem: null };
  }
  if (routeCase.access === 'admin' && caller === 'read-only') {
    if (cell.status !== 403) return problem('expected 403');
    const expected = {
      error: {
        code: 'FORBIDDEN',
        message: 'the token read-only-0 is read-only; this request needs the admin token',
        traceId: cell.headers.get('x-request-id'),
      },
    };
    if (JSON.stringify(JSON.parse(cell.body)) !== JSON.stringify(expected))
      return problem('not the FORBIDDEN shape');
    return { status: cell.status, problem: null };
  }
  if (routeCase.access === 'admin') {
    return cell.status === 401 || cell.status === 403
      ? problem('the admin token refused')
      : { status: cell.status, problem: null };
  }
  if (cell.status < 200 || cell.status >= 300) return problem('a reader refused');
  if (routeCase.stream === true) {
    if (cell.headers.get('content-type') !== 'text/event-stream; charset=utf-8')
      return problem('not a stream');
    if (!cell.body.startsWith('retry:')) return problem('the stream did not open');
  }
  return { status: cell.status, problem: null };
}

function errorCodeOf(cell: Cell): unknown {
  return (JSON.parse(cell.body) as { error?: { code?: unknown } }).error?.code;
}

/** The rows of docs/api.md's route table as `METHOD /url access` (`{id}` written as fastify's `:id`). */
function documentedRoutes(): string[] {
  const text = readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8');
  const tokenToAccess: Record<string, Access> = { none: 'public', read: 'read', admin: 'admin' };
  const rows: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|/.exec(line);
    if (match === null) continue;
    const [, method, path, token] = match;
    rows.push(
      `${method} ${(path ?? '').replace(/\{(\w+)\}/g, ':$1')} ${tokenToAccess[token ?? ''] ?? token}`,
    );
  }
  return rows;
}
