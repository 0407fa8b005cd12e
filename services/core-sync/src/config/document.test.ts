import { describe, expect, it } from 'vitest';
import { configToDocument, redactDocument, valueAt } from './document.js';
import { parseConfig } from './loader.js';
import { redactedText } from './redact.js';

const database = (name: string) => ({
  host: `${name}.example`,
  port: 3307,
  user: 'sync',
  password: `${name}-secret`,
  database: 'shop',
  replication_password: `${name}-replication-secret`,
  server_id: 77,
});

const documents = {
  minimal: {
    databases: { local: database('local'), cloud: database('cloud') },
    state_storage: { type: 'sqlite', file_path: '/tmp/state.db' },
    sync: { tables: [{ name: 'orders', primary_key: 'id' }] },
  },
  bidirectional: {
    databases: {
      local: {
        ...database('local'),
        tls: {
          mode: 'verify_identity',
          ca_file: '/tls/ca.pem',
          cert_file: '/tls/c.pem',
          key_file: '/tls/k.pem',
        },
      },
      cloud: { ...database('cloud'), tls: { mode: 'disabled' } },
    },
    state_storage: {
      type: 'mysql',
      host: 'state',
      user: 'root',
      password: 'state-secret',
      database: 'sync_state',
      tls: { mode: 'verify_ca', ca_file: '/tls/state-ca.pem' },
    },
    sync: {
      mode: 'bidirectional',
      workers: 3,
      batch_insert_size: 500,
      heartbeat_interval: '2s',
      tables: [
        {
          name: 'orders',
          primary_key: 'tenant_id,id',
          conflict_resolution: 'last_write_wins',
          timestamp_column: 'updated_at',
          batch_size: 50,
        },
        { name: 'notes', primary_key: ['id'], conflict_resolution: 'manual' },
        {
          name: 'users',
          primary_key: 'id',
          conflict_resolution: 'source_priority',
          prefer: 'cloud',
          tie_breaker: 'local',
        },
      ],
    },
    scheduler: { enabled: true, interval: '*/5 * * * * *', fallback_after: '90s' },
    server: {
      port: 9000,
      auth_token: 'admin-token-0123456789',
      read_only_tokens: ['reader-token-0123456789'],
      cors_origins: ['https://ops.example'],
      trust_proxy: ['10.0.0.0/8', '127.0.0.1'],
      event_stream_max_clients: 250,
      event_stream_max_clients_per_token: 25,
    },
    logging: { level: 'debug', format: 'pretty' },
  },
  hostileNames: {
    databases: {
      local: { ...database('local'), database: "shop`; DROP DATABASE x; -- 'é'" },
      cloud: database('cloud'),
    },
    sync: {
      tables: [
        // Only the list form can name a column with a comma or a leading blank.
        { name: 'a, b `c`', primary_key: ['ke,y', ' padded', 'order'] },
        { name: 'select', primary_key: 'key' },
      ],
    },
  },
};

describe('configToDocument', () => {
  it.each(Object.entries(documents))(
    'gives back the same configuration when parsed again (%s)',
    (_name, document) => {
      const config = parseConfig(document, 'test');
      expect(parseConfig(configToDocument(config), 'round trip')).toEqual(config);
    },
  );

  it('redacts every password and token that is set, and nothing else', () => {
    const document = configToDocument(parseConfig(documents.bidirectional, 'test'));
    const redacted = redactDocument(document);
    for (const keyPath of [
      ['databases', 'local', 'password'],
      ['databases', 'cloud', 'replication_password'],
      ['state_storage', 'password'],
      ['server', 'auth_token'],
    ]) {
      expect(valueAt(redacted, keyPath)).toBe(redactedText);
    }
    expect(valueAt(redacted, ['server', 'read_only_tokens'])).toEqual([redactedText]);
    expect(JSON.stringify(redacted)).not.toMatch(/secret|token-0123/);
    expect(valueAt(redacted, ['databases', 'local', 'host'])).toBe('local.example');
    // TLS settings are file paths (the key material is read at start and never enters the configuration).
    expect(valueAt(redacted, ['databases', 'local', 'tls'])).toEqual({
      mode: 'verify_identity',
      ca_file: '/tls/ca.pem',
      cert_file: '/tls/c.pem',
      key_file: '/tls/k.pem',
    });
    // The original is untouched.
    expect(valueAt(document, ['server', 'auth_token'])).toBe('admin-token-0123456789');
  });
});
