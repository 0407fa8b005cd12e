/**
 * A source and a target database for one end-to-end test, a service configuration pointing at them, and helpers
 * to run core-sync (in process, or as a child process that can be killed) and compare the two sides.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { expect } from 'vitest';
import { parseConfig, type ServiceConfig } from '../../src/config/index.js';
import { ServiceEvents } from '../../src/events/index.js';
import { BinlogPosition } from '../../src/model/index.js';
import { quoteIdentifier, readBinlogEnd } from '../../src/mysql/index.js';
import { openStateStore, type StateStore } from '../../src/store/index.js';
import { SyncService } from '../../src/sync/index.js';
import { findFreePort } from '../../src/sandbox/index.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import type { ServerUrlParts } from './server-url.js';

export interface SyncFixture extends AsyncDisposable {
  readonly source: TestDatabase;
  readonly target: TestDatabase;
  readonly workDirectory: string;
  /** The configuration document (snake_case YAML keys) for these databases. */
  configDocument(overrides?: {
    tables?: unknown[];
    sync?: Record<string, unknown>;
    server?: Record<string, unknown>;
  }): Record<string, unknown>;
  /** Starts core-sync in this process; `stop()` it (or let the fixture dispose it). */
  startService(document?: Record<string, unknown>): Promise<RunningService>;
  /** Starts core-sync as a child process (the real entry point) that a test can kill. */
  spawnService(document?: Record<string, unknown>): Promise<ServiceProcess>;
}

export interface RunningService {
  readonly service: SyncService;
  readonly store: StateStore;
  readonly config: ServiceConfig;
  /** The bus the service publishes on (subscribe before acting to see what follows). */
  readonly events: ServiceEvents;
  /** Listener failures on the bus (a test asserts there are none). */
  readonly listenerErrors: unknown[];
  stop(): Promise<void>;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** The process's output so far (JSON log lines). */
  output(): string;
  health(): Promise<{ statusCode: number; body: Record<string, unknown> }>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

const serviceEntry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.ts');

function databaseSection(server: ServerUrlParts, database: string): Record<string, unknown> {
  return { host: server.host, port: server.port, user: server.user, password: server.password, database };
}

export async function createSyncFixture(
  sourceUrl: string,
  targetUrl: string,
  label: string,
): Promise<SyncFixture> {
  const source = await createTestDatabase(sourceUrl, `${label}_src`);
  const target = await createTestDatabase(targetUrl, `${label}_dst`);
  const workDirectory = await mkdtemp(path.join(tmpdir(), `mysql-sync-${label}-`));
  const running: { stop(): Promise<void> }[] = [];
  const children: ChildProcess[] = [];

  const configDocument: SyncFixture['configDocument'] = (overrides = {}) => ({
    databases: {
      local: databaseSection(source.server, source.name),
      cloud: databaseSection(target.server, target.name),
    },
    state_storage: { type: 'sqlite', file_path: path.join(workDirectory, 'state.db') },
    sync: {
      mode: 'local_to_cloud',
      workers: 4,
      heartbeat_interval: '1s',
      reconnect_initial_delay: '100ms',
      reconnect_max_delay: '2s',
      tables: overrides.tables ?? [],
      ...overrides.sync,
    },
    server: { host: '127.0.0.1', port: 0, ...overrides.server },
    logging: { level: 'warn' },
  });

  return {
    source,
    target,
    workDirectory,
    configDocument,
    async startService(document = configDocument()) {
      const config = parseConfig(document, 'test');
      const logger: Logger = pino({ level: process.env.MYSQL_SYNC_TEST_LOG_LEVEL ?? 'silent' });
      const store = await openStateStore(config.stateStorage, { logger });
      const listenerErrors: unknown[] = [];
      const events = new ServiceEvents((error) => listenerErrors.push(error));
      const service = new SyncService({ config, store, logger, events });
      let stopped = false;
      const handle: RunningService = {
        service,
        store,
        config,
        events,
        listenerErrors,
        async stop() {
          if (stopped) return;
          stopped = true;
          await service.stop();
          await store.close();
        },
      };
      running.push(handle);
      try {
        await service.start();
      } catch (error) {
        await handle.stop();
        throw error;
      }
      return handle;
    },
    async spawnService(document = configDocument()) {
      const port = await findFreePort();
      const configPath = path.join(workDirectory, `config-${port}.yaml`);
      const serverSection = (document.server ?? {}) as Record<string, unknown>;
      await writeFile(
        configPath,
        JSON.stringify({ ...document, server: { ...serverSection, port }, logging: { level: 'info' } }),
      );
      const child = spawn(process.execPath, ['--import', 'tsx', serviceEntry], {
        env: { ...process.env, CONFIG_PATH: configPath },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return {
        child,
        port,
        output: () => output,
        async health() {
          // With a token /health reports the reasons and paused tables too; a service without tokens (open on
          // loopback) takes any.
          const token = typeof serverSection.auth_token === 'string' ? serverSection.auth_token : 'open-api';
          const response = await fetch(`http://127.0.0.1:${port}/health`, {
            headers: { authorization: `Bearer ${token}` },
          });
          return { statusCode: response.status, body: (await response.json()) as Record<string, unknown> };
        },
        async kill(signal) {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      };
    },
    async [Symbol.asyncDispose]() {
      for (const handle of running.reverse()) await handle.stop();
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(workDirectory, { recursive: true, force: true });
      await target[Symbol.asyncDispose]();
      await source[Symbol.asyncDispose]();
    },
  };
}

/** Waits until the spawned service answers /health with 200 and every one of its directions streams. */
export async function waitUntilHealthy(
  service: ServiceProcess,
  directionCount = 1,
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(
    async () => {
      if (service.child.exitCode !== null)
        throw new Error(`the service exited with ${service.child.exitCode}:\n${service.output()}`);
      const health = await service.health();
      expect(health.statusCode, JSON.stringify(health.body)).toBe(200);
      expect(health.body.directions).toMatchObject(
        Array.from({ length: directionCount }, () => ({ state: 'streaming', stream: 'streaming' })),
      );
    },
    timeoutMs,
    100,
  );
}

/** A bidirectional configuration syncing the table `items` (primary key `id`) with the given table settings. */
export function bidirectionalItemsDocument(
  fixture: SyncFixture,
  table: Record<string, unknown>,
): Record<string, unknown> {
  return fixture.configDocument({
    tables: [{ name: 'items', primary_key: 'id', ...table }],
    sync: { mode: 'bidirectional', batch_insert_size: 100 },
  });
}

/** Runs the same DDL on both databases. */
export async function createOnBothSides(fixture: SyncFixture, statements: string): Promise<void> {
  await fixture.source.query(statements);
  await fixture.target.query(statements);
}

/** Starts core-sync in this process for an `await using` block. */
export async function startDisposableService(
  fixture: SyncFixture,
  document: Record<string, unknown>,
): Promise<RunningService & AsyncDisposable> {
  const running = await fixture.startService(document);
  return { ...running, [Symbol.asyncDispose]: () => running.stop() };
}

/**
 * Grows with every commit on the server: the sequence number of its last binlog transaction (MariaDB: GTID
 * domain 0), or the number of its own transactions in the executed GTID set (MySQL, gtid_mode=ON).
 */
export async function binlogSequence(database: TestDatabase): Promise<number> {
  const [version] = await database.query<{ version: string }>('SELECT VERSION() AS version');
  if (!String(version?.version).toLowerCase().includes('mariadb')) {
    const [row] = await database.query<{ executed: string; uuid: string }>(
      'SELECT @@GLOBAL.gtid_executed AS executed, @@server_uuid AS uuid',
    );
    const own = (row?.executed ?? '')
      .replace(/\s/g, '')
      .split(',')
      .find((entry) => entry.toLowerCase().startsWith(`${String(row?.uuid).toLowerCase()}:`));
    return (own ?? '')
      .split(':')
      .slice(1)
      .filter((interval) => /^\d+(-\d+)?$/.test(interval))
      .reduce((total, interval) => {
        const [first, last = first] = interval.split('-').map(Number) as [number, number?];
        return total + (last - first + 1);
      }, 0);
  }
  const [row] = await database.query<{ position: string }>('SELECT @@GLOBAL.gtid_binlog_pos AS position');
  const own = (row?.position ?? '')
    .split(',')
    .map((gtid) => gtid.trim().split('-'))
    .filter((parts) => parts[0] === '0');
  return Math.max(0, ...own.map((parts) => Number(parts[2] ?? 0)));
}

/** The end of the server's binlog: a direction whose stream read past it has seen every transaction before it. */
export async function binlogEnd(database: TestDatabase): Promise<BinlogPosition> {
  return readBinlogEnd(database.pool);
}

/**
 * No echo loop: once the service has caught up, neither side's binlog grows any more (an echo loop would keep
 * both growing). Waits past the last watermark write first; takes about 5.5 s.
 */
export async function expectBinlogsStandStill(fixture: SyncFixture): Promise<void> {
  await sleep(2_500);
  const settled = [await binlogSequence(fixture.source), await binlogSequence(fixture.target)];
  await sleep(3_000);
  expect([await binlogSequence(fixture.source), await binlogSequence(fixture.target)], 'binlogs').toEqual(
    settled,
  );
}

/** Stops every write load (also when one of them failed) and rethrows the first failure. */
export async function stopLoads(loads: readonly { stop(): Promise<void> }[]): Promise<void> {
  const results = await Promise.allSettled(loads.map((load) => load.stop()));
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}

/** Polls until `check` passes (it throws while not yet), or fails with the last assertion error. */
export async function eventually(
  check: () => Promise<void> | void,
  timeoutMs = 60_000,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** Asserts both sides hold exactly the same rows (full row comparison, ordered by primary key). */
export async function expectTablesEqual(fixture: SyncFixture, table: string, orderBy: string): Promise<void> {
  const query = `SELECT * FROM ${quoteIdentifier(table)} ORDER BY ${orderBy}`;
  const [sourceRows, targetRows] = await Promise.all([
    fixture.source.query(query),
    fixture.target.query(query),
  ]);
  expect(targetRows.length, `${table} row count`).toBe(sourceRows.length);
  expect(targetRows, `${table} rows`).toEqual(sourceRows);
}

/**
 * Runs the same query on both sides and asserts they return the same rows, value by value and in order. For what
 * `SELECT *` does not show or shows through a lossy form: INVISIBLE columns named explicitly, the stored bytes
 * of spatial values (`HEX(g)`, `ST_SRID(g)`), an ENUM's index (`e + 0`).
 */
export async function expectSameRows(fixture: SyncFixture, query: string, label: string): Promise<void> {
  const [sourceRows, targetRows] = await Promise.all([
    fixture.source.query(query),
    fixture.target.query(query),
  ]);
  expect(targetRows.length, `${label} row count`).toBe(sourceRows.length);
  expect(targetRows, `${label} rows`).toEqual(sourceRows);
}
