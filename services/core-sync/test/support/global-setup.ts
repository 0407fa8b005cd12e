/**
 * Starts the throw-away servers the database tests share, one set per test worker (test-servers.ts: the db project
 * runs that many files at once, each on its own set), and stops them after the run. A set is two MariaDB servers
 * ("local" and "cloud") and two Oracle MySQL servers ("mysql-local" and "mysql-cloud", from the chroot
 * `.ci/oracle-mysql` makes, for the tests that run the product on Oracle MySQL: test/servers).
 *
 * MYSQL_SYNC_TEST_LOCAL_URL and MYSQL_SYNC_TEST_CLOUD_URL (mysql://user:password@host:port, one per set, separated
 * by commas) name existing servers instead; each test creates and drops its own databases on them.
 * MYSQL_SYNC_TEST_MYSQL_LOCAL_URL and MYSQL_SYNC_TEST_MYSQL_CLOUD_URL do the same for Oracle MySQL.
 * MYSQL_SYNC_SKIP_ORACLE_MYSQL=1 skips the Oracle MySQL tests, and says so at the start and the end of the run;
 * without it, a missing chroot fails the run with the reason.
 * MYSQL_SYNC_TEST_STATE_URL names the MySQL server used for the MySQL state-store backend (default: the machine's
 * MariaDB on 127.0.0.1:3306 when it answers, else the first "cloud" server).
 */
import type { TestProject } from 'vitest/node';
import mysql from 'mysql2/promise';
import { SandboxServer, oracleMysqlRoot, removeSandboxTemplate } from '../../src/sandbox/index.js';
import { formatServerUrl, parseServerUrl, type ServerUrlParts } from './server-url.js';
import type { TestServerSet } from './test-servers.js';
import { testWorkerCount } from './test-worker-count.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One set per test worker (test-servers.ts); the Oracle MySQL URLs are empty when those tests are skipped. */
    testServerSets: TestServerSet[];
    stateServerUrl: string;
    /** Why the Oracle MySQL tests are skipped, or an empty string when they run. */
    oracleMysqlSkipped: string;
  }
}

async function answers(server: ServerUrlParts): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ ...server, connectTimeout: 1_000 });
    await connection.end();
    return true;
  } catch {
    return false;
  }
}

const skipVariable = 'MYSQL_SYNC_SKIP_ORACLE_MYSQL';

interface ServerPairUrls {
  readonly local: string;
  readonly cloud: string;
}

/**
 * `count` pairs named by two comma-separated variables (`<prefix>_LOCAL_URL`, `<prefix>_CLOUD_URL`), the first
 * `count` of each when they name more (the web UI's tests need one set), or undefined when they are not set.
 */
function pairsFromEnvironment(prefix: string, count: number): ServerPairUrls[] | undefined {
  const urlsOf = (variable: string): string[] | undefined => {
    const value = process.env[variable];
    if (value === undefined) return undefined;
    const urls = value.split(',').map((url) => url.trim());
    if (urls.length < count) {
      throw new Error(
        `${variable} names ${urls.length} server(s); the run needs ${count}, one per test worker`,
      );
    }
    for (const url of urls) parseServerUrl(url);
    return urls.slice(0, count);
  };
  const locals = urlsOf(`${prefix}_LOCAL_URL`);
  const clouds = urlsOf(`${prefix}_CLOUD_URL`);
  if (locals === undefined || clouds === undefined) return undefined;
  return locals.map((local, index) => ({ local, cloud: clouds[index] ?? '' }));
}

/**
 * `count` pairs of sandbox servers of one flavor, started at once; server ids from `firstServerId` on. Every
 * server that started is in `startedServers` by the time this settles, even when another failed to start (then
 * the first failure is thrown).
 */
async function startPairs(
  count: number,
  flavor: 'mariadb' | 'mysql',
  firstServerId: number,
  startedServers: SandboxServer[],
): Promise<ServerPairUrls[]> {
  const prefix = flavor === 'mysql' ? 'test-mysql' : 'test';
  const starts = Array.from({ length: count }, (_, setIndex) =>
    (['local', 'cloud'] as const).map((role, roleIndex) =>
      SandboxServer.start({
        name: `${prefix}-${role}-${setIndex + 1}`,
        serverId: firstServerId + setIndex * 10 + roleIndex,
        ...(flavor === 'mysql' ? { flavor } : {}),
      }),
    ),
  );
  const outcomes = await Promise.allSettled(starts.flat());
  const servers: SandboxServer[] = [];
  for (const outcome of outcomes) if (outcome.status === 'fulfilled') servers.push(outcome.value);
  startedServers.push(...servers);
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  const urlAt = (index: number): string => formatServerUrl((servers[index] as SandboxServer).connectionInfo);
  return Array.from({ length: count }, (_, setIndex) => ({
    local: urlAt(setIndex * 2),
    cloud: urlAt(setIndex * 2 + 1),
  }));
}

async function serverVersion(url: string): Promise<string> {
  const connection = await mysql.createConnection(parseServerUrl(url));
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
    return String(rows[0]?.version);
  } finally {
    await connection.end();
  }
}

export interface TestServerOptions {
  /** How many sets: one per worker that runs database test files at once. */
  readonly sets: number;
  /** Whether the sets include Oracle MySQL servers (the web UI's tests need none). */
  readonly oracleMysql: boolean;
}

/** The global setup of the db project: a set of servers for each of its workers. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  return startTestServers(project, { sets: testWorkerCount(), oracleMysql: true });
}

/** Starts the servers `options` asks for and provides them to `project`'s tests; resolves to their teardown. */
export async function startTestServers(
  project: TestProject,
  options: TestServerOptions,
): Promise<() => Promise<void>> {
  const startedServers: SandboxServer[] = [];
  const count = options.sets;
  const stopStarted = async (): Promise<void> => {
    await Promise.all(startedServers.map((server) => server.destroy()));
    await removeSandboxTemplate();
  };
  try {
    const pairs =
      pairsFromEnvironment('MYSQL_SYNC_TEST', count) ??
      (await startPairs(count, 'mariadb', 101, startedServers));
    const machineServer = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };
    const stateUrl =
      process.env.MYSQL_SYNC_TEST_STATE_URL ??
      ((await answers(machineServer)) ? formatServerUrl(machineServer) : pairs[0]?.cloud);
    if (stateUrl === undefined) throw new Error('no server for the MySQL state store tests');
    parseServerUrl(stateUrl);
    const oracleMysqlSkipped = !options.oracleMysql
      ? 'this project has no Oracle MySQL tests'
      : process.env[skipVariable] === '1'
        ? `${skipVariable}=1 is set: the Oracle MySQL tests are SKIPPED`
        : '';
    let mysqlPairs: ServerPairUrls[] = [];
    if (oracleMysqlSkipped === '') {
      mysqlPairs =
        pairsFromEnvironment('MYSQL_SYNC_TEST_MYSQL', count) ??
        (await startPairs(count, 'mysql', 201, startedServers));
      const version = await serverVersion(mysqlPairs[0]?.local ?? '');
      console.log(`Oracle MySQL tests run on ${version} (chroot ${oracleMysqlRoot()})`);
    } else if (options.oracleMysql) {
      console.warn(oracleMysqlSkipped);
    }
    const sets: TestServerSet[] = pairs.map((pair, index) => ({
      ...pair,
      mysqlLocal: mysqlPairs[index]?.local ?? '',
      mysqlCloud: mysqlPairs[index]?.cloud ?? '',
    }));
    project.provide('testServerSets', sets);
    project.provide('oracleMysqlSkipped', oracleMysqlSkipped);
    project.provide('stateServerUrl', stateUrl);
    return async () => {
      if (oracleMysqlSkipped !== '' && options.oracleMysql) console.warn(oracleMysqlSkipped);
      await stopStarted();
    };
  } catch (error) {
    // The servers that did start are stopped; the error that stopped the setup is the one reported.
    await stopStarted().catch((stopError: unknown) => {
      console.error('stopping the test servers after a failed setup failed too', stopError);
    });
    throw error;
  }
}
