/**
 * A configuration change whose databases cannot be reached answers the same, byte for byte but for the trace id,
 * whatever the cause: a closed port, an unreachable host, a timeout, an unknown name, a refused login, a failed
 * TLS handshake, a TLS file that is missing, unreadable, a directory or not PEM. So PUT /config cannot be used to
 * probe other hosts' ports or the service's files; the cause goes to the service log under the trace id.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApi, adminHeaders, capturingLogger } from '../api/testing/api-test-kit.js';
import { parseConfig, type ServiceConfig } from '../config/index.js';
import { ServiceEvents } from '../events/index.js';
import { openStateStore, type StateStore } from '../store/index.js';
import { ServiceSupervisor } from './service-supervisor.js';

/** What the mocked driver and file system do: which host answers, and how the others fail. */
const simulated = vi.hoisted(() => ({
  healthyHost: 'healthy.test',
  failure: new Error('no failure chosen'),
  unreadableMarker: 'unreadable-',
}));

vi.mock('mysql2/promise', async (importOriginal) => {
  const actual = await importOriginal<{ default: Record<string, unknown> }>();
  const createConnection = (options: { host?: string }) => {
    if (options.host !== simulated.healthyHost) return Promise.reject(simulated.failure);
    return Promise.resolve({
      query: () => Promise.resolve([[], []]),
      end: () => Promise.resolve(),
    });
  };
  return { ...actual, default: { ...actual.default, createConnection } };
});

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  // Tests run as root here, where chmod 000 does not stop a read: permission denied is simulated by name.
  const readFileSync = ((file: unknown, ...rest: unknown[]) => {
    if (typeof file === 'string' && path.basename(file).startsWith(simulated.unreadableMarker)) {
      throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), {
        code: 'EACCES',
        errno: -13,
        syscall: 'open',
        path: file,
      });
    }
    return (actual.readFileSync as (...parameters: unknown[]) => unknown)(file, ...rest);
  }) as typeof actual.readFileSync;
  return { ...actual, readFileSync, default: { ...actual, readFileSync } };
});

function driverError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, fatal: true, ...extra });
}

interface Target {
  readonly side: 'local' | 'cloud';
  readonly host: string;
  readonly port: number;
  readonly fileName: string;
}

/** Each way the side's connection can fail: the driver's error, or the TLS file the settings name. */
const causes: Record<string, (target: Target) => { failure?: Error; tls: Record<string, unknown> }> = {
  portClosed: ({ host, port }) => ({
    failure: driverError('ECONNREFUSED', `connect ECONNREFUSED ${host}:${port}`, { errno: -111 }),
    tls: { mode: 'disabled' },
  }),
  hostUnreachable: ({ host, port }) => ({
    failure: driverError('EHOSTUNREACH', `connect EHOSTUNREACH ${host}:${port}`, { errno: -113 }),
    tls: { mode: 'disabled' },
  }),
  networkUnreachable: ({ host, port }) => ({
    failure: driverError('ENETUNREACH', `connect ENETUNREACH ${host}:${port}`, { errno: -101 }),
    tls: { mode: 'disabled' },
  }),
  timeout: () => ({ failure: driverError('ETIMEDOUT', 'connect ETIMEDOUT'), tls: { mode: 'required' } }),
  unknownName: ({ host }) => ({
    failure: driverError('ENOTFOUND', `getaddrinfo ENOTFOUND ${host}`, { errno: -3008 }),
    tls: { mode: 'disabled' },
  }),
  connectionReset: () => ({
    failure: driverError('ECONNRESET', 'read ECONNRESET'),
    tls: { mode: 'disabled' },
  }),
  notMysql: () => ({
    failure: driverError('PROTOCOL_CONNECTION_LOST', 'Connection lost: The server closed the connection.'),
    tls: { mode: 'disabled' },
  }),
  loginRefused: ({ host }) => ({
    failure: driverError(
      'ER_ACCESS_DENIED_ERROR',
      `Access denied for user 'sync'@'${host}' (using password: YES)`,
      {
        errno: 1045,
        sqlState: '28000',
        fatal: false,
      },
    ),
    tls: { mode: 'required' },
  }),
  noTls: () => ({
    failure: driverError('HANDSHAKE_NO_SSL_SUPPORT', 'Server does not support secure connection'),
    tls: { mode: 'required' },
  }),
  handshakeFailed: () => ({
    failure: driverError('HANDSHAKE_SSL_ERROR', 'self-signed certificate in certificate chain', {
      reason: 'self-signed certificate',
    }),
    tls: { mode: 'verify_identity' },
  }),
  fileMissing: ({ fileName }) => ({
    tls: { mode: 'verify_ca', ca_file: path.join(files, 'missing', fileName) },
  }),
  fileIsDirectory: ({ fileName }) => ({
    tls: { mode: 'verify_ca', ca_file: path.join(files, 'directories', fileName) },
  }),
  fileNotPem: ({ fileName }) => ({ tls: { mode: 'verify_ca', ca_file: path.join(files, 'text', fileName) } }),
  fileUnreadable: ({ fileName }) => ({
    tls: { mode: 'verify_ca', ca_file: path.join(files, 'text', `${simulated.unreadableMarker}${fileName}`) },
  }),
  keyNotPem: ({ fileName }) => ({
    tls: {
      mode: 'required',
      cert_file: path.join(files, 'text', fileName),
      key_file: path.join(files, 'text', fileName),
    },
  }),
};

let files = '';
let store: StateStore;

beforeAll(async () => {
  files = await mkdtemp(path.join(tmpdir(), 'start-failure-'));
  await Promise.all(['missing', 'directories', 'text'].map((folder) => mkdir(path.join(files, folder))));
  store = await openStateStore({ type: 'sqlite', filePath: path.join(files, 'state.db') });
});

afterAll(async () => {
  await store.close();
  await rm(files, { recursive: true, force: true });
});

function configWith(target: Target, tls: Record<string, unknown>): ServiceConfig {
  const healthy = { host: simulated.healthyHost, user: 'sync', database: 'shop' };
  const failing = {
    host: target.host,
    port: target.port,
    user: 'sync',
    password: 'secret',
    database: 'shop',
    tls,
  };
  return parseConfig(
    {
      databases:
        target.side === 'local' ? { local: failing, cloud: healthy } : { local: healthy, cloud: failing },
      sync: { tables: [{ name: 'orders', primary_key: 'id' }] },
    },
    'test',
  );
}

const previous = parseConfig(
  {
    databases: {
      local: { host: 'previous-local.test', user: 'sync', database: 'shop' },
      cloud: { host: 'previous-cloud.test', user: 'sync', database: 'shop' },
    },
    sync: { tables: [{ name: 'orders', primary_key: 'id' }] },
  },
  'test',
);

const targetArbitrary: fc.Arbitrary<Target> = fc.record({
  side: fc.constantFrom('local' as const, 'cloud' as const),
  host: fc.domain(),
  port: fc.integer({ min: 1, max: 65_535 }),
  fileName: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/),
});

describe('a configuration whose database cannot be reached', () => {
  it('answers the same for every cause, naming the key path and the trace id; the log has the cause', async () => {
    const answersBySide = new Map<string, string>();
    await fc.assert(
      fc.asyncProperty(targetArbitrary, async (target) => {
        await writeFile(path.join(files, 'text', target.fileName), `not a certificate ${target.host}\n`);
        await mkdir(path.join(files, 'directories', target.fileName), { recursive: true });
        const logs = capturingLogger();
        const supervisor = new ServiceSupervisor({
          config: previous,
          store,
          events: new ServiceEvents(() => undefined),
          logger: logs.logger,
        });
        let next = previous;
        const api = buildTestApi({
          logger: logs.logger,
          configuration: {
            current: () => ({ config: {}, restartRequired: [] }),
            update: async () => {
              await supervisor.reconfigure(next);
              return { applied: [], restartRequired: [], config: {} };
            },
          },
        });
        try {
          for (const [causeName, cause] of Object.entries(causes)) {
            const { failure, tls } = cause(target);
            simulated.failure = failure ?? driverError('ECONNREFUSED', 'connect ECONNREFUSED');
            next = configWith(target, tls);
            const response = await api.app.inject({
              method: 'PUT',
              url: '/api/v1/config',
              headers: adminHeaders,
              payload: {},
            });
            const traceId = String(response.headers['x-request-id']);
            const answer = response.body.replaceAll(traceId, '<trace id>');
            expect(response.statusCode, causeName).toBe(400);
            expect(answer, causeName).toBe(answersBySide.get(target.side) ?? answer);
            answersBySide.set(target.side, answer);
            // Equal across runs too, so the answer depends on neither the host nor the path; nor a driver's text:
            for (const revealing of ['ECONN', 'ENOENT', 'EACCES', 'EISDIR', 'ccess denied', 'certificate']) {
              expect(answer, causeName).not.toContain(revealing);
            }
            // The operator finds the cause in the log, under the answer's trace id.
            const logged = logs.records().filter((record) => record.traceId === traceId);
            expect(JSON.stringify(logged), causeName).toContain(
              failure === undefined ? target.fileName : String((failure as { code?: string }).code),
            );
          }
        } finally {
          await api.app.close();
          await supervisor.stop();
        }
      }),
      { numRuns: 30 },
    );
    expect(JSON.parse(answersBySide.get('cloud') ?? '{}')).toEqual({
      error: {
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/^the new configuration did not start: databases\.cloud: /) as unknown,
        traceId: '<trace id>',
        details: {
          problems: [
            {
              path: 'databases.cloud',
              message: expect.stringContaining(
                'the service log has the cause under trace id <trace id>',
              ) as unknown,
            },
          ],
        },
      },
    });
  });
});
