/**
 * A MariaDB with TLS on, for the TLS tests (test/e2e/tls-*.db.test.ts): its own sandbox, with a CA, a server
 * certificate for `localhost` and a client certificate made with openssl, whose accounts REQUIRE SSL or X509 — so
 * a connection without TLS, or without the client certificate, cannot log in at all — but for one that may log in
 * either way (so only the client can refuse plain text for it). performance_schema is on, so the tests can see
 * each session's cipher and count each account's logins.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll } from 'vitest';
import { SandboxServer } from '../../src/sandbox/index.js';
import { createTestCertificates, type TestCertificates } from './tls-certificates.js';

export const accounts = {
  /** Reads and writes; may only log in over TLS. */
  app: { user: 'tls_app', password: 'app-secret-1' },
  /** Streams the binlog; may only log in over TLS. */
  replication: { user: 'tls_repl', password: 'repl-secret-1' },
  /** Reads and writes; may only log in over TLS with a client certificate signed by the server's CA. */
  x509: { user: 'x509_app', password: 'x509-secret-1' },
  /** May log in with or without TLS: only the client can refuse plain text for it. */
  open: { user: 'tls_open', password: 'open-secret-1' },
};

/** Makes the certificates, starts the server and creates the accounts; the caller removes both afterwards. */
export async function startTlsTestServer(): Promise<{
  certificates: TestCertificates;
  server: SandboxServer;
}> {
  const certificates = await createTestCertificates();
  const server = await SandboxServer.start({
    name: 'test-tls',
    serverId: 103,
    // TLS 1.2 only, so a client that insists on 1.3 fails its handshake (the failed-handshake test in
    // tls-preferred-and-required.db.test.ts).
    extraArguments: [...certificates.serverArguments, '--tls-version=TLSv1.2', '--performance-schema=ON'],
  });
  const admin = await mysql.createConnection({ ...server.connectionInfo, multipleStatements: true });
  await admin.query(`
    CREATE USER '${accounts.app.user}'@'%' IDENTIFIED BY '${accounts.app.password}' REQUIRE SSL;
    GRANT ALL PRIVILEGES ON *.* TO '${accounts.app.user}'@'%';
    CREATE USER '${accounts.replication.user}'@'%' IDENTIFIED BY '${accounts.replication.password}' REQUIRE SSL;
    GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO '${accounts.replication.user}'@'%';
    CREATE USER '${accounts.x509.user}'@'%' IDENTIFIED BY '${accounts.x509.password}' REQUIRE X509;
    GRANT ALL PRIVILEGES ON *.* TO '${accounts.x509.user}'@'%';
    CREATE USER '${accounts.open.user}'@'%' IDENTIFIED BY '${accounts.open.password}';
    GRANT USAGE ON *.* TO '${accounts.open.user}'@'%'`);
  await admin.end();
  return { certificates, server };
}

export interface TlsTestServer {
  readonly server: SandboxServer;
  readonly certificates: TestCertificates;
}

/** The TLS server of one test file: started before its tests, removed with its certificates after them. */
export function useTlsTestServer(): TlsTestServer {
  let started: { certificates: TestCertificates; server: SandboxServer } | undefined;
  beforeAll(async () => {
    started = await startTlsTestServer();
  });
  afterAll(async () => {
    await started?.server.destroy();
    await started?.certificates[Symbol.asyncDispose]();
  });
  const current = () => {
    if (started === undefined)
      throw new Error('the TLS test server is not started yet (use it inside a test)');
    return started;
  };
  return {
    get server() {
      return current().server;
    },
    get certificates() {
      return current().certificates;
    },
  };
}
