/** The sysbench-bidirectional benchmark's section of docs/BENCHMARKS.md, its summary lines and its failures. */
import { heartbeatIntervalMs } from '../support/heartbeats.js';
import { markdownTable } from '../support/report.js';
import {
  formatCount,
  formatMebibytes,
  formatMilliseconds,
  formatSeconds,
  maximum,
  percentile,
} from '../support/stats.js';
import { describeComparison } from '../support/table-compare.js';
import { chunkSize, tableCheckEqual, type TableCheck } from './checks.js';
import { drainTimeoutMs, type DirectionFigures, type RunFigures, type Sample } from './measure.js';
import {
  preferredSide,
  randomSeeds,
  timestampColumn,
  type ConflictStrategyName,
  type RunPlan,
  type Settings,
} from './settings.js';

/** SEED.md's memory target for the service under load. */
const memoryTargetKib = 200 * 1024;
const windowMs = 10_000;

function strategyLabel(strategy: ConflictStrategyName): string {
  return strategy === 'source_priority'
    ? `source_priority (prefer: ${preferredSide})`
    : `last_write_wins (timestamp_column: ${timestampColumn}, tie_breaker: ${preferredSide})`;
}

function rateLabel(rate: number): string {
  return rate > 0 ? `${formatCount(rate)} transactions/s on each side` : 'as fast as each side can';
}

/** `source_priority, 200 transactions/s on each side` */
export function runLabel(plan: RunPlan): string {
  return `${plan.strategy}, ${rateLabel(plan.rate)}`;
}

function describeCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort((left, right) => right[1] - left[1]);
  if (entries.length === 0) return 'none';
  return entries.map(([key, count]) => `${key}: ${formatCount(count)}`).join('; ');
}

function total(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

function lagCells(lags: readonly number[]): string[] {
  return [percentile(lags, 50), percentile(lags, 99), maximum(lags)].map(
    (value) => `${formatMilliseconds(value)} ms`,
  );
}

function windowStarts(run: RunFigures): number[] {
  const starts: number[] = [];
  for (let start = 0; start < run.loadMs - 1_000; start += windowMs) starts.push(start);
  return starts;
}

function windowLabel(start: number): string {
  return `${(start / 1000).toFixed(0)}–${((start + windowMs) / 1000).toFixed(0)} s`;
}

/** Per window: each side's sysbench transactions/s, rows/s applied each way, queue depths, service RSS. */
function loadRows(run: RunFigures): string[][] {
  let previous: Sample = {
    atMs: 0,
    applied: { local: 0, cloud: 0 },
    queueDepth: { local: 0, cloud: 0 },
    rssKib: 0,
  };
  return windowStarts(run).map((start, index) => {
    const inWindow = run.samples.filter((sample) => sample.atMs >= start && sample.atMs < start + windowMs);
    const last = inWindow.at(-1) ?? previous;
    const seconds = Math.max(0.001, (last.atMs - previous.atMs) / 1000);
    // sysbench reports every 10 s: a last, partial window has no report.
    const tps = (side: 'local' | 'cloud'): string => {
      const interval = run.loads[side].intervals[index];
      return interval === undefined ? '–' : formatCount(interval.transactionsPerSecond);
    };
    const row = [
      windowLabel(start),
      tps('local'),
      tps('cloud'),
      formatCount((last.applied.local - previous.applied.local) / seconds),
      formatCount((last.applied.cloud - previous.applied.cloud) / seconds),
      formatCount(maximum(inWindow.map((sample) => sample.queueDepth.local))),
      formatCount(maximum(inWindow.map((sample) => sample.queueDepth.cloud))),
      formatMebibytes(maximum(inWindow.map((sample) => sample.rssKib))),
    ];
    previous = last;
    return row;
  });
}

/** Per window: heartbeat lag p50 / p99 / max in each direction. */
function lagRows(run: RunFigures): string[][] {
  const inWindow = (direction: DirectionFigures, start: number): number[] =>
    direction.lags.filter((lag) => lag.atMs >= start && lag.atMs < start + windowMs).map((lag) => lag.lagMs);
  const [first, second] = run.directions;
  return windowStarts(run).map((start) => [
    windowLabel(start),
    ...(first === undefined ? [] : lagCells(inWindow(first, start))),
    ...(second === undefined ? [] : lagCells(inWindow(second, start))),
  ]);
}

function directionLine(direction: DirectionFigures): string {
  const lags = direction.lags.map((lag) => lag.lagMs);
  const missing = direction.heartbeatsSent - lags.length;
  return (
    `${direction.source} → ${direction.target}: heartbeat lag during the load p50 ${formatMilliseconds(percentile(lags, 50))} ms, ` +
    `p99 ${formatMilliseconds(percentile(lags, 99))} ms, max ${formatMilliseconds(maximum(lags))} ms over ${formatCount(lags.length)} heartbeats` +
    (missing > 0 ? ` (${missing} HEARTBEATS NEVER ARRIVED)` : '') +
    '; ' +
    (direction.drainMs === undefined
      ? `the lag did NOT return to zero: a heartbeat written after the load had not arrived ${formatSeconds(drainTimeoutMs)} s later`
      : `back to zero after the load: a heartbeat written then arrived in ${formatMilliseconds(direction.drainMs)} ms`)
  );
}

function checkLine(check: TableCheck): string {
  const chunks =
    check.chunks === undefined
      ? ''
      : `; ${formatCount(check.chunks.chunks)} chunks of ${formatCount(chunkSize)} keys: ${check.chunks.differingChunks === 0 ? 'all equal' : `${check.chunks.differingChunks} DIFFER`}`;
  const diff =
    check.rowDiff === undefined
      ? ''
      : `; rows: ${check.rowDiff.leftOnly} on local only, ${check.rowDiff.rightOnly} on cloud only, ${check.rowDiff.changed} with other values` +
        (check.rowDiff.changedOnlyIn.columns.length === 0
          ? ''
          : ` (${check.rowDiff.changedOnlyIn.rows} of them only in ${check.rowDiff.changedOnlyIn.columns.join(', ')})`);
  return `${describeComparison(check.comparison).replace('source', 'local').replace('target', 'cloud')}${chunks}${diff}`;
}

/** What makes a run fail: sides that differ, a backlog that does not drain, a direction that failed or paused. */
export function runFailures(run: RunFigures): string[] {
  const failures: string[] = [];
  if (!run.copiedEqual) failures.push('cloud differed from local after the initial copy, before the load');
  for (const check of run.checks) {
    if (!tableCheckEqual(check)) failures.push(`${check.comparison.table} differs between local and cloud`);
  }
  for (const direction of run.directions) {
    if (direction.drainMs === undefined) {
      failures.push(`${direction.source} → ${direction.target} did not catch up after the load`);
    }
  }
  failures.push(...run.problems);
  return failures;
}

export function runSummaryLines(run: RunFigures): string[] {
  const { memory } = run;
  const overTarget = memory.loadPeakKib > memoryTargetKib || memory.snapshotPeakKib > memoryTargetKib;
  const metricsTotal = total(run.conflictMetrics);
  const decisionsTotal = total(run.conflictDecisions);
  return [
    `sysbench on local: ${run.loads.local.summary}; on cloud: ${run.loads.cloud.summary}`,
    ...run.directions.map(directionLine),
    `conflicts met by the service: ${formatCount(decisionsTotal)} (${describeCounts(run.conflictDecisions)}); ` +
      `its metrics endpoint counted ${formatCount(metricsTotal)} in \`mysql_sync_conflicts_total\` (${describeCounts(run.conflictMetrics)})` +
      (metricsTotal === decisionsTotal ? '' : ' — THE TWO COUNTS DISAGREE'),
    `batches the service retried: ${describeCounts(run.retries)}`,
    `service peak RSS ${formatMebibytes(memory.loadPeakKib)} during the load and the drain, ${formatMebibytes(memory.snapshotPeakKib)} ` +
      `by the end of the initial copy (${formatMebibytes(memory.baselineKib)} with its modules loaded): ` +
      (overTarget ? 'ABOVE' : 'under') +
      ' the 200 MB target',
    `CPU from the start of the load until the backlog drained, in percent of one core: service ${run.cpuPercent.service.toFixed(0)} %, ` +
      `local server ${run.cpuPercent.local.toFixed(0)} %, cloud server ${run.cpuPercent.cloud.toFixed(0)} % (sysbench's own processes not counted)`,
    run.queuesEmptyMs === undefined
      ? 'the queues did NOT empty within 60 s after the heartbeats arrived'
      : `both directions' queues were empty ${formatSeconds(run.queuesEmptyMs)} s after sysbench stopped`,
    ...(run.problems.length === 0 ? [] : [`PROBLEMS: ${run.problems.join('; ')}`]),
    ...run.checks.map(checkLine),
    runFailures(run).length === 0
      ? 'PASS: both sides identical afterwards (row count, CHECKSUM TABLE and chunk checksums of every sysbench table), the lag returned to zero in both directions'
      : `FAIL: ${runFailures(run).join('; ')}`,
  ];
}

function rowDiffDetails(run: RunFigures): string {
  const diffs = run.checks.flatMap((check) => (check.rowDiff === undefined ? [] : [check.rowDiff]));
  if (diffs.length === 0) return '';
  const lines = diffs.flatMap((diff) =>
    diff.examples.map(
      (example) =>
        `- \`${diff.table}\` id ${example.key}: local ${JSON.stringify(example.left ?? null)}; cloud ${JSON.stringify(example.right ?? null)}`,
    ),
  );
  return `\nThe first rows that differ:\n\n${lines.join('\n')}\n`;
}

function runSection(run: RunFigures): string {
  const loadTable = markdownTable(
    [
      'Window',
      'local sysbench tps',
      'cloud sysbench tps',
      'Applied local → cloud rows/s',
      'Applied cloud → local rows/s',
      'Queue max local → cloud',
      'Queue max cloud → local',
      'Service RSS max',
    ],
    loadRows(run),
  );
  const lagTable = markdownTable(
    ['Window', 'local → cloud p50', 'p99', 'max', 'cloud → local p50', 'p99', 'max'],
    lagRows(run),
  );
  return `### ${strategyLabel(run.plan.strategy)}, ${rateLabel(run.plan.rate)}

sysbench prepare on local took ${formatSeconds(run.prepareMs)} s; the service's initial copy to cloud
${formatSeconds(run.snapshotMs)} s (${run.copiedEqual ? 'cloud then equal to local by CHECKSUM TABLE' : 'CLOUD THEN DIFFERED FROM LOCAL'}).

${loadTable}

Heartbeat lag by window (heartbeats written in the window):

${lagTable}

${runSummaryLines(run)
  .map((line) => `- ${line}`)
  .join('\n')}
${rowDiffDetails(run)}`;
}

/** One line per run: the figures the issue asks about. */
function overviewTable(runs: readonly RunFigures[]): string {
  const lagCell = (direction: DirectionFigures | undefined): string => {
    const lags = direction?.lags.map((lag) => lag.lagMs) ?? [];
    return `${formatMilliseconds(percentile(lags, 50))} / ${formatMilliseconds(percentile(lags, 99))} / ${formatMilliseconds(maximum(lags))} ms`;
  };
  const drainCell = (direction: DirectionFigures | undefined): string =>
    direction?.drainMs === undefined
      ? 'NOT within the timeout'
      : `${formatMilliseconds(direction.drainMs)} ms`;
  return markdownTable(
    [
      'Run',
      'sysbench tps local / cloud',
      'Lag local → cloud p50 / p99 / max',
      'Lag cloud → local p50 / p99 / max',
      'Back to zero after the load (local → cloud / cloud → local)',
      'Conflicts resolved',
      'Service peak RSS (load)',
      'Sides identical afterwards',
    ],
    runs.map((run) => {
      const [first, second] = run.directions;
      return [
        runLabel(run.plan),
        `${formatCount(run.loads.local.transactions / (run.loadMs / 1000))} / ${formatCount(run.loads.cloud.transactions / (run.loadMs / 1000))}`,
        lagCell(first),
        lagCell(second),
        `${drainCell(first)} / ${drainCell(second)}`,
        formatCount(total(run.conflictDecisions)),
        formatMebibytes(run.memory.loadPeakKib),
        runFailures(run).length === 0 ? 'yes' : '**NO**',
      ];
    }),
  );
}

export function reportBody(settings: Settings, runs: readonly RunFigures[], context: string): string {
  const workload = `sysbench ${settings.workload} --tables=${settings.tables} --table-size=${settings.tableSize} --threads=${settings.threads} --time=${settings.seconds}`;
  const rates = settings.rates.map(rateLabel).join(', then ');
  return `## Bidirectional sync under sysbench on both sides

${context}

Two servers, \`local\` and \`cloud\`, and one core-sync child in \`sync.mode: bidirectional\`, composed as \`main.ts\`
composes it (event bus, metrics, sync manager, HTTP API), otherwise with the service's defaults. \`${workload}\`
(Debian's sysbench) runs on **both sides at once**, each side with its own random seed (--rand-seed=${randomSeeds.local} on
local, ${randomSeeds.cloud} on cloud: a seed of 0 would seed both from the same second and make them write the same rows).
Both write random rows of the same tables (sysbench's default "special" distribution, hot spots included): the
same row changed on both sides before either change has crossed over is a real conflict, which the service
detects and resolves. Each transaction updates the indexed column of one row and a non-indexed column of another,
and deletes a third row and inserts it again (4 row events)${settings.workload === 'oltp_read_write' ? ', after 14 reads' : ''}.
Runs: each strategy at ${rates} (sysbench \`--rate\`; without it the two sysbench runs, the two servers and the service
share this machine's 2 cores, and how far the service falls behind depends on what it is left).

The tables are prepared **once**, on local; cloud gets the same tables empty, and the service's initial copy fills
them (a bidirectional pair starts only when one side of a table is empty or both have checkpoints: two sysbench
\`prepare\`s would fill \`c\` and \`pad\` with different random text, and the service refuses such tables with
TABLES_DIVERGED). sysbench's tables have no timestamp column, so **source_priority** (\`prefer: ${preferredSide}\`) is the
strategy that fits them as they are: every conflict goes to local's version. The **last_write_wins** run adds
\`${timestampColumn} TIMESTAMP(6) … ON UPDATE CURRENT_TIMESTAMP(6)\` to every table on local before the copy (sysbench
names its columns in every statement, so it runs unchanged): the newer change wins, ties go to local, a row that
still exists beats a delete. Both servers run on this machine and read the same clock.

**Lag** is measured in each direction with a heartbeat row written every ${heartbeatIntervalMs} ms on each side (local ids
from 1, cloud ids from 1,000,000,001) into a heartbeat table synced like the others; each side's \`BEFORE INSERT\`
trigger stamps the time the row was written there (\`SYSDATE(6)\`, corrected by that server's clock offset from
Node's), as in the sysbench and bidirectional benchmarks. After sysbench stops, one more heartbeat is written on each
side and timed until it is on the other: the time the backlog took to drain. Then the service stops and the
benchmark compares the sides itself, independently of the service: row count and \`CHECKSUM TABLE\` of every
sysbench table, and pt-table-checksum-style chunk checksums (\`COUNT(*)\`, \`BIT_XOR(CRC32(…))\` over ${formatCount(chunkSize)}-key
ranges, bench/support/chunk-checksum.ts); the heartbeat table without its stamp column. A difference prints FAIL,
the differing rows, and the benchmark exits non-zero. Conflicts are counted twice: by the service's conflict
hook, per direction and outcome, and from \`mysql_sync_conflicts_total\` scraped from \`GET /api/v1/metrics\` before
the service stops. Service RSS is sampled every second (VmRSS); the peaks are VmHWM, reset after the initial copy.
The queues hold at most \`sync.queue_capacity\` changes in all (10,000 by default; 5,000 for each direction): where a window's queue maximum reaches it,
backpressure paused the binlog reader and the lag grows for as long as the load outpaces the apply.

${overviewTable(runs)}

${runs.map(runSection).join('\n')}`;
}
