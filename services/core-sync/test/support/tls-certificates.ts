/**
 * Throw-away certificates for the TLS tests, made with the system's `openssl` (EC P-256 keys: fast to make):
 * a CA, a server certificate it signs for `localhost` only (so verify_identity passes for `localhost` and fails for
 * `127.0.0.1`, while verify_ca passes for both), a client certificate it signs, a second, unrelated CA, and a
 * self-signed server certificate for `localhost` (what a man in the middle could present).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const openssl = process.env.OPENSSL_BINARY ?? '/usr/bin/openssl';
const keyOptions = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface TestCertificates extends AsyncDisposable {
  readonly directory: string;
  /** The CA that signed the server and client certificates. */
  readonly caFile: string;
  /** A CA that signed nothing here. */
  readonly otherCaFile: string;
  /** A server certificate for `localhost` that signs itself (no CA here signed it), and its key. */
  readonly selfSignedCertFile: string;
  readonly selfSignedKeyFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** The client key encrypted with a passphrase (unsupported: the service must say so). */
  readonly encryptedClientKeyFile: string;
  /** The server's arguments that turn TLS on with these files. */
  readonly serverArguments: readonly string[];
}

async function run(argumentsList: readonly string[]): Promise<void> {
  await execFileAsync(openssl, [...argumentsList]);
}

async function makeSelfSigned(
  directory: string,
  name: string,
  subject: string,
  extensions: readonly string[],
): Promise<{ cert: string; key: string }> {
  const cert = path.join(directory, `${name}.pem`);
  const key = path.join(directory, `${name}-key.pem`);
  await run([
    'req',
    '-x509',
    ...keyOptions,
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    subject,
    ...extensions.flatMap((extension) => ['-addext', extension]),
  ]);
  return { cert, key };
}

function makeCa(directory: string, name: string): Promise<{ cert: string; key: string }> {
  return makeSelfSigned(directory, name, `/CN=mysql-sync test ${name}`, [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

async function makeSigned(
  directory: string,
  name: string,
  ca: { cert: string; key: string },
  subject: string,
  extensions: string,
): Promise<{ cert: string; key: string }> {
  const cert = path.join(directory, `${name}.pem`);
  const key = path.join(directory, `${name}-key.pem`);
  const request = path.join(directory, `${name}.csr`);
  const extensionFile = path.join(directory, `${name}.ext`);
  await writeFile(extensionFile, extensions);
  await run(['req', '-new', ...keyOptions, '-keyout', key, '-out', request, '-subj', subject]);
  await run([
    'x509',
    '-req',
    '-in',
    request,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    extensionFile,
  ]);
  return { cert, key };
}

export async function createTestCertificates(): Promise<TestCertificates> {
  const directory = await mkdtemp(path.join(tmpdir(), 'mysql-sync-tls-'));
  try {
    const [ca, other, selfSigned] = await Promise.all([
      makeCa(directory, 'ca'),
      makeCa(directory, 'other-ca'),
      makeSelfSigned(directory, 'self-signed', '/CN=localhost', [
        'subjectAltName=DNS:localhost',
        'extendedKeyUsage=serverAuth',
      ]),
    ]);
    const [server, client] = await Promise.all([
      makeSigned(
        directory,
        'server',
        ca,
        '/CN=localhost',
        'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n',
      ),
      makeSigned(directory, 'client', ca, '/CN=mysql-sync client', 'extendedKeyUsage=clientAuth\n'),
    ]);
    const encryptedClientKeyFile = path.join(directory, 'client-key-encrypted.pem');
    await run([
      'pkey',
      '-in',
      client.key,
      '-out',
      encryptedClientKeyFile,
      '-aes-256-cbc',
      '-passout',
      'pass:test-passphrase',
    ]);
    return {
      directory,
      caFile: ca.cert,
      otherCaFile: other.cert,
      selfSignedCertFile: selfSigned.cert,
      selfSignedKeyFile: selfSigned.key,
      serverCertFile: server.cert,
      serverKeyFile: server.key,
      clientCertFile: client.cert,
      clientKeyFile: client.key,
      encryptedClientKeyFile,
      serverArguments: [`--ssl-ca=${ca.cert}`, `--ssl-cert=${server.cert}`, `--ssl-key=${server.key}`],
      [Symbol.asyncDispose]: () => rm(directory, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw new Error(`could not make the test certificates with ${openssl}`, { cause: error });
  }
}
