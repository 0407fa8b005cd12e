/**
 * The first login to a server, made once when a service sets up its connections (before any pool): it settles
 * `tls.mode: preferred` (TLS when the server offers it) and turns the ways a login fails into errors that say what
 * to change — a TLS handshake refused, a server without TLS, an account that REQUIREs SSL/X509 — naming the side,
 * the account and the TLS settings.
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
  /** The endpoint to connect with: a `preferred` server without working TLS gets unencrypted connections. */
  readonly endpoint: SecuredEndpoint;
  readonly encryption: SessionEncryption;
  /** Why `preferred` fell back to plain text (`the server offers no TLS`…); null when it did not. */
  readonly fallbackReason: string | null;
}

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

async function login(endpoint: SecuredEndpoint, purpose: string): Promise<SessionEncryption> {
  const { database: _database, ...withoutDatabase } = endpoint;
  const connection = await mysql.createConnection({
    ...endpointOptions(withoutDatabase),
    connectTimeout: checkTimeoutMs,
    connectAttributes: { program_name: `mysql-sync:${purpose}` },
  });
  try {
    return await readSessionEncryption(connection);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

function accessDeniedHint(tls: ConnectionTls, fallbackReason: string | null): string {
  const { keyPath } = tls.origin;
  if (!tls.encrypted) {
    return (
      ` over an unencrypted connection (${keyPath}.mode ${tls.settings.mode}` +
      (fallbackReason === null ? '' : `, and ${fallbackReason}`) +
      `); if the account REQUIREs SSL or X509, set ${keyPath}.mode to required or stricter`
    );
  }
  if (tls.settings.certFile === undefined) {
    return ` over TLS without a client certificate; if the account REQUIREs X509 (or a SUBJECT/ISSUER), set ${keyPath}.cert_file and ${keyPath}.key_file`;
  }
  return ` over TLS with the client certificate ${tls.settings.certFile}`;
}

function classifyFailure(
  endpoint: SecuredEndpoint,
  error: unknown,
  fallbackReason: string | null = null,
): SyncError {
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
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return new SyncError(
      'DATABASE_TLS_FAILED',
      `${server} does not offer TLS, but ${keyPath}.mode is ${tls.settings.mode}: enable TLS on the server (ssl_cert, ssl_key) or choose another mode`,
      { cause: error, details },
    );
  }
  if (code === 'HANDSHAKE_SSL_ERROR') {
    const trust =
      tls.settings.caFile === undefined && tls.settings.mode.startsWith('verify')
        ? ' (no ca_file: the certificate must chain to a public CA known to Node.js)'
        : '';
    return new SyncError(
      'DATABASE_TLS_FAILED',
      `the TLS handshake with ${server} failed (${tls.describe()})${trust}`,
      { cause: error, details },
    );
  }
  if (code !== undefined && accessDeniedCodes.has(code)) {
    return new SyncError(
      'DATABASE_ACCESS_DENIED',
      `user ${endpoint.user} may not log in to ${server}${accessDeniedHint(tls, fallbackReason)}`,
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
    return { endpoint, encryption: await login(endpoint, purpose), fallbackReason: null };
  } catch (error) {
    const fallbackReason = settings.mode === 'preferred' ? preferredFallbackReason(error) : null;
    if (fallbackReason === null) throw classifyFailure(endpoint, error);
    const plain = { ...endpoint, tls: endpoint.tls.withoutEncryption() };
    try {
      return { endpoint: plain, encryption: await login(plain, purpose), fallbackReason };
    } catch (plainError) {
      throw classifyFailure(plain, plainError, fallbackReason);
    }
  }
}

/** OpenSSL's short reason (`tlsv1 alert protocol version`) when it gave one, else the message's first line. */
function handshakeFailure(error: unknown): string {
  const reason = error instanceof Error ? (error as { reason?: unknown }).reason : undefined;
  if (typeof reason === 'string' && reason !== '') return reason;
  return describeError(error).split('\n')[0]?.trim() ?? 'unknown';
}

/**
 * `preferred` connects in plain text where TLS cannot be had: a server that does not offer it, or a TLS handshake
 * that fails (an old server's protocol versions, a broken server certificate) — as a plain-text connection would
 * have worked before TLS existed here. null for every other failure.
 */
function preferredFallbackReason(error: unknown): string | null {
  const code = driverErrorCode(error);
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') return 'the server offers no TLS';
  if (code === 'HANDSHAKE_SSL_ERROR') return `the TLS handshake failed (${handshakeFailure(error)})`;
  return null;
}

/** One line for logs: `TLSv1.3 TLS_AES_256_GCM_SHA384`, or `unencrypted`. */
export function describeEncryption(encryption: SessionEncryption): string {
  return encryption.cipher === null
    ? 'unencrypted'
    : `${encryption.tlsVersion ?? 'TLS'} ${encryption.cipher}`;
}

/**
 * Logs what a login check settled: a warning when `tls.mode: preferred` fell back to plain text, else
 * `checkedMessage` at info. `owner` names whose connections they are ("the local database", "the state store").
 */
export function logLoginCheck(
  logger: Logger | undefined,
  checked: CheckedEndpoint,
  owner: string,
  fields: Readonly<Record<string, unknown>>,
  checkedMessage: string,
): void {
  const logged = {
    ...fields,
    user: checked.endpoint.user,
    tlsMode: checked.endpoint.tls.settings.mode,
    encryption: describeEncryption(checked.encryption),
  };
  if (checked.fallbackReason !== null) {
    logger?.warn(
      { ...logged, reason: checked.fallbackReason },
      `${owner}'s connections are not encrypted: TLS was preferred, but ${checked.fallbackReason}`,
    );
  } else {
    logger?.info(logged, checkedMessage);
  }
}
