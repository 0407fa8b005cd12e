/**
 * TLS modes preferred and required against a MariaDB with TLS on (test/support/tls-test-server.ts) and against the
 * shared sandboxes, which have no TLS: preferred falls back to plain text only when the server offers no TLS, and
 * a failed handshake with a server that offers it is an error under preferred as under required (the server's
 * performance_schema counts each account's logins). Failed handshakes of every kind, in every mode, are in
 * tls-handshake-failures.db.test.ts.
 */
import nodeTls from 'node:tls';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/logging/index.js';
import {
  checkConnection,
  createMysqlPool,
  loadTls,
  type SecuredEndpoint,
  type TlsSettings,
} from '../../src/mysql/index.js';
import { connectSide } from '../../src/sync/database-endpoints.js';
import { parseServerUrl, formatServerUrl } from '../support/server-url.js';
import { accounts, useTlsTestServer } from '../support/tls-test-server.js';
import { testServerUrl } from '../support/test-servers.js';

const tlsServer = useTlsTestServer();

function serverUrl(): string {
  return formatServerUrl(tlsServer.server.connectionInfo);
}

describe('TLS to the databases, end to end', () => {
  it('preferred encrypts when the server offers TLS, runs unencrypted with a warning only when it offers none; required refuses a server without TLS', async () => {
    const tlsServer = await check(serverUrl(), accounts.app, { mode: 'preferred' });
    expect(tlsServer.endpoint.tls.encrypted).toBe(true);
    expect(tlsServer.encryption.tlsVersion).toBe('TLSv1.2');
    expect(tlsServer.encryption.cipher).not.toBeNull();
    expect(tlsServer.serverOffersNoTls).toBe(false);
    // As the server sees the connections made afterwards.
    expect(await sessionCipher(tlsServer.endpoint)).not.toBe('');

    // The shared sandboxes have no TLS.
    const root = parseServerUrl(testServerUrl('local'));
    const log = capturingLogger();
    const plainSide = await connectSide(
      {
        ...root,
        database: 'unused',
        replicationUser: root.user,
        replicationPassword: root.password,
        connectionLimit: 1,
        tls: { mode: 'preferred' },
        queryTimeoutMs: 10_000,
      },
      'local',
      { checkReplication: true, logger: log.logger },
    );
    expect(plainSide.application.tls.encrypted).toBe(false);
    expect(plainSide.replication.tls.encrypted).toBe(false);
    expect(await sessionCipher(plainSide.application)).toBe('');
    expect(log.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'connections not encrypted: tls.mode preferred and the server offers no TLS',
        side: 'local',
        server: `${root.host}:${root.port}`,
        user: root.user,
        tlsMode: 'preferred',
        encryption: 'unencrypted',
        reason: 'the server offers no TLS',
        setting: 'databases.local.tls.mode',
      }),
    ]);
    await expect(check(testServerUrl('local'), root, { mode: 'required' })).rejects.toMatchObject({
      code: 'DATABASE_TLS_FAILED',
      message: `the local database ${root.host}:${root.port} does not offer TLS, but databases.local.tls.mode is required: enable TLS on the server (ssl_cert, ssl_key) or choose another mode`,
    });
  });

  it('a TLS handshake that fails with a server that offers TLS is an error under preferred as under required, and nothing logs in without TLS', async () => {
    const previousMinimum = nodeTls.DEFAULT_MIN_VERSION;
    // The server speaks TLS 1.2 only: a client that insists on 1.3 cannot agree on a protocol.
    nodeTls.DEFAULT_MIN_VERSION = 'TLSv1.3';
    try {
      const loginsBefore = await loginsOf(accounts.open.user);
      const preferredError = await check(serverUrl(), accounts.open, { mode: 'preferred' }).catch(
        (error: unknown) => error,
      );
      expect(preferredError).toMatchObject({
        code: 'DATABASE_TLS_FAILED',
        message: `the TLS handshake with the local database 127.0.0.1:${tlsServer.server.port} failed (databases.local.tls.mode preferred): tlsv1 alert protocol version; preferred falls back to plain text only when the server offers no TLS, and this server offers it: fix TLS on the server (its TLS versions, ciphers and certificate) or whatever between the service and the server breaks it, or, on a network you trust, set databases.local.tls.mode to disabled`,
        cause: { code: 'HANDSHAKE_SSL_ERROR' },
      });
      await expect(check(serverUrl(), accounts.open, { mode: 'required' })).rejects.toMatchObject({
        code: 'DATABASE_TLS_FAILED',
        message: `the TLS handshake with the local database 127.0.0.1:${tlsServer.server.port} failed (databases.local.tls.mode required): tlsv1 alert protocol version; fix TLS on the server (its TLS versions, ciphers and certificate) or whatever between the service and the server breaks it`,
      });
      // The account needs no TLS, so a plain-text attempt would have logged in: the server counts none.
      expect(await loginsOf(accounts.open.user)).toBe(loginsBefore);
    } finally {
      nodeTls.DEFAULT_MIN_VERSION = previousMinimum;
    }
  });
});

/** The `Ssl_cipher` the server reports for a pooled session of `endpoint` ('' when unencrypted). */
async function sessionCipher(endpoint: SecuredEndpoint): Promise<string> {
  const pool = createMysqlPool(endpoint, { connectionLimit: 1 });
  try {
    const [rows] = await pool.query<mysql.RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    return String(rows[0]?.Value ?? '');
  } finally {
    await pool.end();
  }
}

/** How many times `user` has logged in to the TLS server (performance_schema.accounts). */
async function loginsOf(user: string): Promise<number> {
  const admin = await mysql.createConnection({ ...tlsServer.server.connectionInfo });
  try {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      'SELECT COALESCE(SUM(TOTAL_CONNECTIONS), 0) AS logins FROM performance_schema.accounts WHERE USER = ?',
      [user],
    );
    return Number(rows[0]?.logins ?? 0);
  } finally {
    await admin.end();
  }
}

/** A logger whose lines the test reads back. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    format: 'json',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

/** The first login of `account` on the server at `url`, with `settings` as databases.local.tls. */
function check(url: string, account: { user: string; password: string }, settings: TlsSettings) {
  const target = parseServerUrl(url);
  const tls = loadTls(settings, { keyPath: 'databases.local.tls', label: 'local database' });
  return checkConnection({ host: target.host, port: target.port, ...account, tls });
}
