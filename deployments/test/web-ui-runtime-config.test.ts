import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runtimeConfigScript } from '../../services/web-ui/server/static-server.js';
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
): { exitCode: number | null; configJs: string | undefined; stderr: string } {
  const configDirectory = path.join(workDirectory, name);
  const environment: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    MYSQL_SYNC_UI_CONFIG_DIRECTORY: configDirectory,
  };
  if (apiUrl !== undefined) environment.MYSQL_SYNC_API_URL = apiUrl;
  const result = runCommand('sh', [startScript], { environment });
  let configJs: string | undefined;
  try {
    configJs = readFileSync(path.join(configDirectory, 'config.js'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { exitCode: result.exitCode, configJs, stderr: result.stderr };
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
  ])('refuses %s with a message and writes nothing', (apiUrl) => {
    const result = runStartScript(apiUrl, `refused-${Buffer.from(apiUrl).toString('hex')}`);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('MYSQL_SYNC_API_URL');
    expect(result.configJs).toBeUndefined();
  });
});
