/**
 * Initial snapshot: core-sync copying the orders table (100,000 and 1,000,000 rows by default) to an empty
 * target, side by side in the same run with `mariadb-dump --single-transaction --quick | mariadb` of the same
 * table into another database of the same target server.
 *
 *   node --import tsx bench/snapshot.bench.ts [--rows=100000,1000000] [--repeat=2]
 */
import { spawn } from 'node:child_process';
import type { SandboxServer } from '../services/core-sync/src/sandbox/index.js';
import type { Connection } from '../services/core-sync/src/mysql/index.js';
import { isMainModule, numberListOption, numberOption, parseOptions, runStandalone } from './support/cli.js';
import { describeMachine, machineSummary } from './support/machine.js';
import { createOrdersTableStatement, fillOrders } from './support/orders-table.js';
import { readProcessCpuMs } from './support/process-cpu.js';
import { invokedCommand, markdownTable, runContext, writeReportSection } from './support/report.js';
import { benchServerArguments, connect, recreateDatabase, withServerPair } from './support/servers.js';
import { benchConfigDocument } from './support/service-config.js';
import { ServiceProcess, serviceRunnerDescription } from './support/service-process.js';
import { settleServer } from './support/settle.js';
import { formatCount, formatMebibytes, formatSeconds, maximum } from './support/stats.js';
import { compareTable, describeComparison, type TableComparison } from './support/table-compare.js';

const usage = 'node --import tsx bench/snapshot.bench.ts [--rows=100000,1000000] [--repeat=2]';
const sourceDatabase = 'bench_source';
const syncDatabase = 'sync_target';
const dumpDatabase = 'dump_target';
/** The issue's bars: 100K rows well under 10 s, 1M at least 1.5x the pipe, peak RSS under 200 MB (aim 150). */
const targets = { smallSeconds: 10, speedUp: 1.5, peakRssMib: 200, aimPeakRssMib: 150 } as const;

interface CopyRun {
  readonly contender: 'pipe' | 'core-sync';
  readonly durationMs: number;
  /** CPU used meanwhile, as a percentage of one core: the service child (core-sync only) and the target server. */
  readonly serviceCpuPercent: number | undefined;
  readonly targetCpuPercent: number;
  readonly peakRssKib: number | undefined;
  readonly comparison: TableComparison;
}

interface SnapshotFigures {
  readonly rowCount: number;
  readonly runs: readonly CopyRun[];
  readonly syncMs: number;
  readonly pipeMs: number;
  readonly syncPeakRssKib: number;
  readonly syncBaselineRssKib: number;
}

function clientArguments(server: SandboxServer): string {
  return `-h 127.0.0.1 -P ${server.port} -u root --protocol=tcp`;
}

function pipeCommand(source: SandboxServer, target: SandboxServer, table: string): string {
  return (
    `mariadb-dump ${clientArguments(source)} --single-transaction --quick ${sourceDatabase} ${table}` +
    ` | mariadb ${clientArguments(target)} ${dumpDatabase}`
  );
}

/** Runs a shell pipeline (pipefail); rejects with its stderr when it fails. */
async function runPipeline(command: string): Promise<void> {
  const child = spawn('bash', ['-o', 'pipefail', '-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errorOutput = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    errorOutput += chunk;
  });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (exitCode !== 0) throw new Error(`\`${command}\` exited with ${exitCode}: ${errorOutput.trim()}`);
}

/** core-sync in its child process: start() returns once the snapshot is copied. */
async function copyWithCoreSync(
  source: SandboxServer,
  target: SandboxServer,
  table: string,
): Promise<{
  durationMs: number;
  peakRssKib: number;
  baselineRssKib: number;
  cpuPercent: number;
  targetCpuPercent: number;
}> {
  const service = await ServiceProcess.spawn();
  try {
    const cpuBefore = await readProcessCpuMs(service.pid);
    const targetCpuBefore = await readProcessCpuMs(target.pid ?? -1);
    const { startDurationMs } = await service.start({
      configDocument: benchConfigDocument({
        source,
        sourceDatabase,
        target,
        targetDatabase: syncDatabase,
        tables: [{ name: table }],
      }),
      statusIntervalMs: 0,
    });
    const cpuMs = (await readProcessCpuMs(service.pid)) - cpuBefore;
    const targetCpuMs = (await readProcessCpuMs(target.pid ?? -1)) - targetCpuBefore;
    const memory = await service.memory();
    await service.stop();
    return {
      durationMs: startDurationMs,
      peakRssKib: memory.peakRssKib,
      baselineRssKib: service.baselineRssKib,
      cpuPercent: (cpuMs / startDurationMs) * 100,
      targetCpuPercent: (targetCpuMs / startDurationMs) * 100,
    };
  } finally {
    service.kill();
  }
}

/** Copies the table with one contender, checks the copy against the source, drops it and lets the target settle. */
async function runContender(
  contender: CopyRun['contender'],
  servers: { source: SandboxServer; target: SandboxServer },
  connections: { source: Connection; target: Connection },
  table: string,
): Promise<CopyRun & { baselineRssKib?: number }> {
  let run: Omit<CopyRun, 'comparison'> & { baselineRssKib?: number };
  if (contender === 'pipe') {
    const targetPid = servers.target.pid ?? -1;
    const targetCpuBefore = await readProcessCpuMs(targetPid);
    const startedAt = performance.now();
    await runPipeline(pipeCommand(servers.source, servers.target, table));
    const durationMs = performance.now() - startedAt;
    run = {
      contender,
      durationMs,
      serviceCpuPercent: undefined,
      targetCpuPercent: (((await readProcessCpuMs(targetPid)) - targetCpuBefore) / durationMs) * 100,
      peakRssKib: undefined,
    };
  } else {
    const copied = await copyWithCoreSync(servers.source, servers.target, table);
    run = {
      contender,
      durationMs: copied.durationMs,
      serviceCpuPercent: copied.cpuPercent,
      targetCpuPercent: copied.targetCpuPercent,
      peakRssKib: copied.peakRssKib,
      baselineRssKib: copied.baselineRssKib,
    };
  }
  const database = contender === 'pipe' ? dumpDatabase : syncDatabase;
  const comparison = await compareTable(
    { connection: connections.source, database: sourceDatabase },
    { connection: connections.target, database },
    table,
  );
  console.log(
    `  ${contender === 'pipe' ? 'mariadb-dump | mariadb' : 'core-sync snapshot    '}: ${formatSeconds(run.durationMs)} s, ` +
      `${rowsPerSecond(comparison.sourceRows, run.durationMs)} rows/s` +
      (run.serviceCpuPercent === undefined ? '' : `, service CPU ${run.serviceCpuPercent.toFixed(0)} %`) +
      `, target server CPU ${run.targetCpuPercent.toFixed(0)} %` +
      (run.peakRssKib === undefined
        ? ''
        : `, peak RSS ${formatMebibytes(run.peakRssKib)} (${formatMebibytes(run.baselineRssKib ?? 0)} after loading)`) +
      `; ${describeComparison(comparison)}`,
  );
  // Each contender starts with the same target: its own copy gone, dirty pages flushed.
  await connections.target.query(`DROP TABLE \`${database}\`.\`${table}\``);
  await settleServer(connections.target);
  return { ...run, comparison };
}

async function measureSize(
  servers: { source: SandboxServer; target: SandboxServer },
  connections: { source: Connection; target: Connection },
  rowCount: number,
  repeat: number,
): Promise<SnapshotFigures> {
  const table = `orders_${rowCount}`;
  const fillStartedAt = performance.now();
  await connections.source.query(createOrdersTableStatement(table));
  await fillOrders(connections.source, table, rowCount);
  console.log(`  filled ${table} on the source in ${formatSeconds(performance.now() - fillStartedAt)} s`);
  const settledMs = (await settleServer(connections.source)) + (await settleServer(connections.target));
  console.log(`  flushed dirty pages in ${formatSeconds(settledMs)} s`);
  const runs: (CopyRun & { baselineRssKib?: number })[] = [];
  for (let round = 0; round < repeat; round += 1) {
    // Alternate who goes first, so neither always inherits the other's leftovers.
    const order: CopyRun['contender'][] = round % 2 === 0 ? ['pipe', 'core-sync'] : ['core-sync', 'pipe'];
    for (const contender of order) runs.push(await runContender(contender, servers, connections, table));
  }
  await connections.source.query(`DROP TABLE \`${sourceDatabase}\`.\`${table}\``);
  const syncRuns = runs.filter((run) => run.contender === 'core-sync');
  return {
    rowCount,
    runs,
    // The shortest of each: on a shared machine other work only ever adds time.
    syncMs: Math.min(...syncRuns.map((run) => run.durationMs)),
    pipeMs: Math.min(...runs.filter((run) => run.contender === 'pipe').map((run) => run.durationMs)),
    syncPeakRssKib: maximum(syncRuns.map((run) => run.peakRssKib ?? 0)),
    syncBaselineRssKib: syncRuns[0]?.baselineRssKib ?? 0,
  };
}

const rowsPerSecond = (rowCount: number, milliseconds: number): string =>
  formatCount((rowCount / milliseconds) * 1000);

function verdicts(figures: readonly SnapshotFigures[]): string[] {
  const lines: string[] = [];
  const small = figures.find((entry) => entry.rowCount === 100_000);
  if (small !== undefined) {
    const seconds = small.syncMs / 1000;
    lines.push(
      `100,000 rows under ${targets.smallSeconds} s: ${seconds < targets.smallSeconds ? 'met' : 'MISSED'} (${seconds.toFixed(2)} s)`,
    );
  }
  const large = figures.find((entry) => entry.rowCount === 1_000_000);
  if (large !== undefined) {
    const speedUp = large.pipeMs / large.syncMs;
    lines.push(
      `1,000,000 rows at least ${targets.speedUp}x faster than the pipe: ${speedUp >= targets.speedUp ? 'met' : 'MISSED'} (${speedUp.toFixed(2)}x)`,
    );
  }
  const peakMib = Math.max(...figures.map((entry) => entry.syncPeakRssKib)) / 1024;
  lines.push(
    `peak RSS under ${targets.peakRssMib} MB: ${peakMib < targets.peakRssMib ? 'met' : 'MISSED'} (${peakMib.toFixed(0)} MB; aim ${targets.aimPeakRssMib} MB: ${peakMib < targets.aimPeakRssMib ? 'met' : 'missed'})`,
  );
  const unequal = figures.filter((entry) => entry.runs.some((run) => !run.comparison.equal));
  lines.push(
    unequal.length === 0
      ? 'every copy equals its source (row count and CHECKSUM TABLE)'
      : `COPIES DIFFER: ${unequal.map((entry) => `${entry.rowCount} rows`).join(', ')}`,
  );
  return lines;
}

function runsTable(figures: readonly SnapshotFigures[]): string {
  return markdownTable(
    ['Rows', 'Contender (in run order)', 'Time', 'Rows/s', 'Service CPU', 'Target server CPU', 'Peak RSS'],
    figures.flatMap((entry) =>
      entry.runs.map((run) => [
        formatCount(entry.rowCount),
        run.contender === 'pipe' ? 'dump \\| restore' : 'core-sync',
        `${formatSeconds(run.durationMs)} s`,
        rowsPerSecond(entry.rowCount, run.durationMs),
        run.serviceCpuPercent === undefined ? '' : `${run.serviceCpuPercent.toFixed(0)} %`,
        `${run.targetCpuPercent.toFixed(0)} %`,
        run.peakRssKib === undefined ? '' : formatMebibytes(run.peakRssKib),
      ]),
    ),
  );
}

function reportBody(
  figures: readonly SnapshotFigures[],
  context: string,
  settings: { repeat: number; cpuCount: number },
): string {
  const { repeat, cpuCount } = settings;
  const table = markdownTable(
    [
      'Rows',
      'core-sync',
      'core-sync rows/s',
      'core-sync peak RSS',
      'dump \\| restore',
      'dump \\| restore rows/s',
      'Speed-up (pipe time ÷ core-sync time)',
    ],
    figures.map((entry) => [
      formatCount(entry.rowCount),
      `${formatSeconds(entry.syncMs)} s`,
      rowsPerSecond(entry.rowCount, entry.syncMs),
      formatMebibytes(entry.syncPeakRssKib),
      `${formatSeconds(entry.pipeMs)} s`,
      rowsPerSecond(entry.rowCount, entry.pipeMs),
      `${(entry.pipeMs / entry.syncMs).toFixed(2)}x`,
    ]),
  );
  return `## Initial snapshot

${context}

The orders table (\`bench/support/orders-table.ts\`: BIGINT key, VARCHAR, INT, DECIMAL(12,2), DATETIME(6), JSON,
TEXT, ENUM, TINYINT, a secondary index; about 300 bytes a row) is filled on the source, then copied to an empty
target by each contender in turn (${repeat === 1 ? 'once each, the pipe first' : `${repeat} rounds, alternating who goes first; the summary shows each contender's best time, since on a shared machine other work only ever adds time`}). Before every copy
the target holds no other copy (the previous one is checked against the source, dropped, and the dirty pages
flushed):

- **dump | restore**: \`mariadb-dump -h 127.0.0.1 -P <source port> -u root --protocol=tcp --single-transaction --quick bench_source <table> | mariadb -h 127.0.0.1 -P <target port> -u root --protocol=tcp dump_target\`
  (the client's defaults: extended INSERTs of up to 1 MB, \`UNIQUE_CHECKS=0\`, one connection);
- **core-sync**: a fresh service child process configured with that one table (\`sync.mode: local_to_cloud\`,
  service defaults otherwise); the time is that of \`SyncService.start()\`, which returns once the snapshot is
  committed (it includes the checks, creating the target table and the copy). Peak RSS is the child's VmHWM.

CPU columns are user + system time of the service child and of the target's \`mariadbd\` over the copy, in
percent of one core (the machine has ${cpuCount}): they show which side was the bottleneck.

${table}

Every copy:

${runsTable(figures)}

${verdicts(figures)
  .map((line) => `- ${line}`)
  .join('\n')}
`;
}

export async function runSnapshotBenchmark(argumentList: readonly string[]): Promise<void> {
  const options = parseOptions(argumentList, ['rows', 'repeat'], usage);
  const rowCounts = numberListOption(options.rows, [100_000, 1_000_000], 'rows');
  const repeat = Math.round(numberOption(options.repeat, 2, 'repeat'));
  const command = invokedCommand();
  const machine = await describeMachine();
  console.log(`snapshot benchmark: ${command}\n  ${machineSummary(machine)}`);
  const figures = await withServerPair('snapshot', async (source, target) => {
    const connections = { source: await connect(source), target: await connect(target) };
    try {
      await recreateDatabase(connections.source, sourceDatabase);
      await connections.source.query(`USE \`${sourceDatabase}\``);
      await recreateDatabase(connections.target, syncDatabase);
      await recreateDatabase(connections.target, dumpDatabase);
      const measured: SnapshotFigures[] = [];
      for (const rowCount of rowCounts) {
        console.log(`${formatCount(rowCount)} rows:`);
        measured.push(await measureSize({ source, target }, connections, rowCount, repeat));
      }
      return measured;
    } finally {
      await connections.source.end();
      await connections.target.end();
    }
  });
  const context = runContext(machine, command, [
    `Server settings: ${benchServerArguments.join(' ')}`,
    serviceRunnerDescription(),
  ]);
  await writeReportSection('snapshot', reportBody(figures, context, { repeat, cpuCount: machine.cpuCount }));
  for (const line of verdicts(figures)) console.log(line);
  console.log('wrote the snapshot section of docs/BENCHMARKS.md');
}

if (isMainModule(import.meta.url)) await runStandalone(runSnapshotBenchmark);
