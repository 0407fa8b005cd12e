/**
 * Initial snapshot: core-sync copying the orders table (100,000 and 1,000,000 rows by default) to an empty
 * target, side by side in the same run with `mariadb-dump --single-transaction --quick | mariadb` of the same
 * table into another database of the same target server.
 *
 *   node --import tsx bench/snapshot.bench.ts [--rows=100000,1000000]
 */
import { spawn } from 'node:child_process';
import type { SandboxServer } from '../services/core-sync/src/sandbox/index.js';
import type { Connection } from '../services/core-sync/src/mysql/index.js';
import { isMainModule, numberListOption, parseOptions, runStandalone } from './support/cli.js';
import { describeMachine, machineSummary } from './support/machine.js';
import { createOrdersTableStatement, fillOrders } from './support/orders-table.js';
import { invokedCommand, markdownTable, runContext, writeReportSection } from './support/report.js';
import { benchServerArguments, connect, recreateDatabase, withServerPair } from './support/servers.js';
import { benchConfigDocument } from './support/service-config.js';
import { ServiceProcess, serviceRunnerDescription } from './support/service-process.js';
import { settleServer } from './support/settle.js';
import { formatCount, formatMebibytes, formatSeconds } from './support/stats.js';
import { compareTable, describeComparison, type TableComparison } from './support/table-compare.js';

const usage = 'node --import tsx bench/snapshot.bench.ts [--rows=100000,1000000]';
const sourceDatabase = 'bench_source';
const syncDatabase = 'sync_target';
const dumpDatabase = 'dump_target';
/** The issue's bars: 100K rows well under 10 s, 1M at least 1.5x the pipe, peak RSS under 200 MB (aim 150). */
const targets = { smallSeconds: 10, speedUp: 1.5, peakRssMib: 200, aimPeakRssMib: 150 } as const;

interface SnapshotFigures {
  readonly rowCount: number;
  readonly syncMs: number;
  readonly syncPeakRssKib: number;
  readonly syncBaselineRssKib: number;
  readonly pipeMs: number;
  readonly syncComparison: TableComparison;
  readonly pipeComparison: TableComparison;
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

async function timePipe(source: SandboxServer, target: SandboxServer, table: string): Promise<number> {
  const startedAt = performance.now();
  await runPipeline(pipeCommand(source, target, table));
  return performance.now() - startedAt;
}

/** core-sync in its child process: start() returns once the snapshot is copied. */
async function timeCoreSync(
  source: SandboxServer,
  target: SandboxServer,
  table: string,
): Promise<{ durationMs: number; peakRssKib: number; baselineRssKib: number }> {
  const service = await ServiceProcess.spawn();
  try {
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
    const memory = await service.memory();
    await service.stop();
    return {
      durationMs: startDurationMs,
      peakRssKib: memory.peakRssKib,
      baselineRssKib: service.baselineRssKib,
    };
  } finally {
    service.kill();
  }
}

async function measureSize(
  servers: { source: SandboxServer; target: SandboxServer },
  connections: { source: Connection; target: Connection },
  rowCount: number,
): Promise<SnapshotFigures> {
  const { source, target } = servers;
  const table = `orders_${rowCount}`;
  const fillStartedAt = performance.now();
  await connections.source.query(createOrdersTableStatement(table));
  await fillOrders(connections.source, table, rowCount);
  console.log(`  filled ${table} on the source in ${formatSeconds(performance.now() - fillStartedAt)} s`);
  const settledMs = (await settleServer(connections.source)) + (await settleServer(connections.target));
  console.log(`  flushed dirty pages in ${formatSeconds(settledMs)} s`);

  const pipeMs = await timePipe(source, target, table);
  console.log(
    `  mariadb-dump | mariadb: ${formatSeconds(pipeMs)} s, ${formatCount((rowCount / pipeMs) * 1000)} rows/s`,
  );
  await settleServer(connections.target);

  const sync = await timeCoreSync(source, target, table);
  console.log(
    `  core-sync snapshot:     ${formatSeconds(sync.durationMs)} s, ${formatCount((rowCount / sync.durationMs) * 1000)} rows/s, ` +
      `peak RSS ${formatMebibytes(sync.peakRssKib)} (${formatMebibytes(sync.baselineRssKib)} after loading)`,
  );

  const sourceSide = { connection: connections.source, database: sourceDatabase };
  const syncComparison = await compareTable(
    sourceSide,
    { connection: connections.target, database: syncDatabase },
    table,
  );
  const pipeComparison = await compareTable(
    sourceSide,
    { connection: connections.target, database: dumpDatabase },
    table,
  );
  console.log(`  core-sync copy ${describeComparison(syncComparison)}`);
  console.log(`  pipe copy ${describeComparison(pipeComparison)}`);
  // Free the buffer pools for the next size.
  await connections.target.query(
    `DROP TABLE \`${syncDatabase}\`.\`${table}\`, \`${dumpDatabase}\`.\`${table}\``,
  );
  await connections.source.query(`DROP TABLE \`${sourceDatabase}\`.\`${table}\``);
  return {
    rowCount,
    syncMs: sync.durationMs,
    syncPeakRssKib: sync.peakRssKib,
    syncBaselineRssKib: sync.baselineRssKib,
    pipeMs,
    syncComparison,
    pipeComparison,
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
  const unequal = figures.filter((entry) => !entry.syncComparison.equal || !entry.pipeComparison.equal);
  lines.push(
    unequal.length === 0
      ? 'every copy equals its source (row count and CHECKSUM TABLE)'
      : `COPIES DIFFER: ${unequal.map((entry) => `${entry.rowCount} rows`).join(', ')}`,
  );
  return lines;
}

function reportBody(figures: readonly SnapshotFigures[], context: string): string {
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
target twice, one after the other, with both servers' dirty pages flushed before each copy:

- **dump | restore**: \`mariadb-dump -h 127.0.0.1 -P <source port> -u root --protocol=tcp --single-transaction --quick bench_source <table> | mariadb -h 127.0.0.1 -P <target port> -u root --protocol=tcp dump_target\`
  (the client's defaults: extended INSERTs, keys disabled during the load);
- **core-sync**: a fresh service child process configured with that one table (\`sync.mode: local_to_cloud\`,
  service defaults otherwise); the time is that of \`SyncService.start()\`, which returns once the snapshot is
  committed (it includes the checks, creating the target table and the copy). Peak RSS is the child's VmHWM.

${table}

${verdicts(figures)
  .map((line) => `- ${line}`)
  .join('\n')}
`;
}

export async function runSnapshotBenchmark(argumentList: readonly string[]): Promise<void> {
  const options = parseOptions(argumentList, ['rows'], usage);
  const rowCounts = numberListOption(options.rows, [100_000, 1_000_000], 'rows');
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
        measured.push(await measureSize({ source, target }, connections, rowCount));
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
  await writeReportSection('snapshot', reportBody(figures, context));
  for (const line of verdicts(figures)) console.log(line);
  console.log('wrote the snapshot section of docs/BENCHMARKS.md');
}

if (isMainModule(import.meta.url)) await runStandalone(runSnapshotBenchmark);
