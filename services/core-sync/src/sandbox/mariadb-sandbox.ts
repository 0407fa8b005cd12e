/**
 * Throw-away MariaDB/MySQL servers for the tests, the demo and the benchmarks: each in its own temporary data
 * directory, on a free port, with the binlog on in ROW/FULL format. Data directories are cloned from one
 * initialised template per process, so starting a server costs about a second.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, cp, access, writeFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const execFileAsync = promisify(execFile);

export interface SandboxServerOptions {
  /** A label for logs and the data directory name. */
  readonly name: string;
  /** Distinct per server that takes part in replication with another. */
  readonly serverId: number;
  /** Parent of the server's data directory; a new temporary directory when omitted. */
  readonly baseDirectory?: string;
  /** Extra `--option=value` arguments for the server. */
  readonly extraArguments?: readonly string[];
  /** Port to listen on; a free one when omitted (a restart keeps the port). */
  readonly port?: number;
}

export interface SandboxConnectionInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

const serverBinaryCandidates = ['mariadbd', 'mysqld'];
const searchDirectories = [
  '/usr/sbin',
  '/usr/local/sbin',
  '/usr/bin',
  '/usr/local/bin',
  '/usr/local/mysql/bin',
];

export const missingServerHelp =
  'No MariaDB/MySQL server binary (mariadbd or mysqld) was found on PATH or in /usr/sbin. Install one, e.g. ' +
  '`sudo apt-get install mariadb-server` (Debian/Ubuntu), `brew install mariadb` (macOS) or ' +
  '`sudo dnf install mariadb-server` (Fedora), then run the command again.';

async function isExecutable(filePath: string): Promise<boolean> {
  try {
    await access(filePath, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The server binary to run, or undefined when none is installed. */
export async function findServerBinary(): Promise<string | undefined> {
  const pathDirectories = (process.env.PATH ?? '').split(path.delimiter).filter((entry) => entry.length > 0);
  for (const binaryName of serverBinaryCandidates) {
    for (const directory of [...pathDirectories, ...searchDirectories]) {
      const candidate = path.join(directory, binaryName);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

async function findInstallDbBinary(serverBinary: string): Promise<string> {
  const directories = [path.dirname(serverBinary), ...searchDirectories];
  for (const binaryName of ['mariadb-install-db', 'mysql_install_db']) {
    for (const directory of directories) {
      const candidate = path.join(directory, binaryName);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  throw new Error(`mariadb-install-db was not found next to ${serverBinary}. ${missingServerHelp}`);
}

/** A TCP port nobody listens on right now. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error('could not read the probe port'));
        return;
      }
      probe.close(() => resolve(address.port));
    });
  });
}

let templatePromise: Promise<string> | undefined;

/** Initialises one data directory per process and returns its path; servers start from copies of it. */
async function templateDataDirectory(serverBinary: string): Promise<string> {
  templatePromise ??= (async () => {
    const templateRoot = await mkdtemp(path.join(tmpdir(), 'mysql-sync-template-'));
    const dataDirectory = path.join(templateRoot, 'data');
    const installDb = await findInstallDbBinary(serverBinary);
    const runAsRoot = process.getuid?.() === 0;
    await execFileAsync(installDb, [
      '--no-defaults',
      `--datadir=${dataDirectory}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      ...(runAsRoot ? ['--user=root'] : []),
    ]);
    return dataDirectory;
  })();
  return templatePromise;
}

/** One running sandbox server. `stop()` shuts it down; `destroy()` also removes its files. */
export class SandboxServer {
  readonly name: string;
  readonly serverId: number;
  readonly dataDirectory: string;
  readonly rootDirectory: string;
  readonly port: number;
  readonly #serverBinary: string;
  #extraArguments: readonly string[];
  #process: ChildProcess | undefined;
  #exitPromise: Promise<void> | undefined;
  #ownsRoot: boolean;

  private constructor(init: {
    name: string;
    serverId: number;
    rootDirectory: string;
    port: number;
    serverBinary: string;
    extraArguments: readonly string[];
    ownsRoot: boolean;
  }) {
    this.name = init.name;
    this.serverId = init.serverId;
    this.rootDirectory = init.rootDirectory;
    this.dataDirectory = path.join(init.rootDirectory, 'data');
    this.port = init.port;
    this.#serverBinary = init.serverBinary;
    this.#extraArguments = init.extraArguments;
    this.#ownsRoot = init.ownsRoot;
  }

  static async start(options: SandboxServerOptions): Promise<SandboxServer> {
    const serverBinary = await findServerBinary();
    if (serverBinary === undefined) throw new Error(missingServerHelp);
    const template = await templateDataDirectory(serverBinary);
    const ownsRoot = options.baseDirectory === undefined;
    const rootDirectory =
      options.baseDirectory === undefined
        ? await mkdtemp(path.join(tmpdir(), `mysql-sync-${options.name}-`))
        : path.join(options.baseDirectory, options.name);
    await mkdir(rootDirectory, { recursive: true });
    await rm(path.join(rootDirectory, 'data'), { recursive: true, force: true });
    await cp(template, path.join(rootDirectory, 'data'), { recursive: true });
    const server = new SandboxServer({
      name: options.name,
      serverId: options.serverId,
      rootDirectory,
      port: options.port ?? (await findFreePort()),
      serverBinary,
      extraArguments: options.extraArguments ?? [],
      ownsRoot,
    });
    await server.launch();
    return server;
  }

  get connectionInfo(): SandboxConnectionInfo {
    return { host: '127.0.0.1', port: this.port, user: 'root', password: '' };
  }

  get isRunning(): boolean {
    return this.#process !== undefined;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** Starts the server process (again, after `stop()` or `kill()`), keeping the data directory and port. */
  async launch(): Promise<void> {
    if (this.#process !== undefined) return;
    const runAsRoot = process.getuid?.() === 0;
    const serverArguments = [
      '--no-defaults',
      `--datadir=${this.dataDirectory}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${path.join(this.rootDirectory, 'mysqld.sock')}`,
      `--pid-file=${path.join(this.rootDirectory, 'mysqld.pid')}`,
      `--log-error=${path.join(this.rootDirectory, 'error.log')}`,
      `--server-id=${this.serverId}`,
      `--log-bin=${path.join(this.dataDirectory, 'binlog')}`,
      '--binlog-format=ROW',
      '--binlog-row-image=FULL',
      '--binlog-row-metadata=FULL',
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=128M',
      '--innodb-log-file-size=64M',
      '--innodb-flush-log-at-trx-commit=2',
      '--sync-binlog=0',
      '--max-connections=300',
      '--max-allowed-packet=64M',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      '--performance-schema=OFF',
      ...(runAsRoot ? ['--user=root'] : []),
      ...this.#extraArguments,
    ];
    const child = spawn(this.#serverBinary, serverArguments, { stdio: 'ignore' });
    this.#process = child;
    this.#exitPromise = new Promise((resolve) => {
      child.once('exit', () => {
        if (this.#process === child) this.#process = undefined;
        resolve();
      });
    });
    await this.#waitUntilReady(child);
  }

  async #waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 60_000;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(
          `sandbox server ${this.name} exited with code ${child.exitCode} while starting; see ${path.join(this.rootDirectory, 'error.log')}`,
        );
      }
      try {
        const connection = await mysql.createConnection({ ...this.connectionInfo, connectTimeout: 2_000 });
        await connection.end();
        return;
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`sandbox server ${this.name} did not accept connections within 60 s`, {
      cause: lastError,
    });
  }

  /** Shuts the server down cleanly. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (child === undefined) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      this.#exitPromise?.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 30_000);
      }),
    ]);
    clearTimeout(timer);
    if (!exited) {
      child.kill('SIGKILL');
      await this.#exitPromise;
    }
  }

  /** Kills the server process without letting it shut down (a crash). */
  async kill(): Promise<void> {
    const child = this.#process;
    if (child === undefined) return;
    child.kill('SIGKILL');
    await this.#exitPromise;
  }

  /** Stops and starts the server; with `extraArguments`, starts it with those instead (say, a larger tablespace). */
  async restart(extraArguments?: readonly string[]): Promise<void> {
    await this.stop();
    if (extraArguments !== undefined) this.#extraArguments = extraArguments;
    await this.launch();
  }

  /** Stops the server and removes its files. */
  async destroy(): Promise<void> {
    await this.stop();
    if (this.#ownsRoot) await rm(this.rootDirectory, { recursive: true, force: true });
  }

  /** Writes a note into the server's directory (used by the demo to say who started it). */
  async writeNote(fileName: string, contents: string): Promise<void> {
    await writeFile(path.join(this.rootDirectory, fileName), contents);
  }
}

/** Removes the per-process template data directory (call once when the process is done with sandboxes). */
export async function removeSandboxTemplate(): Promise<void> {
  if (templatePromise === undefined) return;
  const template = await templatePromise.catch(() => undefined);
  templatePromise = undefined;
  if (template !== undefined) await rm(path.dirname(template), { recursive: true, force: true });
}
