/**
 * `tls.mode: preferred` falls back to plain text only when the server's greeting offers no TLS, never when a TLS
 * handshake fails. A MySQL-aware proxy (support/mysql-tls-proxy.ts) stands in front of a MariaDB with TLS on and
 * answers the client's request for TLS itself, failing the upgrade in each way it can fail; every first login
 * (a side's application and replication accounts, the MySQL state store) and every later connection (a pool, a
 * binlog dump) must then fail, in every mode. That no login went out in plain text is seen on the wire (the
 * proxy records each connection's first packet) and on the server (performance_schema counts each account's
 * logins).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCurrentPosition } from '../../src/binlog/index.js';
import { DumpStream } from '../../src/binlog/dump/dump-stream.js';
import type { DatabaseConfig } from '../../src/config/index.js';
import { isSyncError } from '../../src/errors/index.js';
import { createLogger } from '../../src/logging/index.js';
import {
  checkConnection,
  createMysqlPool,
  loadTls,
  type SecuredEndpoint,
  type TlsMode,
  type TlsSettings,
} from '../../src/mysql/index.js';
import { SandboxServer } from '../../src/sandbox/index.js';
import { openStateStore, type MysqlStateStoreConfig } from '../../src/store/index.js';
import { connectSide } from '../../src/sync/database-endpoints.js';
import { MysqlTlsProxy, handshakeFailures, type HandshakeFailure } from '../support/mysql-tls-proxy.js';
import { createTestCertificates, type TestCertificates } from '../support/tls-certificates.js';

/** Accounts without REQUIRE SSL: a plain-text login would succeed, so only the client can refuse one. */
const accounts = {
  application: { user: 'hs_app', password: 'hs-app-secret' },
  replication: { user: 'hs_repl', password: 'hs-repl-secret' },
};

const tlsModes = [
  'preferred',
  'required',
  'verify_ca',
  'verify_identity',
] as const satisfies readonly TlsMode[];
/** The first logins a service makes: each settles TLS for the connections after it. */
const firstLogins = ['application account', 'replication account', 'state store'] as const;
type FirstLogin = (typeof firstLogins)[number];

const silentLogger = createLogger({ level: 'silent', format: 'json' });

let certificates: TestCertificates;
let server: SandboxServer;
let proxy: MysqlTlsProxy;

beforeAll(async () => {
  certificates = await createTestCertificates();
  server = await SandboxServer.start({
    name: 'test-tls-handshake',
    serverId: 105,
    extraArguments: [...certificates.serverArguments, '--performance-schema=ON'],
  });
  const admin = await mysql.createConnection({ ...server.connectionInfo, multipleStatements: true });
  await admin.query(`
    CREATE USER '${accounts.application.user}'@'%' IDENTIFIED BY '${accounts.application.password}';
    GRANT ALL PRIVILEGES ON *.* TO '${accounts.application.user}'@'%';
    CREATE USER '${accounts.replication.user}'@'%' IDENTIFIED BY '${accounts.replication.password}';
    GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO '${accounts.replication.user}'@'%'`);
  await admin.end();
  proxy = await MysqlTlsProxy.start({ target: server.connectionInfo, certificates });
});

afterAll(async () => {
  await proxy.close();
  await server.destroy();
  await certificates[Symbol.asyncDispose]();
});

function tlsSettings(mode: TlsMode): TlsSettings {
  return mode === 'verify_ca' || mode === 'verify_identity'
    ? { mode, caFile: certificates.caFile }
    : { mode };
}

/** `localhost` (the name the server certificate is issued for, which verify_identity needs) via the proxy. */
function databaseConfig(mode: TlsMode): DatabaseConfig {
  return {
    host: 'localhost',
    port: proxy.port,
    ...accounts.application,
    database: 'unused',
    replicationUser: accounts.replication.user,
    replicationPassword: accounts.replication.password,
    connectionLimit: 2,
    tls: tlsSettings(mode),
    queryTimeoutMs: 10_000,
  };
}

/** Successful logins per account so far, as the server counts them. */
async function loginsByAccount(): Promise<Record<string, number>> {
  const admin = await mysql.createConnection(server.connectionInfo);
  try {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      `SELECT USER AS user, SUM(TOTAL_CONNECTIONS) AS logins FROM performance_schema.accounts
        WHERE USER IN (?, ?) GROUP BY USER`,
      [accounts.application.user, accounts.replication.user],
    );
    const logins: Record<string, number> = { [accounts.application.user]: 0, [accounts.replication.user]: 0 };
    for (const row of rows) logins[String(row.user)] = Number(row.logins);
    return logins;
  } finally {
    await admin.end();
  }
}

/** Makes the first login, and returns what it failed with (closing what it opened should it succeed). */
async function firstLoginError(firstLogin: FirstLogin, mode: TlsMode): Promise<unknown> {
  try {
    if (firstLogin === 'state store') {
      const config: MysqlStateStoreConfig = {
        type: 'mysql',
        host: 'localhost',
        port: proxy.port,
        ...accounts.application,
        database: `hs_state_${randomBytes(4).toString('hex')}`,
        tls: tlsSettings(mode),
      };
      const store = await openStateStore(config, { logger: silentLogger });
      await store.close();
    } else {
      await connectSide(databaseConfig(mode), 'local', { checkReplication: true, logger: silentLogger });
    }
  } catch (error) {
    return error;
  }
  return new Error(`the ${firstLogin} logged in`);
}

/**
 * A self-signed certificate passes where certificates are not checked; the proxy then ends the connection in the
 * middle of the login (a lost connection, not a TLS failure). Every other failure is the TLS handshake's.
 */
function handshakeFails(failure: HandshakeFailure, mode: TlsMode): boolean {
  return failure !== 'untrusted-certificate' || mode === 'verify_ca' || mode === 'verify_identity';
}

function expectedCode(failure: HandshakeFailure, mode: TlsMode, firstLogin: FirstLogin): string {
  if (handshakeFails(failure, mode)) return 'DATABASE_TLS_FAILED';
  return firstLogin === 'state store' ? 'STATE_STORE_FAILED' : 'DATABASE_UNAVAILABLE';
}

describe('a server that offers TLS but whose TLS handshake fails', () => {
  it('gets no plain-text login from any first login, in any mode: the start fails with what failed and what to do', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...handshakeFailures),
        fc.constantFrom(...tlsModes),
        fc.constantFrom(...firstLogins),
        async (failure, mode, firstLogin) => {
          const loginsBefore = await loginsByAccount();
          const openingsBefore = proxy.openings.length;
          // The replication account logs in second: the application account's login goes through first.
          proxy.nextHandshakeFailures = firstLogin === 'replication account' ? [null] : [];
          proxy.handshakeFailure = failure;
          const error = await firstLoginError(firstLogin, mode).finally(() => {
            proxy.handshakeFailure = null;
          });
          // On the wire: every connection asked for TLS, none logged in without it…
          const openings = proxy.openings.slice(openingsBefore);
          expect(openings).toEqual(
            firstLogin === 'replication account' ? ['tls-request', 'tls-request'] : ['tls-request'],
          );
          // …and on the server: the refused account has not logged in at all.
          const refusedUser =
            firstLogin === 'replication account' ? accounts.replication.user : accounts.application.user;
          expect((await loginsByAccount())[refusedUser]).toBe(loginsBefore[refusedUser]);

          expect(isSyncError(error), String(error)).toBe(true);
          expect(error).toMatchObject({ code: expectedCode(failure, mode, firstLogin) });
          if (!handshakeFails(failure, mode)) return;
          const [label, keyPath] =
            firstLogin === 'state store'
              ? ['state store', 'state_storage\\.tls']
              : ['local database', 'databases\\.local\\.tls'];
          const message = (error as Error).message;
          expect(message).toMatch(
            new RegExp(
              `^the TLS handshake with the ${label} localhost:${proxy.port} failed \\(${keyPath}\\.mode ${mode}(, ca_file [^)]+)?\\): .+; `,
            ),
          );
          if (mode === 'preferred') {
            expect(message).toContain(
              'preferred falls back to plain text only when the server offers no TLS, and this server offers it',
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('fails every later connection of an endpoint that settled on TLS: a pool, a binlog dump; none falls back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...handshakeFailures),
        fc.constantFrom(...tlsModes),
        fc.constantFrom('pool', 'binlog dump'),
        async (failure, mode, component) => {
          const tls = loadTls(tlsSettings(mode), { keyPath: 'databases.local.tls', label: 'local database' });
          const account = component === 'pool' ? accounts.application : accounts.replication;
          const checked = await checkConnection({ host: 'localhost', port: proxy.port, ...account, tls });
          expect(checked.endpoint.tls.encrypted).toBe(true);
          const loginsBefore = await loginsByAccount();
          const openingsBefore = proxy.openings.length;
          const error =
            component === 'pool'
              ? await poolError(checked.endpoint, failure)
              : await binlogDumpError(checked.endpoint, failure);
          // The binlog stream's control connection logs in (over TLS) before the failure starts; its dump
          // connection and the pool's connection ask for TLS, fail, and do not log in.
          const loginsBeforeFailure = component === 'pool' ? 0 : 1;
          expect(proxy.openings.slice(openingsBefore)).toEqual(
            Array<string>(loginsBeforeFailure + 1).fill('tls-request'),
          );
          expect((await loginsByAccount())[account.user]).toBe(
            (loginsBefore[account.user] ?? 0) + loginsBeforeFailure,
          );
          expect(error).toMatchObject({
            code: handshakeFails(failure, mode) ? 'HANDSHAKE_SSL_ERROR' : 'PROTOCOL_CONNECTION_LOST',
          });
        },
      ),
      { numRuns: 30 },
    );
  });
});

/** A new pool of the settled endpoint, whose first connection meets `failure`. */
async function poolError(endpoint: SecuredEndpoint, failure: HandshakeFailure): Promise<unknown> {
  const pool = createMysqlPool(endpoint, { connectionLimit: 1 });
  proxy.handshakeFailure = failure;
  try {
    await pool.query('SELECT 1');
    return new Error('the pool connected');
  } catch (error) {
    return error;
  } finally {
    proxy.handshakeFailure = null;
    await pool.end();
  }
}

/** A binlog stream of the settled endpoint whose dump connection (opened after its control one) meets `failure`. */
async function binlogDumpError(endpoint: SecuredEndpoint, failure: HandshakeFailure): Promise<unknown> {
  const pool = createMysqlPool(endpoint, { connectionLimit: 1 });
  let stream: DumpStream | undefined;
  try {
    const startPosition = await readCurrentPosition(pool);
    proxy.handshakeFailure = failure;
    return await new Promise<unknown>((resolve) => {
      stream = new DumpStream({
        controlPool: pool,
        endpoint,
        serverId: 9500 + Math.floor(Math.random() * 400),
        startPosition,
        database: 'mysql',
        tables: ['user'],
        heartbeatIntervalMs: 1_000,
        netWriteTimeoutSeconds: 60,
        onEvent: () => resolve(new Error('the binlog stream delivered an event')),
        onError: resolve,
      });
      stream.start();
    });
  } finally {
    proxy.handshakeFailure = null;
    await stream?.stop();
    await pool.end();
  }
}

describe('a greeting that does not offer TLS', () => {
  it('is the one case preferred runs unencrypted in (as the server sees it); every other mode refuses it', async () => {
    proxy.advertisement = 'withheld';
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...tlsModes), async (mode) => {
          const openingsBefore = proxy.openings.length;
          const tls = loadTls(tlsSettings(mode), { keyPath: 'databases.local.tls', label: 'local database' });
          const endpoint = { host: 'localhost', port: proxy.port, ...accounts.application, tls };
          if (mode !== 'preferred') {
            await expect(checkConnection(endpoint)).rejects.toMatchObject({
              code: 'DATABASE_TLS_FAILED',
              message: `the local database localhost:${proxy.port} does not offer TLS, but databases.local.tls.mode is ${mode}: enable TLS on the server (ssl_cert, ssl_key) or choose another mode`,
            });
            // mysql2 gives up on the greeting: nothing at all is sent.
            expect(proxy.openings.slice(openingsBefore)).toEqual([]);
            return;
          }
          const checked = await checkConnection(endpoint);
          expect(checked).toMatchObject({
            serverOffersNoTls: true,
            encryption: { tlsVersion: null, cipher: null },
            endpoint: { tls: { encrypted: false } },
          });
          expect(await sessionCipher(checked.endpoint)).toBe('');
          expect(proxy.openings.slice(openingsBefore)).toEqual(['plain-login', 'plain-login']);
        }),
        { numRuns: 12 },
      );
    } finally {
      proxy.advertisement = 'as-server';
    }
  });

  it('is refused under preferred when the next connection to the same server offers TLS after all', async () => {
    proxy.nextAdvertisements = ['withheld', 'as-server'];
    const tls = loadTls({ mode: 'preferred' }, { keyPath: 'databases.local.tls', label: 'local database' });
    await expect(
      checkConnection({ host: 'localhost', port: proxy.port, ...accounts.application, tls }),
    ).rejects.toMatchObject({
      code: 'DATABASE_TLS_FAILED',
      message: `the local database localhost:${proxy.port} offered no TLS on one connection and TLS on the next (databases.local.tls.mode preferred): something between the service and the server may be hiding TLS; start again, and set databases.local.tls.mode to verify_identity (or required at least) for a server reached over a network`,
    });
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
