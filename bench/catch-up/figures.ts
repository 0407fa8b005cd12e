/**
 * The catch-up benchmark's figures and how its section of docs/BENCHMARKS.md shows them: the table of appliers
 * (core-sync and MariaDB's replication), the verdicts against the bars, the workload's description, and
 * the figures an A/B of two revisions compares.
 */
import type { ChangeCounts } from '../support/change-load.js';
import type { NativeCatchUp, NativeFigures } from '../support/native-replica.js';
import { nativeContenders } from '../support/native-replica.js';
import { markdownTable } from '../support/report.js';
import type { RevisionMetric } from '../support/revision-rounds.js';
import { formatCount, formatMebibytes, formatSeconds } from '../support/stats.js';
import { describeComparison, type TableComparison } from '../support/table-compare.js';

/** The bars: at least 60,000 rows/s, peak RSS under 200 MB (aim 150 MB). */
const targets = { rowsPerSecond: 60_000, peakRssMib: 200, aimPeakRssMib: 150 } as const;

export interface CatchUpFigures {
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
  /** What the target server ran for core-sync over the catch-up (its status counters). */
  readonly targetWork: { readonly statements: number; readonly commits: number };
  /** MariaDB's replication applying the same changes, in the same run. */
  readonly native: readonly NativeFigures[];
}

export function rowsPerSecond(figures: CatchUpFigures): number {
  return (figures.totalChanges / figures.caughtUpMs) * 1000;
}

export function verdicts(figures: CatchUpFigures): string[] {
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

export function figuresTable(figures: CatchUpFigures): string {
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
        `${formatCount(figures.targetWork.statements)} (${formatCount(figures.targetWork.commits)})`,
      ],
      ...figures.native.map((native) => [
        native.label,
        `${formatSeconds(native.caughtUpMs)} s`,
        formatCount(nativeRate(figures, native)),
        `${(rate / nativeRate(figures, native)).toFixed(2)}×`,
        '(in the server)',
        '(in the server)',
        `${native.cpuPercent.toFixed(0)} % of a core`,
        '(row events)',
      ]),
    ],
  );
}

/** What one catch-up does (`figures` of one run, or of an A/B's first round). */
export function workloadDescription(figures: CatchUpFigures): string {
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
export const revisionMetrics: readonly RevisionMetric<CatchUpFigures>[] = [
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
