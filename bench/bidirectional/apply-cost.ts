/**
 * What conflict checking costs: the catch-up benchmark's measurement (the service stopped while the same burst of
 * row changes is written to local, then started and timed until it has applied them all), once with the service
 * one-way (`local_to_cloud`: no conflict check) and once bidirectional (every batch reads the target's rows of
 * its keys with one `SELECT … FOR UPDATE` per table and decides row by row), in rounds that alternate the order.
 *
 * Each run starts from fresh databases: the orders table (no trigger, no stamp column) is created on both sides,
 * filled on local, copied to cloud by the service, which is then stopped.
 */
import type { Connection } from '../../services/core-sync/src/mysql/index.js';
import { totalChangesOf, writeChanges, type ChangeCounts } from '../support/change-load.js';
import { createOrdersTableStatement, fillOrders } from '../support/orders-table.js';
import { readProcessCpuMs } from '../support/process-cpu.js';
import { binlogBytes, connect, recreateDatabase } from '../support/servers.js';
import { ServiceProcess, rowsAppliedOf } from '../support/service-process.js';
import { settleServer } from '../support/settle.js';
import { formatCount, formatMebibytes, formatSeconds } from '../support/stats.js';
import { compareTable, describeComparison, type TableComparison } from '../support/table-compare.js';
import { bidirectionalTableSettings, pairConfig, type SidePair, type SyncMode } from './pair.js';

const databases = { local: 'bidi_cost_local', cloud: 'bidi_cost_cloud' } as const;
const table = 'orders';
const catchUpTimeoutMs = 900_000;

/** A way to run the service: its mode, and `sync.workers` when not the default (8 apply partitions). */
export interface Contender {
  readonly label: string;
  readonly mode: SyncMode;
  readonly workers?: number;
}

/**
 * The modes compared, in pairs: with the default workers, and with one worker (one apply transaction at a time per
 * direction, so the batches of a direction cannot lock each other out).
 */
export const contenderPairs: readonly { readonly oneWay: Contender; readonly bidirectional: Contender }[] = [
  {
    oneWay: { label: 'one-way', mode: 'local_to_cloud' },
    bidirectional: { label: 'bidirectional', mode: 'bidirectional' },
  },
  {
    oneWay: { label: 'one-way, 1 worker', mode: 'local_to_cloud', workers: 1 },
    bidirectional: { label: 'bidirectional, 1 worker', mode: 'bidirectional', workers: 1 },
  },
];

export interface ApplyCostSettings {
  readonly changes: number;
  readonly initialRows: number;
  readonly writers: number;
  readonly repeat: number;
}

export interface ApplyRun {
  readonly contender: Contender;
  readonly round: number;
  readonly counts: ChangeCounts;
  readonly totalChanges: number;
  readonly writeMs: number;
  readonly binlogBytes: number;
  readonly caughtUpMs: number;
  readonly startMs: number;
  readonly serviceCpuPercent: number;
  readonly localCpuPercent: number;
  readonly cloudCpuPercent: number;
  readonly peakRssKib: number;
  readonly conflicts: Readonly<Record<string, number>>;
  /** Batches the service retried, by `<direction> <error code>`. */
  readonly retries: Readonly<Record<string, number>>;
  readonly comparison: TableComparison;
}

function configDocument(servers: SidePair, contender: Contender): Record<string, unknown> {
  return pairConfig(
    servers,
    databases,
    contender.mode,
    [
      contender.mode === 'bidirectional'
        ? { name: table, settings: bidirectionalTableSettings }
        : { name: table },
    ],
    contender.workers === undefined ? {} : { workers: contender.workers },
  );
}

/** Fresh databases, the table filled on local and copied to cloud by the service, which is then stopped. */
async function prepare(
  servers: SidePair,
  connections: { local: Connection; cloud: Connection },
  contender: Contender,
  initialRows: number,
): Promise<void> {
  for (const side of ['local', 'cloud'] as const) {
    await recreateDatabase(connections[side], databases[side]);
    await connections[side].query(`USE \`${databases[side]}\``);
    await connections[side].query(createOrdersTableStatement(table));
  }
  await fillOrders(connections.local, table, initialRows);
  const service = await ServiceProcess.spawn();
  try {
    await service.start({ configDocument: configDocument(servers, contender), statusIntervalMs: 0 });
    await service.stop();
  } finally {
    service.kill();
  }
}

/** Starts a fresh service child and times it until it has applied `totalChanges` rows. */
async function catchUp(
  servers: SidePair,
  contender: Contender,
  totalChanges: number,
): Promise<
  Omit<ApplyRun, 'contender' | 'round' | 'counts' | 'totalChanges' | 'writeMs' | 'binlogBytes' | 'comparison'>
> {
  const service = await ServiceProcess.spawn();
  try {
    const pids = [service.pid, servers.local.pid ?? -1, servers.cloud.pid ?? -1];
    const cpuBefore = await Promise.all(pids.map((pid) => readProcessCpuMs(pid)));
    const { startDurationMs } = await service.start({
      configDocument: configDocument(servers, contender),
      statusIntervalMs: 1_000,
      rowsAppliedTarget: totalChanges,
    });
    const reached = await service.rowsAppliedReached(catchUpTimeoutMs);
    if (reached === undefined) {
      throw new Error(
        `${contender.label}: the service applied ${rowsAppliedOf(service.latestStatus)} of ${totalChanges} changes within 15 minutes`,
      );
    }
    const cpuAfter = await Promise.all(pids.map((pid) => readProcessCpuMs(pid)));
    const [serviceCpu, localCpu, cloudCpu] = cpuAfter.map(
      (cpuMs, index) => ((cpuMs - (cpuBefore[index] ?? 0)) / reached.elapsedMs) * 100,
    );
    const memory = await service.memory();
    const stopped = await service.stop();
    return {
      caughtUpMs: reached.elapsedMs,
      startMs: startDurationMs,
      serviceCpuPercent: serviceCpu ?? Number.NaN,
      localCpuPercent: localCpu ?? Number.NaN,
      cloudCpuPercent: cloudCpu ?? Number.NaN,
      peakRssKib: memory.peakRssKib,
      conflicts: stopped.conflicts,
      retries: stopped.retries,
    };
  } finally {
    service.kill();
  }
}

async function measureRun(
  servers: SidePair,
  connections: { local: Connection; cloud: Connection },
  contender: Contender,
  round: number,
  settings: ApplyCostSettings,
): Promise<ApplyRun> {
  await prepare(servers, connections, contender, settings.initialRows);
  const writers: Connection[] = [];
  try {
    for (let index = 0; index < settings.writers; index += 1) {
      writers.push(await connect(servers.local, databases.local));
    }
    const binlogBefore = await binlogBytes(connections.local);
    const writeStartedAt = performance.now();
    const counts = await writeChanges(writers, table, settings.initialRows, settings.changes);
    const writeMs = performance.now() - writeStartedAt;
    const binlogWritten = (await binlogBytes(connections.local)) - binlogBefore;
    await settleServer(connections.local);
    await settleServer(connections.cloud);
    const totalChanges = totalChangesOf(counts);
    const result = await catchUp(servers, contender, totalChanges);
    const comparison = await compareTable(
      { connection: connections.local, database: databases.local },
      { connection: connections.cloud, database: databases.cloud },
      table,
    );
    const run: ApplyRun = {
      contender,
      round,
      counts,
      totalChanges,
      writeMs,
      binlogBytes: binlogWritten,
      comparison,
      ...result,
    };
    console.log(
      `  round ${round}, ${contender.label.padEnd(23)}: ${formatCount(totalChanges)} changes (${formatMebibytes(binlogWritten / 1024)} of binlog) ` +
        `applied in ${formatSeconds(run.caughtUpMs)} s = ${formatCount(applyRate(run))} rows/s; service CPU ` +
        `${run.serviceCpuPercent.toFixed(0)} %, local ${run.localCpuPercent.toFixed(0)} %, cloud ${run.cloudCpuPercent.toFixed(0)} %; ` +
        `batches retried: ${describeCounts(run.retries)}; ` +
        `${describeComparison(comparison)}`,
    );
    return run;
  } finally {
    await Promise.all(writers.map((connection) => connection.end()));
  }
}

/** `3 local_to_cloud ER_LOCK_DEADLOCK, …` or `none`. */
export function describeCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  return entries.length === 0
    ? 'none'
    : entries.map(([kind, count]) => `${formatCount(count)} ${kind}`).join(', ');
}

export function applyRate(run: ApplyRun): number {
  return (run.totalChanges / run.caughtUpMs) * 1000;
}

/** Runs every contender `repeat` times, reversing the order every other round. */
export async function measureApplyCost(servers: SidePair, settings: ApplyCostSettings): Promise<ApplyRun[]> {
  const connections = { local: await connect(servers.local), cloud: await connect(servers.cloud) };
  try {
    const runs: ApplyRun[] = [];
    for (let round = 1; round <= settings.repeat; round += 1) {
      const inOrder = contenderPairs.flatMap((pair) => [pair.oneWay, pair.bidirectional]);
      const order = round % 2 === 1 ? inOrder : inOrder.reverse();
      for (const contender of order) {
        runs.push(await measureRun(servers, connections, contender, round, settings));
      }
    }
    return runs;
  } finally {
    await connections.local.end();
    await connections.cloud.end();
  }
}
