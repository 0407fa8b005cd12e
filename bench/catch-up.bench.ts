/**
 * Catch-up: core-sync snapshots the orders table and stops (the target keeps its checkpoints); while it is
 * stopped the source takes 1,000,000 row changes (inserts, updates and deletes in transactions of 1–200 rows);
 * then the service starts again and the benchmark measures how fast it applies the backlog, until every change
 * is applied and the target equals the source. In the same run, MariaDB's own replication applies the same
 * changes as contenders (support/native-replica.ts): replicas that held the same rows, pointed at the source's
 * position from before the changes, started after core-sync, single-threaded and with parallel apply. With
 * `--against=<revision>` it does that in rounds for that revision's service and the candidate's
 * (support/revision-rounds.ts) and compares their rows/s. `--native=0` leaves the replicas out.
 *
 *   node --import tsx bench/catch-up.bench.ts [--changes=1000000] [--initial-rows=200000] [--writers=2]
 *     [--native=1] [--against=<revision> [--repeat=2]]
 */
import type { Connection } from '../services/core-sync/src/mysql/index.js';
import { totalChangesOf, writeChanges, type ChangeCounts } from './support/change-load.js';
import { isMainModule, numberOption, parseOptions, runStandalone, switchOption } from './support/cli.js';
import { runComparableBenchmark, type ComparableBenchmark } from './support/comparable-benchmark.js';
import { createOrdersTableStatement, fillOrders } from './support/orders-table.js';
import { readProcessCpuMs } from './support/process-cpu.js';
import { markdownTable } from './support/report.js';
import {
  nativeCatchUps,
  nativeContenders,
  prepareReplica,
  sourceCoordinates,
  startReplicas,
  type NativeCatchUp,
  type NativeFigures,
  type NativeReplicaSettings,
} from './support/native-replica.js';
import { binlogBytes, connect, recreateDatabase, withServerPair } from './support/servers.js';
import { benchConfigDocument } from './support/service-config.js';
import { revisionSettings, runRevisionRounds, type RevisionMetric } from './support/revision-rounds.js';
import { ServiceProcess, rowsAppliedOf, type ServiceSource } from './support/service-process.js';
import { settleServer } from './support/settle.js';
import { formatCount, formatMebibytes, formatSeconds } from './support/stats.js';
import { compareTable, describeComparison, type TableComparison } from './support/table-compare.js';
import type { SandboxServer } from '../services/core-sync/src/sandbox/index.js';

const usage =
  'node --import tsx bench/catch-up.bench.ts [--changes=1000000] [--initial-rows=200000] [--writers=2] ' +
  '[--native=1] [--against=<revision> [--repeat=2]]';
const sourceDatabase = 'catchup_source';
const targetDatabase = 'catchup_target';
const table = 'orders';
/** The bars: at least 60,000 rows/s, peak RSS under 200 MB (aim 150 MB). */
const targets = { rowsPerSecond: 60_000, peakRssMib: 200, aimPeakRssMib: 150 } as const;

interface CatchUpFigures {
  readonly initialRows: number;
  readonly counts: ChangeCounts;
  readonly totalChanges: number;
  readonly writeMs: number;
  readonly binlogBytes: number;
  readonly startMs: number;
  readonly caughtUpMs: number;
  readonly rowsApplied: number;
  readonly peakRssKib: number;
  readonly snapshotPeakRssKib: number;
  readonly serviceCpuPercent: number;
  readonly targetCpuPercent: number;
  readonly comparison: TableComparison;
  /** MariaDB's replication applying the same changes, in the same run. */
  readonly native: readonly NativeFigures[];
}

interface CatchUpSettings {
  readonly changes: number;
  readonly initialRows: number;
  readonly writers: number;
  /** Whether MariaDB's own replication contends (`--native`). */
  readonly native: boolean;
}

async function snapshotAndStop(
  source: SandboxServer,
  target: SandboxServer,
  initialRows: number,
  serviceSource: ServiceSource,
): Promise<number> {
  const service = await ServiceProcess.spawn(serviceSource);
  try {
    const { startDurationMs } = await service.start({
      configDocument: configDocument(source, target),
      statusIntervalMs: 0,
    });
    const memory = await service.memory();
    await service.stop();
    console.log(
      `  snapshot of ${formatCount(initialRows)} rows in ${formatSeconds(startDurationMs)} s; service stopped`,
    );
    return memory.peakRssKib;
  } finally {
    service.kill();
  }
}

function configDocument(source: SandboxServer, target: SandboxServer): Record<string, unknown> {
  return benchConfigDocument({ source, sourceDatabase, target, targetDatabase, tables: [{ name: table }] });
}

async function catchUp(
  source: SandboxServer,
  target: SandboxServer,
  totalChanges: number,
  serviceSource: ServiceSource,
): Promise<{
  startMs: number;
  caughtUpMs: number;
  rowsApplied: number;
  peakRssKib: number;
  cpuPercent: number;
  targetCpuPercent: number;
}> {
  const service = await ServiceProcess.spawn(serviceSource);
  try {
    const cpuBefore = await readProcessCpuMs(service.pid);
    const targetCpuBefore = await readProcessCpuMs(target.pid ?? -1);
    let lastPrinted = 0;
    service.onStatus((status, elapsedMs) => {
      if (elapsedMs - lastPrinted < 5_000) return;
      lastPrinted = elapsedMs;
      console.log(
        `    ${formatSeconds(elapsedMs)} s: ${formatCount(rowsAppliedOf(status))} rows applied, queue ${formatCount(status.directions[0]?.queueDepth ?? 0)}`,
      );
    });
    const { startDurationMs } = await service.start({
      configDocument: configDocument(source, target),
      statusIntervalMs: 1_000,
      rowsAppliedTarget: totalChanges,
    });
    const reached = await service.rowsAppliedReached(900_000);
    if (reached === undefined) {
      throw new Error(
        `the service applied ${rowsAppliedOf(service.latestStatus)} of ${totalChanges} changes within 15 minutes`,
      );
    }
    const cpuMs = (await readProcessCpuMs(service.pid)) - cpuBefore;
    const targetCpuMs = (await readProcessCpuMs(target.pid ?? -1)) - targetCpuBefore;
    const memory = await service.memory();
    await service.stop();
    return {
      targetCpuPercent: (targetCpuMs / reached.elapsedMs) * 100,
      startMs: startDurationMs,
      caughtUpMs: reached.elapsedMs,
      rowsApplied: reached.rowsApplied,
      peakRssKib: memory.peakRssKib,
      cpuPercent: (cpuMs / reached.elapsedMs) * 100,
    };
  } finally {
    service.kill();
  }
}

/** One catch-up on fresh databases, both phases by `serviceSource`'s service. */
async function measure(
  source: SandboxServer,
  target: SandboxServer,
  replicas: readonly SandboxServer[],
  options: CatchUpSettings,
  serviceSource: ServiceSource,
): Promise<CatchUpFigures> {
  const sourceConnection = await connect(source);
  const targetConnection = await connect(target);
  const writers: Connection[] = [];
  try {
    await recreateDatabase(sourceConnection, sourceDatabase);
    await recreateDatabase(targetConnection, targetDatabase);
    await sourceConnection.query(`USE \`${sourceDatabase}\``);
    await sourceConnection.query(createOrdersTableStatement(table));
    await fillOrders(sourceConnection, table, options.initialRows);
    const snapshotPeakRssKib = await snapshotAndStop(source, target, options.initialRows, serviceSource);

    // The replicas hold what the target holds now, and start where the source's binlog is now.
    const before = await sourceCoordinates(sourceConnection);
    for (const [index, replica] of replicas.entries()) {
      await prepareReplica(
        replica,
        source,
        before,
        nativeContenders[index] as NativeReplicaSettings,
        async (connection) => {
          await recreateDatabase(connection, sourceDatabase);
          await connection.query(`USE \`${sourceDatabase}\``);
          await connection.query(createOrdersTableStatement(table));
          await fillOrders(connection, table, options.initialRows);
        },
      );
    }
    for (let index = 0; index < options.writers; index += 1) {
      writers.push(await connect(source, sourceDatabase));
    }
    const binlogBefore = await binlogBytes(sourceConnection);
    const writeStartedAt = performance.now();
    const counts = await writeChanges(writers, table, options.initialRows, options.changes);
    const writeMs = performance.now() - writeStartedAt;
    const totalChanges = totalChangesOf(counts);
    const binlogWritten = (await binlogBytes(sourceConnection)) - binlogBefore;
    console.log(
      `  wrote ${formatCount(totalChanges)} row changes (${formatCount(counts.insert)} inserted, ${formatCount(counts.update)} updated, ` +
        `${formatCount(counts.delete)} deleted) in ${formatCount(counts.transactions)} transactions, ${formatSeconds(writeMs)} s; ` +
        `binlog ${formatMebibytes(binlogWritten / 1024)}`,
    );
    let settledMs = (await settleServer(sourceConnection)) + (await settleServer(targetConnection));
    for (const replica of replicas) {
      const replicaConnection = await connect(replica);
      settledMs += await settleServer(replicaConnection).finally(() => replicaConnection.end());
    }
    console.log(`  flushed dirty pages in ${formatSeconds(settledMs)} s; starting the service`);

    const result = await catchUp(source, target, totalChanges, serviceSource);
    const comparison = await compareTable(
      { connection: sourceConnection, database: sourceDatabase },
      { connection: targetConnection, database: targetDatabase },
      table,
    );
    console.log(
      `  caught up in ${formatSeconds(result.caughtUpMs)} s (start() took ${formatSeconds(result.startMs)} s): ` +
        `${formatCount((totalChanges / result.caughtUpMs) * 1000)} rows/s; peak RSS ${formatMebibytes(result.peakRssKib)}; ` +
        `service CPU ${result.cpuPercent.toFixed(0)} %, target server CPU ${result.targetCpuPercent.toFixed(0)} %`,
    );
    console.log(`  ${describeComparison(comparison)}`);
    const native = await nativeCatchUps(
      { connection: sourceConnection, database: sourceDatabase },
      replicas,
      table,
      totalChanges,
    );
    return {
      initialRows: options.initialRows,
      counts,
      totalChanges,
      writeMs,
      binlogBytes: binlogWritten,
      startMs: result.startMs,
      caughtUpMs: result.caughtUpMs,
      rowsApplied: result.rowsApplied,
      peakRssKib: result.peakRssKib,
      snapshotPeakRssKib,
      serviceCpuPercent: result.cpuPercent,
      targetCpuPercent: result.targetCpuPercent,
      comparison,
      native,
    };
  } finally {
    await Promise.all([sourceConnection, targetConnection, ...writers].map((connection) => connection.end()));
  }
}

function rowsPerSecond(figures: CatchUpFigures): number {
  return (figures.totalChanges / figures.caughtUpMs) * 1000;
}

function verdicts(figures: CatchUpFigures): string[] {
  const rate = rowsPerSecond(figures);
  const peakMib = figures.peakRssKib / 1024;
  const parallel = figures.native.find((native) => native.label === nativeContenders[1]?.label);
  const nativeVerdicts = figures.native.map((native) =>
    native.comparison.equal
      ? `${native.label} ended equal to the source`
      : `${native.label} DIFFERS from the source: ${describeComparison(native.comparison)}`,
  );
  return [
    ...(parallel === undefined
      ? []
      : [
          `at least as fast as MariaDB's parallel replication in the same run: ${rate >= nativeRate(figures, parallel) ? 'met' : 'MISSED'} (${formatCount(rate)} against ${formatCount(nativeRate(figures, parallel))} rows/s, ${(rate / nativeRate(figures, parallel)).toFixed(2)}×)`,
        ]),
    `at least ${formatCount(targets.rowsPerSecond)} rows/s: ${rate >= targets.rowsPerSecond ? 'met' : 'MISSED'} (${formatCount(rate)} rows/s)`,
    `peak RSS under ${targets.peakRssMib} MB: ${peakMib < targets.peakRssMib ? 'met' : 'MISSED'} (${peakMib.toFixed(0)} MB; aim ${targets.aimPeakRssMib} MB: ${peakMib < targets.aimPeakRssMib ? 'met' : 'missed'})`,
    figures.comparison.equal
      ? `the target equals the source afterwards: ${describeComparison(figures.comparison)}`
      : `THE TARGET DIFFERS: ${describeComparison(figures.comparison)}`,
    ...nativeVerdicts,
  ];
}

function nativeRate(figures: CatchUpFigures, native: NativeCatchUp): number {
  return (figures.totalChanges / native.caughtUpMs) * 1000;
}

function figuresTable(figures: CatchUpFigures): string {
  const rate = rowsPerSecond(figures);
  return markdownTable(
    [
      'Applier',
      'Caught up in',
      'Rows/s applied',
      'core-sync ÷ it',
      'Peak RSS',
      'Applier CPU',
      'Target server CPU',
    ],
    [
      [
        'core-sync',
        `${formatSeconds(figures.caughtUpMs)} s (of which start() ${formatSeconds(figures.startMs)} s)`,
        formatCount(rate),
        '1.00×',
        formatMebibytes(figures.peakRssKib),
        `${figures.serviceCpuPercent.toFixed(0)} % of a core`,
        `${figures.targetCpuPercent.toFixed(0)} % of a core`,
      ],
      ...figures.native.map((native) => [
        native.label,
        `${formatSeconds(native.caughtUpMs)} s`,
        formatCount(nativeRate(figures, native)),
        `${(rate / nativeRate(figures, native)).toFixed(2)}×`,
        '(in the server)',
        '(in the server)',
        `${native.cpuPercent.toFixed(0)} % of a core`,
      ]),
    ],
  );
}

/** What one catch-up does (`figures` of one run, or of an A/B's first round). */
function workloadDescription(figures: CatchUpFigures): string {
  const { counts } = figures;
  return `core-sync snapshots the orders table (${formatCount(figures.initialRows)} rows; peak RSS ${formatMebibytes(figures.snapshotPeakRssKib)}) and is stopped:
the target keeps its checkpoints. While it is stopped the benchmark writes ${formatCount(figures.totalChanges)} row changes to
the source through its writer connections: ${formatCount(counts.insert)} inserted, ${formatCount(counts.update)} updated,
${formatCount(counts.delete)} deleted, in ${formatCount(counts.transactions)} transactions of 1 to 200 rows (one statement each, kinds and
sizes from a fixed pseudo-random sequence; ${formatSeconds(figures.writeMs)} s, ${formatMebibytes(figures.binlogBytes / 1024)} of binlog). Both servers'
dirty pages are flushed, then a fresh service child starts from the target's checkpoints (service defaults).
"Caught up" is the moment its applied-row count reaches the number of row changes written (polled every 5 ms
in the child, measured from the call to \`start()\`); the rate is row changes ÷ that time. Peak RSS is the
child's VmHWM over the catch-up; CPU is user + system time of the service child and of the target's
\`mariadbd\` over the catch-up (/proc/<pid>/stat), in percent of one core.${figures.native.length === 0 ? '' : nativeDescription}`;
}

/** What the native contenders do, when they run. */
const nativeDescription = `

In the same run, MariaDB's own replication applies the same changes: before the changes, each replica server
(same settings) gets the same rows and is pointed at the source's binlog position of that moment
(\`CHANGE MASTER TO … MASTER_LOG_POS\`); after core-sync has caught up, each replica in turn is started and timed
until its SQL thread has executed up to the source's last position (\`SHOW SLAVE STATUS\`, polled every 10 ms),
its IO thread fetching the binlog meanwhile as core-sync's reader does. One replica applies in its SQL thread
(\`slave_parallel_threads = 0\`), the other with 4 threads (\`slave_parallel_mode = optimistic\`). Their CPU is the
replica \`mariadbd\`'s, which does the applier's work and the target's.`;

/** The figures an A/B compares: rows/s is judged, the rest is shown. */
const revisionMetrics: readonly RevisionMetric<CatchUpFigures>[] = [
  { name: 'Rows/s applied', better: 'higher', valueOf: rowsPerSecond, format: formatCount },
  {
    name: 'Caught up in',
    better: 'context',
    valueOf: (figures) => figures.caughtUpMs,
    format: (milliseconds) => `${formatSeconds(milliseconds)} s`,
  },
  {
    name: 'Peak RSS',
    better: 'context',
    valueOf: (figures) => figures.peakRssKib,
    format: formatMebibytes,
  },
  {
    name: 'Service CPU',
    better: 'context',
    valueOf: (figures) => figures.serviceCpuPercent,
    format: (percent) => `${percent.toFixed(0)} %`,
  },
];

/** The catch-up benchmark with `settings`: one run, or the rounds of an A/B. */
function catchUpBenchmark(settings: CatchUpSettings): ComparableBenchmark<CatchUpFigures> {
  return {
    section: 'catch-up',
    title: 'Catch-up after downtime',
    measure: (serviceSource) =>
      withServerPair('catch-up', async (source, target) =>
        measure(source, target, await startReplicas(settings.native), settings, serviceSource),
      ),
    measureRounds: (contestants, repeat) =>
      withServerPair('catch-up', async (source, target) => {
        const replicas = await startReplicas(settings.native);
        return runRevisionRounds(contestants, repeat, (contestant) =>
          measure(source, target, replicas, settings, contestant.source),
        );
      }),
    describeWorkload: workloadDescription,
    figuresTable,
    verdicts,
    revisionMetrics,
    roundFailure: (figures) =>
      figures.comparison.equal ? undefined : `THE TARGET DIFFERS: ${describeComparison(figures.comparison)}`,
    allRoundsPassed: 'the target equals the source after every round (row count and CHECKSUM TABLE)',
  };
}

export async function runCatchUpBenchmark(argumentList: readonly string[]): Promise<void> {
  const options = parseOptions(
    argumentList,
    ['changes', 'initial-rows', 'writers', 'native', 'against', 'repeat'],
    usage,
  );
  const settings: CatchUpSettings = {
    changes: numberOption(options.changes, 1_000_000, 'changes'),
    initialRows: numberOption(options['initial-rows'], 200_000, 'initial-rows'),
    writers: numberOption(options.writers, 2, 'writers'),
    native: switchOption(options.native, true, 'native'),
  };
  await runComparableBenchmark(catchUpBenchmark(settings), revisionSettings(options));
}

if (isMainModule(import.meta.url)) await runStandalone(runCatchUpBenchmark);
