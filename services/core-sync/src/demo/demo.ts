/**
 * `make demo`: two sandbox databases ("local" and "cloud") with the binlog on, a sample shop schema with rows on
 * local, core-sync keeping them in sync in both directions, the web dashboard, and a gentle stream of writes on
 * both sides so that the dashboard moves. Ctrl-C (or the end of `--duration`) stops the writers, the dashboard,
 * core-sync (gracefully) and the servers, and removes their files.
 *
 * Options: `--duration=90s` (or `MYSQL_SYNC_DEMO_SECONDS=90`) stops the demo by itself after that long;
 * `MYSQL_SYNC_DEMO_UI_PORT` picks the dashboard's port (default 3000, or a free one when 3000 is taken).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { qualifiedName, quoteIdentifier } from '../mysql/index.js';
import {
  SandboxServer,
  findFreePort,
  findServerBinary,
  missingServerHelp,
  removeSandboxTemplate,
} from '../sandbox/index.js';
import { sampleDataStatements, sampleSchemaStatements, sampleTables } from './sample-schema.js';
import { DemoWriter, type SideName } from './writers.js';

const databaseName = 'shop';
const preferredUiPort = 3000;
const demoDirectory = path.dirname(fileURLToPath(import.meta.url));
/** Run from source (`node --import tsx src/demo/demo.ts`, as the tests do) or from the build (`dist/demo/demo.js`). */
const runFromSource = fileURLToPath(import.meta.url).endsWith('.ts');
const coreSyncEntry = path.join(demoDirectory, '..', runFromSource ? 'main.ts' : 'main.js');
const webUiDirectory = path.resolve(demoDirectory, '../../../web-ui');

function say(message: string): void {
  console.log(`\x1b[36m[demo]\x1b[0m ${message}`);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `--duration=90s|2m|90` or MYSQL_SYNC_DEMO_SECONDS; undefined runs until Ctrl-C. */
function parseDurationMs(
  argumentList: readonly string[],
  environment: NodeJS.ProcessEnv,
): number | undefined {
  const flag = argumentList.find((argument) => argument.startsWith('--duration='));
  const text = flag?.slice('--duration='.length) ?? environment.MYSQL_SYNC_DEMO_SECONDS;
  if (text === undefined || text === '') return undefined;
  const match = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(text.trim());
  if (match === null)
    throw new Error(`the demo duration must look like 90s, 2m or 90 (seconds), got "${text}"`);
  const amount = Number(match[1]);
  return Math.round(amount * (match[2] === 'm' ? 60_000 : 1_000));
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function pickUiPort(): Promise<number> {
  const requested = process.env.MYSQL_SYNC_DEMO_UI_PORT;
  const port = requested === undefined || requested === '' ? preferredUiPort : Number(requested);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`MYSQL_SYNC_DEMO_UI_PORT must be a port number, got "${requested}"`);
  if (port !== 0 && (await portIsFree(port))) return port;
  const freePort = await findFreePort();
  if (port !== 0) say(`port ${port} is taken; the dashboard uses port ${freePort} instead`);
  return freePort;
}

/** Whether a child process has not exited yet. */
function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Asks a child to stop (SIGTERM), and kills it when it has not exited after `graceMs`. */
async function stopChild(child: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (child === undefined || !isAlive(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (!inTime) {
    say(`process ${child.pid} did not stop within ${graceMs / 1000} s; killing it`);
    child.kill('SIGKILL');
    await exited;
  }
}

interface HealthBody {
  readonly status?: string;
  readonly directions?: readonly { readonly direction?: string; readonly state?: string }[];
}

/** Waits until core-sync's /health answers 200 with both directions streaming. */
async function waitUntilStreaming(apiUrl: string, shouldGiveUp: () => boolean): Promise<void> {
  const deadline = Date.now() + 90_000;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline && !shouldGiveUp()) {
    try {
      const response = await fetch(`${apiUrl}/health`);
      const body = (await response.json()) as HealthBody;
      const directions = body.directions ?? [];
      if (response.ok && directions.length === 2 && directions.every((entry) => entry.state === 'streaming'))
        return;
      lastProblem = `status ${response.status}: ${JSON.stringify(body)}`;
    } catch (error) {
      lastProblem = describeError(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  if (shouldGiveUp()) return;
  throw new Error(`core-sync did not start streaming both directions within 90 s (${lastProblem})`);
}

async function main(): Promise<void> {
  if ((await findServerBinary()) === undefined) {
    console.error(missingServerHelp);
    process.exitCode = 1;
    return;
  }
  const durationMs = parseDurationMs(process.argv.slice(2), process.env);
  const dashboardIndex = path.join(webUiDirectory, 'dist', 'index.html');
  try {
    await access(dashboardIndex);
  } catch (error) {
    throw new Error(
      `the dashboard is not built (${dashboardIndex} is missing): run \`npm run build --workspace services/web-ui\``,
      { cause: error },
    );
  }

  let stopRequested = false;
  let announceStop: () => void = () => undefined;
  const stopSignal = new Promise<void>((resolve) => {
    announceStop = resolve;
  });
  const requestStop = (reason: string): void => {
    if (stopRequested) return;
    stopRequested = true;
    say(`${reason}: stopping the writers, the dashboard, core-sync and the sandbox servers…`);
    announceStop();
  };
  const onSigint = (): void => requestStop('Ctrl-C');
  const onSigterm = (): void => requestStop('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  const durationTimer =
    durationMs === undefined
      ? undefined
      : setTimeout(() => requestStop(`the demo ran for ${durationMs / 1000} s`), durationMs);

  const workDirectory = await mkdtemp(path.join(tmpdir(), 'mysql-sync-demo-'));
  const servers: SandboxServer[] = [];
  const connections: mysql.Connection[] = [];
  const writers: DemoWriter[] = [];
  let coreSync: ChildProcess | undefined;
  let dashboard: ChildProcess | undefined;
  let reporter: NodeJS.Timeout | undefined;

  try {
    say('starting two sandbox MariaDB servers (binlog on, ROW format, FULL row image and metadata)…');
    // Both sides insert rows with AUTO_INCREMENT keys: odd ids on local, even ids on cloud (docs/bidirectional.md).
    const started = await Promise.allSettled([
      SandboxServer.start({
        name: 'local',
        serverId: 1,
        baseDirectory: workDirectory,
        extraArguments: ['--auto-increment-increment=2', '--auto-increment-offset=1'],
      }),
      SandboxServer.start({
        name: 'cloud',
        serverId: 2,
        baseDirectory: workDirectory,
        extraArguments: ['--auto-increment-increment=2', '--auto-increment-offset=2'],
      }),
    ]);
    for (const outcome of started) if (outcome.status === 'fulfilled') servers.push(outcome.value);
    for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
    const [localServer, cloudServer] = servers as [SandboxServer, SandboxServer];
    say(
      `local database on 127.0.0.1:${localServer.port}, cloud database on 127.0.0.1:${cloudServer.port} ` +
        '(user root, no password; auto_increment_increment 2, offsets 1 and 2)',
    );
    if (stopRequested) return;

    const local = await mysql.createConnection({ ...localServer.connectionInfo, multipleStatements: true });
    connections.push(local);
    const cloud = await mysql.createConnection({ ...cloudServer.connectionInfo, multipleStatements: true });
    connections.push(cloud);
    for (const connection of [local, cloud]) {
      await connection.query(`CREATE DATABASE ${quoteIdentifier(databaseName)}`);
      await connection.query(`USE ${quoteIdentifier(databaseName)}`);
      for (const statement of sampleSchemaStatements) await connection.query(statement);
    }
    for (const statement of sampleDataStatements) await local.query(statement);
    say(
      `created database ${databaseName} with tables ${sampleTables.map((table) => table.name).join(', ')} on both ` +
        'sides; the rows are on local, cloud gets them from the first copy',
    );
    if (stopRequested) return;

    const apiPort = await findFreePort();
    const uiPort = await pickUiPort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const uiUrl = `http://127.0.0.1:${uiPort}`;
    const adminToken = randomBytes(24).toString('base64url');
    const configPath = path.join(workDirectory, 'config.yaml');
    await writeFile(
      configPath,
      demoConfig({
        localPort: localServer.port,
        cloudPort: cloudServer.port,
        apiPort,
        statePath: path.join(workDirectory, 'state.db'),
        corsOrigins: [uiUrl, `http://localhost:${uiPort}`],
      }),
    );
    say('starting core-sync (bidirectional, SQLite state store)…');
    const runningCoreSync = spawn(
      process.execPath,
      [...(runFromSource ? ['--import', 'tsx'] : ['--enable-source-maps']), coreSyncEntry],
      {
        env: { ...process.env, CONFIG_PATH: configPath, MYSQL_SYNC_SERVER__AUTH_TOKEN: adminToken },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    coreSync = runningCoreSync;
    runningCoreSync.once('exit', (code, signal) => {
      if (stopRequested) return;
      if (code !== 0 && signal !== 'SIGINT') process.exitCode = 1;
      requestStop(`core-sync exited (${signal ?? `code ${code}`})`);
    });

    say(`starting the dashboard on ${uiUrl}…`);
    const runningDashboard = spawn(
      process.execPath,
      [path.join(webUiDirectory, 'server', 'static-server.js')],
      {
        env: { ...process.env, PORT: String(uiPort), HOST: '127.0.0.1', MYSQL_SYNC_API_URL: apiUrl },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    dashboard = runningDashboard;
    runningDashboard.once('exit', (code, signal) => {
      if (stopRequested) return;
      if (code !== 0 && signal !== 'SIGINT') process.exitCode = 1;
      requestStop(`the dashboard server exited (${signal ?? `code ${code}`})`);
    });

    await waitUntilStreaming(apiUrl, () => stopRequested);
    if (stopRequested) return;

    const sides: readonly [SideName, mysql.Connection][] = [
      ['local', local],
      ['cloud', cloud],
    ];
    for (const [side, connection] of sides) {
      const writer = new DemoWriter(side, connection, (message) => {
        if (!stopRequested) say(message);
      });
      writers.push(writer);
      writer.start(400);
    }
    reporter = setInterval(() => {
      reportCounts(local, cloud).catch((error: unknown) => {
        if (!stopRequested) say(`could not count rows: ${describeError(error)}`);
      });
    }, 5_000);

    const rule = '═'.repeat(72);
    console.log(
      [
        '',
        `\x1b[1;32m${rule}`,
        `  mysql-sync demo is running`,
        '',
        `  Dashboard:    ${uiUrl}`,
        `  Admin token:  ${adminToken}`,
        '',
        `  API:          ${apiUrl}  (health: ${apiUrl}/health)`,
        `  Databases:    local 127.0.0.1:${localServer.port}, cloud 127.0.0.1:${cloudServer.port} (root, no password)`,
        `  Writes:       inserts and updates on both sides, a few a second`,
        '',
        durationMs === undefined
          ? '  Press Ctrl-C to stop everything.'
          : `  Stops by itself after ${durationMs / 1000} s (or press Ctrl-C).`,
        `${rule}\x1b[0m`,
        '',
      ].join('\n'),
    );
    await stopSignal;
  } catch (error) {
    console.error(`demo failed: ${describeError(error)}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(durationTimer);
    clearInterval(reporter);
    await Promise.all(writers.map((writer) => writer.stop()));
    await Promise.all(
      connections.map((connection) =>
        connection
          .end()
          .catch((error: unknown) => say(`closing a database connection: ${describeError(error)}`)),
      ),
    );
    await stopChild(dashboard, 5_000);
    await stopChild(coreSync, 30_000);
    await Promise.all(servers.map((server) => server.destroy()));
    await removeSandboxTemplate();
    await rm(workDirectory, { recursive: true, force: true });
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    say('everything stopped; nothing is left running');
  }
}

async function reportCounts(local: mysql.Connection, cloud: mysql.Connection): Promise<void> {
  const parts: string[] = [];
  for (const { name } of sampleTables) {
    const sql = `SELECT COUNT(*) AS total FROM ${qualifiedName(databaseName, name)}`;
    const [localRows] = await local.query<mysql.RowDataPacket[]>(sql);
    const [cloudRows] = await cloud.query<mysql.RowDataPacket[]>(sql);
    parts.push(`${name} ${String(localRows[0]?.total)}/${String(cloudRows[0]?.total)}`);
  }
  say(`rows local/cloud: ${parts.join(', ')}`);
}

interface DemoConfigOptions {
  readonly localPort: number;
  readonly cloudPort: number;
  readonly apiPort: number;
  readonly statePath: string;
  readonly corsOrigins: readonly string[];
}

function demoConfig(options: DemoConfigOptions): string {
  const database = (port: number): string => `
    host: 127.0.0.1
    port: ${port}
    user: root
    password: ""
    database: ${databaseName}`;
  // customers and products carry an updated_at column: the newest change wins. orders has none: local wins.
  const tableConflictSettings: Record<string, string> = {
    customers: 'conflict_resolution: last_write_wins\n      timestamp_column: updated_at',
    products: 'conflict_resolution: last_write_wins\n      timestamp_column: updated_at',
    orders: 'conflict_resolution: source_priority\n      prefer: local',
  };
  const tables = sampleTables
    .map(
      (table) =>
        `    - name: ${table.name}\n      primary_key: ${table.primaryKey}\n      ${tableConflictSettings[table.name] ?? ''}`,
    )
    .join('\n');
  return `# Written by the demo; see config.example.yaml for every key. The admin token comes from the environment.
databases:
  local:${database(options.localPort)}
  cloud:${database(options.cloudPort)}
state_storage:
  type: sqlite
  file_path: ${JSON.stringify(options.statePath)}
sync:
  mode: bidirectional
  workers: 4
  tables:
${tables}
server:
  host: 127.0.0.1
  port: ${options.apiPort}
  cors_origins: ${JSON.stringify(options.corsOrigins)}
logging:
  level: info
  format: pretty
`;
}

await main().catch((error: unknown) => {
  console.error(`demo failed: ${describeError(error)}`);
  process.exitCode = 1;
});
