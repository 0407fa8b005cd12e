import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificates, type TestCertificates } from '../../test/support/tls-certificates.js';
import { SyncError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { loadTls, type TlsOrigin, type TlsSettings } from './tls.js';

const origin: TlsOrigin = { keyPath: 'databases.cloud.tls', label: 'cloud database' };

let certificates: TestCertificates;

beforeAll(async () => {
  certificates = await createTestCertificates();
});

afterAll(async () => {
  await certificates[Symbol.asyncDispose]();
});

function loadError(settings: TlsSettings): SyncError {
  try {
    loadTls(settings, origin);
  } catch (error) {
    if (error instanceof SyncError) return error;
    throw error;
  }
  throw new Error('loadTls succeeded');
}

describe('loadTls', () => {
  it('maps each mode to what mysql2 checks', () => {
    expect(loadTls({ mode: 'disabled' }, origin).driverOptions).toBeUndefined();
    for (const mode of ['preferred', 'required'] as const) {
      expect(loadTls({ mode }, origin).driverOptions).toEqual({
        rejectUnauthorized: false,
        verifyIdentity: false,
      });
    }
    const ca = readFileSync(certificates.caFile, 'utf8');
    expect(loadTls({ mode: 'verify_ca', caFile: certificates.caFile }, origin).driverOptions).toEqual({
      rejectUnauthorized: true,
      verifyIdentity: false,
      ca,
    });
    // No ca_file: Node's bundled public CAs (mysql2 leaves `ca` unset).
    expect(loadTls({ mode: 'verify_identity' }, origin).driverOptions).toEqual({
      rejectUnauthorized: true,
      verifyIdentity: true,
    });
    const withClient = loadTls(
      { mode: 'required', certFile: certificates.clientCertFile, keyFile: certificates.clientKeyFile },
      origin,
    );
    expect(withClient.driverOptions).toMatchObject({
      cert: readFileSync(certificates.clientCertFile, 'utf8'),
      key: readFileSync(certificates.clientKeyFile, 'utf8'),
    });
    expect(withClient.encrypted).toBe(true);
    expect(withClient.withoutEncryption().encrypted).toBe(false);
  });

  it('names the key path and the file of a missing or unreadable file', () => {
    const missing = path.join(certificates.directory, 'missing.pem');
    const error = loadError({ mode: 'verify_ca', caFile: missing });
    expect(error.code).toBe('DATABASE_TLS_FAILED');
    expect(error.message).toBe(`databases.cloud.tls.ca_file: ${missing} does not exist`);
    expect(error.details).toEqual({ keyPath: 'databases.cloud.tls.ca_file', file: missing });
    expect(loadError({ mode: 'verify_ca', caFile: certificates.directory }).message).toBe(
      `databases.cloud.tls.ca_file: ${certificates.directory} cannot be read (EISDIR)`,
    );
  });

  it('refuses files that are not what the key says', () => {
    expect(loadError({ mode: 'verify_ca', caFile: certificates.clientKeyFile }).message).toBe(
      `databases.cloud.tls.ca_file: ${certificates.clientKeyFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
    const broken = path.join(certificates.directory, 'broken.pem');
    writeFileSync(
      broken,
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
    );
    expect(loadError({ mode: 'verify_ca', caFile: broken }).message).toBe(
      `databases.cloud.tls.ca_file: ${broken} holds a certificate that cannot be parsed`,
    );
    expect(
      loadError({ mode: 'required', certFile: certificates.clientCertFile, keyFile: certificates.caFile })
        .message,
    ).toBe(`databases.cloud.tls.key_file: ${certificates.caFile} holds no PEM private key that can be read`);
  });

  it('refuses a key that does not belong to the certificate, and an encrypted key', () => {
    expect(
      loadError({
        mode: 'required',
        certFile: certificates.clientCertFile,
        keyFile: certificates.serverKeyFile,
      }).message,
    ).toBe(
      `databases.cloud.tls.key_file: ${certificates.serverKeyFile} is not the private key of the certificate in databases.cloud.tls.cert_file (${certificates.clientCertFile})`,
    );
    expect(
      loadError({
        mode: 'required',
        certFile: certificates.clientCertFile,
        keyFile: certificates.encryptedClientKeyFile,
      }).message,
    ).toMatch(/key_file: .* is an encrypted private key; give the key without a passphrase/);
  });

  it('never shows the key material in JSON or a log line', () => {
    const tls = loadTls(
      {
        mode: 'verify_ca',
        caFile: certificates.caFile,
        certFile: certificates.clientCertFile,
        keyFile: certificates.clientKeyFile,
      },
      origin,
    );
    const keyPem = readFileSync(certificates.clientKeyFile, 'utf8');
    const keyBody = keyPem.split('\n')[1] ?? '';
    expect(keyBody.length).toBeGreaterThan(20);
    expect(JSON.parse(JSON.stringify({ tls }))).toEqual({
      tls: {
        mode: 'verify_ca',
        caFile: certificates.caFile,
        certFile: certificates.clientCertFile,
        keyFile: certificates.clientKeyFile,
        encrypted: true,
      },
    });
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      format: 'json',
      destination: { write: (line: string) => lines.push(line) },
    });
    logger.info({ endpoint: { host: 'db', tls } }, 'connecting');
    expect(lines.join('')).toContain(certificates.clientKeyFile);
    expect(lines.join('')).not.toContain(keyBody);
  });
});
