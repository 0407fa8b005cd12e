/**
 * Running Debian's sysbench (1.0) against a sandbox server: its OLTP workloads' command line, a run that collects
 * the output, the summary line of the reports and its per-interval lines (`--report-interval`).
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { SandboxServer } from '../../services/core-sync/src/sandbox/index.js';

const execFileAsync = promisify(execFile);

/** The OLTP workloads the benchmarks run: both write the same 4 row events a transaction. */
export type SysbenchWorkload = 'oltp_write_only' | 'oltp_read_write';

export interface SysbenchLoad {
  readonly workload: SysbenchWorkload;
  readonly tables: number;
  readonly tableSize: number;
  readonly threads: number;
  /** Transactions per second over all threads (sysbench `--rate`); absent or 0: as fast as it can. */
  readonly rate?: number;
  /** sysbench `--rand-seed` (0, its default, seeds from the time in whole seconds). */
  readonly randomSeed?: number;
}

/** Whether `sysbench` is on PATH. */
export async function sysbenchAvailable(): Promise<boolean> {
  try {
    await execFileAsync('sysbench', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** What a sysbench benchmark prints when sysbench is missing (it then leaves docs/BENCHMARKS.md alone). */
export function sysbenchMissingMessage(benchmark: string): string {
  return (
    `${benchmark} benchmark SKIPPED: \`sysbench\` is not on PATH. Install it (Debian/Ubuntu: \`apt-get install -y ` +
    `sysbench\`) and run \`npm run bench -- ${benchmark}\` again. docs/BENCHMARKS.md was left as it was.`
  );
}

/** The workload and connection arguments (a command, `prepare` or `run` and its options follow). */
export function sysbenchArguments(server: SandboxServer, database: string, load: SysbenchLoad): string[] {
  return [
    load.workload,
    '--db-driver=mysql',
    '--mysql-host=127.0.0.1',
    `--mysql-port=${server.port}`,
    '--mysql-user=root',
    '--mysql-password=',
    `--mysql-db=${database}`,
    `--tables=${load.tables}`,
    `--table-size=${load.tableSize}`,
    `--threads=${load.threads}`,
    ...(load.rate === undefined || load.rate === 0 ? [] : [`--rate=${load.rate}`]),
    ...(load.randomSeed === undefined ? [] : [`--rand-seed=${load.randomSeed}`]),
  ];
}

/** Runs sysbench; resolves with its output, rejects with it when sysbench fails. */
export async function runSysbench(argumentList: readonly string[]): Promise<string> {
  const child = spawn('sysbench', [...argumentList], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (exitCode !== 0)
    throw new Error(`sysbench ${argumentList.join(' ')} exited with ${exitCode}:\n${output}`);
  return output;
}

/** The transactions/queries/latency figures of sysbench's final summary, as one line. */
export function summariseSysbench(output: string): string {
  const pick = (pattern: RegExp): string => pattern.exec(output)?.[1]?.trim() ?? '?';
  return (
    `${pick(/transactions:\s+\d+\s+\(([\d.]+) per sec\.\)/)} transactions/s, ` +
    `${pick(/queries:\s+\d+\s+\(([\d.]+) per sec\.\)/)} queries/s, ` +
    `latency avg ${pick(/avg:\s+([\d.]+)/)} ms, 95th percentile ${pick(/95th percentile:\s+([\d.]+)/)} ms, ` +
    `${pick(/ignored errors:\s+(\d+)/)} ignored errors`
  );
}

/** The number of transactions of the final summary (NaN when missing). */
export function sysbenchTransactions(output: string): number {
  return Number(/transactions:\s+(\d+)/.exec(output)?.[1] ?? Number.NaN);
}

/** One `--report-interval` line: `[ 10s ] thds: 4 tps: 1234.56 qps: … lat (ms,95%): 3.82 err/s: 0.00 …`. */
export interface SysbenchInterval {
  /** Seconds since the run started, at the end of the interval. */
  readonly endSeconds: number;
  readonly transactionsPerSecond: number;
  readonly latencyP95Ms: number;
  readonly errorsPerSecond: number;
}

export function sysbenchIntervals(output: string): SysbenchInterval[] {
  const pattern =
    /^\[ (\d+)s \] thds: \d+ tps: ([\d.]+) qps: [\d.]+ .*?lat \(ms,95%\): ([\d.]+) err\/s: ([\d.]+)/gm;
  return [...output.matchAll(pattern)].map((match) => ({
    endSeconds: Number(match[1]),
    transactionsPerSecond: Number(match[2]),
    latencyP95Ms: Number(match[3]),
    errorsPerSecond: Number(match[4]),
  }));
}
