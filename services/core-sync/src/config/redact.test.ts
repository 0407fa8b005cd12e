import { describe, expect, it } from 'vitest';
import { parseConfig, redactConfig, redactedText, type ServiceConfig } from './index.js';

const secrets = [
  'local-secret',
  'repl-secret',
  'cloud-secret',
  'state-secret',
  'admin-token-0123456789',
  'viewer-token-0123456789',
];

function configWithSecrets(): ServiceConfig {
  return parseConfig(
    {
      databases: {
        local: {
          host: 'localhost',
          user: 'sync_user',
          password: 'local-secret',
          replication_password: 'repl-secret',
          database: 'app_local',
        },
        cloud: { host: 'db.example.com', user: 'sync_user', password: 'cloud-secret', database: 'app_cloud' },
      },
      state_storage: {
        type: 'mysql',
        host: 'state-db',
        user: 'state',
        password: 'state-secret',
        database: 'state',
      },
      sync: { tables: [{ name: 'users', primary_key: 'id' }] },
      server: { auth_token: 'admin-token-0123456789', read_only_tokens: ['viewer-token-0123456789'] },
    },
    'test',
  );
}

/** Whether a key names a password or token (not a count per token, such as eventStreamMaxClientsPerToken). */
function isSecretKey(key: string): boolean {
  return /password|token/i.test(key) && !/PerToken$/.test(key);
}

/** Every value under a key that names a password or token, wherever it is. */
function secretValues(value: unknown, underSecretKey = false): unknown[] {
  if (Array.isArray(value)) return value.flatMap((item) => secretValues(item, underSecretKey));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, entry]) => secretValues(entry, isSecretKey(key)));
  }
  return underSecretKey && value !== undefined ? [value] : [];
}

describe('redactConfig', () => {
  it('replaces every password and token', () => {
    const config = configWithSecrets();
    const redacted = redactConfig(config);
    const values = secretValues(redacted);
    expect(values).toHaveLength(7);
    expect(values.every((value) => value === redactedText)).toBe(true);
    const serialised = JSON.stringify(redacted);
    for (const secret of secrets) expect(serialised).not.toContain(secret);
    expect(redacted.databases.local).toMatchObject({
      host: 'localhost',
      user: 'sync_user',
      database: 'app_local',
    });
  });

  it('leaves the original alone, keeps an unset token unset, and is frozen', () => {
    const config = configWithSecrets();
    const redacted = redactConfig(config);
    expect(config.databases.local.password).toBe('local-secret');
    expect(config.server.authToken).toBe('admin-token-0123456789');
    expect(Object.isFrozen(redacted.databases.local)).toBe(true);

    const open = parseConfig(
      {
        databases: {
          local: { host: 'localhost', user: 'sync_user', database: 'app_local' },
          cloud: { host: 'db.example.com', user: 'sync_user', database: 'app_cloud' },
        },
        sync: { tables: [{ name: 'users', primary_key: 'id' }] },
      },
      'test',
    );
    const redactedOpen = redactConfig(open);
    expect(redactedOpen.server.authToken).toBeUndefined();
    expect(redactedOpen.databases.cloud.password).toBe(redactedText);
    expect(redactedOpen.stateStorage).toEqual(open.stateStorage);
  });
});
