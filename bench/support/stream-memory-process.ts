/**
 * The benchmark's side of the API child (`stream-memory-child.ts`): forks it (compiled from the commit, as
 * `service-process.ts` does for the service child), starts the API, keeps its memory samples, reads its peak
 * RSS from /proc and stops it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { childCommand, readProcessMemory, type ProcessMemory } from './service-process.js';
import type {
  MemorySample,
  StreamMemoryChildMessage,
  StreamMemoryParentMessage,
  StreamMemoryReport,
  StreamMemoryStart,
} from './stream-memory-protocol.js';

type MessageOf<Kind extends StreamMemoryChildMessage['kind']> = Extract<
  StreamMemoryChildMessage,
  { kind: Kind }
>;

export class StreamMemoryProcess {
  readonly samples: MemorySample[] = [];
  readonly #child: ChildProcess;
  readonly #pending = new Map<string, (message: StreamMemoryChildMessage) => void>();

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message: StreamMemoryChildMessage) => {
      if (message.kind === 'sample') {
        this.samples.push(message);
        return;
      }
      this.#pending.get(message.kind)?.(message);
      this.#pending.delete(message.kind);
    });
  }

  static async spawn(): Promise<StreamMemoryProcess> {
    const { entry, execArgv } = await childCommand('stream-memory-child');
    const child = fork(entry, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const handle = new StreamMemoryProcess(child);
    await handle.#next('ready');
    return handle;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** The newest sample, if any. */
  get latest(): MemorySample | undefined {
    return this.samples.at(-1);
  }

  async start(request: Omit<StreamMemoryStart, 'kind'>): Promise<MessageOf<'listening'>> {
    const listening = this.#next('listening');
    this.#send({ kind: 'start', ...request });
    return listening;
  }

  async memory(): Promise<ProcessMemory> {
    return readProcessMemory(this.pid);
  }

  /** Stops publishing, closes the API (ending every stream) and waits for the child to exit. */
  async stop(): Promise<StreamMemoryReport> {
    const stopped = this.#next('stopped');
    this.#send({ kind: 'stop' });
    const report = await stopped;
    if (this.#child.exitCode === null) await once(this.#child, 'exit');
    return report;
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  #send(message: StreamMemoryParentMessage): void {
    this.#child.send(message);
  }

  async #next<Kind extends StreamMemoryChildMessage['kind']>(kind: Kind): Promise<MessageOf<Kind>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void =>
        reject(new Error(`the API child exited (code ${code}) while the benchmark waited for ${kind}`));
      this.#child.once('exit', onExit);
      this.#pending.set(kind, (message) => {
        this.#child.off('exit', onExit);
        resolve(message as MessageOf<Kind>);
      });
    });
  }
}
