/**
 * TLS to the databases, end to end, against a MariaDB with TLS on (test/support/tls-test-server.ts): the service
 * snapshots and streams with every connection encrypted — the server's performance_schema shows each of its
 * sessions (the binlog dump included) with its cipher — and refuses to start, saying why, with a CA, a host name or
 * an account that does not fit.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { SyncError, describeError } from '../../src/errors/index.js';
import { formatServerUrl } from '../support/server-url.js';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  type SyncFixture,
} from '../support/sync-fixture.js';
import { accounts, useTlsTestServer } from '../support/tls-test-server.js';

const tlsServer = useTlsTestServer();

function serverUrl(): string {
  return formatServerUrl(tlsServer.server.connectionInfo);
}

/** A database section on the TLS server. */
function tlsDatabase(
  host: string,
  database: string,
  account: { user: string; password: string },
  tls: Record<string, unknown>,
): Record<string, unknown> {
  return { host, port: tlsServer.server.port, ...account, database, tls };
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
  const admin = await mysql.createConnection({ ...tlsServer.server.connectionInfo });
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
    const verifyIdentity = { mode: 'verify_identity', ca_file: tlsServer.certificates.caFile };
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
          ca_file: tlsServer.certificates.caFile,
          cert_file: tlsServer.certificates.clientCertFile,
          key_file: tlsServer.certificates.clientKeyFile,
        }),
      },
      {
        type: 'mysql',
        host: 'localhost',
        port: tlsServer.server.port,
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
      const admin = await mysql.createConnection({ ...tlsServer.server.connectionInfo });
      await admin.query(`DROP DATABASE IF EXISTS \`${stateDatabase}\``);
      await admin.end();
    }
  });

  it('refuses to start with a CA that did not sign the server certificate, or a name the certificate is not for', async () => {
    await using fixture = await createSyncFixture(serverUrl(), serverUrl(), 'tlsca');
    await fixture.source.query(itemsTable);
    const local = tlsDatabase('localhost', fixture.source.name, accounts.app, {
      mode: 'verify_identity',
      ca_file: tlsServer.certificates.caFile,
    });
    const wrongCa = documentWith(fixture, {
      local,
      cloud: tlsDatabase('127.0.0.1', fixture.target.name, accounts.app, {
        mode: 'verify_ca',
        ca_file: tlsServer.certificates.otherCaFile,
      }),
    });
    const error = await startError(fixture, wrongCa);
    expect(error.code).toBe('DATABASE_TLS_FAILED');
    // With the driver's reason (the server sends its CA along, which the other CA does not know) and the remedy.
    const reason = '(self-signed certificate in certificate chain|unable to get local issuer certificate)';
    expect(error.message).toMatch(
      new RegExp(
        `^the TLS handshake with the cloud database 127\\.0\\.0\\.1:${tlsServer.server.port} failed \\(databases\\.cloud\\.tls\\.mode verify_ca, ca_file ${tlsServer.certificates.otherCaFile}\\): ${reason}; check that databases\\.cloud\\.tls\\.ca_file is the CA that signed the server certificate, and that nothing between the service and the server intercepts TLS$`,
      ),
    );
    expect(error.cause).toMatchObject({ code: 'HANDSHAKE_SSL_ERROR' });

    // "127.1" reaches 127.0.0.1, but it is not the name the certificate is issued for.
    const wrongName = documentWith(fixture, {
      local: { ...local, host: '127.1' },
      cloud: tlsDatabase('127.0.0.1', fixture.target.name, accounts.app, {
        mode: 'verify_ca',
        ca_file: tlsServer.certificates.caFile,
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
        `the TLS handshake with the cloud database 127.0.0.1:${tlsServer.server.port} failed (databases.cloud.tls.mode verify_ca`,
      ) as unknown,
    });
  });

  it('an account that REQUIREs SSL or X509 cannot log in without TLS or without the client certificate, and says why', async () => {
    await using fixture = await createSyncFixture(serverUrl(), serverUrl(), 'tlsoff');
    await fixture.source.query(itemsTable);
    const cloud = tlsDatabase('localhost', fixture.target.name, accounts.app, {
      mode: 'verify_identity',
      ca_file: tlsServer.certificates.caFile,
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
      `user tls_app may not log in to the local database 127.0.0.1:${tlsServer.server.port} over an unencrypted connection (databases.local.tls.mode disabled); if the account REQUIREs SSL or X509, set databases.local.tls.mode to required or stricter`,
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
      `user x509_app may not log in to the local database 127.0.0.1:${tlsServer.server.port} over TLS without a client certificate; if the account REQUIREs X509 (or a SUBJECT/ISSUER), set databases.local.tls.cert_file and databases.local.tls.key_file`,
    );
  });
});
