/** CPU time of a process (user + system) from /proc/<pid>/stat, to report how busy the service was. */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Milliseconds of CPU the process has used so far. */
export async function readProcessCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return ((userTicks + systemTicks) / clockTicksPerSecond()) * 1000;
}

/**
 * CPU used by some processes from `start()` on, in percent of one core over the wall time since then: pids by
 * name, plus `bench` for this process (the benchmark's own work, e.g. queries it runs or streams it reads).
 */
export class CpuMeter {
  readonly #pids: Readonly<Record<string, number>>;
  readonly #startCpuMs: Readonly<Record<string, number>>;
  readonly #startBench: NodeJS.CpuUsage;
  readonly #startedAt: number;

  private constructor(pids: Readonly<Record<string, number>>, startCpuMs: Record<string, number>) {
    this.#pids = pids;
    this.#startCpuMs = startCpuMs;
    this.#startBench = process.cpuUsage();
    this.#startedAt = performance.now();
  }

  static async start(pids: Readonly<Record<string, number>>): Promise<CpuMeter> {
    const entries = await Promise.all(
      Object.entries(pids).map(async ([name, pid]) => [name, await readProcessCpuMs(pid)] as const),
    );
    return new CpuMeter(pids, Object.fromEntries(entries));
  }

  /** Percent of one core used by each process (and `bench`) since the start, and the wall time. */
  async read(): Promise<{ wallMs: number; percents: Record<string, number> }> {
    const wallMs = performance.now() - this.#startedAt;
    const bench = process.cpuUsage(this.#startBench);
    const percents: Record<string, number> = { bench: ((bench.user + bench.system) / 1000 / wallMs) * 100 };
    await Promise.all(
      Object.entries(this.#pids).map(async ([name, pid]) => {
        const usedMs = (await readProcessCpuMs(pid)) - (this.#startCpuMs[name] ?? 0);
        percents[name] = (usedMs / wallMs) * 100;
      }),
    );
    return { wallMs, percents };
  }
}

/** CPU percents by process, as in a log line: `service 85 %, source 40 %`. */
export function describeCpuPercents(cpuPercent: Readonly<Record<string, number>>): string {
  return Object.entries(cpuPercent)
    .map(([name, percent]) => `${name} ${percent.toFixed(0)} %`)
    .join(', ');
}
