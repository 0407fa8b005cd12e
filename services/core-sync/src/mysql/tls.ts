/**
 * TLS of the connections to one server, with MySQL's `--ssl-mode` meanings on top of mysql2's `ssl` option:
 *
 *   mode             encrypts                        server certificate must…             host name checked
 *   disabled         never                           –                                    –
 *   preferred        when the server offers TLS      (not checked)                        no
 *   required         always, or the connection fails (not checked)                        no
 *   verify_ca        always                          chain to ca_file (else public CAs)   no
 *   verify_identity  always                          chain to ca_file (else public CAs)   yes (SAN / CN)
 *
 * The files are read once, when the connections of a service are set up (`loadTls`). A `preferred` server is asked
 * once whether it offers TLS (connection-check.ts): only a server whose greeting does not offer it gets plain-text
 * connections; a TLS handshake that fails is an error, as under `required`. Every connection made afterwards
 * keeps what the first login settled: once TLS is on, a connection that cannot have it fails, and none falls back.
 * The key material lives only in the driver options of a `ConnectionTls`, which never serialises them.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SslOptions } from 'mysql2';
import { SyncError, describeError, driverErrorCode } from '../errors/index.js';

export type TlsMode = 'disabled' | 'preferred' | 'required' | 'verify_ca' | 'verify_identity';

/** As configured (`databases.local.tls`, `state_storage.tls`): the mode and the PEM files it uses. */
export interface TlsSettings {
  readonly mode: TlsMode;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** Where the settings come from, for messages: `databases.local.tls` and `local database`. */
export interface TlsOrigin {
  readonly keyPath: string;
  readonly label: string;
}

/** The TLS of one server's connections, files read; hand it to `MysqlEndpoint.tls`. */
export class ConnectionTls {
  readonly settings: TlsSettings;
  readonly origin: TlsOrigin;
  /**
   * Whether connections encrypt: false for `disabled`, and for `preferred` once the server's greeting turned out
   * not to offer TLS (`withoutEncryption`).
   */
  readonly encrypted: boolean;
  readonly #driverOptions: SslOptions | undefined;

  constructor(settings: TlsSettings, origin: TlsOrigin, driverOptions: SslOptions | undefined) {
    this.settings = settings;
    this.origin = origin;
    this.encrypted = driverOptions !== undefined;
    this.#driverOptions = driverOptions;
  }

  /** mysql2's `ssl` option (holds the key: never log it); undefined when connections do not encrypt. */
  get driverOptions(): SslOptions | undefined {
    return this.#driverOptions;
  }

  /**
   * The same settings, connecting unencrypted: only for a `preferred` server whose greeting does not offer TLS
   * (connection-check.ts), never after a TLS handshake that failed.
   */
  withoutEncryption(): ConnectionTls {
    return new ConnectionTls(this.settings, this.origin, undefined);
  }

  /** `databases.local.tls.mode verify_ca, ca_file /etc/ca.pem`: what was configured, for error messages. */
  describe(): string {
    const { keyPath } = this.origin;
    const files = [
      this.settings.caFile === undefined ? undefined : `ca_file ${this.settings.caFile}`,
      this.settings.certFile === undefined ? undefined : `cert_file ${this.settings.certFile}`,
    ].filter((part) => part !== undefined);
    return [`${keyPath}.mode ${this.settings.mode}`, ...files].join(', ');
  }

  /** What logs and JSON see: the settings (file paths), never the certificates or the key. */
  toJSON(): Record<string, unknown> {
    return { ...this.settings, encrypted: this.encrypted };
  }
}

function tlsFileError(
  origin: TlsOrigin,
  key: string,
  file: string,
  problem: string,
  cause?: unknown,
): SyncError {
  return new SyncError('DATABASE_TLS_FAILED', `${origin.keyPath}.${key}: ${file} ${problem}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { keyPath: `${origin.keyPath}.${key}`, file },
  });
}

function readPem(origin: TlsOrigin, key: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = driverErrorCode(error);
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? describeError(error)})`;
    throw tlsFileError(origin, key, file, reason, error);
  }
}

const certificatePattern = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM file (a CA file may hold a bundle); throws when there is none or one is broken. */
function readCertificates(
  origin: TlsOrigin,
  key: string,
  file: string,
): { pem: string; first: X509Certificate } {
  const pem = readPem(origin, key, file);
  const blocks = pem.match(certificatePattern) ?? [];
  const certificates: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      certificates.push(new X509Certificate(block));
    } catch (error) {
      throw tlsFileError(origin, key, file, 'holds a certificate that cannot be parsed', error);
    }
  }
  const [first] = certificates;
  if (first === undefined)
    throw tlsFileError(origin, key, file, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  return { pem, first };
}

/** PKCS#8 `ENCRYPTED PRIVATE KEY`, or a traditional key with `Proc-Type: 4,ENCRYPTED`. */
const encryptedKeyPattern = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;

function readPrivateKey(origin: TlsOrigin, file: string): { pem: string; key: KeyObject } {
  const pem = readPem(origin, 'key_file', file);
  if (encryptedKeyPattern.test(pem)) {
    throw tlsFileError(
      origin,
      'key_file',
      file,
      'is an encrypted private key; give the key without a passphrase (openssl pkey -in key.pem -out plain.pem)',
    );
  }
  try {
    return { pem, key: createPrivateKey(pem) };
  } catch (error) {
    throw tlsFileError(origin, 'key_file', file, 'holds no PEM private key that can be read', error);
  }
}

/**
 * Reads the files the settings name and builds the driver options. Throws DATABASE_TLS_FAILED naming the key path
 * and the file when one is missing, unreadable, not PEM, or when the client certificate and key do not match.
 */
export function loadTls(settings: TlsSettings, origin: TlsOrigin): ConnectionTls {
  if (settings.mode === 'disabled') return new ConnectionTls(settings, origin, undefined);
  const verify = settings.mode === 'verify_ca' || settings.mode === 'verify_identity';
  const options: SslOptions = {
    rejectUnauthorized: verify,
    verifyIdentity: settings.mode === 'verify_identity',
  };
  if (verify && settings.caFile !== undefined) {
    options.ca = readCertificates(origin, 'ca_file', settings.caFile).pem;
  }
  if (settings.certFile !== undefined && settings.keyFile !== undefined) {
    const certificate = readCertificates(origin, 'cert_file', settings.certFile);
    const privateKey = readPrivateKey(origin, settings.keyFile);
    if (!certificate.first.checkPrivateKey(privateKey.key)) {
      throw tlsFileError(
        origin,
        'key_file',
        settings.keyFile,
        `is not the private key of the certificate in ${origin.keyPath}.cert_file (${settings.certFile})`,
      );
    }
    options.cert = certificate.pem;
    options.key = privateKey.pem;
  }
  return new ConnectionTls(settings, origin, options);
}
