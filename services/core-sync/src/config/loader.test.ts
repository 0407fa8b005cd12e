import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../errors/index.js';
import { loadConfig, type ConfigProblem, type LoadConfigOptions, type ServiceConfig } from './index.js';

const minimalYaml = `
databases:
  local: { host: localhost, user: sync_user, password: local-secret, database: app_local }
  cloud: { host: db.example.com, user: sync_user, database: app_cloud }
sync:
  tables:
    - name: users
      primary_key: id
`;

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'config-loader-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function writeConfig(text: string, fileName = 'config.yaml'): string {
  const filePath = join(directory, fileName);
  writeFileSync(filePath, text);
  return filePath;
}

/** The SyncError `loadConfig` throws. */
function loadError(options: LoadConfigOptions): SyncError {
  try {
    loadConfig({ workingDirectory: directory, ...options });
  } catch (error) {
    if (error instanceof SyncError) return error;
    throw error;
  }
  throw new Error('loadConfig succeeded');
}

function problemsOf(error: SyncError): ConfigProblem[] {
  expect(error.code).toBe('CONFIG_INVALID');
  return error.details?.problems as ConfigProblem[];
}

describe('loadConfig', () => {
  it('reads the file named by configPath, then CONFIG_PATH, then ./config.yaml', () => {
    const explicitPath = writeConfig(minimalYaml.replace('app_local', 'from_option'), 'option.yaml');
    const environmentPath = writeConfig(
      minimalYaml.replace('app_local', 'from_environment'),
      'environment.yaml',
    );
    writeConfig(minimalYaml.replace('app_local', 'from_default'));
    const load = (options: LoadConfigOptions) =>
      loadConfig({ workingDirectory: directory, ...options }).databases.local.database;
    expect(load({ configPath: explicitPath, environment: { CONFIG_PATH: environmentPath } })).toBe(
      'from_option',
    );
    expect(load({ environment: { CONFIG_PATH: environmentPath } })).toBe('from_environment');
    expect(load({ environment: { CONFIG_PATH: 'environment.yaml' } })).toBe('from_environment');
    expect(load({ environment: {} })).toBe('from_default');
  });

  it('reports a missing file as CONFIG_NOT_FOUND naming the path', () => {
    const missingPath = join(directory, 'nowhere.yaml');
    const error = loadError({ configPath: missingPath, environment: {} });
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.message).toContain(missingPath);
    expect(error.details).toEqual({ path: missingPath });
    expect(loadError({ environment: {} }).message).toContain(join(directory, 'config.yaml'));
  });

  it('runs from environment variables alone when no path is given and ./config.yaml is missing', () => {
    const environment = {
      MYSQL_SYNC_DATABASES__LOCAL__HOST: 'localhost',
      MYSQL_SYNC_DATABASES__LOCAL__USER: 'sync_user',
      MYSQL_SYNC_DATABASES__LOCAL__DATABASE: 'app_local',
      MYSQL_SYNC_DATABASES__CLOUD: '{ host: db.example.com, user: sync_user, database: app_cloud }',
      MYSQL_SYNC_SYNC__TABLES: '[{ name: users, primary_key: id }]',
    };
    const config = loadConfig({ workingDirectory: directory, environment });
    expect(config.databases.cloud.host).toBe('db.example.com');
    expect(config.sync.tables.map((table) => table.name)).toEqual(['users']);

    const incomplete = loadError({ environment: { MYSQL_SYNC_DATABASES__LOCAL__HOST: 'localhost' } });
    expect(incomplete.message.split('\n')[0]).toContain('no file at');
    expect(problemsOf(incomplete).map((problem) => problem.path)).toEqual([
      'databases.cloud',
      'databases.local.database',
      'databases.local.user',
      'sync',
    ]);
    // An explicit path must exist, whatever the environment holds.
    expect(loadError({ configPath: 'missing.yaml', environment }).code).toBe('CONFIG_NOT_FOUND');
  });

  it('applies environment overrides: nested keys, list entries, numbers, booleans and lists', () => {
    const configPath = writeConfig(minimalYaml);
    const config = loadConfig({
      configPath,
      environment: {
        MYSQL_SYNC_DATABASES__LOCAL__PASSWORD: '0123',
        MYSQL_SYNC_DATABASES__CLOUD__PORT: '3307',
        MYSQL_SYNC_SERVER__AUTH_TOKEN: '#not-a-yaml-comment-token',
        MYSQL_SYNC_SYNC__WORKERS: '16',
        MYSQL_SYNC_SYNC__REALTIME: 'false',
        MYSQL_SYNC_SYNC__TABLES__0__BATCH_SIZE: '250',
        MYSQL_SYNC_SYNC__TABLES__1__NAME: 'orders',
        MYSQL_SYNC_SYNC__TABLES__1__PRIMARY_KEY: '[tenant_id, order_id]',
        MYSQL_SYNC_SERVER__CORS_ORIGINS: '[http://localhost:3000, https://ui.example.com]',
        MYSQL_SYNC_SCHEDULER__INTERVAL: '*/5 * * * *',
        MYSQL_SYNC_LOGGING__LEVEL: 'debug',
        MYSQL_SYNC_SERVER__PORT: '',
        MYSQL_SYNC_TEST_LOCAL_URL: 'mysql://not-configuration',
        OTHER_VARIABLE: 'ignored',
      },
    });
    expect(config.databases.local.password).toBe('0123');
    expect(config.databases.local.replicationPassword).toBe('0123');
    expect(config.databases.cloud.port).toBe(3307);
    expect(config.server.authToken).toBe('#not-a-yaml-comment-token');
    expect(config.sync.workers).toBe(16);
    expect(config.sync.realtime).toBe(false);
    expect(config.sync.tables).toEqual([
      {
        name: 'users',
        primaryKey: ['id'],
        conflictResolution: 'source_priority',
        prefer: 'local',
        tieBreaker: 'cloud',
        batchSize: 250,
      },
      {
        name: 'orders',
        primaryKey: ['tenant_id', 'order_id'],
        conflictResolution: 'source_priority',
        prefer: 'local',
        tieBreaker: 'cloud',
        batchSize: 1000,
      },
    ]);
    expect(config.server.corsOrigins).toEqual(['http://localhost:3000', 'https://ui.example.com']);
    expect(config.scheduler.interval).toBe('*/5 * * * *');
    expect(config.logging.level).toBe('debug');
    expect(config.server.port).toBe(8080);
  });

  it('sets TLS and trust_proxy from the environment, file paths verbatim', () => {
    const configPath = writeConfig(minimalYaml);
    const config = loadConfig({
      configPath,
      environment: {
        MYSQL_SYNC_DATABASES__LOCAL__TLS__MODE: 'verify_identity',
        MYSQL_SYNC_DATABASES__LOCAL__TLS__CA_FILE: '/etc/tls/0123',
        MYSQL_SYNC_DATABASES__LOCAL__TLS__CERT_FILE: 'null',
        MYSQL_SYNC_DATABASES__LOCAL__TLS__KEY_FILE: 'yes',
        MYSQL_SYNC_DATABASES__CLOUD__TLS: '{ mode: disabled }',
        MYSQL_SYNC_SERVER__TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      },
    });
    expect(config.databases.local.tls).toEqual({
      mode: 'verify_identity',
      caFile: '/etc/tls/0123',
      certFile: 'null',
      keyFile: 'yes',
    });
    expect(config.databases.cloud.tls).toEqual({ mode: 'disabled' });
    expect(config.server.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    const hops = loadConfig({ configPath, environment: { MYSQL_SYNC_SERVER__TRUST_PROXY: '2' } });
    expect(hops.server.trustProxy).toBe(2);
    const entry = loadConfig({ configPath, environment: { MYSQL_SYNC_SERVER__TRUST_PROXY__0: '::1' } });
    expect(entry.server.trustProxy).toEqual(['::1']);
    const error = loadError({
      configPath,
      environment: {
        MYSQL_SYNC_DATABASES__LOCAL__TLS__MODE: 'verify',
        MYSQL_SYNC_SERVER__TRUST_PROXY: 'yes',
      },
    });
    expect(problemsOf(error).map((problem) => problem.path)).toEqual([
      'databases.local.tls.mode',
      'server.trust_proxy',
    ]);
  });

  it('reports bad overrides together with the file problems, naming the variable', () => {
    const configPath = writeConfig(
      minimalYaml.replace('primary_key: id', 'primary_key: id\n      batch_size: -1'),
    );
    const error = loadError({
      configPath,
      environment: {
        MYSQL_SYNC_SYNC__WORKERS: '100',
        MYSQL_SYNC_SYNC__TABLES__3__NAME: 'gap',
        MYSQL_SYNC_DATABASES__LOCAL__HOST__NAME: 'deeper',
        MYSQL_SYNC_SYNC__WROKERS: '2',
        MYSQL_SYNC_SERVER____PORT: '1',
        MYSQL_SYNC_SERVER__READ_TIMEOUT: '[unclosed',
      },
    });
    expect(problemsOf(error)).toEqual([
      {
        path: 'MYSQL_SYNC_SERVER____PORT',
        message: 'has an empty key path segment (check the "__" separators)',
      },
      {
        path: 'MYSQL_SYNC_SERVER__READ_TIMEOUT',
        message: expect.stringMatching(/^is not a valid YAML value: /) as unknown,
      },
      {
        path: 'MYSQL_SYNC_DATABASES__LOCAL__HOST__NAME',
        message: 'databases.local.host holds a single value, so it has no "name"',
      },
      {
        path: 'MYSQL_SYNC_SYNC__TABLES__3__NAME',
        message: 'index 3 leaves a gap: sync.tables has 1 entries (indexes start at 0)',
      },
      { path: 'sync.tables[0].batch_size', message: 'must be a positive integer' },
      { path: 'sync.workers', message: 'must be at most 64 (set by MYSQL_SYNC_SYNC__WORKERS)' },
      {
        path: 'sync.wrokers',
        message: 'unknown key (did you mean "workers"?) (set by MYSQL_SYNC_SYNC__WROKERS)',
      },
    ]);
    expect(error.message.split('\n')[0]).toBe(
      `invalid configuration in ${configPath} with 2 MYSQL_SYNC_* overrides (7 problems):`,
    );
  });

  it('names server.write_timeout as removed, in the file or from the environment, not as an unknown key', () => {
    const removed = 'was removed (it was never applied: no request was ever cut off by it); delete it';
    const configPath = writeConfig(`${minimalYaml}server:\n  write_timeout: 30s\n`);
    const fromFile = loadError({ configPath, environment: {} });
    expect(problemsOf(fromFile)).toEqual([{ path: 'server.write_timeout', message: removed }]);
    expect(fromFile.message).toContain(`server.write_timeout: ${removed}`);
    const fromEnvironment = loadError({
      configPath: writeConfig(minimalYaml, 'plain.yaml'),
      environment: { MYSQL_SYNC_SERVER__WRITE_TIMEOUT: '30s' },
    });
    expect(problemsOf(fromEnvironment)).toEqual([
      { path: 'server.write_timeout', message: `${removed} (set by MYSQL_SYNC_SERVER__WRITE_TIMEOUT)` },
    ]);
  });

  it('reports YAML syntax errors with their line as CONFIG_INVALID, without quoting the file', () => {
    const configPath = writeConfig('databases:\n  local:\n    password: "hunter2\n  cloud: [\n');
    const error = loadError({ configPath, environment: {} });
    const problems = problemsOf(error);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.path).toMatch(/^line \d+, column \d+$/);
    expect(error.message).not.toContain('hunter2');

    const duplicate = loadError({
      configPath: writeConfig('logging: {}\nlogging: {}\n', 'dup.yaml'),
      environment: {},
    });
    expect(problemsOf(duplicate)).toEqual([{ path: 'line 2, column 1', message: 'Map keys must be unique' }]);
  });

  it('treats an empty file as an empty document and supports YAML merge keys', () => {
    const empty = loadError({ configPath: writeConfig('', 'empty.yaml'), environment: {} });
    expect(problemsOf(empty).map((problem) => problem.path)).toEqual(['databases', 'sync']);
    const merged = loadConfig({
      configPath: writeConfig(
        `databases:
  local: &shared { host: localhost, user: sync_user, database: app_local, password: shared-secret }
  cloud: { <<: *shared, host: db.example.com }
sync: { tables: [{ name: users, primary_key: id }] }
`,
        'merge.yaml',
      ),
      environment: {},
    });
    expect(merged.databases.cloud).toMatchObject({ host: 'db.example.com', password: 'shared-secret' });
  });

  it('returns a deeply frozen configuration', () => {
    const config = loadConfig({ configPath: writeConfig(minimalYaml), environment: {} });
    const frozenParts: unknown[] = [
      config,
      config.databases,
      config.databases.local,
      config.stateStorage,
      config.sync,
      config.sync.tables,
      config.sync.tables[0],
      config.sync.tables[0]?.primaryKey,
      config.server.corsOrigins,
      config.server.readOnlyTokens,
      config.logging,
    ];
    for (const part of frozenParts) expect(Object.isFrozen(part)).toBe(true);
    const mutable = config as { -readonly [Key in keyof ServiceConfig]: unknown };
    expect(() => {
      mutable.logging = {};
    }).toThrow(TypeError);
  });
});
