/**
 * One run of the sysbench benchmark: fresh databases with sysbench's tables and a heartbeat table
 * (`prepareTables`), then one core-sync child copies them to the target and syncs while sysbench
 * `oltp_write_only` runs on the source (`runLoad`), with samples of the row events and applied rows every second
 * and a heartbeat every 100 ms; afterwards the backlog drains, the service stops and the tables are compared.
 */
import type { Connection } from '../../services/core-sync/src/mysql/index.js';
import type { SandboxServer } from '../../services/core-sync/src/sandbox/index.js';
import { createAppliedAtTrigger, measureClockOffset, type ClockOffset } from '../support/commit-clock.js';
import {
  createHeartbeatTable,
  heartbeatLags,
  startHeartbeats,
  timeHeartbeat,
  type HeartbeatLag,
  type HeartbeatTable,
} from '../support/heartbeats.js';
import { readProcessCpuMs } from '../support/process-cpu.js';
import { globalStatus, recreateDatabase } from '../support/servers.js';
import { benchConfigDocument } from '../support/service-config.js';
import { ServiceProcess, rowsAppliedOf, type ServiceSource } from '../support/service-process.js';
import { formatCount } from '../support/stats.js';
import { runSysbench, summariseSysbench, sysbenchArguments, type SysbenchLoad } from '../support/sysbench.js';
import { compareTable, type TableComparison } from '../support/table-compare.js';

export const sourceDatabase = 'sbtest';
const targetDatabase = 'sbtest_target';
const heartbeatTable = 'bench_heartbeat';
const sampleIntervalMs = 1_000;
/** How long the backlog may take to drain after the load. */
export const drainTimeoutMs = 120_000;
/** Rows written, updated and deleted by the source's storage engines (MariaDB has no Innodb_rows_* any more). */
const rowCounters = ['Handler_write', 'Handler_update', 'Handler_delete'] as const;

export interface Settings {
  readonly seconds: number;
  readonly tableSize: number;
  readonly threads: number;
  readonly tables: number;
  /** sysbench `--rand-seed`: an A/B fixes it so every round draws the same rows (unset: seeded from the time). */
  readonly randomSeed?: number;
}

export interface Sample {
  readonly atMs: number;
  readonly sourceRowEvents: number;
  readonly rowsApplied: number;
  readonly queueDepth: number;
}

export interface SysbenchFigures {
  readonly settings: Settings;
  readonly sysbenchSummary: string;
  readonly loadMs: number;
  readonly sourceRowEvents: number;
  readonly rowsApplied: number;
  readonly samples: readonly Sample[];
  readonly heartbeatLags: readonly HeartbeatLag[];
  readonly drainMs: number | undefined;
  readonly peakRssKib: number;
  /** Peak RSS when the initial snapshot of the tables was done, before the load. */
  readonly snapshotPeakRssKib: number;
  /** CPU over the load and the drain, percent of one core. */
  readonly serviceCpuPercent: number;
  readonly sourceServerCpuPercent: number;
  readonly targetServerCpuPercent: number;
  readonly comparisons: readonly TableComparison[];
  readonly offset: ClockOffset;
}

function sysbenchLoad(settings: Settings): SysbenchLoad {
  return { workload: 'oltp_write_only', ...settings };
}

async function sourceRowEvents(connection: Connection): Promise<number> {
  const status = await globalStatus(connection, rowCounters);
  return rowCounters.reduce((total, name) => total + (status.get(name.toLowerCase()) ?? 0), 0);
}

export async function prepareTables(
  servers: { source: SandboxServer },
  connections: { source: Connection; target: Connection },
  settings: Settings,
): Promise<void> {
  await recreateDatabase(connections.source, sourceDatabase);
  await recreateDatabase(connections.target, targetDatabase);
  const preparedAt = performance.now();
  await runSysbench([
    ...sysbenchArguments(servers.source, sourceDatabase, sysbenchLoad(settings)),
    'prepare',
  ]);
  console.log(
    `  sysbench prepare: ${settings.tables} tables of ${formatCount(settings.tableSize)} rows in ${((performance.now() - preparedAt) / 1000).toFixed(1)} s`,
  );
  await createHeartbeatTable({
    connection: connections.source,
    database: sourceDatabase,
    table: heartbeatTable,
  });
  await createHeartbeatTable({
    connection: connections.target,
    database: targetDatabase,
    table: heartbeatTable,
  });
  await createAppliedAtTrigger(connections.target, targetDatabase, heartbeatTable);
}

/** Syncs the prepared tables with `serviceSource`'s service while sysbench runs; its figures. */
export async function runLoad(
  servers: { source: SandboxServer; target: SandboxServer },
  connections: { source: Connection; target: Connection; heartbeat: Connection },
  settings: Settings,
  serviceSource: ServiceSource,
): Promise<SysbenchFigures> {
  const tables = Array.from({ length: settings.tables }, (_, index) => `sbtest${index + 1}`);
  const service = await ServiceProcess.spawn(serviceSource);
  try {
    const { startDurationMs } = await service.start({
      configDocument: benchConfigDocument({
        source: servers.source,
        sourceDatabase,
        target: servers.target,
        targetDatabase,
        tables: [...tables, heartbeatTable].map((name) => ({ name })),
      }),
      statusIntervalMs: sampleIntervalMs,
    });
    console.log(`  core-sync snapshot of the sysbench tables in ${(startDurationMs / 1000).toFixed(1)} s`);
    const offset = await measureClockOffset(connections.target);
    const eventsBefore = await sourceRowEvents(connections.source);
    const appliedBefore = rowsAppliedOf(service.latestStatus);
    const snapshotMemory = await service.memory();
    const cpuPids = [service.pid, servers.source.pid ?? -1, servers.target.pid ?? -1] as const;
    const cpuBefore = await Promise.all(cpuPids.map((pid) => readProcessCpuMs(pid)));
    const loadStartedAt = performance.now();
    const samples: Sample[] = [];
    const sampler = setInterval(() => {
      void sourceRowEvents(connections.source).then((events) => {
        const status = service.latestStatus;
        samples.push({
          atMs: performance.now() - loadStartedAt,
          sourceRowEvents: events - eventsBefore,
          rowsApplied: rowsAppliedOf(status) - appliedBefore,
          queueDepth: status?.directions[0]?.queueDepth ?? 0,
        });
      });
    }, sampleIntervalMs);
    const origin: HeartbeatTable = {
      connection: connections.heartbeat,
      database: sourceDatabase,
      table: heartbeatTable,
    };
    const arrival: HeartbeatTable = {
      connection: connections.target,
      database: targetDatabase,
      table: heartbeatTable,
    };
    const heartbeats = startHeartbeats(origin, 1, loadStartedAt);
    let output: string;
    try {
      output = await runSysbench([
        ...sysbenchArguments(servers.source, sourceDatabase, sysbenchLoad(settings)),
        `--time=${settings.seconds}`,
        '--report-interval=10',
        'run',
      ]);
    } finally {
      clearInterval(sampler);
    }
    const loadMs = performance.now() - loadStartedAt;
    const sourceEvents = (await sourceRowEvents(connections.source)) - eventsBefore;
    const sent = await heartbeats.stop();
    const drainMs = await timeHeartbeat(origin, arrival, sent.nextId, drainTimeoutMs);
    const cpuElapsedMs = performance.now() - loadStartedAt;
    const cpuPercents = await Promise.all(
      cpuPids.map(
        async (pid, index) =>
          (((await readProcessCpuMs(pid)) - (cpuBefore[index] ?? 0)) / cpuElapsedMs) * 100,
      ),
    );
    const rowsApplied = rowsAppliedOf(service.latestStatus) - appliedBefore;
    const memory = await service.memory();
    await service.stop();
    const comparisons: TableComparison[] = [];
    for (const table of tables) {
      comparisons.push(
        await compareTable(
          { connection: connections.source, database: sourceDatabase },
          { connection: connections.target, database: targetDatabase },
          table,
        ),
      );
    }
    return {
      settings,
      sysbenchSummary: summariseSysbench(output),
      loadMs,
      sourceRowEvents: sourceEvents,
      rowsApplied,
      samples,
      heartbeatLags: await heartbeatLags(arrival, sent.heartbeats, offset),
      drainMs,
      peakRssKib: memory.peakRssKib,
      snapshotPeakRssKib: snapshotMemory.peakRssKib,
      serviceCpuPercent: cpuPercents[0] ?? Number.NaN,
      sourceServerCpuPercent: cpuPercents[1] ?? Number.NaN,
      targetServerCpuPercent: cpuPercents[2] ?? Number.NaN,
      comparisons,
      offset,
    };
  } finally {
    service.kill();
  }
}
