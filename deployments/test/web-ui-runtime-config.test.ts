import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  contentSecurityPolicy,
  runtimeConfigScript,
  validateApiUrl,
} from '../../services/web-ui/server/static-server.js';
import { repositoryPath, runCommand } from './support/repository.js';

// The web-ui image writes config.js with a shell script at start; `npm start` serves it from
// server/static-server.js. Both must produce the same file, or the image and local runs would drift apart.
const startScript = repositoryPath('services/web-ui/docker/40-mysql-sync-runtime-config.sh');
const workDirectory = mkdtempSync(path.join(tmpdir(), 'mysql-sync-ui-config-'));

afterAll(() => {
  rmSync(workDirectory, { recursive: true, force: true });
});

function runStartScript(
  apiUrl: string | undefined,
  name: string,
): {
  exitCode: number | null;
  configJs: string | undefined;
  policyInclude: string | undefined;
  stderr: string;
} {
  const configDirectory = path.join(workDirectory, name);
  const environment: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    MYSQL_SYNC_UI_CONFIG_DIRECTORY: configDirectory,
  };
  if (apiUrl !== undefined) environment.MYSQL_SYNC_API_URL = apiUrl;
  const result = runCommand('sh', [startScript], { environment });
  return {
    exitCode: result.exitCode,
    configJs: readIfWritten(path.join(configDirectory, 'config.js')),
    policyInclude: readIfWritten(path.join(configDirectory, 'content-security-policy.conf')),
    stderr: result.stderr,
  };
}

function readIfWritten(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return undefined;
  }
}

/** The nginx line the script must write: static-server.js's policy, sent on every answer. */
function policyIncludeFor(apiUrl: string): string {
  return `add_header Content-Security-Policy "${contentSecurityPolicy(apiUrl)}" always;\n`;
}

/** What the static server makes of an API URL: refused (at start), or config.js and the policy. */
function staticServerOutcome(apiUrl: string): { configJs: string; policyInclude: string } | 'refused' {
  try {
    validateApiUrl(apiUrl);
  } catch {
    return 'refused';
  }
  return { configJs: runtimeConfigScript(apiUrl), policyInclude: policyIncludeFor(apiUrl) };
}

describe('web-ui image start script', () => {
  it.each([
    ['http://localhost:8080', 'http://localhost:8080'],
    ['https://sync.example.com/', 'https://sync.example.com'],
    ['https://sync.example.com/base//', 'https://sync.example.com/base'],
    ['http://10.0.0.7:8080/api-proxy?x=1&y=%20', 'http://10.0.0.7:8080/api-proxy?x=1&y=%20'],
  ])('writes what the static server serves for %s', (apiUrl, expectedApiUrl) => {
    const result = runStartScript(apiUrl, `case-${expectedApiUrl.length}-${apiUrl.length}`);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.configJs).toBe(runtimeConfigScript(apiUrl));
    expect(result.configJs).toContain(JSON.stringify(expectedApiUrl));
    expect(result.policyInclude).toBe(policyIncludeFor(apiUrl));
  });

  it('writes the Content-Security-Policy the static server sends, or refuses the URL as it does', () => {
    const host = fc.oneof(
      fc.domain(),
      fc.ipV4(),
      fc.ipV6().map((address) => `[${address}]`),
      fc.constantFrom('a;b', 'x y', 'user@host', 'h,i', '*', 'LOCALHOST'),
    );
    const apiUrl = fc
      .tuple(
        fc.constantFrom('http://', 'https://'),
        host,
        fc.constantFrom('', ':8080', ':443', ':1x'),
        fc.constantFrom('', '/', '/base//', '/p?q=1;2', '/#f'),
      )
      .map((parts) => parts.join(''));
    let run = 0;
    fc.assert(
      fc.property(apiUrl, (url) => {
        run += 1;
        const result = runStartScript(url, `property-${run}`);
        const script =
          result.exitCode === 0 && result.configJs !== undefined && result.policyInclude !== undefined
            ? { configJs: result.configJs, policyInclude: result.policyInclude }
            : 'refused';
        expect({ url, script }).toEqual({ url, script: staticServerOutcome(url) });
      }),
      { numRuns: 60 },
    );
  });

  it('defaults to http://localhost:8080 like the static server', () => {
    const result = runStartScript(undefined, 'default');
    expect(result.configJs).toBe(runtimeConfigScript('http://localhost:8080'));
  });

  it.each([
    'localhost:8080',
    'ftp://files.example.com',
    'http://',
    'http://a b',
    'http://quote"d',
    'http://back\\slash',
    'http://user:secret@sync.example.com',
    'http://sync.example.com;script-src',
  ])('refuses %s with a message and writes nothing', (apiUrl) => {
    const result = runStartScript(apiUrl, `refused-${Buffer.from(apiUrl).toString('hex')}`);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('MYSQL_SYNC_API_URL');
    expect(result.configJs).toBeUndefined();
    expect(result.policyInclude).toBeUndefined();
  });
});
