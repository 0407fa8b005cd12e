/**
 * kept-passwords.ts: a password kept as `[redacted]` (or supplied by a MYSQL_SYNC_* variable) belongs to the server and account it
 * was given for: when a change sends the account somewhere else (host, port, user, replication_user), the old
 * password is never sent there. The change is refused at the password's key path, asking for the new one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { environmentPrefix, type ServiceConfig } from '../config/index.js';
import { createConfigFileFixture } from './testing/config-file-fixture.js';

type Endpoint = 'databases.local' | 'databases.cloud' | 'state_storage';
type IdentityKey = 'host' | 'port' | 'user' | 'replication_user';

const fileDocument = {
  databases: {
    local: {
      host: 'local-db',
      user: 'sync',
      password: 'local-secret',
      replication_user: 'repl',
      replication_password: 'local-repl-secret',
      database: 'shop',
    },
    cloud: { host: 'cloud-db', port: 3307, user: 'sync', password: 'cloud-secret', database: 'shop' },
  },
  state_storage: {
    type: 'mysql',
    host: 'state-db',
    user: 'state',
    password: 'state-secret',
    database: 'state',
  },
  sync: { tables: [{ name: 'orders', primary_key: 'id' }] },
  server: { auth_token: 'admin-token-0123456789' },
};

const environmentSecret = 'environment-secret';

/** One account of a configuration: where it logs in, and with which password. */
interface Account {
  readonly identity: string;
  readonly password: string;
}

function accountsOf(config: ServiceConfig, endpoint: Endpoint): Account[] {
  if (endpoint === 'state_storage') {
    const store = config.stateStorage;
    if (store.type !== 'mysql') return [];
    return [{ identity: `${store.host}:${store.port}/${store.user}`, password: store.password }];
  }
  const database = endpoint === 'databases.local' ? config.databases.local : config.databases.cloud;
  return [
    { identity: `${database.host}:${database.port}/${database.user}`, password: database.password },
    {
      identity: `${database.host}:${database.port}/${database.replicationUser}`,
      password: database.replicationPassword,
    },
  ];
}

function sectionOf(document: Record<string, unknown>, endpoint: Endpoint): Record<string, unknown> {
  const [first = '', second] = endpoint.split('.');
  const section = document[first] as Record<string, unknown>;
  return second === undefined ? section : (section[second] as Record<string, unknown>);
}

const changeArbitrary = fc
  .record({
    endpoint: fc.constantFrom<Endpoint>('databases.local', 'databases.cloud', 'state_storage'),
    key: fc.constantFrom<IdentityKey>('host', 'port', 'user', 'replication_user'),
    host: fc.domain(),
    port: fc.integer({ min: 1, max: 65_535 }),
    user: fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/),
    fromEnvironment: fc.boolean(),
  })
  .filter((change) => change.endpoint !== 'state_storage' || change.key !== 'replication_user');

describe('passwords kept while their account moves', () => {
  it('never reach the new server or account: the change is refused at the password, asking for the new one', async () => {
    await fc.assert(
      fc.asyncProperty(changeArbitrary, async (change) => {
        const file = structuredClone(fileDocument) as Record<string, unknown>;
        const environment: NodeJS.ProcessEnv = {};
        if (change.fromEnvironment) {
          delete sectionOf(file, change.endpoint).password;
          const variable = `${environmentPrefix}${change.endpoint.toUpperCase().replace('.', '__')}__PASSWORD`;
          environment[variable] = environmentSecret;
        }
        await using fixture = await createConfigFileFixture(file, { environment });
        const before = fixture.nextStart();
        const oldAccounts = accountsOf(before, change.endpoint);
        const oldPasswords = new Set(oldAccounts.map((account) => account.password).filter(Boolean));
        // A change that leaves the accounts where they are keeps their passwords.
        const renamed = fixture.shown();
        sectionOf(renamed, change.endpoint).database = 'renamed';
        await fixture.access.update(renamed, 'admin');
        expect(accountsOf(fixture.nextStart(), change.endpoint)).toEqual(oldAccounts);

        const document = fixture.shown();
        const section = sectionOf(document, change.endpoint);
        const newValue = { host: change.host, port: change.port, user: change.user }[
          change.key === 'replication_user' ? 'user' : change.key
        ];
        fc.pre(section[change.key] !== newValue);
        section[change.key] = newValue;

        const outcome = await fixture.access.update(document, 'admin').then(
          () => undefined,
          (error: unknown) => error,
        );
        // Whatever happened: no configuration that runs or would run pairs an old password with a moved account.
        const configs = [...fixture.applied.map((entry) => entry.next), fixture.nextStart()];
        for (const config of configs) {
          for (const account of accountsOf(config, change.endpoint)) {
            if (oldAccounts.some((old) => old.identity === account.identity)) continue;
            expect(oldPasswords.has(account.password), `${account.identity} got an old password`).toBe(false);
          }
        }
        // And the caller is told which password to send.
        const secretKey = change.key === 'replication_user' ? 'replication_password' : 'password';
        // The local replication account has a password of its own in the file; the others' fall back to password.
        const ownReplicationPassword =
          secretKey === 'replication_password' && change.endpoint === 'databases.local';
        const setByVariable = change.fromEnvironment && !ownReplicationPassword;
        expect(outcome).toMatchObject({
          code: 'CONFIG_INVALID',
          details: {
            problems: expect.arrayContaining([
              expect.objectContaining({
                path: `${change.endpoint}.${secretKey}`,
                message: expect.stringContaining(
                  setByVariable ? 'MYSQL_SYNC_' : 'send the password for the new',
                ) as unknown,
              }),
            ]) as unknown,
          },
        });
        if (change.fromEnvironment) return;

        // Sent along with the change, the new password is taken, and the new account gets it.
        section.password = 'new-secret';
        if (change.endpoint !== 'state_storage') section.replication_password = 'new-replication-secret';
        await fixture.access.update(document, 'admin');
        for (const account of accountsOf(fixture.nextStart(), change.endpoint)) {
          expect(['new-secret', 'new-replication-secret']).toContain(account.password);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('are not paired with a new host in the file either, while a variable overrides the host', async () => {
    // The variable wins now, so the service still connects to env-cloud; but the file would pair the kept
    // password with the new host, which the next start without the variable would use.
    const environment = { MYSQL_SYNC_DATABASES__CLOUD__HOST: 'env-cloud' };
    await using fixture = await createConfigFileFixture(fileDocument, { environment });
    const before = await fixture.fileDocument();
    const document = fixture.shown();
    sectionOf(document, 'databases.cloud').host = 'elsewhere.example';
    await expect(fixture.access.update(document, 'admin')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: {
        problems: [
          {
            path: 'databases.cloud.password',
            message:
              'is kept as [redacted], but host changed: send the password for the new host (a kept password is never sent to another server or account)',
          },
          {
            path: 'databases.cloud.replication_password',
            message: expect.stringContaining('host changed') as unknown,
          },
        ],
      },
    });
    expect(await fixture.fileDocument()).toEqual(before);
  });

  it('let an empty password go with its account: it is no secret', async () => {
    const withoutPassword = structuredClone(fileDocument) as Record<string, unknown>;
    sectionOf(withoutPassword, 'databases.cloud').password = '';
    await using fixture = await createConfigFileFixture(withoutPassword);
    const document = fixture.shown();
    sectionOf(document, 'databases.cloud').host = 'elsewhere.example';
    await fixture.access.update(document, 'admin');
    expect(fixture.nextStart().databases.cloud).toMatchObject({ host: 'elsewhere.example', password: '' });
  });
});
