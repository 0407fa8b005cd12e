/**
 * Keeping up with a realistic load: sysbench `oltp_write_only` (4 tables, 4 threads) on the source for about a
 * minute while core-sync syncs those tables. A heartbeat row every 100 ms (stamped on the target by a trigger,
 * bench/support/commit-clock.ts) measures the lag throughout; after the load stops the benchmark waits for the
 * lag to return to zero and checks that the target equals the source (CHECKSUM TABLE of every table).
 *
 *   node --import tsx bench/sysbench.bench.ts [--seconds=60] [--table-size=100000] [--threads=4] [--tables=4]
 */
import type { Connection } from '../services/core-sync/src/mysql/index.js';
import type { SandboxServer } from '../services/core-sync/src/sandbox/index.js';
import { isMainModule, numberOption, parseOptions, runStandalone } from './support/cli.js';
import { createAppliedAtTrigger, measureClockOffset, type ClockOffset } from './support/commit-clock.js';
import {
  createHeartbeatTable,
  heartbeatIntervalMs,
  heartbeatLags,
  startHeartbeats,
  timeHeartbeat,
  type HeartbeatLag,
  type HeartbeatTable,
} from './support/heartbeats.js';
import { describeMachine, machineSummary } from './support/machine.js';
import { readProcessCpuMs } from './support/process-cpu.js';
import { invokedCommand, markdownTable, runContext, writeReportSection } from './support/report.js';
import {
  benchServerArguments,
  connect,
  globalStatus,
  recreateDatabase,
  withServerPair,
} from './support/servers.js';
import { benchConfigDocument } from './support/service-config.js';
import { ServiceProcess, rowsAppliedOf, serviceRunnerDescription } from './support/service-process.js';
import { formatCount, formatMebibytes, formatMilliseconds, maximum, percentile } from './support/stats.js';
import {
  runSysbench,
  summariseSysbench,
  sysbenchArguments,
  sysbenchAvailable,
  sysbenchMissingMessage,
  type SysbenchLoad,
} from './support/sysbench.js';
import { compareTable, describeComparison, type TableComparison } from './support/table-compare.js';

const usage =
  'node --import tsx bench/sysbench.bench.ts [--seconds=60] [--table-size=100000] [--threads=4] [--tables=4]';
const sourceDatabase = 'sbtest';
const targetDatabase = 'sbtest_target';
const heartbeatTable = 'bench_heartbeat';
const sampleIntervalMs = 1_000;
/** Lag under this counts as caught up after the load stops. */
const caughtUpLagMs = 50;
/** Rows written, updated and deleted by the source's storage engines (MariaDB has no Innodb_rows_* any more). */
const rowCounters = ['Handler_write', 'Handler_update', 'Handler_delete'] as const;

interface Settings {
  readonly seconds: number;
  readonly tableSize: number;
  readonly threads: number;
  readonly tables: number;
}

interface Sample {
  readonly atMs: number;
  readonly sourceRowEvents: number;
  readonly rowsApplied: number;
  readonly queueDepth: number;
}

interface SysbenchFigures {
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

async function prepareTables(
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

async function runLoad(
  servers: { source: SandboxServer; target: SandboxServer },
  connections: { source: Connection; target: Connection; heartbeat: Connection },
  settings: Settings,
): Promise<SysbenchFigures> {
  const tables = Array.from({ length: settings.tables }, (_, index) => `sbtest${index + 1}`);
  const service = await ServiceProcess.spawn();
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
    const drainMs = await timeHeartbeat(origin, arrival, sent.nextId, 120_000);
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

/** Per 10-second window: row events/s on the source, rows/s applied, heartbeat lag max, queue depth max. */
function windows(figures: SysbenchFigures): string[][] {
  const windowMs = 10_000;
  const rows: string[][] = [];
  let previous: Sample = { atMs: 0, sourceRowEvents: 0, rowsApplied: 0, queueDepth: 0 };
  for (let start = 0; start < figures.loadMs; start += windowMs) {
    const inWindow = figures.samples.filter(
      (sample) => sample.atMs >= start && sample.atMs < start + windowMs,
    );
    const last = inWindow.at(-1);
    if (last === undefined) continue;
    const seconds = (last.atMs - previous.atMs) / 1000;
    const lags = figures.heartbeatLags
      .filter((lag) => lag.atMs >= start && lag.atMs < start + windowMs)
      .map((lag) => lag.lagMs);
    rows.push([
      `${(start / 1000).toFixed(0)}–${((start + windowMs) / 1000).toFixed(0)} s`,
      formatCount((last.sourceRowEvents - previous.sourceRowEvents) / seconds),
      formatCount((last.rowsApplied - previous.rowsApplied) / seconds),
      `${formatMilliseconds(percentile(lags, 50))} ms`,
      `${formatMilliseconds(maximum(lags))} ms`,
      formatCount(maximum(inWindow.map((sample) => sample.queueDepth))),
    ]);
    previous = last;
  }
  return rows;
}

function verdicts(figures: SysbenchFigures): string[] {
  const lags = figures.heartbeatLags.map((lag) => lag.lagMs);
  const unequal = figures.comparisons.filter((comparison) => !comparison.equal);
  return [
    `row events on the source: ${formatCount((figures.sourceRowEvents / figures.loadMs) * 1000)}/s; applied by core-sync: ${formatCount((figures.rowsApplied / figures.loadMs) * 1000)}/s`,
    `heartbeat lag during the load: p50 ${formatMilliseconds(percentile(lags, 50))} ms, p99 ${formatMilliseconds(percentile(lags, 99))} ms, max ${formatMilliseconds(maximum(lags))} ms over ${formatCount(lags.length)} heartbeats`,
    figures.drainMs === undefined
      ? 'the lag did NOT return to zero within 120 s after the load stopped'
      : `the lag returned to zero after the load stopped: a heartbeat written then reached the target in ${formatMilliseconds(figures.drainMs)} ms` +
        (figures.drainMs < caughtUpLagMs ? '' : ' (the backlog took that long to drain)'),
    unequal.length === 0
      ? `the target equals the source afterwards (row count and CHECKSUM TABLE of ${figures.comparisons.length} tables)`
      : `TABLES DIFFER: ${unequal.map(describeComparison).join('; ')}`,
    `service peak RSS ${formatMebibytes(figures.peakRssKib)} (${formatMebibytes(figures.snapshotPeakRssKib)} by the end of the initial snapshot of the ${figures.settings.tables} tables)`,
    `CPU during the load and the drain, in percent of one core: service ${figures.serviceCpuPercent.toFixed(0)} %, ` +
      `source server ${figures.sourceServerCpuPercent.toFixed(0)} % (with sysbench's queries), target server ${figures.targetServerCpuPercent.toFixed(0)} %`,
  ];
}

function reportBody(figures: SysbenchFigures, context: string): string {
  const { settings } = figures;
  const table = markdownTable(
    ['Window', 'Source row events/s', 'Applied rows/s', 'Lag p50', 'Lag max', 'Queue depth max'],
    windows(figures),
  );
  return `## Keeping up with sysbench oltp_write_only

${context}

\`sysbench oltp_write_only --tables=${settings.tables} --table-size=${settings.tableSize} --threads=${settings.threads} --time=${settings.seconds}\` (Debian's sysbench) runs on the
source while one core-sync child (service defaults) syncs those ${settings.tables} tables and a heartbeat table. Each
sysbench transaction updates an indexed and a non-indexed column, deletes a row and inserts it again: 4 row
events. sysbench: ${figures.sysbenchSummary}.

Source row events are the source's \`Handler_write + Handler_update + Handler_delete\`; applied rows are the service's
applied-row count. **Lag** is measured with a heartbeat row written every ${heartbeatIntervalMs} ms on the source; it travels the
same binlog stream and apply queues as sysbench's rows, and a \`BEFORE INSERT\` trigger on the target stamps it
with \`SYSDATE(6)\` (the lag benchmark's method; clock offset ${(figures.offset.offsetMicros / 1000).toFixed(3)} ms). After sysbench stops, one more heartbeat is
written and timed until it is on the target: the time the backlog took to drain.

${table}

${verdicts(figures)
  .map((line) => `- ${line}`)
  .join('\n')}
`;
}

export async function runSysbenchBenchmark(argumentList: readonly string[]): Promise<void> {
  const options = parseOptions(argumentList, ['seconds', 'table-size', 'threads', 'tables'], usage);
  const settings: Settings = {
    seconds: numberOption(options.seconds, 60, 'seconds'),
    tableSize: numberOption(options['table-size'], 100_000, 'table-size'),
    threads: numberOption(options.threads, 4, 'threads'),
    tables: numberOption(options.tables, 4, 'tables'),
  };
  if (!(await sysbenchAvailable())) {
    console.log(sysbenchMissingMessage('sysbench'));
    return;
  }
  const command = invokedCommand();
  const machine = await describeMachine();
  console.log(`sysbench benchmark: ${command}\n  ${machineSummary(machine)}`);
  const figures = await withServerPair('sysbench', async (source, target) => {
    const connections = {
      source: await connect(source),
      target: await connect(target),
      heartbeat: await connect(source),
    };
    try {
      await prepareTables({ source }, connections, settings);
      return await runLoad({ source, target }, connections, settings);
    } finally {
      await Promise.all(Object.values(connections).map((connection) => connection.end()));
    }
  });
  const context = runContext(machine, command, [
    `Server settings: ${benchServerArguments.join(' ')}`,
    serviceRunnerDescription(),
  ]);
  for (const row of windows(figures)) console.log(`  ${row.join(' | ')}`);
  await writeReportSection('sysbench', reportBody(figures, context));
  for (const line of verdicts(figures)) console.log(line);
  console.log('wrote the sysbench section of docs/BENCHMARKS.md');
}

if (isMainModule(import.meta.url)) await runStandalone(runSysbenchBenchmark);
