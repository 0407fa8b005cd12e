import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SyncError } from '../errors/index.js';
import { parseConfig, type ConfigProblem, type ServiceConfig } from './index.js';
import { minimalDocument } from './testing/config-documents.js';

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
    tls:
      mode: verify_identity
      ca_file: /etc/mysql-sync/tls/ca.pem
      cert_file: /etc/mysql-sync/tls/client.pem
      key_file: /etc/mysql-sync/tls/client-key.pem
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
  tls:
    mode: required
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
  cors_origins: ["http://localhost:3000", "https://sync-ui.example.com"]
  trust_proxy: [10.0.0.0/8, "::1"]
  event_stream_max_clients: 40
  event_stream_max_clients_per_token: 4
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
          tls: {
            mode: 'verify_identity',
            caFile: '/etc/mysql-sync/tls/ca.pem',
            certFile: '/etc/mysql-sync/tls/client.pem',
            keyFile: '/etc/mysql-sync/tls/client-key.pem',
          },
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
          tls: { mode: 'preferred' },
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
        tls: { mode: 'required' },
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
        corsOrigins: ['http://localhost:3000', 'https://sync-ui.example.com'],
        trustProxy: ['10.0.0.0/8', '::1'],
        eventStreamMaxClients: 40,
        eventStreamMaxClientsPerToken: 4,
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
      tls: { mode: 'preferred' },
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
      host: '127.0.0.1',
      readOnlyTokens: [],
      readTimeoutMs: 30_000,
      corsOrigins: [],
      trustProxy: false,
      eventStreamMaxClients: 100,
      eventStreamMaxClientsPerToken: 10,
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

  it('splits a text primary key on commas and trims it, and keeps the names of a list exactly', () => {
    const primaryKeyOf = (primaryKey: unknown) =>
      parseConfig(withSync({ tables: [{ name: 'items', primary_key: primaryKey }] }), 't').sync.tables[0]
        ?.primaryKey;
    expect(primaryKeyOf(' ke,y , order')).toEqual(['ke', 'y', 'order']);
    expect(primaryKeyOf(['ke,y', ' order', 'it`s "x"'])).toEqual(['ke,y', ' order', 'it`s "x"']);
    expect(problemsOf(withSync({ tables: [{ name: 'items', primary_key: ['id', ' '] }] }))).toEqual([
      { path: 'sync.tables[0].primary_key', message: 'must name at least one column and no empty ones' },
    ]);
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

  it('event-stream caps that are not whole numbers from 1', () => {
    const server = { event_stream_max_clients: 0, event_stream_max_clients_per_token: 2.5 };
    expect(problemPaths({ ...minimalDocument(), server })).toEqual([
      'server.event_stream_max_clients',
      'server.event_stream_max_clients_per_token',
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

describe('parseConfig: TLS of the database connections', () => {
  function withLocalTls(tls: unknown): Record<string, unknown> {
    const document = minimalDocument();
    const databases = document.databases as Record<string, Record<string, unknown>>;
    return { ...document, databases: { ...databases, local: { ...databases.local, tls } } };
  }

  it('accepts every mode, with files where the mode uses them', () => {
    for (const mode of ['disabled', 'preferred', 'required']) {
      expect(parseConfig(withLocalTls({ mode }), 'test').databases.local.tls).toEqual({ mode });
    }
    expect(
      parseConfig(withLocalTls({ mode: 'verify_ca', ca_file: 'ca.pem' }), 'test').databases.local.tls,
    ).toEqual({ mode: 'verify_ca', caFile: 'ca.pem' });
    // Without ca_file, a verify mode trusts Node's bundled public CAs (a managed cloud database).
    expect(parseConfig(withLocalTls({ mode: 'verify_identity' }), 'test').databases.local.tls).toEqual({
      mode: 'verify_identity',
    });
    expect(
      parseConfig(
        withLocalTls({ mode: 'required', cert_file: 'client.pem', key_file: 'client-key.pem' }),
        'test',
      ).databases.local.tls,
    ).toEqual({ mode: 'required', certFile: 'client.pem', keyFile: 'client-key.pem' });
  });

  it('defaults to preferred for the databases and a MySQL state store', () => {
    const config = parseConfig(
      {
        ...minimalDocument(),
        state_storage: { type: 'mysql', host: 'state', user: 'root', database: 'sync_state' },
      },
      'test',
    );
    expect(config.databases.cloud.tls).toEqual({ mode: 'preferred' });
    expect(config.stateStorage).toMatchObject({ type: 'mysql', tls: { mode: 'preferred' } });
    expect(parseConfig(withLocalTls(null), 'test').databases.local.tls).toEqual({ mode: 'preferred' });
  });

  it('rejects an unknown mode or key, naming the key path', () => {
    expect(problemsOf(withLocalTls({ mode: 'verify' }))).toEqual([
      {
        path: 'databases.local.tls.mode',
        message: 'must be one of "disabled", "preferred", "required", "verify_ca", "verify_identity"',
      },
    ]);
    expect(problemsOf(withLocalTls({ mode: 'required', ca: 'ca.pem' }))).toEqual([
      {
        path: 'databases.local.tls.ca',
        message: 'unknown key (allowed: mode, ca_file, cert_file, key_file)',
      },
    ]);
    expect(problemsOf(withLocalTls({ mode: 'verify_ca', cert_flie: 'c.pem' }))).toEqual([
      { path: 'databases.local.tls.cert_flie', message: 'unknown key (did you mean "cert_file"?)' },
    ]);
    expect(problemPaths(withLocalTls({ mode: 'required', ca_file: '' }))).toEqual([
      'databases.local.tls.ca_file',
    ]);
    expect(problemPaths(withLocalTls('required'))).toEqual(['databases.local.tls']);
  });

  it('rejects a CA file with a mode that does not check the certificate', () => {
    for (const mode of ['preferred', 'required', 'disabled']) {
      expect(problemsOf(withLocalTls({ mode, ca_file: 'ca.pem' }))).toEqual([
        {
          path: 'databases.local.tls.ca_file',
          message: `is only used by mode verify_ca or verify_identity (mode ${mode} does not check the server's certificate)`,
        },
      ]);
    }
    // The default mode is preferred: a CA alone does not turn verification on behind the operator's back.
    expect(problemPaths(withLocalTls({ ca_file: 'ca.pem' }))).toEqual(['databases.local.tls.ca_file']);
  });

  it('rejects verify_identity with an IP address for host, which the driver cannot check', () => {
    const message =
      'verify_identity needs host to be the name the server certificate is issued for, not an IP address (the driver cannot check an address against the certificate); use the host name, or verify_ca';
    const document = withLocalTls({ mode: 'verify_identity' });
    const databases = document.databases as Record<string, Record<string, unknown>>;
    for (const host of ['127.0.0.1', '::1']) {
      expect(
        problemsOf({ ...document, databases: { ...databases, local: { ...databases.local, host } } }),
      ).toEqual([{ path: 'databases.local.tls.mode', message }]);
    }
    expect(
      problemsOf({
        ...minimalDocument(),
        state_storage: {
          type: 'mysql',
          host: '10.1.2.3',
          user: 'root',
          database: 'sync_state',
          tls: { mode: 'verify_identity' },
        },
      }),
    ).toEqual([{ path: 'state_storage.tls.mode', message }]);
    // verify_ca does not look at the name, so an address is fine.
    const byAddress = { ...databases.local, host: '127.0.0.1', tls: { mode: 'verify_ca' } };
    expect(
      parseConfig({ ...document, databases: { ...databases, local: byAddress } }, 'test').databases.local.tls,
    ).toEqual({ mode: 'verify_ca' });
  });

  it('rejects a client certificate without its key and the other way round', () => {
    expect(problemsOf(withLocalTls({ mode: 'verify_ca', ca_file: 'ca.pem', cert_file: 'c.pem' }))).toEqual([
      {
        path: 'databases.local.tls.key_file',
        message: 'required with cert_file (the client certificate needs its key)',
      },
    ]);
    expect(problemsOf(withLocalTls({ mode: 'required', key_file: 'k.pem' }))).toEqual([
      {
        path: 'databases.local.tls.cert_file',
        message: 'required with key_file (the key needs its client certificate)',
      },
    ]);
    expect(problemsOf(withLocalTls({ mode: 'disabled', cert_file: 'c.pem', key_file: 'k.pem' }))).toEqual([
      { path: 'databases.local.tls.cert_file', message: 'is not used when mode is disabled' },
      { path: 'databases.local.tls.key_file', message: 'is not used when mode is disabled' },
    ]);
  });

  it('checks the state store TLS the same way', () => {
    expect(
      problemPaths({
        ...minimalDocument(),
        state_storage: {
          type: 'mysql',
          host: 'state',
          user: 'root',
          database: 'sync_state',
          tls: { mode: 'required', cert_file: 'c.pem' },
        },
      }),
    ).toEqual(['state_storage.tls.key_file']);
    expect(
      problemsOf({ ...minimalDocument(), state_storage: { type: 'sqlite', tls: { mode: 'required' } } }),
    ).toEqual([{ path: 'state_storage.tls', message: 'unknown key (allowed: type, file_path)' }]);
  });
});

describe('parseConfig: server.trust_proxy', () => {
  function trustProxyOf(trustProxy: unknown): unknown {
    return parseConfig({ ...minimalDocument(), server: { trust_proxy: trustProxy } }, 'test').server
      .trustProxy;
  }

  function trustProxyProblems(trustProxy: unknown): ConfigProblem[] {
    return problemsOf({ ...minimalDocument(), server: { trust_proxy: trustProxy } });
  }

  it('accepts false, true, a hop count, and addresses or CIDR ranges as a list or comma-separated text', () => {
    expect(trustProxyOf(false)).toBe(false);
    expect(trustProxyOf(true)).toBe(true);
    expect(trustProxyOf(2)).toBe(2);
    expect(trustProxyOf(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1', 'loopback'])).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      '::1',
      'loopback',
    ]);
    expect(trustProxyOf('10.0.0.0/8, 127.0.0.1')).toEqual(['10.0.0.0/8', '127.0.0.1']);
  });

  it('rejects hop counts out of range, names that are not addresses, and bad prefixes', () => {
    const hopCount = 'as a hop count must be a whole number from 1 to 100';
    expect(trustProxyProblems(0)).toEqual([{ path: 'server.trust_proxy', message: hopCount }]);
    expect(trustProxyProblems(1.5)).toEqual([{ path: 'server.trust_proxy', message: hopCount }]);
    const address =
      'must be an IP address, a CIDR range such as "10.0.0.0/8", or one of loopback, linklocal, uniquelocal';
    expect(trustProxyProblems(['10.0.0.0/8', 'proxy.example.com', '10.0.0.0/33', '::1/129', 7])).toEqual([
      { path: 'server.trust_proxy[1]', message: address },
      { path: 'server.trust_proxy[2]', message: address },
      { path: 'server.trust_proxy[3]', message: address },
      { path: 'server.trust_proxy[4]', message: address },
    ]);
    expect(trustProxyProblems('10.0.0.1,')).toEqual([{ path: 'server.trust_proxy', message: address }]);
    expect(trustProxyProblems([])).toEqual([
      {
        path: 'server.trust_proxy',
        message:
          'must be false, true, a hop count, or a list of proxy addresses and CIDR ranges (such as [10.0.0.0/8])',
      },
    ]);
  });
});
