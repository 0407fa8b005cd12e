/** The bidirectional benchmark's section of docs/BENCHMARKS.md, and its summary lines. */
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
import {
  applyRate,
  contenderPairs,
  describeCounts,
  type ApplyCostSettings,
  type ApplyRun,
  type Contender,
} from './apply-cost.js';
import { maxTransactionsPerSecond } from '../support/steady-inserts.js';
import { cloudFirstId, echoWatchMs, type DirectionLag, type LagFigures } from './lag.js';

/** The one-way lag benchmark's bar at 1,000 rows/s, for reference. */
const lagP99TargetMs = 100;

export interface BidirectionalFigures {
  /** With the default workers, then with one. */
  readonly lags: readonly LagFigures[];
  readonly applyRuns: readonly ApplyRun[];
  readonly applySettings: ApplyCostSettings;
}

export function workersLabel(workers: number | undefined): string {
  return workers === undefined ? '8 workers (default)' : `${workers} worker${workers === 1 ? '' : 's'}`;
}

/** Every kind of retried batch, summed over the runs. */
function totalRetries(runs: readonly { retries: Readonly<Record<string, number>> }[]): number {
  return runs.reduce(
    (total, run) => total + Object.values(run.retries).reduce((sum, count) => sum + count, 0),
    0,
  );
}

function bestRun(runs: readonly ApplyRun[], contender: Contender): ApplyRun | undefined {
  return runs
    .filter((run) => run.contender.label === contender.label)
    .reduce<ApplyRun | undefined>(
      (best, run) => (best === undefined || applyRate(run) > applyRate(best) ? run : best),
      undefined,
    );
}

/** Service CPU milliseconds per 1,000 row changes (retried batches included). */
function cpuPerThousandRows(run: ApplyRun): number {
  return ((run.serviceCpuPercent / 100) * run.caughtUpMs * 1000) / run.totalChanges;
}

type ContenderPair = (typeof contenderPairs)[number];

/** Bidirectional ÷ one-way, per round (the contenders of a round ran one after the other). */
function roundRatios(
  runs: readonly ApplyRun[],
  pair: ContenderPair,
): { round: number; ratio: number; cpuRatio: number }[] {
  const rounds = [...new Set(runs.map((run) => run.round))];
  return rounds.flatMap((round) => {
    const find = (contender: Contender): ApplyRun | undefined =>
      runs.find((run) => run.round === round && run.contender.label === contender.label);
    const oneWay = find(pair.oneWay);
    const bidirectional = find(pair.bidirectional);
    if (oneWay === undefined || bidirectional === undefined) return [];
    return [
      {
        round,
        ratio: applyRate(bidirectional) / applyRate(oneWay),
        cpuRatio: cpuPerThousandRows(bidirectional) / cpuPerThousandRows(oneWay),
      },
    ];
  });
}

function applyLines(applyRuns: readonly ApplyRun[]): string[] {
  const lines: string[] = [];
  for (const pair of contenderPairs) {
    const oneWay = bestRun(applyRuns, pair.oneWay);
    const bidirectional = bestRun(applyRuns, pair.bidirectional);
    if (oneWay === undefined || bidirectional === undefined) continue;
    const ratios = roundRatios(applyRuns, pair);
    const retries = (contender: Contender): string =>
      formatCount(totalRetries(applyRuns.filter((run) => run.contender.label === contender.label)));
    lines.push(
      `apply rate, best of each: ${pair.oneWay.label} ${formatCount(applyRate(oneWay))} rows/s, ` +
        `${pair.bidirectional.label} ${formatCount(applyRate(bidirectional))} rows/s: bidirectional ÷ one-way = ` +
        `${(applyRate(bidirectional) / applyRate(oneWay)).toFixed(2)} ` +
        `(per round: ${ratios.map((entry) => entry.ratio.toFixed(2)).join(', ')}); service CPU per row, ` +
        `bidirectional ÷ one-way, per round: ${ratios.map((entry) => entry.cpuRatio.toFixed(2)).join(', ')}; ` +
        `batches retried: ${retries(pair.oneWay)} one-way, ${retries(pair.bidirectional)} bidirectional`,
    );
  }
  const unequal = applyRuns.filter((run) => !run.comparison.equal);
  lines.push(
    unequal.length === 0
      ? `after every catch-up run both sides were equal (row count and CHECKSUM TABLE)`
      : `${unequal.length} CATCH-UP RUNS ENDED WITH THE SIDES DIFFERENT: ${unequal.map((run) => describeComparison(run.comparison)).join('; ')}`,
  );
  const conflicted = applyRuns.filter((run) => Object.keys(run.conflicts).length > 0);
  lines.push(
    conflicted.length === 0
      ? 'no conflict in any catch-up run'
      : `CONFLICTS during catch-up runs (none expected): ${conflicted.map((run) => `round ${run.round} ${run.contender.label}: ${describeCounts(run.conflicts)}`).join('; ')}`,
  );
  return lines;
}

function lagLines(lag: LagFigures): string[] {
  const label = workersLabel(lag.workers);
  const lines = lag.directions.map((direction) => {
    const p99 = percentile(direction.lagsMs, 99);
    return (
      `${label}: ${direction.source} → ${direction.target} lag at ${formatCount(lag.settings.rowsPerSecond)} rows/s on each side: ` +
      `p50 ${formatMilliseconds(percentile(direction.lagsMs, 50))} ms, p99 ${formatMilliseconds(p99)} ms, ` +
      `max ${formatMilliseconds(maximum(direction.lagsMs))} ms` +
      ` (p99 under ${lagP99TargetMs} ms, the one-way bar: ${p99 < lagP99TargetMs ? 'met' : 'MISSED'})`
    );
  });
  const missing = lag.directions.reduce((total, direction) => total + direction.missingRows, 0);
  lines.push(
    `${label}: ` +
      (missing === 0 ? 'every row reached the other side' : `${missing} ROWS NEVER REACHED THE OTHER SIDE`) +
      `; conflicts: ${describeCounts(lag.conflicts)}; batches retried: ${describeCounts(lag.retries)}; ` +
      (lag.comparison.equal
        ? `both sides equal afterwards: ${describeComparison(lag.comparison)}`
        : `THE SIDES DIFFER afterwards: ${describeComparison(lag.comparison)}`),
  );
  return lines;
}

export function summaryLines(figures: BidirectionalFigures): string[] {
  return [...figures.lags.flatMap(lagLines), ...applyLines(figures.applyRuns)];
}

function lagTable(lags: readonly LagFigures[]): string {
  return markdownTable(
    [
      'Service',
      'Direction',
      'Rows a transaction',
      'Rows measured',
      'Achieved rate',
      'p50',
      'p90',
      'p99',
      'max',
    ],
    lags.flatMap((lag) =>
      lag.directions.map((direction) => [
        workersLabel(lag.workers),
        `${direction.source} → ${direction.target}`,
        String(direction.rowsPerTransaction),
        formatCount(direction.lagsMs.length),
        `${formatCount(direction.achievedRowsPerSecond)} rows/s`,
        `${formatMilliseconds(percentile(direction.lagsMs, 50))} ms`,
        `${formatMilliseconds(percentile(direction.lagsMs, 90))} ms`,
        `${formatMilliseconds(percentile(direction.lagsMs, 99))} ms`,
        `${formatMilliseconds(maximum(direction.lagsMs))} ms`,
      ]),
    ),
  );
}

function lagRunTable(lags: readonly LagFigures[]): string {
  return markdownTable(
    [
      'Service',
      'Service CPU',
      'local server CPU',
      'cloud server CPU',
      'Batches retried',
      'Conflicts',
      `Binlog growth in the ${formatSeconds(echoWatchMs)} s after (local / cloud)`,
      'Sides equal afterwards',
    ],
    lags.map((lag) => [
      workersLabel(lag.workers),
      `${lag.serviceCpuPercent.toFixed(0)} %`,
      `${lag.serverCpuPercent.local.toFixed(0)} %`,
      `${lag.serverCpuPercent.cloud.toFixed(0)} %`,
      describeCounts(lag.retries),
      describeCounts(lag.conflicts),
      `${formatCount(lag.binlogGrowthAfter.local)} / ${formatCount(lag.binlogGrowthAfter.cloud)} bytes`,
      lag.comparison.equal ? 'yes' : 'NO',
    ]),
  );
}

function applyTable(runs: readonly ApplyRun[]): string {
  return markdownTable(
    [
      'Round',
      'Mode (in run order)',
      'Caught up in',
      'Rows/s applied',
      'Service CPU',
      'Service CPU per 1,000 changes',
      'local server CPU',
      'cloud server CPU',
      'Peak RSS',
      'Batches retried',
    ],
    runs.map((run) => [
      String(run.round),
      run.contender.label,
      `${formatSeconds(run.caughtUpMs)} s`,
      formatCount(applyRate(run)),
      `${run.serviceCpuPercent.toFixed(0)} %`,
      `${cpuPerThousandRows(run).toFixed(1)} ms`,
      `${run.localCpuPercent.toFixed(0)} %`,
      `${run.cloudCpuPercent.toFixed(0)} %`,
      formatMebibytes(run.peakRssKib),
      describeCounts(run.retries),
    ]),
  );
}

function offsetsText(directions: readonly DirectionLag[]): string {
  return directions
    .map(
      (direction) =>
        `${direction.target} ${(direction.clockOffset.offsetMicros / 1000).toFixed(3)} ms (±${(direction.clockOffset.roundTripMicros / 2000).toFixed(3)} ms)`,
    )
    .join(', ');
}

export function reportBody(figures: BidirectionalFigures, context: string): string {
  const { lags, applyRuns, applySettings } = figures;
  const lag = lags[0];
  if (lag === undefined) throw new Error('no lag figures');
  const first = applyRuns[0];
  const counts = first?.counts;
  return `## Bidirectional sync

${context}

### Lag with both sides writing

One core-sync child runs \`sync.mode: bidirectional\` between two servers, \`local\` and \`cloud\`, on the orders table
(the snapshot benchmark's columns plus \`applied_us\`; \`conflict_resolution: source_priority\`, \`prefer: local\`;
service defaults otherwise). Both sides start empty. Then the benchmark inserts on **both sides at once**,
${formatCount(lag.settings.rowsPerSecond)} rows/s on each, one multi-row INSERT (autocommit) every ${1000 / Math.min(lag.settings.rowsPerSecond, maxTransactionsPerSecond)} ms on each side, local ids from 1 up and cloud
ids from ${formatCount(cloudFirstId)} up (disjoint: no conflicts), for ${lag.settings.warmupSeconds} s of warm-up (not counted) and ${lag.settings.seconds} s measured.

The lag is measured row by row as in the lag benchmark: the generator records the wall-clock time just after each
INSERT returns (the COMMIT on the writing side); each side's \`BEFORE INSERT\` trigger sets \`applied_us\` to
\`UNIX_TIMESTAMP(SYSDATE(6))\` in microseconds when a row is written there; a row's lag is the time it was written
on the other side minus its commit time, less that server's clock offset from Node's (${offsetsText(lag.directions)} in the first run; half the
best of 50 round trips). Both sides need the same table definition, so both have the trigger: it also stamps the
rows the generator inserts, and the other side's trigger overwrites the stamp the row arrives with. The trigger only
sets a column of its own row (the service warns at start that synced tables have triggers; that is expected here).
\`applied_us\` therefore differs between the sides on every row, and the comparison at the end leaves it out: row
count and a checksum over all the other columns (BIT_XOR over the rows of 64 bits of MD5 of the row's values, each
with its ISNULL flag). CPU is user + system time from the start of the measured seconds until every row had
arrived, in percent of one core (each server takes its own inserts, the other side's rows and the service's
binlog reads).

${lagTable(lags)}

${lagRunTable(lags)}

The first service runs with the default 8 apply workers (partitions by primary key, each applying its own
batches in its own target transaction); the second with \`sync.workers: 1\`, one apply transaction at a time per
direction. "Batches retried" counts the service's "batch failed, retrying" warnings by direction and error code (a
retry first waits 100–200 ms, doubling with each attempt). Binlog growth after the load: an echo loop would keep
both binlogs growing.

### Cost of conflict checking

The catch-up benchmark's measurement, once per contender below, in ${applySettings.repeat} rounds (every other round in the reverse
order): fresh databases, the orders table (no trigger and no \`applied_us\` here: a column stamped differently on each
side would make every update an \`update_update\` conflict) created on both sides, ${formatCount(applySettings.initialRows)} rows on local copied
to cloud by the service, which is then stopped. While it is stopped, ${applySettings.writers} connections write the same ${formatCount(first?.totalChanges ?? 0)} row
changes to local in every run (${formatCount(counts?.insert ?? 0)} inserted, ${formatCount(counts?.update ?? 0)} updated, ${formatCount(counts?.delete ?? 0)} deleted, in ${formatCount(counts?.transactions ?? 0)} transactions of 1
to 200 rows; ${formatMebibytes((first?.binlogBytes ?? 0) / 1024)} of binlog); both servers' dirty pages are flushed; a fresh service child starts and is
timed from \`start()\` until its applied-row count reaches the number of changes (polled every 5 ms in the child).
Rows/s is changes ÷ that time; CPU is user + system time over it, in percent of one core; "per 1,000 changes" divides
the service's CPU time by the changes, so work redone by retried batches counts in it.

- **one-way**: \`sync.mode: local_to_cloud\`: batches are written without reading the target.
- **bidirectional**: \`sync.mode: bidirectional\` (\`source_priority\`, \`prefer: local\`): before each batch is written,
  the target's rows for the batch's keys are read in the batch's transaction (one \`SELECT … FOR UPDATE\` per table per
  batch, up to 1,000 keys each) and compared with each change's before image. Its figure also holds the rest of
  what bidirectional mode costs in this situation: the cloud → local direction streams cloud's binlog and drops
  every applied transaction as an echo, in the same process.
- **…, 1 worker**: the same with \`sync.workers: 1\` instead of the default 8: one apply transaction at a time per
  direction, so a direction's batches never wait on each other's locks (a reference for the cost of
  contention between them).

${applyTable(applyRuns)}

${summaryLines(figures)
  .map((line) => `- ${line}`)
  .join('\n')}
`;
}
