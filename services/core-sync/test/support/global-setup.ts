/**
 * Starts the two throw-away MariaDB servers ("local" and "cloud") that the database tests share, and stops them
 * after the run. Set MYSQL_SYNC_TEST_LOCAL_URL and MYSQL_SYNC_TEST_CLOUD_URL (mysql://user:password@host:port) to
 * run against existing servers instead; each test creates and drops its own databases on them.
 * MYSQL_SYNC_TEST_STATE_URL names the MySQL server used for the MySQL state-store backend (default: the machine's
 * MariaDB on 127.0.0.1:3306 when it answers, else the "cloud" sandbox).
 *
 * It also starts two Oracle MySQL servers ("mysql-local" and "mysql-cloud") from the chroot `.ci/oracle-mysql`
 * makes, for the tests that run the product on Oracle MySQL (test/servers). MYSQL_SYNC_TEST_MYSQL_LOCAL_URL and
 * MYSQL_SYNC_TEST_MYSQL_CLOUD_URL name existing ones instead. MYSQL_SYNC_SKIP_ORACLE_MYSQL=1 skips those tests, and
 * says so at the start and the end of the run; without it, a missing chroot fails the run with the reason.
 */
import type { TestProject } from 'vitest/node';
import mysql from 'mysql2/promise';
import { SandboxServer, oracleMysqlRoot, removeSandboxTemplate } from '../../src/sandbox/index.js';
import { formatServerUrl, parseServerUrl, type ServerUrlParts } from './server-url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    localServerUrl: string;
    cloudServerUrl: string;
    stateServerUrl: string;
    /** Oracle MySQL servers; empty strings when the Oracle MySQL tests are skipped (see `oracleMysqlSkipped`). */
    mysqlLocalServerUrl: string;
    mysqlCloudServerUrl: string;
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

async function startMysqlPair(startedServers: SandboxServer[]): Promise<[string, string]> {
  const localFromEnv = process.env.MYSQL_SYNC_TEST_MYSQL_LOCAL_URL;
  const cloudFromEnv = process.env.MYSQL_SYNC_TEST_MYSQL_CLOUD_URL;
  if (localFromEnv !== undefined && cloudFromEnv !== undefined) return [localFromEnv, cloudFromEnv];
  const [localServer, cloudServer] = await Promise.all([
    SandboxServer.start({ name: 'test-mysql-local', serverId: 201, flavor: 'mysql' }),
    SandboxServer.start({ name: 'test-mysql-cloud', serverId: 202, flavor: 'mysql' }),
  ]);
  startedServers.push(localServer, cloudServer);
  const version = await serverVersion(formatServerUrl(localServer.connectionInfo));
  console.log(`Oracle MySQL tests run on ${version} (chroot ${oracleMysqlRoot()})`);
  return [formatServerUrl(localServer.connectionInfo), formatServerUrl(cloudServer.connectionInfo)];
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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const startedServers: SandboxServer[] = [];
  const localFromEnv = process.env.MYSQL_SYNC_TEST_LOCAL_URL;
  const cloudFromEnv = process.env.MYSQL_SYNC_TEST_CLOUD_URL;
  let localUrl: string;
  let cloudUrl: string;
  if (localFromEnv !== undefined && cloudFromEnv !== undefined) {
    localUrl = localFromEnv;
    cloudUrl = cloudFromEnv;
  } else {
    const [localServer, cloudServer] = await Promise.all([
      SandboxServer.start({ name: 'test-local', serverId: 101 }),
      SandboxServer.start({ name: 'test-cloud', serverId: 102 }),
    ]);
    startedServers.push(localServer, cloudServer);
    localUrl = formatServerUrl(localServer.connectionInfo);
    cloudUrl = formatServerUrl(cloudServer.connectionInfo);
  }
  const machineServer = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };
  const stateUrl =
    process.env.MYSQL_SYNC_TEST_STATE_URL ??
    ((await answers(machineServer)) ? formatServerUrl(machineServer) : cloudUrl);
  parseServerUrl(stateUrl);
  const oracleMysqlSkipped =
    process.env[skipVariable] === '1' ? `${skipVariable}=1 is set: the Oracle MySQL tests are SKIPPED` : '';
  let mysqlUrls: [string, string] = ['', ''];
  if (oracleMysqlSkipped === '') {
    mysqlUrls = await startMysqlPair(startedServers);
  } else {
    console.warn(oracleMysqlSkipped);
  }
  project.provide('mysqlLocalServerUrl', mysqlUrls[0]);
  project.provide('mysqlCloudServerUrl', mysqlUrls[1]);
  project.provide('oracleMysqlSkipped', oracleMysqlSkipped);
  project.provide('localServerUrl', localUrl);
  project.provide('cloudServerUrl', cloudUrl);
  project.provide('stateServerUrl', stateUrl);
  return async () => {
    if (oracleMysqlSkipped !== '') console.warn(oracleMysqlSkipped);
    await Promise.all(startedServers.map((server) => server.destroy()));
    await removeSandboxTemplate();
  };
}
