import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfigDocument } from '../../services/core-sync/src/config/index.js';
import {
  commandIsInstalled,
  field,
  isRecord,
  listField,
  parseYamlDocument,
  readRepositoryFile,
  recordField,
  repositoryFileExists,
  repositoryPath,
  runCommand,
  stringField,
  type CommandResult,
} from './support/repository.js';

const composeFile = 'deployments/docker-compose.yml';
const developmentFile = 'deployments/docker-compose.dev.yml';
const exampleEnvironmentFile = 'deployments/.env.example';

const dockerComposeInstalled = commandIsInstalled('docker-compose', ['version']);

/** The example environment's variables in order, each with its value as shipped. */
function exampleVariables(): [string, string][] {
  return readRepositoryFile(exampleEnvironmentFile)
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
}

const secretNamePattern = /_(PASSWORD|TOKEN)$/;

const environmentDirectory = mkdtempSync(path.join(tmpdir(), 'mysql-sync-compose-env-'));
afterAll(() => {
  rmSync(environmentDirectory, { recursive: true, force: true });
});

/**
 * An env file made from .env.example as its comments say: every empty value filled with `openssl rand -hex 24`'s
 * kind of value, each its own; `leaveEmpty` stays as shipped.
 */
function generatedEnvironmentFile(leaveEmpty: string | undefined = undefined): string {
  const lines = exampleVariables().map(([name, value]) =>
    value === '' && name !== leaveEmpty ? `${name}=${randomBytes(24).toString('hex')}` : `${name}=${value}`,
  );
  const file = path.join(environmentDirectory, `env-${leaveEmpty ?? 'complete'}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** docker-compose over `files`, with nothing of the stack's variables inherited from this process. */
function runDockerCompose(
  environmentFile: string,
  files: readonly string[],
  command: string[],
): CommandResult {
  const environment = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !exampleVariables().some(([variable]) => variable === name),
    ),
  );
  return runCommand(
    'docker-compose',
    ['--env-file', environmentFile, ...files.flatMap((file) => ['-f', repositoryPath(file)]), ...command],
    { environment },
  );
}

/** `docker-compose config` over the given files with generated secrets; the resolved document. */
function composeConfig(files: readonly string[]): unknown {
  const result = runDockerCompose(generatedEnvironmentFile(), files, ['config']);
  if (result.exitCode !== 0) {
    throw new Error(`docker-compose config failed for ${files.join(' + ')}:\n${result.stderr}`);
  }
  return parseYamlDocument(result.stdout, `docker-compose config of ${files.join(' + ')}`);
}

function service(config: unknown, name: string): Record<string, unknown> {
  const found = field(recordField(config, 'services'), name);
  if (!isRecord(found)) throw new Error(`no service ${name} in the Compose configuration`);
  return found;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

let resolvedStack: unknown;

/** The resolved stack, read once (the describe block below runs only where docker-compose is installed). */
function stack(): unknown {
  resolvedStack ??= composeConfig([composeFile]);
  return resolvedStack;
}

describe.runIf(dockerComposeInstalled)('Compose files', () => {
  it('docker-compose accepts the stack and its development override', () => {
    const quiet = runDockerCompose(
      generatedEnvironmentFile(),
      [composeFile, developmentFile],
      ['config', '-q'],
    );
    expect(quiet.stderr).toBe('');
    expect(quiet.exitCode).toBe(0);
    const development = composeConfig([composeFile, developmentFile]);
    expect(stringList(service(development, 'core-sync').command).join(' ')).toContain('watch');
    expect(listField(service(development, 'local-db'), 'ports')).not.toEqual([]);
  });

  it('refuses to start until every secret of .env.example, shipped empty, is set', () => {
    const secrets = exampleVariables().filter(([name]) => secretNamePattern.test(name));
    expect(secrets.length).toBeGreaterThanOrEqual(7);
    // Nothing shipped is usable: every password and token is empty in the example.
    expect(secrets.filter(([, value]) => value !== '')).toEqual([]);
    // Each one left empty alone: docker-compose stops, naming it.
    const accepted = secrets
      .map(([name]) => ({
        name,
        result: runDockerCompose(generatedEnvironmentFile(name), [composeFile], ['config', '-q']),
      }))
      .filter(({ name, result }) => result.exitCode === 0 || !result.stderr.includes(`set ${name} in`))
      .map(({ name, result }) => `${name}: exit ${result.exitCode} ${result.stderr}`);
    expect(accepted).toEqual([]);
  });

  it("core-sync's mounted config file and environment make a configuration core-sync accepts", () => {
    const coreSync = service(stack(), 'core-sync');
    const environment = Object.fromEntries(
      Object.entries(recordField(coreSync, 'environment')).map(([name, value]) => [name, String(value)]),
    );
    const configPath = environment.CONFIG_PATH;
    const mount = stringList(coreSync.volumes).find((volume) => volume.split(':')[1] === configPath);
    expect(mount, `CONFIG_PATH ${configPath} is not a mounted file`).toBeDefined();
    const hostPath = (mount ?? '').split(':')[0] ?? '';
    const relativePath = hostPath.slice(repositoryPath('').length);
    const document = parseYamlDocument(readRepositoryFile(relativePath), relativePath);
    const config = validateConfigDocument(document, relativePath, environment);
    expect(config.server.authToken).toBeDefined();
    expect(config.stateStorage.type).toBe('mysql');
    // The hosts are the Compose services, on their own ports.
    expect(Object.keys(recordField(stack(), 'services'))).toEqual(
      expect.arrayContaining([config.databases.local.host, config.databases.cloud.host]),
    );
    if (config.stateStorage.type === 'mysql') {
      expect(Object.keys(recordField(stack(), 'services'))).toContain(config.stateStorage.host);
    }
  });

  it('every bind-mounted file exists (Docker would mount an empty directory in its place)', () => {
    const missing = Object.entries(recordField(stack(), 'services')).flatMap(([name, definition]) =>
      stringList(field(definition, 'volumes'))
        .map((volume) => volume.split(':')[0] ?? '')
        .filter((source) => source.startsWith('/'))
        .filter((source) => !repositoryFileExists(source.slice(repositoryPath('').length)))
        .map((source) => `${name}: ${source}`),
    );
    expect(missing).toEqual([]);
  });

  it('the source databases log full row images with full metadata, under distinct server ids', () => {
    const serverIds = ['local-db', 'cloud-db'].map((name) => {
      const flags = stringList(service(stack(), name).command);
      expect(flags).toEqual(
        expect.arrayContaining([
          '--binlog-format=ROW',
          '--binlog-row-image=FULL',
          '--binlog-row-metadata=FULL',
          expect.stringMatching(/^--log-bin=/),
          expect.stringMatching(/^--binlog-expire-logs-seconds=\d+$/),
        ]),
      );
      return flags.find((flag) => flag.startsWith('--server-id='));
    });
    expect(serverIds.every((serverId) => serverId !== undefined)).toBe(true);
    expect(new Set(serverIds).size).toBe(serverIds.length);
  });

  it('databases have health checks, core-sync waits for them, and data lives in named volumes', () => {
    for (const name of ['state-db', 'local-db', 'cloud-db']) {
      expect(isRecord(field(service(stack(), name), 'healthcheck')), `${name} has no healthcheck`).toBe(true);
      expect(field(recordField(service(stack(), 'core-sync'), 'depends_on'), name)).toEqual({
        condition: 'service_healthy',
      });
      const dataVolume = stringList(service(stack(), name).volumes).find((volume) =>
        volume.includes(':/var/lib/mysql'),
      );
      expect(Object.keys(recordField(stack(), 'volumes'))).toContain(dataVolume?.split(':')[0]);
    }
  });

  it('the containers of mysql-sync run read-only without capabilities', () => {
    for (const name of ['core-sync', 'web-ui']) {
      const definition = service(stack(), name);
      expect(field(definition, 'read_only'), `${name} read_only`).toBe(true);
      expect(stringList(definition.cap_drop), `${name} cap_drop`).toContain('ALL');
      expect(stringField(recordField(definition, 'build'), 'dockerfile')).toMatch(
        /^services\/.+\/Dockerfile$/,
      );
    }
  });
});

describe('Compose tooling', () => {
  it('docker-compose is installed (CI installs it in .ci/run)', (context) => {
    if (dockerComposeInstalled) return;
    // Outside CI, say so and skip; CI must have it, or the Compose checks above would silently not run.
    if (process.env.CI === undefined) {
      context.skip(
        'docker-compose is not installed, so the Compose files were not checked: apt-get install docker-compose',
      );
    }
    expect.fail('docker-compose is not installed on CI: .ci/run should have installed it');
  });
});
