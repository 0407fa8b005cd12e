/** `parseConfig` on the `tls` sections of the databases and of a MySQL state store. */
import { describe, expect, it } from 'vitest';
import { problemPaths, problemsOf } from '../../test/support/config-problems.js';
import { parseConfig } from './index.js';
import { minimalDocument } from './testing/config-documents.js';

describe('parseConfig: TLS of the database connections', () => {
  function withLocalTls(tls: unknown): Record<string, unknown> {
    const document = minimalDocument();
    const databases = document.databases as Record<string, Record<string, unknown>>;
    return { ...document, databases: { ...databases, local: { ...databases.local, tls } } };
  }

  it('accepts every mode, with files where the mode uses them', () => {
    for (const mode of ['disabled', 'preferred', 'required']) {
      expect(parseConfig(withLocalTls({ mode }), 'test').databases.local.tls).toEqual({ mode });
    }
    expect(
      parseConfig(withLocalTls({ mode: 'verify_ca', ca_file: 'ca.pem' }), 'test').databases.local.tls,
    ).toEqual({ mode: 'verify_ca', caFile: 'ca.pem' });
    // Without ca_file, a verify mode trusts Node's bundled public CAs (a managed cloud database).
    expect(parseConfig(withLocalTls({ mode: 'verify_identity' }), 'test').databases.local.tls).toEqual({
      mode: 'verify_identity',
    });
    expect(
      parseConfig(
        withLocalTls({ mode: 'required', cert_file: 'client.pem', key_file: 'client-key.pem' }),
        'test',
      ).databases.local.tls,
    ).toEqual({ mode: 'required', certFile: 'client.pem', keyFile: 'client-key.pem' });
  });

  it('defaults to preferred for the databases and a MySQL state store', () => {
    const config = parseConfig(
      {
        ...minimalDocument(),
        state_storage: { type: 'mysql', host: 'state', user: 'root', database: 'sync_state' },
      },
      'test',
    );
    expect(config.databases.cloud.tls).toEqual({ mode: 'preferred' });
    expect(config.stateStorage).toMatchObject({ type: 'mysql', tls: { mode: 'preferred' } });
    expect(parseConfig(withLocalTls(null), 'test').databases.local.tls).toEqual({ mode: 'preferred' });
  });

  it('rejects an unknown mode or key, naming the key path', () => {
    expect(problemsOf(withLocalTls({ mode: 'verify' }))).toEqual([
      {
        path: 'databases.local.tls.mode',
        message: 'must be one of "disabled", "preferred", "required", "verify_ca", "verify_identity"',
      },
    ]);
    expect(problemsOf(withLocalTls({ mode: 'required', ca: 'ca.pem' }))).toEqual([
      {
        path: 'databases.local.tls.ca',
        message: 'unknown key (allowed: mode, ca_file, cert_file, key_file)',
      },
    ]);
    expect(problemsOf(withLocalTls({ mode: 'verify_ca', cert_flie: 'c.pem' }))).toEqual([
      { path: 'databases.local.tls.cert_flie', message: 'unknown key (did you mean "cert_file"?)' },
    ]);
    expect(problemPaths(withLocalTls({ mode: 'required', ca_file: '' }))).toEqual([
      'databases.local.tls.ca_file',
    ]);
    expect(problemPaths(withLocalTls('required'))).toEqual(['databases.local.tls']);
  });

  it('rejects a CA file with a mode that does not check the certificate', () => {
    for (const mode of ['preferred', 'required', 'disabled']) {
      expect(problemsOf(withLocalTls({ mode, ca_file: 'ca.pem' }))).toEqual([
        {
          path: 'databases.local.tls.ca_file',
          message: `is only used by mode verify_ca or verify_identity (mode ${mode} does not check the server's certificate)`,
        },
      ]);
    }
    // The default mode is preferred: a CA alone does not turn verification on behind the operator's back.
    expect(problemPaths(withLocalTls({ ca_file: 'ca.pem' }))).toEqual(['databases.local.tls.ca_file']);
  });

  it('rejects verify_identity with an IP address for host, which the driver cannot check', () => {
    const message =
      'verify_identity needs host to be the name the server certificate is issued for, not an IP address (the driver cannot check an address against the certificate); use the host name, or verify_ca';
    const document = withLocalTls({ mode: 'verify_identity' });
    const databases = document.databases as Record<string, Record<string, unknown>>;
    for (const host of ['127.0.0.1', '::1']) {
      expect(
        problemsOf({ ...document, databases: { ...databases, local: { ...databases.local, host } } }),
      ).toEqual([{ path: 'databases.local.tls.mode', message }]);
    }
    expect(
      problemsOf({
        ...minimalDocument(),
        state_storage: {
          type: 'mysql',
          host: '10.1.2.3',
          user: 'root',
          database: 'sync_state',
          tls: { mode: 'verify_identity' },
        },
      }),
    ).toEqual([{ path: 'state_storage.tls.mode', message }]);
    // verify_ca does not look at the name, so an address is fine.
    const byAddress = { ...databases.local, host: '127.0.0.1', tls: { mode: 'verify_ca' } };
    expect(
      parseConfig({ ...document, databases: { ...databases, local: byAddress } }, 'test').databases.local.tls,
    ).toEqual({ mode: 'verify_ca' });
  });

  it('rejects a client certificate without its key and the other way round', () => {
    expect(problemsOf(withLocalTls({ mode: 'verify_ca', ca_file: 'ca.pem', cert_file: 'c.pem' }))).toEqual([
      {
        path: 'databases.local.tls.key_file',
        message: 'required with cert_file (the client certificate needs its key)',
      },
    ]);
    expect(problemsOf(withLocalTls({ mode: 'required', key_file: 'k.pem' }))).toEqual([
      {
        path: 'databases.local.tls.cert_file',
        message: 'required with key_file (the key needs its client certificate)',
      },
    ]);
    expect(problemsOf(withLocalTls({ mode: 'disabled', cert_file: 'c.pem', key_file: 'k.pem' }))).toEqual([
      { path: 'databases.local.tls.cert_file', message: 'is not used when mode is disabled' },
      { path: 'databases.local.tls.key_file', message: 'is not used when mode is disabled' },
    ]);
  });

  it('checks the state store TLS the same way', () => {
    expect(
      problemPaths({
        ...minimalDocument(),
        state_storage: {
          type: 'mysql',
          host: 'state',
          user: 'root',
          database: 'sync_state',
          tls: { mode: 'required', cert_file: 'c.pem' },
        },
      }),
    ).toEqual(['state_storage.tls.key_file']);
    expect(
      problemsOf({ ...minimalDocument(), state_storage: { type: 'sqlite', tls: { mode: 'required' } } }),
    ).toEqual([{ path: 'state_storage.tls', message: 'unknown key (allowed: type, file_path)' }]);
  });
});
