import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SyncError } from '../errors/index.js';
import { parseConfig, type ConfigProblem, type ServiceConfig } from './index.js';

/** The smallest valid document; tests spread their changes over it. */
function minimalDocument(): Record<string, unknown> {
  return {
    databases: {
      local: { host: 'localhost', user: 'sync_user', database: 'app_local' },
      cloud: { host: 'db.example.com', user: 'sync_user', database: 'app_cloud' },
    },
    sync: { tables: [{ name: 'users', primary_key: 'id' }] },
  };
}

function withSync(sync: Record<string, unknown>): Record<string, unknown> {
  return { ...minimalDocument(), sync };
}

/** The problems of the single CONFIG_INVALID error `parseConfig` throws for `document`. */
function problemsOf(document: unknown): ConfigProblem[] {
  let thrown: unknown;
  try {
    parseConfig(document, 'test.yaml');
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(SyncError);
  const error = thrown as SyncError;
  expect(error.code).toBe('CONFIG_INVALID');
  const problems = error.details?.problems as ConfigProblem[];
  const lines = error.message.split('\n');
  expect(lines[0]).toBe(
    `invalid configuration in test.yaml (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
  );
  expect(lines.slice(1)).toEqual(problems.map((problem) => `${problem.path}: ${problem.message}`));
  return problems;
}

function problemPaths(document: unknown): string[] {
  return problemsOf(document).map((problem) => problem.path);
}

const fullYaml = `
databases:
  local:
    host: localhost
    port: 3307
    user: sync_user
    password: local-secret
    database: myapp_local
    replication_user: repl_user
    replication_password: repl-secret
    server_id: 4001
    connection_limit: 20
    query_timeout: 15s
  cloud:
    host: db.example.com
    user: sync_user
    password: cloud-secret
    database: myapp_cloud
state_storage:
  type: mysql
  host: state-db
  user: state_user
  password: state-secret
  database: sync_state
sync:
  mode: bidirectional
  tables:
    - name: users
      conflict_resolution: last_write_wins
      batch_size: 5000
      primary_key: id
      timestamp_column: updated_at
      tie_breaker: local
    - name: orders
      conflict_resolution: manual
      primary_key: "tenant_id, order_id"
    - name: settings
      primary_key: [scope, key]
      prefer: cloud
  workers: 4
  realtime: false
  batch_insert_size: 2000
  queue_capacity: 500
  create_missing_tables: false
  snapshot_concurrency: 2
  snapshot_writers: 3
  snapshot_chunk_size: 250
  heartbeat_interval: 2s
  reconnect_initial_delay: 100
  reconnect_max_delay: 1m
  shutdown_timeout: 45s
scheduler:
  enabled: true
  interval: "0 */5 * * * *"
  fallback_after: 1h
server:
  port: 9090
  host: 127.0.0.1
  auth_token: "0123456789abcdef-admin"
  read_only_tokens: ["0123456789abcdef-viewer"]
  read_timeout: 10s
  write_timeout: 20s
  cors_origins: ["http://localhost:3000", "https://sync-ui.example.com"]
logging:
  level: debug
  format: pretty
`;

describe('parseConfig', () => {
  it('turns a full document into the camelCase configuration', () => {
    const expected: ServiceConfig = {
      databases: {
        local: {
          host: 'localhost',
          port: 3307,
          user: 'sync_user',
          password: 'local-secret',
          database: 'myapp_local',
          replicationUser: 'repl_user',
          replicationPassword: 'repl-secret',
          serverId: 4001,
          connectionLimit: 20,
          queryTimeoutMs: 15_000,
        },
        cloud: {
          host: 'db.example.com',
          port: 3306,
          user: 'sync_user',
          password: 'cloud-secret',
          database: 'myapp_cloud',
          replicationUser: 'sync_user',
          replicationPassword: 'cloud-secret',
          connectionLimit: 10,
          queryTimeoutMs: 60_000,
        },
      },
      stateStorage: {
        type: 'mysql',
        host: 'state-db',
        port: 3306,
        user: 'state_user',
        password: 'state-secret',
        database: 'sync_state',
      },
      sync: {
        mode: 'bidirectional',
        tables: [
          {
            name: 'users',
            primaryKey: ['id'],
            conflictResolution: 'last_write_wins',
            timestampColumn: 'updated_at',
            tieBreaker: 'local',
            batchSize: 5000,
          },
          {
            name: 'orders',
            primaryKey: ['tenant_id', 'order_id'],
            conflictResolution: 'manual',
            tieBreaker: 'cloud',
            batchSize: 2000,
          },
          {
            name: 'settings',
            primaryKey: ['scope', 'key'],
            conflictResolution: 'source_priority',
            prefer: 'cloud',
            tieBreaker: 'cloud',
            batchSize: 2000,
          },
        ],
        workers: 4,
        realtime: false,
        batchInsertSize: 2000,
        queueCapacity: 500,
        createMissingTables: false,
        snapshotConcurrency: 2,
        snapshotWriters: 3,
        snapshotChunkSize: 250,
        heartbeatIntervalMs: 2_000,
        reconnectInitialDelayMs: 100,
        reconnectMaxDelayMs: 60_000,
        shutdownTimeoutMs: 45_000,
      },
      scheduler: {
        enabled: true,
        interval: '0 */5 * * * *',
        fallbackAfterMs: 3_600_000,
        resyncOnPurgedBinlog: false,
      },
      server: {
        port: 9090,
        host: '127.0.0.1',
        authToken: '0123456789abcdef-admin',
        readOnlyTokens: ['0123456789abcdef-viewer'],
        readTimeoutMs: 10_000,
        writeTimeoutMs: 20_000,
        corsOrigins: ['http://localhost:3000', 'https://sync-ui.example.com'],
      },
      logging: { level: 'debug', format: 'pretty' },
      highAvailability: {
        enabled: false,
        leaseName: 'mysql-sync',
        leaseTtlMs: 15_000,
        renewIntervalMs: 5_000,
      },
    };
    expect(parseConfig(parseYaml(fullYaml), 'full.yaml')).toEqual(expected);
  });

  it('fills in every default', () => {
    const config = parseConfig(minimalDocument(), 'minimal');
    expect(config.databases.local).toEqual({
      host: 'localhost',
      port: 3306,
      user: 'sync_user',
      password: '',
      database: 'app_local',
      replicationUser: 'sync_user',
      replicationPassword: '',
      connectionLimit: 10,
      queryTimeoutMs: 60_000,
    });
    expect(config.stateStorage).toEqual({ type: 'sqlite', filePath: './data/sync_state.db' });
    expect(config.sync).toEqual({
      mode: 'local_to_cloud',
      tables: [
        {
          name: 'users',
          primaryKey: ['id'],
          conflictResolution: 'source_priority',
          prefer: 'local',
          tieBreaker: 'cloud',
          batchSize: 1000,
        },
      ],
      workers: 8,
      realtime: true,
      batchInsertSize: 1000,
      queueCapacity: 10_000,
      createMissingTables: true,
      snapshotConcurrency: 4,
      snapshotWriters: 2,
      snapshotChunkSize: 1000,
      heartbeatIntervalMs: 5_000,
      reconnectInitialDelayMs: 500,
      reconnectMaxDelayMs: 30_000,
      shutdownTimeoutMs: 30_000,
    });
    expect(config.scheduler).toEqual({
      enabled: false,
      interval: '*/10 * * * *',
      fallbackAfterMs: 300_000,
      resyncOnPurgedBinlog: false,
    });
    expect(config.server).toEqual({
      port: 8080,
      host: '0.0.0.0',
      readOnlyTokens: [],
      readTimeoutMs: 30_000,
      writeTimeoutMs: 30_000,
      corsOrigins: [],
    });
    expect(config.logging).toEqual({ level: 'info', format: 'json' });
  });

  it('prefers the source side by default in one-way modes', () => {
    const cloudToLocal = parseConfig(
      withSync({ mode: 'cloud_to_local', tables: [{ name: 'users', primary_key: 'id' }] }),
      'test',
    );
    expect(cloudToLocal.sync.tables[0]).toMatchObject({
      conflictResolution: 'source_priority',
      prefer: 'cloud',
    });
  });

  it('reads a state_storage without type as SQLite, and empty YAML values as unset', () => {
    const config = parseConfig(
      {
        ...minimalDocument(),
        state_storage: { file_path: '/var/lib/sync.db' },
        server: { auth_token: null },
      },
      'test',
    );
    expect(config.stateStorage).toEqual({ type: 'sqlite', filePath: '/var/lib/sync.db' });
    expect(config.server.authToken).toBeUndefined();
  });

  it('accepts the shipped config.example.yaml', () => {
    const exampleText = readFileSync(new URL('../../../../config.example.yaml', import.meta.url), 'utf8');
    const config = parseConfig(parseYaml(exampleText), 'config.example.yaml');
    expect(config.sync.tables.length).toBeGreaterThan(0);
  });

  it('normalises primary keys the same whether written as text or as a list', () => {
    const column = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);
    fc.assert(
      fc.property(fc.uniqueArray(column, { minLength: 1, maxLength: 4 }), (columns) => {
        const fromText = parseConfig(
          withSync({ tables: [{ name: 'items', primary_key: columns.join(', ') }] }),
          't',
        );
        const fromList = parseConfig(withSync({ tables: [{ name: 'items', primary_key: columns }] }), 't');
        expect(fromText.sync.tables[0]?.primaryKey).toEqual(columns);
        expect(fromList.sync.tables[0]?.primaryKey).toEqual(columns);
      }),
      { numRuns: 50 },
    );
  });
});

describe('parseConfig rejects', () => {
  const table = { name: 'users', primary_key: 'id' };

  it('a table without primary_key', () => {
    expect(problemsOf(withSync({ tables: [{ name: 'users' }] }))).toEqual([
      { path: 'sync.tables[0].primary_key', message: 'required' },
    ]);
  });

  it('a negative batch size', () => {
    expect(problemsOf(withSync({ tables: [table], batch_insert_size: -5 }))).toEqual([
      { path: 'sync.batch_insert_size', message: 'must be a positive integer' },
    ]);
    expect(problemPaths(withSync({ tables: [{ ...table, batch_size: -1 }] }))).toEqual([
      'sync.tables[0].batch_size',
    ]);
  });

  it('an unknown mode', () => {
    expect(problemsOf(withSync({ tables: [table], mode: 'sideways' }))).toEqual([
      { path: 'sync.mode', message: 'must be one of "local_to_cloud", "cloud_to_local", "bidirectional"' },
    ]);
  });

  it('last_write_wins without timestamp_column', () => {
    const tables = [table, { name: 'orders', primary_key: 'id', conflict_resolution: 'last_write_wins' }];
    expect(problemsOf(withSync({ tables }))).toEqual([
      {
        path: 'sync.tables[1].timestamp_column',
        message: 'required when conflict_resolution is last_write_wins',
      },
    ]);
  });

  it('an unknown key, suggesting the intended one', () => {
    expect(problemsOf(withSync({ tables: [table], batchInsertSize: 10, wrkers: 2 }))).toEqual([
      { path: 'sync.batchInsertSize', message: 'unknown key (did you mean "batch_insert_size"?)' },
      { path: 'sync.wrkers', message: 'unknown key (did you mean "workers"?)' },
    ]);
    expect(problemPaths({ ...minimalDocument(), loging: { level: 'info' } })).toEqual(['loging']);
  });

  it('duplicate tables', () => {
    expect(problemsOf(withSync({ tables: [table, { name: 'orders', primary_key: 'id' }, table] }))).toEqual([
      { path: 'sync.tables[2].name', message: 'duplicate table "users" (also at sync.tables[0])' },
    ]);
  });

  it('a short auth token', () => {
    expect(problemsOf({ ...minimalDocument(), server: { auth_token: 'secret' } })).toEqual([
      { path: 'server.auth_token', message: 'must be at least 16 characters long' },
    ]);
    expect(
      problemPaths({ ...minimalDocument(), server: { read_only_tokens: ['0123456789abcdef', 'short'] } }),
    ).toEqual(['server.read_only_tokens[1]']);
  });

  it('a bad duration', () => {
    expect(problemsOf(withSync({ tables: [table], heartbeat_interval: '5 minutes' }))).toEqual([
      {
        path: 'sync.heartbeat_interval',
        message: 'must be a duration such as "500ms", "30s", "5m", "1h", or a number of milliseconds',
      },
    ]);
    expect(problemPaths({ ...minimalDocument(), server: { read_timeout: '0s' } })).toEqual([
      'server.read_timeout',
    ]);
  });

  it('bidirectional source_priority without prefer', () => {
    expect(problemsOf(withSync({ mode: 'bidirectional', tables: [table] }))).toEqual([
      {
        path: 'sync.tables[0].prefer',
        message:
          'required when sync.mode is bidirectional and conflict_resolution is source_priority (local or cloud: the side whose change wins)',
      },
    ]);
  });

  it('a bad cron interval, CORS origin, state storage type and log level', () => {
    const document = {
      ...minimalDocument(),
      state_storage: { type: 'postgres' },
      scheduler: { interval: '*/10 * *' },
      server: { cors_origins: ['http://localhost:3000/'] },
      logging: { level: 'verbose' },
    };
    expect(problemPaths(document)).toEqual([
      'logging.level',
      'scheduler.interval',
      'server.cors_origins[0]',
      'state_storage.type',
    ]);
  });

  it('a database synced onto itself, and reconnect delays in the wrong order', () => {
    const local = { host: 'db', user: 'sync_user', database: 'app' };
    const document = {
      databases: { local, cloud: { ...local, host: 'DB' } },
      sync: { tables: [table], reconnect_initial_delay: '10s', reconnect_max_delay: '1s' },
    };
    expect(problemPaths(document)).toEqual(['databases.cloud', 'sync.reconnect_max_delay']);
  });

  it('high availability without a MySQL state store, or renewing too rarely for its lease', () => {
    const databases = {
      local: { host: 'local', user: 'sync_user', database: 'app' },
      cloud: { host: 'cloud', user: 'sync_user', database: 'app' },
    };
    expect(
      problemsOf({
        databases,
        sync: { tables: [table] },
        high_availability: { enabled: true, lease_ttl: '10s', renew_interval: '6s' },
      }),
    ).toEqual([
      {
        path: 'high_availability.enabled',
        message: 'needs state_storage.type: mysql (the replicas share the lease through it)',
      },
      {
        path: 'high_availability.renew_interval',
        message:
          'must be at most half of high_availability.lease_ttl (a lease must survive one missed renewal)',
      },
    ]);
    const config = parseConfig(
      {
        databases,
        state_storage: { type: 'mysql', host: 'state', user: 'root', database: 'sync_state' },
        sync: { tables: [table] },
        high_availability: { enabled: true, lease_name: 'pair-a', lease_ttl: '6s', renew_interval: '2s' },
      },
      'test',
    );
    expect(config.highAvailability).toEqual({
      enabled: true,
      leaseName: 'pair-a',
      leaseTtlMs: 6_000,
      renewIntervalMs: 2_000,
    });
  });

  it('missing sections and a document that is not a mapping', () => {
    expect(problemsOf({})).toEqual([
      { path: 'databases', message: 'required' },
      { path: 'sync', message: 'required' },
    ]);
    expect(problemsOf(['a'])).toEqual([{ path: '(root)', message: 'must be a mapping, not a list' }]);
  });

  it('everything at once, in one error with one line per problem', () => {
    const document = {
      databases: {
        local: { host: 'localhost', user: 'sync_user', database: 'app_local', port: 'x' },
        cloud: { host: 'db.example.com', database: 'app_cloud' },
      },
      sync: {
        mode: 'bidirectional',
        batch_insert_size: -5,
        heartbeat_interval: 'soon',
        tables: [
          { name: 'users', primary_key: 'id', conflict_resolution: 'last_write_wins', batch_size: 0 },
          { name: 'users', primary_key: 'id' },
          { name: 'orders', conflict_resolution: 'newest' },
        ],
      },
      server: { auth_token: 'short', extra: true },
    };
    expect(problemPaths(document)).toEqual([
      'databases.cloud.user',
      'databases.local.port',
      'server.auth_token',
      'server.extra',
      'sync.batch_insert_size',
      'sync.heartbeat_interval',
      'sync.tables[0].batch_size',
      'sync.tables[0].timestamp_column',
      'sync.tables[1].name',
      'sync.tables[1].prefer',
      'sync.tables[2].conflict_resolution',
      'sync.tables[2].primary_key',
    ]);
  });

  it('never repeats a rejected value in the message', () => {
    const secret = 'hunter2-password';
    const document = {
      ...minimalDocument(),
      databases: {
        local: { host: 'localhost', user: 'sync_user', database: 'app_local', password: [secret] },
        cloud: { host: 'db.example.com', user: 'sync_user', database: 'app_cloud', password: { secret } },
      },
      server: { auth_token: secret.slice(0, 10) },
    };
    for (const problem of problemsOf(document)) expect(problem.message).not.toContain('hunter2');
  });
});
