/**
 * The first login to a server, made once when a service sets up its connections (before any pool): it settles
 * `tls.mode: preferred` and turns the ways a login fails into errors that say what to change — a TLS handshake
 * that failed, a server without TLS, an account that REQUIREs SSL/X509 — naming the side, the account and the TLS
 * settings.
 *
 * `preferred` falls back to plain text in one case only: the server's greeting does not advertise TLS (no
 * CLIENT_SSL capability flag; mysql2 then refuses a connection that asks for TLS with HANDSHAKE_NO_SSL_SUPPORT,
 * before anything is sent). A server that advertises TLS but whose handshake fails — a protocol version or cipher
 * the two sides do not share, a connection reset or closed in the middle of it, something that is not TLS
 * answering, a man in the middle — is an error like under `required`, never a reason to send the login in plain
 * text.
 */
import { isIP } from 'node:net';
import mysql from 'mysql2/promise';
import { SyncError, describeError, driverErrorCode } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import { endpointOptions, type MysqlEndpoint } from './connection.js';
import type { ConnectionTls } from './tls.js';

/** An endpoint whose TLS is known (`loadTls`). */
export interface SecuredEndpoint extends MysqlEndpoint {
  readonly tls: ConnectionTls;
}

/** What the server says about the checked session's encryption (its `Ssl_version` / `Ssl_cipher` status). */
export interface SessionEncryption {
  /** `TLSv1.3`…; null when the session is not encrypted. */
  readonly tlsVersion: string | null;
  readonly cipher: string | null;
}

export interface CheckedEndpoint {
  /** The endpoint to connect with: a `preferred` server that offers no TLS gets unencrypted connections. */
  readonly endpoint: SecuredEndpoint;
  readonly encryption: SessionEncryption;
  /** True when `preferred` fell back to plain text because the server's greeting did not offer TLS. */
  readonly serverOffersNoTls: boolean;
}

/** The capability flag a server's greeting sets when it can switch the connection to TLS (CLIENT_SSL). */
export const clientSslCapability = 0x800;

/** mysql2's code for a connection that asked for TLS to a server whose greeting does not offer it. */
const noTlsOfferedCode = 'HANDSHAKE_NO_SSL_SUPPORT';
/** mysql2's code for a TLS handshake that failed after the server's greeting offered TLS. */
const handshakeFailedCode = 'HANDSHAKE_SSL_ERROR';

const checkTimeoutMs = 10_000;
const accessDeniedCodes = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR']);

function serverOf(endpoint: MysqlEndpoint): string {
  return `${endpoint.host}:${endpoint.port}`;
}

/** The configuration key of the server an endpoint's TLS belongs to: `databases.local`, `state_storage`… */
function endpointKeyOf(tls: ConnectionTls): string {
  return tls.origin.keyPath.replace(/\.tls$/, '');
}

async function readSessionEncryption(connection: mysql.Connection): Promise<SessionEncryption> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    "SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_version', 'Ssl_cipher')",
  );
  const valueOf = (name: string): string | null => {
    const row = rows.find((candidate) => String(candidate.Variable_name) === name);
    const value = row === undefined ? '' : String(row.Value ?? '');
    return value === '' ? null : value;
  };
  return { tlsVersion: valueOf('Ssl_version'), cipher: valueOf('Ssl_cipher') };
}

/** What one login found out: the session's encryption, and whether the server's greeting offered TLS. */
interface LoginResult {
  readonly encryption: SessionEncryption;
  readonly serverOffersTls: boolean;
}

/** The parts of mysql2's promise connection the check reads (mysql2 is pinned exactly). */
interface GreetedConnection {
  /** The core connection: it keeps the capability flags of the server's greeting. */
  readonly connection?: { readonly serverCapabilityFlags?: unknown };
}

/** Whether the server's greeting on this connection set CLIENT_SSL. */
function greetingOffersTls(connection: mysql.Connection): boolean {
  const flags = (connection as unknown as GreetedConnection).connection?.serverCapabilityFlags;
  return typeof flags === 'number' && (flags & clientSslCapability) !== 0;
}

async function login(endpoint: SecuredEndpoint, purpose: string): Promise<LoginResult> {
  const { database: _database, ...withoutDatabase } = endpoint;
  const connection = await mysql.createConnection({
    ...endpointOptions(withoutDatabase),
    connectTimeout: checkTimeoutMs,
    connectAttributes: { program_name: `mysql-sync:${purpose}` },
  });
  try {
    return {
      encryption: await readSessionEncryption(connection),
      serverOffersTls: greetingOffersTls(connection),
    };
  } finally {
    await connection.end().catch(() => undefined);
  }
}

function accessDeniedHint(tls: ConnectionTls, serverOffersNoTls: boolean): string {
  const { keyPath } = tls.origin;
  if (!tls.encrypted) {
    return (
      ` over an unencrypted connection (${keyPath}.mode ${tls.settings.mode}` +
      (serverOffersNoTls ? ', and the server offers no TLS' : '') +
      `); if the account REQUIREs SSL or X509, set ${keyPath}.mode to required or stricter`
    );
  }
  if (tls.settings.certFile === undefined) {
    return ` over TLS without a client certificate; if the account REQUIREs X509 (or a SUBJECT/ISSUER), set ${keyPath}.cert_file and ${keyPath}.key_file`;
  }
  return ` over TLS with the client certificate ${tls.settings.certFile}`;
}

/** OpenSSL's short reason (`tlsv1 alert protocol version`) when it gave one, else the message's first line. */
function handshakeFailure(error: unknown): string {
  const reason = error instanceof Error ? (error as { reason?: unknown }).reason : undefined;
  if (typeof reason === 'string' && reason !== '') return reason;
  return describeError(error).split('\n')[0]?.trim() ?? 'unknown';
}

/** What to do about a TLS handshake that failed with a server whose greeting offered TLS. */
function handshakeRemedy(tls: ConnectionTls): string {
  const { keyPath } = tls.origin;
  const { mode, caFile } = tls.settings;
  switch (mode) {
    case 'verify_ca':
    case 'verify_identity':
      return (
        (caFile === undefined
          ? `no ${keyPath}.ca_file is set, so the server certificate must chain to a public CA known to Node.js: set ${keyPath}.ca_file to the CA that signed it`
          : `check that ${keyPath}.ca_file is the CA that signed the server certificate`) +
        (mode === 'verify_identity' ? ' and that the certificate names the host' : '') +
        ', and that nothing between the service and the server intercepts TLS'
      );
    case 'preferred':
      return (
        'preferred falls back to plain text only when the server offers no TLS, and this server offers it: ' +
        `fix TLS on the server (its TLS versions, ciphers and certificate) or whatever between the service and the server breaks it` +
        `, or, on a network you trust, set ${keyPath}.mode to disabled`
      );
    case 'required':
    case 'disabled':
      return `fix TLS on the server (its TLS versions, ciphers and certificate) or whatever between the service and the server breaks it`;
  }
}

function classifyFailure(endpoint: SecuredEndpoint, error: unknown, serverOffersNoTls = false): SyncError {
  const { tls } = endpoint;
  const { label, keyPath } = tls.origin;
  const server = `the ${label} ${serverOf(endpoint)}`;
  const code = driverErrorCode(error);
  const details = {
    endpoint: endpointKeyOf(tls),
    server: serverOf(endpoint),
    user: endpoint.user,
    tls: tls.toJSON(),
  };
  if (code === noTlsOfferedCode) {
    return new SyncError(
      'DATABASE_TLS_FAILED',
      `${server} does not offer TLS, but ${keyPath}.mode is ${tls.settings.mode}: enable TLS on the server (ssl_cert, ssl_key) or choose another mode`,
      { cause: error, details },
    );
  }
  if (code === handshakeFailedCode) {
    return new SyncError(
      'DATABASE_TLS_FAILED',
      `the TLS handshake with ${server} failed (${tls.describe()}): ${handshakeFailure(error)}; ${handshakeRemedy(tls)}`,
      { cause: error, details },
    );
  }
  if (code !== undefined && accessDeniedCodes.has(code)) {
    return new SyncError(
      'DATABASE_ACCESS_DENIED',
      `user ${endpoint.user} may not log in to ${server}${accessDeniedHint(tls, serverOffersNoTls)}`,
      { cause: error, details },
    );
  }
  return new SyncError('DATABASE_UNAVAILABLE', `cannot connect to ${server} as ${endpoint.user}`, {
    cause: error,
    details,
  });
}

/**
 * Logs in once as the endpoint's account and returns the endpoint every later connection should use. Throws
 * DATABASE_TLS_FAILED, DATABASE_ACCESS_DENIED or DATABASE_UNAVAILABLE, saying which side, account and TLS settings.
 */
export async function checkConnection(
  endpoint: SecuredEndpoint,
  purpose = 'connection-check',
): Promise<CheckedEndpoint> {
  const { settings, origin } = endpoint.tls;
  if (settings.mode === 'verify_identity' && isIP(endpoint.host) !== 0) {
    // mysql2 would check the certificate against "localhost" for an address (the schema refuses this too).
    throw new SyncError(
      'DATABASE_TLS_FAILED',
      `${origin.keyPath}.mode verify_identity needs a host name, not the address ${endpoint.host}: use the name the certificate is issued for, or verify_ca`,
      {
        details: {
          endpoint: endpointKeyOf(endpoint.tls),
          server: serverOf(endpoint),
          tls: endpoint.tls.toJSON(),
        },
      },
    );
  }
  try {
    const { encryption } = await login(endpoint, purpose);
    return { endpoint, encryption, serverOffersNoTls: false };
  } catch (error) {
    // Only a greeting without TLS lets `preferred` go on in plain text; every other failure stops here.
    if (settings.mode !== 'preferred' || driverErrorCode(error) !== noTlsOfferedCode) {
      throw classifyFailure(endpoint, error);
    }
  }
  return loginWithoutTls(endpoint, purpose);
}

/** `preferred` against a server whose greeting offered no TLS: the same login, unencrypted. */
async function loginWithoutTls(endpoint: SecuredEndpoint, purpose: string): Promise<CheckedEndpoint> {
  const plain = { ...endpoint, tls: endpoint.tls.withoutEncryption() };
  let result: LoginResult;
  try {
    result = await login(plain, purpose);
  } catch (error) {
    throw classifyFailure(plain, error, true);
  }
  if (result.serverOffersTls) {
    // The greeting of the first connection offered no TLS and this one's does: the connection would go
    // unencrypted to a server that offers TLS. Refuse rather than guess which greeting was the server's.
    throw new SyncError(
      'DATABASE_TLS_FAILED',
      `the ${endpoint.tls.origin.label} ${serverOf(endpoint)} offered no TLS on one connection and TLS on the next (${endpoint.tls.describe()}): something between the service and the server may be hiding TLS; start again, and set ${endpoint.tls.origin.keyPath}.mode to verify_identity (or required at least) for a server reached over a network`,
      { details: { server: serverOf(endpoint), user: endpoint.user, tls: endpoint.tls.toJSON() } },
    );
  }
  return { endpoint: plain, encryption: result.encryption, serverOffersNoTls: true };
}

/** One line for logs: `TLSv1.3 TLS_AES_256_GCM_SHA384`, or `unencrypted`. */
export function describeEncryption(encryption: SessionEncryption): string {
  return encryption.cipher === null
    ? 'unencrypted'
    : `${encryption.tlsVersion ?? 'TLS'} ${encryption.cipher}`;
}

/**
 * Logs what a login check settled: a warning when `tls.mode: preferred` runs unencrypted because the server
 * offers no TLS, else `checkedMessage` at info. `owner` names whose connections they are ("local database",
 * "state store").
 */
export function logLoginCheck(
  logger: Logger | undefined,
  checked: CheckedEndpoint,
  owner: string,
  fields: Readonly<Record<string, unknown>>,
  checkedMessage: string,
): void {
  const { endpoint } = checked;
  const logged = {
    ...fields,
    owner,
    server: serverOf(endpoint),
    user: endpoint.user,
    tlsMode: endpoint.tls.settings.mode,
    encryption: describeEncryption(checked.encryption),
  };
  if (checked.serverOffersNoTls) {
    logger?.warn(
      {
        ...logged,
        reason: 'the server offers no TLS',
        setting: `${endpoint.tls.origin.keyPath}.mode`,
        remedy:
          'enable TLS on the server; for a server reached over a network set the mode to verify_identity (or required at least), which never falls back to plain text',
      },
      'connections not encrypted: tls.mode preferred and the server offers no TLS',
    );
  } else {
    logger?.info(logged, checkedMessage);
  }
}
