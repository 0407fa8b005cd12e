/**
 * The web-ui image's nginx.conf, run by a real nginx (Debian's, which CI installs) the way the image runs it:
 * the start script writes config.js and the Content-Security-Policy include, then nginx serves a small build.
 * Every answer must carry the same security headers as server/static-server.js's, which nginx drops silently
 * when a location adds a header of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../services/web-ui/server/static-server.js';
import { commandIsInstalled, readRepositoryFile, repositoryPath, runCommand } from './support/repository.js';

const nginxInstalled = commandIsInstalled('nginx', ['-v']);
const apiUrl = 'https://sync-api.example.com:8443/base';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('the probe socket has no port')),
      );
    });
  });
}

async function waitForPort(url: string, nginx: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}:\n${output()}`);
    try {
      await fetch(`${url}/healthz`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`nginx did not answer on ${url}:\n${output()}`);
}

describe.runIf(nginxInstalled)('web-ui nginx.conf, served by nginx', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'mysql-sync-ui-nginx-'));
  let nginx: ChildProcess | undefined;
  let output = '';
  let url = '';

  beforeAll(async () => {
    // Readable by nginx's workers, which drop root's privileges when the test runs as root.
    chmodSync(directory, 0o755);
    const html = path.join(directory, 'html');
    const configDirectory = path.join(directory, 'config');
    mkdirSync(path.join(html, 'assets'), { recursive: true });
    writeFileSync(path.join(html, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(path.join(html, 'assets', 'app.js'), 'export {};');
    const started = runCommand(
      'sh',
      [repositoryPath('services/web-ui/docker/40-mysql-sync-runtime-config.sh')],
      {
        environment: {
          PATH: process.env.PATH,
          MYSQL_SYNC_API_URL: apiUrl,
          MYSQL_SYNC_UI_CONFIG_DIRECTORY: configDirectory,
        },
      },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const port = await freePort();
    // The server block as the image has it, with its fixed paths and port moved into the test's directory.
    const serverBlock = readRepositoryFile('services/web-ui/docker/nginx.conf')
      .replaceAll('/tmp/mysql-sync-ui', configDirectory)
      .replaceAll('/usr/share/nginx/html', html)
      .replace(/listen\s+3000;/, `listen 127.0.0.1:${port};`);
    writeFileSync(path.join(directory, 'default.conf'), serverBlock);
    const temporary = (name: string) => `${name} ${path.join(directory, name)};`;
    writeFileSync(
      path.join(directory, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${path.join(directory, 'nginx.pid')};`,
        'error_log stderr warn;',
        'events {}',
        'http {',
        '  include /etc/nginx/mime.types;',
        '  default_type application/octet-stream;',
        '  access_log off;',
        `  ${['client_body_temp_path', 'proxy_temp_path', 'fastcgi_temp_path', 'uwsgi_temp_path', 'scgi_temp_path'].map(temporary).join('\n  ')}`,
        `  include ${path.join(directory, 'default.conf')};`,
        '}',
      ].join('\n'),
    );
    const configTest = runCommand('nginx', [
      '-t',
      '-q',
      '-e',
      'stderr',
      '-p',
      directory,
      '-c',
      path.join(directory, 'nginx.conf'),
    ]);
    expect(configTest.stderr).toBe('');
    expect(configTest.exitCode).toBe(0);
    nginx = spawn('nginx', ['-e', 'stderr', '-p', directory, '-c', path.join(directory, 'nginx.conf')]);
    nginx.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    url = `http://127.0.0.1:${port}`;
    await waitForPort(url, nginx, () => output);
  });

  afterAll(async () => {
    if (nginx !== undefined && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx?.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    rmSync(directory, { recursive: true, force: true });
  });

  it('sends the Content-Security-Policy and the other security headers on every answer', async () => {
    const requests: [string, string][] = [
      ['GET', '/'],
      ['GET', '/config.js'],
      ['GET', '/assets/app.js'],
      ['GET', '/assets/missing.js'],
      ['GET', '/conflicts/42'],
      ['GET', '/healthz'],
      ['POST', '/'],
    ];
    const expected = {
      'content-security-policy': contentSecurityPolicy(apiUrl),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    };
    const answers = await Promise.all(
      requests.map(async ([method, urlPath]) => {
        const response = await fetch(`${url}${urlPath}`, { method });
        await response.arrayBuffer();
        const headers = Object.fromEntries(
          Object.keys(expected).map((name) => [name, response.headers.get(name)]),
        );
        return { request: `${method} ${urlPath}`, status: response.status, headers };
      }),
    );
    expect(answers.map(({ request, headers }) => ({ request, headers }))).toEqual(
      requests.map(([method, urlPath]) => ({ request: `${method} ${urlPath}`, headers: expected })),
    );
    expect(answers.map(({ status }) => status)).toEqual([200, 200, 200, 404, 200, 200, 403]);
    expect(expected['content-security-policy']).toContain(
      "connect-src 'self' https://sync-api.example.com:8443;",
    );
    // config.js is the one the start script wrote, as the static server would serve it.
    const configJs = await (await fetch(`${url}/config.js`)).text();
    expect(configJs).toBe(readFileSync(path.join(directory, 'config', 'config.js'), 'utf8'));
  });
});

describe('web-ui nginx tooling', () => {
  it('nginx is installed (CI installs it in .ci/run)', (context) => {
    if (nginxInstalled) return;
    // Outside CI, say so and skip; CI must have it, or the nginx checks above would silently not run.
    if (process.env.CI === undefined) {
      context.skip('nginx is not installed, so nginx.conf was not run: apt-get install nginx-light');
    }
    expect.fail('nginx is not installed on CI: .ci/run should have installed it');
  });
});
