/** `parseConfig` on valid documents: every key read into the camelCase configuration, and every default. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseConfig, type ServiceConfig } from './index.js';
import { minimalDocument, withSync } from './testing/config-documents.js';

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
  ddl: pause
  batch_insert_size: 2000
  queue_capacity: 500
  create_missing_tables: false
  on_existing_data: refuse
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
        ddl: 'pause',
        batchInsertSize: 2000,
        queueCapacity: 500,
        createMissingTables: false,
        onExistingData: 'refuse',
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
      ddl: 'replicate',
      batchInsertSize: 1000,
      queueCapacity: 10_000,
      createMissingTables: true,
      onExistingData: 'reconcile',
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
});
