/**
 * Throw-away MariaDB and Oracle MySQL servers for the tests, the demo and the benchmarks: each in its own temporary
 * data directory, on a free port, with the binlog on in ROW/FULL format. Data directories are cloned from one
 * initialised template per flavor and process, so starting a server costs about a second. What differs between
 * the two flavors lives in ./server-flavors.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, cp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { serverFlavor, type ServerFlavor, type ServerFlavorName } from './server-flavors.js';

export interface SandboxServerOptions {
  /** A label for logs and the data directory name. */
  readonly name: string;
  /** Distinct per server that takes part in replication with another. */
  readonly serverId: number;
  /** `mariadb` (the default) or `mysql` (Oracle MySQL, from the chroot `.ci/oracle-mysql` makes). */
  readonly flavor?: ServerFlavorName;
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

const templates = new Map<ServerFlavorName, Promise<string>>();

/** Initialises one data directory per flavor and process and returns its path; servers start from copies of it. */
async function templateDataDirectory(flavor: ServerFlavor): Promise<string> {
  let template = templates.get(flavor.name);
  if (template === undefined) {
    template = (async () => {
      const templateRoot = await mkdtemp(
        path.join(flavor.temporaryParent, `mysql-sync-template-${flavor.name}-`),
      );
      const dataDirectory = path.join(templateRoot, 'data');
      await flavor.initialise(dataDirectory);
      return dataDirectory;
    })();
    templates.set(flavor.name, template);
  }
  return template;
}

/** One running sandbox server. `stop()` shuts it down; `destroy()` also removes its files. */
export class SandboxServer {
  readonly name: string;
  readonly serverId: number;
  readonly dataDirectory: string;
  readonly rootDirectory: string;
  readonly port: number;
  readonly flavor: ServerFlavorName;
  readonly #flavor: ServerFlavor;
  #extraArguments: readonly string[];
  #process: ChildProcess | undefined;
  #exitPromise: Promise<void> | undefined;
  #ownsRoot: boolean;

  private constructor(init: {
    name: string;
    serverId: number;
    rootDirectory: string;
    port: number;
    flavor: ServerFlavor;
    extraArguments: readonly string[];
    ownsRoot: boolean;
  }) {
    this.name = init.name;
    this.serverId = init.serverId;
    this.rootDirectory = init.rootDirectory;
    this.dataDirectory = path.join(init.rootDirectory, 'data');
    this.port = init.port;
    this.#flavor = init.flavor;
    this.flavor = init.flavor.name;
    this.#extraArguments = init.extraArguments;
    this.#ownsRoot = init.ownsRoot;
  }

  static async start(options: SandboxServerOptions): Promise<SandboxServer> {
    const flavor = await serverFlavor(options.flavor ?? 'mariadb');
    const template = await templateDataDirectory(flavor);
    const ownsRoot = options.baseDirectory === undefined;
    const rootDirectory =
      options.baseDirectory === undefined
        ? await mkdtemp(path.join(flavor.temporaryParent, `mysql-sync-${options.name}-`))
        : path.join(options.baseDirectory, options.name);
    await mkdir(rootDirectory, { recursive: true });
    await rm(path.join(rootDirectory, 'data'), { recursive: true, force: true });
    await cp(template, path.join(rootDirectory, 'data'), { recursive: true });
    // Oracle MySQL keeps its server_uuid in auto.cnf and makes a new one when the file is missing: without this,
    // every server started from one template shares one identity and one GTID source id, which no real pair of
    // servers does (a replica of such a server refuses to replicate it).
    await rm(path.join(rootDirectory, 'data', 'auto.cnf'), { force: true });
    const server = new SandboxServer({
      name: options.name,
      serverId: options.serverId,
      rootDirectory,
      port: options.port ?? (await findFreePort()),
      flavor,
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
    const command = this.#flavor.serverCommand(
      {
        rootDirectory: this.rootDirectory,
        dataDirectory: this.dataDirectory,
        serverId: this.serverId,
        port: this.port,
      },
      this.#extraArguments,
    );
    const child = spawn(command.file, command.args, { stdio: 'ignore' });
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

/** Removes the per-process template data directories (call once when the process is done with sandboxes). */
export async function removeSandboxTemplate(): Promise<void> {
  const pending = [...templates.values()];
  templates.clear();
  for (const template of pending) {
    const dataDirectory = await template.catch(() => undefined);
    if (dataDirectory !== undefined) await rm(path.dirname(dataDirectory), { recursive: true, force: true });
  }
}
