/** What the figures were measured on: printed by every benchmark and written next to its figures. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface MachineInfo {
  readonly cpuCount: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly nodeVersion: string;
  readonly serverVersion: string;
  readonly kernel: string;
  /** 1, 5 and 15 minute load averages when the benchmark started (the machine may be shared). */
  readonly loadAverageAtStart: readonly number[];
}

/** `1.23 / 0.98 / 0.50` */
export function formatLoadAverage(loads: readonly number[] = os.loadavg()): string {
  return loads.map((load) => load.toFixed(2)).join(' / ');
}

async function cpuModel(): Promise<string> {
  try {
    const cpuinfo = await readFile('/proc/cpuinfo', 'utf8');
    const match = /^model name\s*:\s*(.+)$/m.exec(cpuinfo);
    if (match?.[1] !== undefined) return match[1].trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

async function serverBinaryVersion(): Promise<string> {
  for (const binary of ['/usr/sbin/mariadbd', 'mariadbd', '/usr/sbin/mysqld', 'mysqld']) {
    try {
      const { stdout } = await execFileAsync(binary, ['--version']);
      return stdout.trim().replace(/^\S*\s+Ver\s+/, '');
    } catch {
      // Try the next candidate.
    }
  }
  return 'unknown';
}

export async function describeMachine(): Promise<MachineInfo> {
  const { stdout: processorCount } = await execFileAsync('nproc');
  return {
    cpuCount: Number(processorCount.trim()),
    cpuModel: await cpuModel(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    nodeVersion: process.version,
    serverVersion: await serverBinaryVersion(),
    kernel: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg(),
  };
}

export function machineSummary(machine: MachineInfo): string {
  return (
    `${machine.cpuCount} CPUs (nproc), ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, ` +
    `Node ${machine.nodeVersion}, MariaDB ${machine.serverVersion}, ${machine.kernel}`
  );
}
