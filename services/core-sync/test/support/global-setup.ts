/**
 * Starts the two throw-away MariaDB servers ("local" and "cloud") that the database tests share, and stops them
 * after the run. Set MYSQL_SYNC_TEST_LOCAL_URL and MYSQL_SYNC_TEST_CLOUD_URL (mysql://user:password@host:port) to
 * run against existing servers instead; each test creates and drops its own databases on them.
 * MYSQL_SYNC_TEST_STATE_URL names the MySQL server used for the MySQL state-store backend (default: the machine's
 * MariaDB on 127.0.0.1:3306 when it answers, else the "cloud" sandbox).
 */
import type { TestProject } from 'vitest/node';
import mysql from 'mysql2/promise';
import { SandboxServer, removeSandboxTemplate } from '../../src/sandbox/index.js';
import { formatServerUrl, parseServerUrl, type ServerUrlParts } from './server-url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    localServerUrl: string;
    cloudServerUrl: string;
    stateServerUrl: string;
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
  project.provide('localServerUrl', localUrl);
  project.provide('cloudServerUrl', cloudUrl);
  project.provide('stateServerUrl', stateUrl);
  return async () => {
    await Promise.all(startedServers.map((server) => server.destroy()));
    await removeSandboxTemplate();
  };
}
