/**
 * The static server's headers over real HTTP: every answer (pages, config.js, assets, refusals, errors) carries
 * the Content-Security-Policy and the other security headers, and the policy lets the page connect to the API's
 * origin and nothing else. The policy's text is checked over generated API URLs, and URLs that could smuggle a
 * directive of their own into it are refused at start.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy, startStaticServer, validateApiUrl } from '../../server/static-server.js';

const fixedDirectives = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

/** The directives of a policy, by name. */
function directives(policy: string): Map<string, string> {
  return new Map(
    policy.split(';').map((directive) => {
      const [name = '', ...sources] = directive.trim().split(/\s+/);
      return [name, sources.join(' ')];
    }),
  );
}

const hostName = fc.domain();
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6().map((address) => `[${address}]`);
const apiUrl = fc
  .record({
    scheme: fc.constantFrom('http', 'https'),
    host: fc.oneof(hostName, ipv4, ipv6),
    port: fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
    path: fc.constantFrom('', '/', '/base', '/api-proxy/', '/x?y=1', '/#frag'),
  })
  .map(
    ({ scheme, host, port, path: urlPath }) =>
      `${scheme}://${host}${port === undefined ? '' : `:${port}`}${urlPath}`,
  );

describe('the Content-Security-Policy', () => {
  it("connects only to the page's own origin and the API's, with the fixed directives around", () => {
    fc.assert(
      fc.property(apiUrl, (url) => {
        expect(() => validateApiUrl(url)).not.toThrow();
        const policy = directives(contentSecurityPolicy(url));
        const [self, apiSource, ...more] = (policy.get('connect-src') ?? '').split(' ');
        expect({ self, more, apiOrigin: new URL(apiSource ?? '').origin }).toEqual({
          self: "'self'",
          more: [],
          apiOrigin: new URL(url).origin,
        });
        policy.delete('connect-src');
        expect([...policy].map(([name, sources]) => `${name} ${sources}`)).toEqual(fixedDirectives);
      }),
    );
  });

  it('is never given an API URL that would add sources or directives of its own', () => {
    const smuggled = fc
      .tuple(
        fc.constantFrom('http://', 'https://'),
        fc.domain(),
        fc.constantFrom(';', ' ', ',', "'", 'user@', 'user:pass@', '\t', '*', '%3B'),
        fc.constantFrom('', 'script-src *', 'evil.example', '/path'),
      )
      .map(([scheme, host, injected, after]) => `${scheme}${host}${injected}${after}`);
    fc.assert(
      fc.property(smuggled, (url) => {
        expect(() => validateApiUrl(url)).toThrow(/MYSQL_SYNC_API_URL/);
      }),
    );
  });
});

describe('the static server', () => {
  let distDirectory: string;
  let server: { url: string; close: () => Promise<void> };
  const apiUrlOfServer = 'http://127.0.0.1:18080/';

  beforeAll(async () => {
    distDirectory = await mkdtemp(path.join(tmpdir(), 'mysql-sync-ui-static-'));
    await mkdir(path.join(distDirectory, 'assets'));
    await writeFile(path.join(distDirectory, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(path.join(distDirectory, 'assets', 'app.js'), 'export {};');
    server = await startStaticServer({ distDirectory, apiUrl: apiUrlOfServer, port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await server?.close();
    await rm(distDirectory, { recursive: true, force: true });
  });

  it('sends the security headers on every answer', async () => {
    const requests: [string, RequestInit][] = [
      ['/', {}],
      ['/config.js', {}],
      ['/assets/app.js', {}],
      ['/conflicts/42', {}],
      ['/', { method: 'HEAD' }],
      ['/', { method: 'POST' }],
      ['/%E0%A4%A', {}],
    ];
    const expected = {
      'content-security-policy': contentSecurityPolicy(apiUrlOfServer),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    };
    const answers = await Promise.all(
      requests.map(async ([urlPath, init]) => {
        const response = await fetch(`${server.url}${urlPath}`, init);
        await response.arrayBuffer();
        const headers = Object.fromEntries(
          Object.keys(expected).map((name) => [name, response.headers.get(name)]),
        );
        return { request: `${init.method ?? 'GET'} ${urlPath}`, status: response.status, headers };
      }),
    );
    expect(answers.map(({ request, headers }) => ({ request, headers }))).toEqual(
      requests.map(([urlPath, init]) => ({
        request: `${init.method ?? 'GET'} ${urlPath}`,
        headers: expected,
      })),
    );
    expect(answers.map(({ status }) => status)).toEqual([200, 200, 200, 200, 200, 405, 500]);
    expect(expected['content-security-policy']).toContain("connect-src 'self' http://127.0.0.1:18080;");
  });
});
