/**
 * `make demo` end to end: runs the demo (from source) as a child process with its own TMPDIR, checks the
 * dashboard, the API and the writes flowing both ways, then sends SIGINT (Ctrl-C) and checks that nothing is
 * left: no process started by the demo and no temporary directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/sync-fixture.js';

const coreSyncDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const repositoryDirectory = path.resolve(coreSyncDirectory, '../..');
const demoEntry = path.join(coreSyncDirectory, 'src', 'demo', 'demo.ts');

interface Banner {
  readonly uiUrl: string;
  readonly apiUrl: string;
  readonly adminToken: string;
  readonly localPort: number;
  readonly cloudPort: number;
}

async function runToCompletion(command: string, commandArguments: string[], cwd: string): Promise<void> {
  const child = spawn(command, commandArguments, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`${command} ${commandArguments.join(' ')} failed (${code}):\n${output}`);
}

/** The demo serves services/web-ui/dist; build it when a fresh checkout has none (under a second). */
async function ensureDashboardBuilt(): Promise<void> {
  try {
    await access(path.join(repositoryDirectory, 'services', 'web-ui', 'dist', 'index.html'));
  } catch {
    await runToCompletion('npm', ['run', 'build', '--workspace', 'services/web-ui'], repositoryDirectory);
  }
}

/** Pids of live processes whose environment or command line mentions `marker` (Linux /proc). */
async function processesMentioning(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environment: string;
    let commandLine: string;
    try {
      environment = await readFile(`/proc/${entry}/environ`, 'utf8');
      commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8');
    } catch (error) {
      // The process ended while we looked, or belongs to another user: it is not one of the demo's.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'ESRCH') continue;
      throw error;
    }
    if (environment.includes(marker) || commandLine.includes(marker))
      found.push(`${entry}: ${commandLine.replaceAll('\0', ' ')}`);
  }
  return found;
}

describe('make demo', () => {
  let demoTmp = '';
  let demo: ChildProcess | undefined;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;

  beforeAll(async () => {
    await ensureDashboardBuilt();
    demoTmp = await mkdtemp(path.join(tmpdir(), 'mysql-sync-demo-test-'));
  });

  afterAll(async () => {
    if (demo !== undefined && demo.exitCode === null && demo.signalCode === null) {
      demo.kill('SIGKILL');
      await exited;
    }
    for (const line of await processesMentioning(`TMPDIR=${demoTmp}`)) {
      process.kill(Number(line.split(':')[0]), 'SIGKILL');
    }
    await rm(demoTmp, { recursive: true, force: true });
  });

  it('starts the databases, core-sync (bidirectional) and the dashboard, writes on both sides, and Ctrl-C leaves nothing', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', demoEntry, '--duration=110s'], {
      cwd: coreSyncDirectory,
      // A TMPDIR of its own: whatever the demo leaves behind, file or process, is found by this path.
      env: { ...process.env, TMPDIR: demoTmp, MYSQL_SYNC_DEMO_UI_PORT: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo = child;
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    let banner: Banner | undefined;
    await eventually(() => {
      if (child.exitCode !== null) throw new Error(`the demo exited early:\n${output}`);
      const uiUrl = /Dashboard:\s+(\S+)/.exec(output)?.[1];
      const adminToken = /Admin token:\s+(\S+)/.exec(output)?.[1];
      const apiUrl = /API:\s+(\S+)/.exec(output)?.[1];
      const databases = /Databases:\s+local 127\.0\.0\.1:(\d+), cloud 127\.0\.0\.1:(\d+)/.exec(output);
      if (uiUrl === undefined || adminToken === undefined || apiUrl === undefined || databases === null)
        throw new Error(`no banner yet:\n${output}`);
      expect(uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(adminToken).toMatch(/^\S{16,}$/);
      banner = {
        uiUrl,
        adminToken,
        apiUrl,
        localPort: Number(databases[1]),
        cloudPort: Number(databases[2]),
      };
    }, 60_000);
    if (banner === undefined) throw new Error('no banner');
    const { uiUrl, apiUrl, adminToken } = banner;

    const page = await fetch(uiUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('config.js');
    const configScript = await fetch(`${uiUrl}/config.js`);
    expect(configScript.status).toBe(200);
    expect(await configScript.text()).toContain(JSON.stringify({ apiUrl }));

    const health = await fetch(`${apiUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      mode: 'bidirectional',
      directions: [
        { direction: 'local_to_cloud', state: 'streaming' },
        { direction: 'cloud_to_local', state: 'streaming' },
      ],
    });
    expect((await fetch(`${apiUrl}/api/v1/sync/status`)).status).toBe(401);
    const status = await fetch(`${apiUrl}/api/v1/sync/status`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(status.status).toBe(200);
    // The browser calls the API from the dashboard's origin.
    const preflight = await fetch(`${apiUrl}/api/v1/sync/status`, {
      method: 'OPTIONS',
      headers: { origin: uiUrl, 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(uiUrl);

    const local = await mysql.createConnection({
      host: '127.0.0.1',
      port: banner.localPort,
      user: 'root',
      database: 'shop',
    });
    const cloud = await mysql.createConnection({
      host: '127.0.0.1',
      port: banner.cloudPort,
      user: 'root',
      database: 'shop',
    });
    try {
      const countOrders = async (connection: mysql.Connection, notePrefix: string): Promise<number> => {
        const [rows] = await connection.query<mysql.RowDataPacket[]>(
          'SELECT COUNT(*) AS total FROM orders WHERE note LIKE ?',
          [`${notePrefix}%`],
        );
        return Number(rows[0]?.total);
      };
      // Rows written on each side by the demo's writers reach the other side.
      await eventually(async () => {
        expect(await countOrders(cloud, 'local order')).toBeGreaterThanOrEqual(3);
        expect(await countOrders(local, 'cloud order')).toBeGreaterThanOrEqual(3);
      }, 30_000);
      const [cloudOrderIds] = await local.query<mysql.RowDataPacket[]>(
        "SELECT id FROM orders WHERE note LIKE 'cloud order%'",
      );
      // Cloud hands out even ids, local odd ones: the two writers never collide.
      expect(cloudOrderIds.every((row) => Number(row.id) % 2 === 0)).toBe(true);
    } finally {
      await local.end();
      await cloud.end();
    }

    // The check below would see them: the demo, two database servers, core-sync and the dashboard server.
    expect((await processesMentioning(`TMPDIR=${demoTmp}`)).length).toBeGreaterThanOrEqual(5);
    child.kill('SIGINT');
    const outcome = await Promise.race([
      exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 40_000)),
    ]);
    expect(outcome, output).toEqual({ code: 0, signal: null });
    expect(output).toContain('everything stopped; nothing is left running');
    expect(output).not.toMatch(/write failed|demo failed/);
    expect(await processesMentioning(`TMPDIR=${demoTmp}`)).toEqual([]);
    expect(await processesMentioning(demoTmp)).toEqual([]);
    // tsx (which runs the demo from source here, not in `make demo`) keeps its cache in TMPDIR/tsx-<uid>.
    const leftovers = (await readdir(demoTmp)).filter((entry) => !/^tsx-\d+$/.test(entry));
    expect(leftovers).toEqual([]);
    await expect(fetch(`${apiUrl}/health`)).rejects.toThrow();
    await expect(fetch(uiUrl)).rejects.toThrow();
  });
});
