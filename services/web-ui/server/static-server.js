/**
 * The dashboard's small static server for local runs (`npm start`): serves the built files of `dist/` and a
 * `config.js` made at start from the environment, so that one build runs against any core-sync:
 *
 *   MYSQL_SYNC_API_URL   core-sync's base URL as the browser reaches it (default http://localhost:8080)
 *   PORT                 the port to listen on (default 3000)
 *   HOST                 the address to listen on (default 0.0.0.0)
 *
 * Plain JavaScript (checked by TypeScript through JSDoc) so that it runs on Node without a build step.
 * The container image serves the same files with nginx.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const defaultApiUrl = 'http://localhost:8080';

/** @type {Readonly<Record<string, string>>} */
const contentTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Headers on every answer: no framing, no sniffing, no referrer leaking the dashboard's address. */
const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * The origin of an API URL as written (`https://sync.example.com:8443` of `https://sync.example.com:8443/base`):
 * the text up to the path, query or fragment. docker/40-mysql-sync-runtime-config.sh cuts it the same way.
 * @param {string} apiUrl
 * @returns {string}
 */
export function apiOrigin(apiUrl) {
  return /^[^:/?#]*:\/\/[^/?#]*/.exec(apiUrl)?.[0] ?? '';
}

/**
 * What an API origin may be: http(s), a host name or an IPv4/[IPv6] address, an optional port. Nothing else gets
 * into the Content-Security-Policy (a `;` or a space there would add directives of its own).
 */
const apiOriginPattern = /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$/;

/**
 * The dashboard's Content-Security-Policy: its own scripts, styles and images only (the build has no inline
 * script or style; the favicon is a `data:` URL), connections to itself and to core-sync's API (which may be
 * another origin), no plugins, no `<base>`, forms only to itself, and no framing by anyone. nginx.conf sends the
 * same text, which the start script writes from MYSQL_SYNC_API_URL.
 * @param {string} apiUrl
 * @returns {string}
 */
export function contentSecurityPolicy(apiUrl) {
  return [
    "default-src 'self'",
    `connect-src 'self' ${apiOrigin(apiUrl)}`,
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The runtime configuration script the page loads before the app.
 * @param {string} apiUrl
 * @returns {string}
 */
export function runtimeConfigScript(apiUrl) {
  const config = { apiUrl: apiUrl.replace(/\/+$/, '') };
  return `window.__MYSQL_SYNC_CONFIG__ = ${JSON.stringify(config)};\n`;
}

/**
 * Checks the API URL at start: a typo should stop the server with a clear message, not break every page.
 * @param {string} apiUrl
 * @returns {string}
 */
export function validateApiUrl(apiUrl) {
  let parsed;
  try {
    parsed = new URL(apiUrl);
  } catch (error) {
    throw new Error(`MYSQL_SYNC_API_URL must be an absolute http(s) URL, got ${JSON.stringify(apiUrl)}`, {
      cause: error,
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`MYSQL_SYNC_API_URL must be an http or https URL, got ${JSON.stringify(apiUrl)}`);
  }
  if (!apiOriginPattern.test(apiOrigin(apiUrl))) {
    throw new Error(
      `MYSQL_SYNC_API_URL must start with http:// or https://, a host name or address and an optional port (no user name), got ${JSON.stringify(apiUrl)}`,
    );
  }
  return apiUrl;
}

/**
 * @param {string} root
 * @param {string} urlPath
 * @returns {Promise<string | undefined>} the file to send, or undefined when there is none
 */
async function resolveFile(root, urlPath) {
  const relative = path.normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const candidate = path.join(root, relative);
  if (candidate !== root && !candidate.startsWith(root + path.sep)) return undefined;
  try {
    const info = await stat(candidate);
    if (info.isFile()) return candidate;
    if (info.isDirectory()) return resolveFile(root, path.join(relative, 'index.html'));
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return undefined;
    throw error;
  }
  return undefined;
}

/**
 * @typedef {object} StaticServerOptions
 * @property {string} distDirectory the built files
 * @property {string} apiUrl core-sync's base URL as the browser reaches it
 * @property {number} port 0 for a free port
 * @property {string} [host]
 * @property {(line: string) => void} [log]
 */

/**
 * Starts the server; resolves once it listens.
 * @param {StaticServerOptions} options
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startStaticServer(options) {
  const root = path.resolve(options.distDirectory);
  const configScript = runtimeConfigScript(validateApiUrl(options.apiUrl));
  const headers = { ...securityHeaders, 'content-security-policy': contentSecurityPolicy(options.apiUrl) };
  const log = options.log ?? (() => undefined);
  await stat(path.join(root, 'index.html')).catch((/** @type {unknown} */ error) => {
    throw new Error(`no built dashboard in ${root}: run \`npm run build\` first`, { cause: error });
  });

  const server = createServer((request, response) => {
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', ...headers }).end();
      return;
    }
    const urlPath = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (urlPath === '/config.js') {
      response.writeHead(200, {
        'content-type': contentTypes['.js'],
        'cache-control': 'no-store',
        ...headers,
      });
      response.end(method === 'HEAD' ? undefined : configScript);
      return;
    }
    resolveFile(root, urlPath)
      // A path that is not a file is a page of the single-page app: it gets index.html.
      .then((file) => file ?? path.join(root, 'index.html'))
      .then((file) => {
        const extension = path.extname(file);
        // Hashed assets never change; index.html must be revalidated to pick up a new build.
        const immutable = file.includes(`${path.sep}assets${path.sep}`);
        response.writeHead(200, {
          'content-type': contentTypes[extension] ?? 'application/octet-stream',
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
          ...headers,
        });
        if (method === 'HEAD') {
          response.end();
          return;
        }
        createReadStream(file)
          .on('error', (error) => {
            log(`web-ui: reading ${file} failed: ${error.message}`);
            response.destroy(error);
          })
          .pipe(response);
      })
      .catch((/** @type {unknown} */ error) => {
        log(`web-ui: ${method} ${urlPath} failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!response.headersSent) response.writeHead(500, headers);
        response.end();
      });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve(undefined));
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    port,
    url: `http://${options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

async function main() {
  const distDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
  const apiUrl = process.env.MYSQL_SYNC_API_URL ?? defaultApiUrl;
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '0.0.0.0';
  const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
  const server = await startStaticServer({ distDirectory, apiUrl, port, host, log });
  log(`web-ui: serving ${distDirectory} on http://${host}:${server.port} (API ${apiUrl})`);
  for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT'])) {
    process.once(signal, () => {
      server.close().then(
        () => process.exit(0),
        (/** @type {unknown} */ error) => {
          log(`web-ui: closing failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((/** @type {unknown} */ error) => {
    process.stderr.write(`web-ui: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
