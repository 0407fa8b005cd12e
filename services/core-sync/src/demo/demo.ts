/**
 * `make demo`: two sandbox databases ("local" and "cloud") with the binlog on, a sample shop schema with rows on
 * local, and core-sync copying it to cloud and keeping it in sync while a small write load runs. Ctrl-C stops
 * core-sync (gracefully), the servers, and removes their files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import {
  SandboxServer,
  findFreePort,
  findServerBinary,
  missingServerHelp,
  removeSandboxTemplate,
} from '../sandbox/index.js';
import { sampleDataStatements, sampleSchemaStatements, sampleTables } from './sample-schema.js';

const databaseName = 'shop';

function say(message: string): void {
  console.log(`\x1b[36m[demo]\x1b[0m ${message}`);
}

async function main(): Promise<void> {
  if ((await findServerBinary()) === undefined) {
    console.error(missingServerHelp);
    process.exitCode = 1;
    return;
  }
  const workDirectory = await mkdtemp(path.join(tmpdir(), 'mysql-sync-demo-'));
  const servers: SandboxServer[] = [];
  let coreSync: ChildProcess | undefined;
  let writer: NodeJS.Timeout | undefined;
  let reporter: NodeJS.Timeout | undefined;
  let stopping = false;

  const stopEverything = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(writer);
    clearInterval(reporter);
    say('stopping core-sync, the sandbox servers, and removing their files…');
    if (coreSync !== undefined && coreSync.exitCode === null) {
      const exited = new Promise((resolve) => coreSync?.once('exit', resolve));
      coreSync.kill('SIGTERM');
      await exited;
    }
    await Promise.all(servers.map((server) => server.destroy()));
    await removeSandboxTemplate();
    await rm(workDirectory, { recursive: true, force: true });
    say('everything stopped; nothing is left running');
  };
  process.once('SIGINT', () => void stopEverything());
  process.once('SIGTERM', () => void stopEverything());

  try {
    say('starting two sandbox MariaDB servers (binlog on, ROW format, FULL row image and metadata)…');
    const [localServer, cloudServer] = await Promise.all([
      SandboxServer.start({ name: 'local', serverId: 1, baseDirectory: workDirectory }),
      SandboxServer.start({ name: 'cloud', serverId: 2, baseDirectory: workDirectory }),
    ]);
    servers.push(localServer, cloudServer);
    say(
      `local on 127.0.0.1:${localServer.port}, cloud on 127.0.0.1:${cloudServer.port} (user root, no password)`,
    );

    const local = await mysql.createConnection({ ...localServer.connectionInfo, multipleStatements: true });
    const cloud = await mysql.createConnection({ ...cloudServer.connectionInfo });
    await local.query(`CREATE DATABASE ${databaseName}`);
    await cloud.query(`CREATE DATABASE ${databaseName}`);
    await local.query(`USE ${databaseName}`);
    for (const statement of [...sampleSchemaStatements, ...sampleDataStatements])
      await local.query(statement);
    say(
      `created database ${databaseName} on local with tables ${sampleTables.map((table) => table.name).join(', ')}; cloud is empty`,
    );

    const apiPort = await findFreePort();
    const configPath = path.join(workDirectory, 'config.yaml');
    await writeFile(
      configPath,
      demoConfig(localServer.port, cloudServer.port, apiPort, path.join(workDirectory, 'state.db')),
    );
    const mainScript = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main.js');
    say(
      `starting core-sync (local → cloud, SQLite state store); health at http://127.0.0.1:${apiPort}/health`,
    );
    coreSync = spawn(process.execPath, ['--enable-source-maps', mainScript], {
      env: { ...process.env, CONFIG_PATH: configPath },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    coreSync.once('exit', (code, signal) => {
      if (!stopping) {
        say(`core-sync exited (${signal ?? `code ${code}`}); stopping the demo`);
        void stopEverything().then(() => {
          process.exitCode = code ?? 1;
        });
      }
    });

    let orderNumber = 0;
    writer = setInterval(() => {
      orderNumber += 1;
      const statements =
        orderNumber % 5 === 0
          ? `UPDATE products SET stock = stock - 1 WHERE sku = 'KB-01'`
          : `INSERT INTO orders (customer_id, sku, quantity, total, note) VALUES (1 + ${orderNumber} % 5, 'MS-02', 1, 39.90, 'demo order ${orderNumber} ✓')`;
      local.query(statements).catch((error: unknown) => say(`demo write failed: ${String(error)}`));
    }, 2_000);
    writer.unref();
    reporter = setInterval(() => {
      void reportCounts(local, cloud).catch((error: unknown) =>
        say(`could not count rows: ${String(error)}`),
      );
    }, 5_000);
    reporter.unref();
    say('writing an order to local every 2 s; row counts every 5 s. Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (stopping) {
          clearInterval(check);
          resolve();
        }
      }, 200);
    });
    await local.end();
    await cloud.end();
  } catch (error) {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    await stopEverything();
  }
}

async function reportCounts(local: mysql.Connection, cloud: mysql.Connection): Promise<void> {
  const parts: string[] = [];
  for (const { name } of sampleTables) {
    const [localRows] = await local.query<mysql.RowDataPacket[]>(
      `SELECT COUNT(*) AS total FROM ${databaseName}.${name}`,
    );
    let cloudTotal = '-';
    try {
      const [cloudRows] = await cloud.query<mysql.RowDataPacket[]>(
        `SELECT COUNT(*) AS total FROM ${databaseName}.${name}`,
      );
      cloudTotal = String(cloudRows[0]?.total);
    } catch {
      cloudTotal = '(not created yet)';
    }
    parts.push(`${name} ${String(localRows[0]?.total)}→${cloudTotal}`);
  }
  say(`rows local→cloud: ${parts.join(', ')}`);
}

function demoConfig(localPort: number, cloudPort: number, apiPort: number, statePath: string): string {
  const database = (port: number): string => `
    host: 127.0.0.1
    port: ${port}
    user: root
    password: ""
    database: ${databaseName}`;
  return `# Written by the demo; see config.example.yaml for every key.
databases:
  local:${database(localPort)}
  cloud:${database(cloudPort)}
state_storage:
  type: sqlite
  file_path: ${JSON.stringify(statePath)}
sync:
  mode: local_to_cloud
  workers: 4
  tables:
${sampleTables.map((table) => `    - name: ${table.name}\n      primary_key: ${table.primaryKey}`).join('\n')}
server:
  host: 127.0.0.1
  port: ${apiPort}
logging:
  level: info
  format: pretty
`;
}

await main();
