/** What `parseConfig` refuses, each problem named by its key path in one CONFIG_INVALID error. */
import { describe, expect, it } from 'vitest';
import { problemPaths, problemsOf } from '../../test/support/config-problems.js';
import { parseConfig } from './index.js';
import { minimalDocument, withSync } from './testing/config-documents.js';

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
