/**
 * TLS to the databases against a MariaDB with TLS on (its own sandbox: a CA, a server certificate for `localhost`
 * and a client certificate made with openssl), whose accounts REQUIRE SSL or X509 — so a connection without TLS,
 * or without the client certificate, cannot log in at all. The server's performance_schema shows each of the
 * service's sessions (the binlog dump included) with its cipher.
 */
import { randomBytes } from 'node:crypto';
import nodeTls from 'node:tls';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SyncError, describeError } from '../../src/errors/index.js';
import { checkConnection, loadTls, type TlsSettings } from '../../src/mysql/index.js';
import { SandboxServer } from '../../src/sandbox/index.js';
import { parseServerUrl } from '../support/server-url.js';
import { formatServerUrl } from '../support/server-url.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { createTestCertificates, type TestCertificates } from '../support/tls-certificates.js';

const accounts = {
  /** Reads and writes; may only log in over TLS. */
  app: { user: 'tls_app', password: 'app-secret-1' },
  /** Streams the binlog; may only log in over TLS. */
  replication: { user: 'tls_repl', password: 'repl-secret-1' },
  /** Reads and writes; may only log in over TLS with a client certificate signed by the server's CA. */
  x509: { user: 'x509_app', password: 'x509-secret-1' },
};

let certificates: TestCertificates;
let server: SandboxServer;

beforeAll(async () => {
  certificates = await createTestCertificates();
  server = await SandboxServer.start({
    name: 'test-tls',
    serverId: 103,
    // TLS 1.2 only, so a client that insists on 1.3 fails its handshake (the preferred fallback test).
    extraArguments: [...certificates.serverArguments, '--tls-version=TLSv1.2', '--performance-schema=ON'],
  });
  const admin = await mysql.createConnection({ ...server.connectionInfo, multipleStatements: true });
  await admin.query(`
    CREATE USER '${accounts.app.user}'@'%' IDENTIFIED BY '${accounts.app.password}' REQUIRE SSL;
    GRANT ALL PRIVILEGES ON *.* TO '${accounts.app.user}'@'%';
    CREATE USER '${accounts.replication.user}'@'%' IDENTIFIED BY '${accounts.replication.password}' REQUIRE SSL;
    GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO '${accounts.replication.user}'@'%';
    CREATE USER '${accounts.x509.user}'@'%' IDENTIFIED BY '${accounts.x509.password}' REQUIRE X509;
    GRANT ALL PRIVILEGES ON *.* TO '${accounts.x509.user}'@'%'`);
  await admin.end();
});

afterAll(async () => {
  await server.destroy();
  await certificates[Symbol.asyncDispose]();
});

function serverUrl(): string {
  return formatServerUrl(server.connectionInfo);
}

/** A database section on the TLS server. */
function tlsDatabase(
  host: string,
  database: string,
  account: { user: string; password: string },
  tls: Record<string, unknown>,
): Record<string, unknown> {
  return { host, port: server.port, ...account, database, tls };
}

/** The fixture's document with both databases (and optionally the state store) replaced. */
function documentWith(
  fixture: SyncFixture,
  databases: { local: Record<string, unknown>; cloud: Record<string, unknown> },
  stateStorage?: Record<string, unknown>,
): Record<string, unknown> {
  const document = fixture.configDocument({ tables: [{ name: 'items', primary_key: 'id' }] });
  return {
    ...document,
    databases,
    ...(stateStorage === undefined ? {} : { state_storage: stateStorage }),
  };
}

interface SessionRow {
  user: string;
  command: string;
  program: string | null;
  cipher: string;
}

/** Every session of the test accounts, with its TLS cipher as the server sees it ('' when unencrypted). */
async function sessionsOfTestAccounts(): Promise<SessionRow[]> {
  const admin = await mysql.createConnection({ ...server.connectionInfo });
  try {
    const [rows] = await admin.query(
      `SELECT t.PROCESSLIST_USER AS user, t.PROCESSLIST_COMMAND AS command, a.ATTR_VALUE AS program,
              s.VARIABLE_VALUE AS cipher
         FROM performance_schema.threads t
         JOIN performance_schema.status_by_thread s
           ON s.THREAD_ID = t.THREAD_ID AND s.VARIABLE_NAME = 'Ssl_cipher'
         LEFT JOIN performance_schema.session_connect_attrs a
           ON a.PROCESSLIST_ID = t.PROCESSLIST_ID AND a.ATTR_NAME = 'program_name'
        WHERE t.PROCESSLIST_USER IN (?, ?, ?)
        ORDER BY t.PROCESSLIST_USER, t.PROCESSLIST_COMMAND, a.ATTR_VALUE`,
      [accounts.app.user, accounts.replication.user, accounts.x509.user],
    );
    return rows as SessionRow[];
  } finally {
    await admin.end();
  }
}

/** The SyncError a start refuses with. */
async function startError(fixture: SyncFixture, document: Record<string, unknown>): Promise<SyncError> {
  try {
    const running = await fixture.startService(document);
    await running.stop();
  } catch (error) {
    if (error instanceof SyncError) return error;
    throw error;
  }
  throw new Error('the service started');
}

const itemsTable = `CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(100) NOT NULL, amount DECIMAL(10,2), note LONGTEXT)`;

describe('TLS to the databases, end to end', () => {
  it('snapshots and streams with every connection encrypted: verify_identity by name, verify_ca with a client certificate, a TLS state store', async () => {
    await using fixture = await createSyncFixture(serverUrl(), serverUrl(), 'tls');
    const stateDatabase = `tls_state_${randomBytes(4).toString('hex')}`;
    await fixture.source.query(`${itemsTable};
      INSERT INTO items WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < 300)
        SELECT n, CONCAT('item ', n), n / 4, NULL FROM numbers`);
    const verifyIdentity = { mode: 'verify_identity', ca_file: certificates.caFile };
    const document = documentWith(
      fixture,
      {
        // By name: the server certificate is issued for localhost only.
        local: {
          ...tlsDatabase('localhost', fixture.source.name, accounts.app, verifyIdentity),
          replication_user: accounts.replication.user,
          replication_password: accounts.replication.password,
        },
        // By address: verify_ca does not look at the name. The account REQUIREs X509.
        cloud: tlsDatabase('127.0.0.1', fixture.target.name, accounts.x509, {
          mode: 'verify_ca',
          ca_file: certificates.caFile,
          cert_file: certificates.clientCertFile,
          key_file: certificates.clientKeyFile,
        }),
      },
      {
        type: 'mysql',
        host: 'localhost',
        port: server.port,
        ...accounts.app,
        database: stateDatabase,
        tls: verifyIdentity,
      },
    );
    try {
      const running = await fixture.startService(document);
      await expectTablesEqual(fixture, 'items', 'id');

      // Live changes, one of them a row of 2 MB (many TLS records per binlog event).
      await fixture.source.query(`
        INSERT INTO items VALUES (1001, 'streamed', 1.25, REPEAT('tls ', 500000));
        UPDATE items SET amount = amount * 2, label = CONCAT(label, ' ✓') WHERE id % 7 = 0;
        DELETE FROM items WHERE id BETWEEN 100 AND 149`);
      await eventually(() => expectTablesEqual(fixture, 'items', 'id'), 30_000);
      expect(await running.store.listTableStates()).toContainEqual(
        expect.objectContaining({ tableName: 'items' }),
      );

      const sessions = await sessionsOfTestAccounts();
      // Every session of the three accounts is encrypted, the binlog dump included…
      expect(sessions.filter((session) => session.cipher === '')).toEqual([]);
      expect(sessions).toContainEqual(
        expect.objectContaining({ user: accounts.replication.user, command: 'Binlog Dump' }),
      );
      // …and the pools of both sides and the state store are among them.
      const programs = new Set(sessions.map((session) => `${session.user} ${session.program ?? ''}`));
      expect(programs).toContain(`${accounts.app.user} mysql-sync:local`);
      expect(programs).toContain(`${accounts.x509.user} mysql-sync:cloud`);
      expect(programs).toContain(`${accounts.replication.user} mysql-sync:binlog:local`);
      const [direction] = running.service.status.directions;
      expect(direction).toMatchObject({ state: 'streaming', stream: { lastError: null } });
    } finally {
      const admin = await mysql.createConnection({ ...server.connectionInfo });
      await admin.query(`DROP DATABASE IF EXISTS \`${stateDatabase}\``);
      await admin.end();
    }
  });

  it('refuses to start with a CA that did not sign the server certificate, or a name the certificate is not for', async () => {
    await using fixture = await createSyncFixture(serverUrl(), serverUrl(), 'tlsca');
    await fixture.source.query(itemsTable);
    const local = tlsDatabase('localhost', fixture.source.name, accounts.app, {
      mode: 'verify_identity',
      ca_file: certificates.caFile,
    });
    const wrongCa = documentWith(fixture, {
      local,
      cloud: tlsDatabase('127.0.0.1', fixture.target.name, accounts.app, {
        mode: 'verify_ca',
        ca_file: certificates.otherCaFile,
      }),
    });
    const error = await startError(fixture, wrongCa);
    expect(error.code).toBe('DATABASE_TLS_FAILED');
    expect(error.message).toBe(
      `the TLS handshake with the cloud database 127.0.0.1:${server.port} failed (databases.cloud.tls.mode verify_ca, ca_file ${certificates.otherCaFile})`,
    );
    expect(error.cause).toMatchObject({ code: 'HANDSHAKE_SSL_ERROR' });
    // With the driver's reason after it (the server sends its CA along, which the other CA does not know).
    expect(describeError(error)).toMatch(
      /\): (self-signed certificate in certificate chain|unable to get local issuer certificate)$/,
    );

    // "127.1" reaches 127.0.0.1, but it is not the name the certificate is issued for.
    const wrongName = documentWith(fixture, {
      local: { ...local, host: '127.1' },
      cloud: tlsDatabase('127.0.0.1', fixture.target.name, accounts.app, {
        mode: 'verify_ca',
        ca_file: certificates.caFile,
      }),
    });
    const nameError = await startError(fixture, wrongName);
    expect(nameError.code).toBe('DATABASE_TLS_FAILED');
    expect(describeError(nameError)).toMatch(
      /^the TLS handshake with the local database 127\.1:\d+ failed \(databases\.local\.tls\.mode verify_identity, ca_file .*\): .*127\.1.*not in the cert's altnames: DNS:localhost/,
    );

    // The real entry point: exits 1 with the error, naming the side and TLS, in its last log line.
    const service = await fixture.spawnService(wrongCa);
    const exitCode =
      service.child.exitCode ??
      (await new Promise<number | null>((resolve) => service.child.once('exit', resolve)));
    expect(exitCode).toBe(1);
    const fatal = service
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === 'mysql-sync could not start');
    expect(fatal).toMatchObject({
      errorCode: 'DATABASE_TLS_FAILED',
      error: expect.stringContaining(
        `the TLS handshake with the cloud database 127.0.0.1:${server.port} failed (databases.cloud.tls.mode verify_ca`,
      ) as unknown,
    });
  });

  it('an account that REQUIREs SSL or X509 cannot log in without TLS or without the client certificate, and says why', async () => {
    await using fixture = await createSyncFixture(serverUrl(), serverUrl(), 'tlsoff');
    await fixture.source.query(itemsTable);
    const cloud = tlsDatabase('localhost', fixture.target.name, accounts.app, {
      mode: 'verify_identity',
      ca_file: certificates.caFile,
    });
    const disabled = await startError(
      fixture,
      documentWith(fixture, {
        local: tlsDatabase('127.0.0.1', fixture.source.name, accounts.app, { mode: 'disabled' }),
        cloud,
      }),
    );
    expect(disabled.code).toBe('DATABASE_ACCESS_DENIED');
    expect(disabled.message).toBe(
      `user tls_app may not log in to the local database 127.0.0.1:${server.port} over an unencrypted connection (databases.local.tls.mode disabled); if the account REQUIREs SSL or X509, set databases.local.tls.mode to required or stricter`,
    );

    const withoutCertificate = await startError(
      fixture,
      documentWith(fixture, {
        local: tlsDatabase('127.0.0.1', fixture.source.name, accounts.x509, { mode: 'required' }),
        cloud,
      }),
    );
    expect(withoutCertificate.code).toBe('DATABASE_ACCESS_DENIED');
    expect(withoutCertificate.message).toBe(
      `user x509_app may not log in to the local database 127.0.0.1:${server.port} over TLS without a client certificate; if the account REQUIREs X509 (or a SUBJECT/ISSUER), set databases.local.tls.cert_file and databases.local.tls.key_file`,
    );
  });

  it('preferred encrypts when the server offers TLS and falls back when it does not; required refuses a server without TLS', async () => {
    const tlsServer = await check(serverUrl(), accounts.app, { mode: 'preferred' });
    expect(tlsServer.endpoint.tls.encrypted).toBe(true);
    expect(tlsServer.encryption.tlsVersion).toBe('TLSv1.2');
    expect(tlsServer.encryption.cipher).not.toBeNull();
    expect(tlsServer.fallbackReason).toBeNull();

    // The shared sandboxes have no TLS.
    const root = parseServerUrl(inject('localServerUrl'));
    const plainServer = await check(inject('localServerUrl'), root, { mode: 'preferred' });
    expect(plainServer.endpoint.tls.encrypted).toBe(false);
    expect(plainServer.encryption).toEqual({ tlsVersion: null, cipher: null });
    expect(plainServer.fallbackReason).toBe('the server offers no TLS');
    await expect(check(inject('localServerUrl'), root, { mode: 'required' })).rejects.toMatchObject({
      code: 'DATABASE_TLS_FAILED',
      message: `the local database ${root.host}:${root.port} does not offer TLS, but databases.local.tls.mode is required: enable TLS on the server (ssl_cert, ssl_key) or choose another mode`,
    });
  });

  it('preferred also falls back to plain text when the TLS handshake fails; required does not', async () => {
    const previousMinimum = nodeTls.DEFAULT_MIN_VERSION;
    // The server speaks TLS 1.2 only: a client that insists on 1.3 cannot agree on a protocol.
    nodeTls.DEFAULT_MIN_VERSION = 'TLSv1.3';
    try {
      const root = { user: server.connectionInfo.user, password: server.connectionInfo.password };
      const fallback = await check(serverUrl(), root, { mode: 'preferred' });
      expect(fallback.endpoint.tls.encrypted).toBe(false);
      expect(fallback.encryption).toEqual({ tlsVersion: null, cipher: null });
      expect(fallback.fallbackReason).toMatch(/^the TLS handshake failed \(.*protocol/);
      // An account that REQUIREs SSL cannot follow it there, and is told why.
      await expect(check(serverUrl(), accounts.app, { mode: 'preferred' })).rejects.toMatchObject({
        code: 'DATABASE_ACCESS_DENIED',
        message: expect.stringMatching(
          /^user tls_app may not log in to the local database 127\.0\.0\.1:\d+ over an unencrypted connection \(databases\.local\.tls\.mode preferred, and the TLS handshake failed \(.*\)\); if the account REQUIREs SSL or X509, set databases\.local\.tls\.mode to required or stricter$/,
        ) as unknown,
      });
      await expect(check(serverUrl(), root, { mode: 'required' })).rejects.toMatchObject({
        code: 'DATABASE_TLS_FAILED',
        message: `the TLS handshake with the local database 127.0.0.1:${server.port} failed (databases.local.tls.mode required)`,
      });
    } finally {
      nodeTls.DEFAULT_MIN_VERSION = previousMinimum;
    }
  });
});

/** The first login of `account` on the server at `url`, with `settings` as databases.local.tls. */
function check(url: string, account: { user: string; password: string }, settings: TlsSettings) {
  const target = parseServerUrl(url);
  const tls = loadTls(settings, { keyPath: 'databases.local.tls', label: 'local database' });
  return checkConnection({ host: target.host, port: target.port, ...account, tls });
}
