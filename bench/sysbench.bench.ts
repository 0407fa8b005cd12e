/**
 * Keeping up with a realistic load: sysbench `oltp_write_only` (4 tables, 4 threads) on the source for about a
 * minute while core-sync syncs those tables. A heartbeat row every 100 ms (stamped on the target by a trigger,
 * bench/support/commit-clock.ts) measures the lag throughout; after the load stops the benchmark waits for the
 * lag to return to zero and checks that the target equals the source (CHECKSUM TABLE of every table).
 *
 * With `--against=<revision>` it does that in rounds for that revision's service and the candidate's
 * (support/revision-rounds.ts) and compares their applied rows/s, lag and drain time. The measurement itself is in
 * bench/sysbench/measure.ts.
 *
 *   node --import tsx bench/sysbench.bench.ts [--seconds=60] [--table-size=100000] [--threads=4] [--tables=4]
 *     [--against=<revision> [--repeat=2]]
 */
import type { Connection } from '../services/core-sync/src/mysql/index.js';
import type { SandboxServer } from '../services/core-sync/src/sandbox/index.js';
import { isMainModule, numberOption, parseOptions, runStandalone } from './support/cli.js';
import { runComparableBenchmark, type ComparableBenchmark } from './support/comparable-benchmark.js';
import { heartbeatIntervalMs } from './support/heartbeats.js';
import { markdownTable } from './support/report.js';
import { revisionSettings, runRevisionRounds, type RevisionMetric } from './support/revision-rounds.js';
import { connect, withServerPair } from './support/servers.js';
import type { ServiceSource } from './support/service-process.js';
import { formatCount, formatMebibytes, formatMilliseconds, maximum, percentile } from './support/stats.js';
import { sysbenchAvailable, sysbenchMissingMessage } from './support/sysbench.js';
import { describeComparison } from './support/table-compare.js';
import {
  drainTimeoutMs,
  prepareTables,
  runLoad,
  type Sample,
  type Settings,
  type SysbenchFigures,
} from './sysbench/measure.js';

const usage =
  'node --import tsx bench/sysbench.bench.ts [--seconds=60] [--table-size=100000] [--threads=4] [--tables=4] ' +
  '[--against=<revision> [--repeat=2]]';
/** Lag under this counts as caught up after the load stops. */
const caughtUpLagMs = 50;

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
      ? `the lag did NOT return to zero within ${drainTimeoutMs / 1000} s after the load stopped`
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

function figuresTable(figures: SysbenchFigures): string {
  return markdownTable(
    ['Window', 'Source row events/s', 'Applied rows/s', 'Lag p50', 'Lag max', 'Queue depth max'],
    windows(figures),
  );
}

/** What one run does (`figures` of one run, or of an A/B's first round). */
function workloadDescription(figures: SysbenchFigures): string {
  const { settings } = figures;
  return `\`sysbench oltp_write_only --tables=${settings.tables} --table-size=${settings.tableSize} --threads=${settings.threads} --time=${settings.seconds}${settings.randomSeed === undefined ? '' : ` --rand-seed=${settings.randomSeed}`}\` (Debian's sysbench) runs on the
source while one core-sync child (service defaults) syncs those ${settings.tables} tables and a heartbeat table. Each
sysbench transaction updates an indexed and a non-indexed column, deletes a row and inserts it again: 4 row
events. sysbench: ${figures.sysbenchSummary}.

Source row events are the source's \`Handler_write + Handler_update + Handler_delete\`; applied rows are the service's
applied-row count. **Lag** is measured with a heartbeat row written every ${heartbeatIntervalMs} ms on the source; it travels the
same binlog stream and apply queues as sysbench's rows, and a \`BEFORE INSERT\` trigger on the target stamps it
with \`SYSDATE(6)\` (the lag benchmark's method; clock offset ${(figures.offset.offsetMicros / 1000).toFixed(3)} ms). After sysbench stops, one more heartbeat is
written and timed until it is on the target: the time the backlog took to drain.`;
}

function lagsOf(figures: SysbenchFigures): number[] {
  return figures.heartbeatLags.map((lag) => lag.lagMs);
}

function perSecond(count: number, figures: SysbenchFigures): number {
  return (count / figures.loadMs) * 1000;
}

/** The figures an A/B compares: rows applied, lag and drain are judged, the rest is shown. */
const revisionMetrics: readonly RevisionMetric<SysbenchFigures>[] = [
  {
    name: 'Source row events/s',
    better: 'context',
    valueOf: (figures) => perSecond(figures.sourceRowEvents, figures),
    format: formatCount,
  },
  {
    name: 'Applied rows/s',
    better: 'higher',
    valueOf: (figures) => perSecond(figures.rowsApplied, figures),
    format: formatCount,
  },
  {
    name: 'Lag p50',
    better: 'lower',
    valueOf: (figures) => percentile(lagsOf(figures), 50),
    format: (milliseconds) => `${formatMilliseconds(milliseconds)} ms`,
  },
  {
    name: 'Lag p99',
    better: 'lower',
    valueOf: (figures) => percentile(lagsOf(figures), 99),
    format: (milliseconds) => `${formatMilliseconds(milliseconds)} ms`,
  },
  {
    name: 'Drain',
    better: 'lower',
    valueOf: (figures) => figures.drainMs ?? Number.POSITIVE_INFINITY,
    format: (milliseconds) =>
      Number.isFinite(milliseconds)
        ? `${formatMilliseconds(milliseconds)} ms`
        : `over ${drainTimeoutMs / 1000} s`,
  },
  { name: 'Peak RSS', better: 'context', valueOf: (figures) => figures.peakRssKib, format: formatMebibytes },
];

/** Opens the benchmark's connections to the pair, runs `work`, closes them. */
async function withConnections<Result>(
  servers: { source: SandboxServer; target: SandboxServer },
  work: (connections: { source: Connection; target: Connection; heartbeat: Connection }) => Promise<Result>,
): Promise<Result> {
  const connections = {
    source: await connect(servers.source),
    target: await connect(servers.target),
    heartbeat: await connect(servers.source),
  };
  try {
    return await work(connections);
  } finally {
    await Promise.all(Object.values(connections).map((connection) => connection.end()));
  }
}

/** Fresh tables, then the load with `serviceSource`'s service. */
async function measure(settings: Settings, serviceSource: ServiceSource): Promise<SysbenchFigures> {
  return withServerPair('sysbench', (source, target) =>
    withConnections({ source, target }, async (connections) => {
      await prepareTables({ source }, connections, settings);
      return runLoad({ source, target }, connections, settings, serviceSource);
    }),
  );
}

/** The fixed `--rand-seed` of an A/B's rounds. */
const revisionRandomSeed = 1;

/** The sysbench benchmark with `settings`: one run, or the rounds of an A/B (with a fixed `--rand-seed`). */
function sysbenchBenchmark(settings: Settings): ComparableBenchmark<SysbenchFigures> {
  const revisionRoundSettings: Settings = { ...settings, randomSeed: revisionRandomSeed };
  return {
    section: 'sysbench',
    title: 'Keeping up with sysbench oltp_write_only',
    measure: async (serviceSource) => {
      const figures = await measure(settings, serviceSource);
      for (const row of windows(figures)) console.log(`  ${row.join(' | ')}`);
      return figures;
    },
    measureRounds: (contestants, repeat) =>
      withServerPair('sysbench', (source, target) =>
        withConnections({ source, target }, (connections) =>
          runRevisionRounds(contestants, repeat, async (contestant) => {
            await prepareTables({ source }, connections, revisionRoundSettings);
            return runLoad({ source, target }, connections, revisionRoundSettings, contestant.source);
          }),
        ),
      ),
    describeWorkload: workloadDescription,
    figuresTable,
    verdicts,
    revisionMetrics,
    roundFailure: (figures) => {
      const unequal = figures.comparisons.filter((comparison) => !comparison.equal);
      return unequal.length === 0
        ? undefined
        : `TABLES DIFFER: ${unequal.map(describeComparison).join('; ')}`;
    },
    allRoundsPassed: `the target equals the source after every round (row count and CHECKSUM TABLE of ${revisionRoundSettings.tables} tables)`,
  };
}

export async function runSysbenchBenchmark(argumentList: readonly string[]): Promise<void> {
  const options = parseOptions(
    argumentList,
    ['seconds', 'table-size', 'threads', 'tables', 'against', 'repeat'],
    usage,
  );
  const settings: Settings = {
    seconds: numberOption(options.seconds, 60, 'seconds'),
    tableSize: numberOption(options['table-size'], 100_000, 'table-size'),
    threads: numberOption(options.threads, 4, 'threads'),
    tables: numberOption(options.tables, 4, 'tables'),
  };
  const revisions = revisionSettings(options);
  if (!(await sysbenchAvailable())) {
    console.log(sysbenchMissingMessage('sysbench'));
    return;
  }
  await runComparableBenchmark(sysbenchBenchmark(settings), revisions);
}

if (isMainModule(import.meta.url)) await runStandalone(runSysbenchBenchmark);
