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
import { totalChangesOf, writeChanges } from './support/change-load.js';
import { isMainModule, numberOption, parseOptions, runStandalone, switchOption } from './support/cli.js';
import { runComparableBenchmark, type ComparableBenchmark } from './support/comparable-benchmark.js';
import {
  figuresTable,
  revisionMetrics,
  verdicts,
  workloadDescription,
  type CatchUpFigures,
} from './catch-up/figures.js';
import { createOrdersTableStatement, fillOrders } from './support/orders-table.js';
import { readProcessCpuMs } from './support/process-cpu.js';
import {
  nativeCatchUps,
  nativeContenders,
  prepareReplica,
  sourceCoordinates,
  startReplicas,
  type NativeReplicaSettings,
} from './support/native-replica.js';
import { binlogBytes, connect, globalStatus, recreateDatabase, withServerPair } from './support/servers.js';
import { benchConfigDocument } from './support/service-config.js';
import { revisionSettings, runRevisionRounds } from './support/revision-rounds.js';
import { ServiceProcess, rowsAppliedOf, type ServiceSource } from './support/service-process.js';
import { settleServer } from './support/settle.js';
import { formatCount, formatMebibytes, formatSeconds } from './support/stats.js';
import { compareTable, describeComparison } from './support/table-compare.js';
import type { SandboxServer } from '../services/core-sync/src/sandbox/index.js';

const usage =
  'node --import tsx bench/catch-up.bench.ts [--changes=1000000] [--initial-rows=200000] [--writers=2] ' +
  '[--native=1] [--against=<revision> [--repeat=2]]';
const sourceDatabase = 'catchup_source';
const targetDatabase = 'catchup_target';
const table = 'orders';
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

    const statusNames = ['Questions', 'Com_commit'];
    const targetBefore = await globalStatus(targetConnection, statusNames);
    const result = await catchUp(source, target, totalChanges, serviceSource);
    const targetAfter = await globalStatus(targetConnection, statusNames);
    const targetWork = {
      statements: (targetAfter.get('questions') ?? 0) - (targetBefore.get('questions') ?? 0),
      commits: (targetAfter.get('com_commit') ?? 0) - (targetBefore.get('com_commit') ?? 0),
    };
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
    console.log(
      `  the target ran ${formatCount(targetWork.statements)} statements in ${formatCount(targetWork.commits)} transactions ` +
        `(${(targetWork.statements / totalChanges).toFixed(2)} statements a row change)`,
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
      targetWork,
      native,
    };
  } finally {
    await Promise.all([sourceConnection, targetConnection, ...writers].map((connection) => connection.end()));
  }
}

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
