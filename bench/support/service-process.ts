/**
 * The benchmark's side of a core-sync child process: forks `service-child`, starts the service with a
 * configuration document, follows its status, reads its peak RSS from /proc/<pid>/status (VmHWM, the kernel's
 * high-water mark of the resident set) and stops it.
 *
 * The child runs compiled JavaScript, as `npm start` runs the service, built by service-build.ts from the
 * service's sources as committed (HEAD, or `BENCH_SERVICE_REVISION`) plus bench/support as it is; the reports
 * name the commit. One benchmark process can hold children of several revisions (`ServiceProcess.spawn(source)`),
 * which is how `--against=<revision>` measures two commits side by side (revision-rounds.ts).
 * `BENCH_SERVICE_SOURCE=worktree` compiles the working tree instead. Loading the TypeScript through tsx costs
 * the child about 40 MB of resident memory that the service does not have in production (110 MB against 70 MB
 * after loading the same modules on the reference machine); `BENCH_SERVICE_RUNNER=tsx` still does that (working
 * tree). `BENCH_SERVICE_NODE_OPTIONS` adds node options to the child (`--cpu-prof`, `--heap-prof`, …).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { ServiceStatus } from '../../services/core-sync/src/status/index.js';
import { childCommand, type ServiceSource } from './service-build.js';
import type {
  BatchDurations,
  ChildMessage,
  FullSyncRequest,
  ParentMessage,
  StartRequest,
} from './service-protocol.js';

export {
  candidateSource,
  childCommand,
  commitSource,
  describeServiceSource,
  serviceRunnerDescription,
  type ServiceSource,
} from './service-build.js';

export interface ProcessMemory {
  /** Peak resident set size so far (VmHWM), KiB. */
  readonly peakRssKib: number;
  /** Current resident set size (VmRSS), KiB. */
  readonly rssKib: number;
}

export interface StopResult {
  readonly stopDurationMs: number;
  readonly memory: ProcessMemory;
  readonly childMaxRssKib: number;
  readonly batches: BatchDurations;
  /** Conflicts the service met (bidirectional), by type. */
  readonly conflicts: Readonly<Record<string, number>>;
  /** The same conflicts by `<source> → <target>, <type>, <outcome>`. */
  readonly conflictDecisions: Readonly<Record<string, number>>;
  /** Batches that failed and were retried, by `<direction> <error code>`. */
  readonly retries: Readonly<Record<string, number>>;
}

type MessageOf<Kind extends ChildMessage['kind']> = Extract<ChildMessage, { kind: Kind }>;

export type FullSyncResult = Omit<MessageOf<'full-sync-finished'>, 'kind'>;

export async function readProcessMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakRssKib: field('VmHWM'), rssKib: field('VmRSS') };
}

export class ServiceProcess {
  readonly child: ChildProcess;
  /** RSS of the child once its modules are loaded, before the service starts (KiB). */
  readonly baselineRssKib: number;
  #latestStatus: ServiceStatus | undefined;
  #latestStatusElapsedMs = 0;
  readonly #statusListeners = new Set<(status: ServiceStatus, elapsedMs: number) => void>();
  readonly #waiters: { kind: ChildMessage['kind']; resolve: (message: ChildMessage) => void }[] = [];
  readonly #received: ChildMessage[] = [];
  #exitError: Error | undefined;

  private constructor(child: ChildProcess, baselineRssKib: number) {
    this.child = child;
    this.baselineRssKib = baselineRssKib;
  }

  /**
   * Forks the child of `source` (the candidate, HEAD or what the environment names, unless given) and waits
   * until it has loaded the service's modules.
   */
  static async spawn(source?: ServiceSource): Promise<ServiceProcess> {
    const { entry, execArgv } = await childCommand('service-child', source);
    const child = fork(entry, [], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<MessageOf<'ready'>>((resolve, reject) => {
      child.once('message', (message: ChildMessage) => {
        if (message.kind === 'ready') resolve(message);
        else reject(new Error(`unexpected first message from the service child: ${message.kind}`));
      });
      child.once('exit', (code) =>
        reject(new Error(`the service child exited with code ${code} before it was ready`)),
      );
    });
    const handle = new ServiceProcess(child, ready.rssKib);
    child.on('message', (message: ChildMessage) => handle.#onMessage(message));
    child.on('exit', (code, signal) => {
      handle.#exitError = new Error(`the service child exited (code ${code}, signal ${signal})`);
    });
    return handle;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get latestStatus(): ServiceStatus | undefined {
    return this.#latestStatus;
  }

  /** Milliseconds since the service's start() was called, as of the latest status. */
  get latestStatusElapsedMs(): number {
    return this.#latestStatusElapsedMs;
  }

  /** Calls `listener` with every status message (sent every `statusIntervalMs`). Returns an unsubscribe. */
  onStatus(listener: (status: ServiceStatus, elapsedMs: number) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /**
   * Starts the service; resolves when its start() has returned (the initial snapshot is done). `apiPort` is the
   * HTTP API's port when the request asked for the composition.
   */
  async start(
    request: Omit<StartRequest, 'kind'>,
  ): Promise<{ startDurationMs: number; status: ServiceStatus; apiPort: number | undefined }> {
    this.#send({ kind: 'start', ...request });
    const outcome = await this.#next(['started', 'failed']);
    if (outcome.kind === 'failed') throw new Error(`core-sync failed to start: ${outcome.message}`);
    if (outcome.kind !== 'started') throw new Error(`unexpected message ${outcome.kind}`);
    this.#latestStatus = outcome.status;
    return { startDurationMs: outcome.startDurationMs, status: outcome.status, apiPort: outcome.apiPort };
  }

  /**
   * Runs a full sync through the child's SyncManager (the service must have been started with `composition`);
   * resolves when the run has ended, whatever its final state (`progress.state`), and rejects when the manager
   * refused to start it.
   */
  async fullSync(request: Omit<FullSyncRequest, 'kind'> = {}): Promise<FullSyncResult> {
    this.#send({ kind: 'full-sync', ...request });
    const outcome = await this.#next(['full-sync-finished', 'full-sync-refused']);
    if (outcome.kind === 'full-sync-refused')
      throw new Error(`the full sync did not start: ${outcome.message}`);
    if (outcome.kind !== 'full-sync-finished') throw new Error(`unexpected message ${outcome.kind}`);
    return { elapsedMs: outcome.elapsedMs, progress: outcome.progress, publicEvents: outcome.publicEvents };
  }

  /** Resolves with the child's elapsed time when its applied-row count reaches `rowsAppliedTarget`. */
  async rowsAppliedReached(timeoutMs: number): Promise<MessageOf<'rows-applied-reached'> | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      this.#next(['rows-applied-reached']),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return result?.kind === 'rows-applied-reached' ? result : undefined;
  }

  async memory(): Promise<ProcessMemory> {
    return readProcessMemory(this.pid);
  }

  /**
   * Resets the child's peak RSS (VmHWM) to its current RSS (`5` written to /proc/<pid>/clear_refs), so that the
   * next `memory()` gives the peak of what happened in between.
   */
  async resetPeakRss(): Promise<void> {
    await writeFile(`/proc/${this.pid}/clear_refs`, '5');
  }

  /** Stops the service gracefully (it applies what is queued and writes its checkpoints), then the child exits. */
  async stop(): Promise<StopResult> {
    const memory = await this.memory();
    this.#send({ kind: 'stop' });
    const stopped = await this.#next(['stopped']);
    if (stopped.kind !== 'stopped') throw new Error(`unexpected message ${stopped.kind}`);
    await this.#exited();
    return {
      stopDurationMs: stopped.stopDurationMs,
      memory,
      childMaxRssKib: stopped.maxRssKib,
      batches: stopped.batches,
      conflicts: stopped.conflicts,
      conflictDecisions: stopped.conflictDecisions,
      retries: stopped.retries,
    };
  }

  /** Kills the child at once (cleanup after a failure). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  async #exited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise((resolve) => this.child.once('exit', resolve));
  }

  #send(message: ParentMessage): void {
    if (this.#exitError !== undefined) throw this.#exitError;
    this.child.send(message);
  }

  #onMessage(message: ChildMessage): void {
    if (message.kind === 'status') {
      this.#latestStatus = message.status;
      this.#latestStatusElapsedMs = message.elapsedMs;
      for (const listener of this.#statusListeners) listener(message.status, message.elapsedMs);
      return;
    }
    const waiterIndex = this.#waiters.findIndex((waiter) => waiter.kind === message.kind);
    if (waiterIndex >= 0) {
      const [waiter] = this.#waiters.splice(waiterIndex, 1);
      waiter?.resolve(message);
    } else {
      this.#received.push(message);
    }
  }

  async #next(kinds: readonly ChildMessage['kind'][]): Promise<ChildMessage> {
    const receivedIndex = this.#received.findIndex((message) => kinds.includes(message.kind));
    if (receivedIndex >= 0) return this.#received.splice(receivedIndex, 1)[0] as ChildMessage;
    return new Promise<ChildMessage>((resolve, reject) => {
      const entries = kinds.map((kind) => ({ kind, resolve: (message: ChildMessage) => settle(message) }));
      const onExit = (code: number | null): void => {
        removeEntries();
        reject(new Error(`the service child exited (code ${code}) while waiting for ${kinds.join('/')}`));
      };
      const removeEntries = (): void => {
        for (const entry of entries) {
          const index = this.#waiters.indexOf(entry);
          if (index >= 0) this.#waiters.splice(index, 1);
        }
        this.child.off('exit', onExit);
      };
      const settle = (message: ChildMessage): void => {
        removeEntries();
        resolve(message);
      };
      this.#waiters.push(...entries);
      this.child.once('exit', onExit);
    });
  }
}

/** The total of rows applied over every direction of a status. */
export function rowsAppliedOf(status: ServiceStatus | undefined): number {
  return status?.directions.reduce((total, direction) => total + direction.rowsApplied, 0) ?? 0;
}
