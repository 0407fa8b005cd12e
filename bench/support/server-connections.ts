/**
 * How many connections a process (the service child) holds to each server, sampled while it works.
 *
 * "Held" counts the process's own TCP sockets in state ESTABLISHED whose remote end is the server's port: its
 * file descriptors (/proc/<pid>/fd → socket inodes) matched with the kernel's socket table (/proc/<pid>/net/tcp
 * and tcp6). That is every connection it has open, pooled or not, idle or busy, the binlog stream's included.
 * "Busy" counts those of them that the server's processlist shows running something (`COMMAND` other than
 * `Sleep`; a binlog dump is busy for as long as it streams): each server thread's `HOST` is
 * `127.0.0.1:<client port>`, matched with the process's local ports.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import { columnText, type Connection } from '../../services/core-sync/src/mysql/index.js';
import { queryRows } from './servers.js';
import { sleep } from './stats.js';

export interface SampledServer {
  readonly name: string;
  readonly port: number;
  /** A connection of the benchmark's own to read the processlist (not counted: it is not the process's). */
  readonly connection: Connection;
}

export interface ServerConnectionFigures {
  readonly name: string;
  readonly peakHeld: number;
  readonly meanHeld: number;
  readonly peakBusy: number;
}

export interface ConnectionSample {
  /** Local port of each of the process's established connections, by the server port it connects to. */
  readonly localPortsByServerPort: ReadonlyMap<number, readonly number[]>;
}

function errorCodeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** The inodes of the process's sockets. */
async function socketInodes(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const descriptors = await readdir(`/proc/${pid}/fd`);
  await Promise.all(
    descriptors.map(async (descriptor) => {
      let target: string;
      try {
        target = await readlink(`/proc/${pid}/fd/${descriptor}`);
      } catch (error) {
        // Closed between the listing and now: it is not held any more.
        if (errorCodeOf(error) === 'ENOENT') return;
        throw error;
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match?.[1] !== undefined) inodes.add(match[1]);
    }),
  );
  return inodes;
}

/** `0100007F:D431` → 54321 */
function portOf(address: string): number {
  return Number.parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
}

const establishedState = '01';

/** One sample of the process's established TCP connections to `serverPorts`. */
export async function sampleConnections(
  pid: number,
  serverPorts: readonly number[],
): Promise<ConnectionSample> {
  const inodes = await socketInodes(pid);
  const tables = await Promise.all(
    ['tcp', 'tcp6'].map((name) => readFile(`/proc/${pid}/net/${name}`, 'utf8')),
  );
  const localPortsByServerPort = new Map<number, number[]>(serverPorts.map((port) => [port, []]));
  for (const line of tables.flatMap((table) => table.split('\n').slice(1))) {
    const fields = line.trim().split(/\s+/);
    const [, localAddress, remoteAddress, state] = fields;
    const inode = fields[9];
    if (localAddress === undefined || remoteAddress === undefined || inode === undefined) continue;
    if (state !== establishedState || !inodes.has(inode)) continue;
    localPortsByServerPort.get(portOf(remoteAddress))?.push(portOf(localAddress));
  }
  return { localPortsByServerPort };
}

/** Server threads of the given client ports that are running something (processlist COMMAND not Sleep). */
async function busyThreads(server: SampledServer, localPorts: readonly number[]): Promise<number> {
  if (localPorts.length === 0) return 0;
  const wanted = new Set(localPorts);
  const rows = await queryRows(
    server.connection,
    'SELECT HOST AS host, COMMAND AS command FROM information_schema.PROCESSLIST',
  );
  return rows.filter((row) => {
    const host = columnText(row.host ?? '');
    return wanted.has(Number(host.slice(host.lastIndexOf(':') + 1))) && String(row.command) !== 'Sleep';
  }).length;
}

/** Samples every `intervalMs` from `start()` until `stop()`, which returns the figures per server. */
export class ConnectionSampler {
  readonly #pid: number;
  readonly #servers: readonly SampledServer[];
  readonly #intervalMs: number;
  readonly #held = new Map<string, number[]>();
  readonly #busy = new Map<string, number[]>();
  #running = false;
  #loop: Promise<void> | undefined;
  #failure: unknown;

  constructor(pid: number, servers: readonly SampledServer[], intervalMs = 100) {
    this.#pid = pid;
    this.#servers = servers;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const server of this.#servers) {
      this.#held.set(server.name, []);
      this.#busy.set(server.name, []);
    }
    // Kept until stop() reports it (a rejection nobody awaits yet would end the benchmark process).
    this.#loop = this.#run().catch((error: unknown) => {
      this.#failure = error ?? new Error('connection sampling failed');
    });
  }

  /** Stops sampling; rejects with the error that stopped the sampling early, if one did. */
  async stop(): Promise<ServerConnectionFigures[]> {
    this.#running = false;
    await this.#loop;
    if (this.#failure !== undefined) {
      throw new Error("sampling the service's connections failed", { cause: this.#failure });
    }
    return this.#servers.map((server) => {
      const held = this.#held.get(server.name) ?? [];
      const busy = this.#busy.get(server.name) ?? [];
      return {
        name: server.name,
        peakHeld: Math.max(0, ...held),
        meanHeld: held.length === 0 ? 0 : held.reduce((sum, count) => sum + count, 0) / held.length,
        peakBusy: Math.max(0, ...busy),
      };
    });
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const sample = await sampleConnections(
        this.#pid,
        this.#servers.map((server) => server.port),
      );
      await Promise.all(
        this.#servers.map(async (server) => {
          const localPorts = sample.localPortsByServerPort.get(server.port) ?? [];
          this.#held.get(server.name)?.push(localPorts.length);
          this.#busy.get(server.name)?.push(await busyThreads(server, localPorts));
        }),
      );
      await sleep(this.#intervalMs);
    }
  }
}
