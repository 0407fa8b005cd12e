/** The full-sync benchmark's section of docs/BENCHMARKS.md, and its verdicts. */
import type { ChecksumFunction } from '../support/chunk-checksum.js';
import { markdownTable } from '../support/report.js';
import { formatCount, formatMebibytes, formatSeconds, maximum } from '../support/stats.js';
import { describeComparison } from '../support/table-compare.js';
import { contenderLabels, type CompareRun, type Contender, type FullSyncFigures } from './measure.js';
import { divergencePeriod, totalDiverged } from './tables.js';

/** The seed's bar for the service's memory. */
const peakRssTargetMib = 200;

function bestOf(figures: FullSyncFigures, contender: Contender): CompareRun | undefined {
  return figures.runs
    .filter((run) => run.contender === contender)
    .reduce<CompareRun | undefined>(
      (best, run) => (best === undefined || run.durationMs < best.durationMs ? run : best),
      undefined,
    );
}

/** core-sync's time ÷ a by-hand walk's, in each round (same round: measured minutes apart at most). */
function roundRatios(figures: FullSyncFigures, reference: ChecksumFunction): number[] {
  const ratios: number[] = [];
  for (const run of figures.runs.filter((entry) => entry.contender === 'core-sync')) {
    const other = figures.runs.find((entry) => entry.round === run.round && entry.contender === reference);
    if (other !== undefined) ratios.push(run.durationMs / other.durationMs);
  }
  return ratios;
}

function ratioLine(figures: FullSyncFigures, reference: ChecksumFunction): string {
  const coreSync = bestOf(figures, 'core-sync');
  const byHand = bestOf(figures, reference);
  if (coreSync === undefined || byHand === undefined) return `no ${reference} figures`;
  return (
    `core-sync's compare ÷ ${contenderLabels[reference]}, best of each: ${(coreSync.durationMs / byHand.durationMs).toFixed(2)}x ` +
    `(${formatSeconds(coreSync.durationMs)} s against ${formatSeconds(byHand.durationMs)} s; per round: ` +
    `${roundRatios(figures, reference)
      .map((ratio) => `${ratio.toFixed(2)}x`)
      .join(', ')})`
  );
}

export function verdicts(figures: FullSyncFigures): string[] {
  const diverged = totalDiverged(figures.divergence);
  const changed = figures.repair.progress.rowsChanged;
  const peakKib = maximum([
    ...figures.runs.map((run) => run.peakRssKib ?? 0),
    figures.repair.peakRssKib,
    figures.snapshotPeakRssKib,
  ]);
  return [
    ratioLine(figures, 'sha2'),
    ratioLine(figures, 'crc32'),
    `every compare of the identical tables found nothing to change: met (rowsChanged 0, no differing chunk by hand)`,
    `the repair's rowsChanged equals the rows diverged: ${changed === diverged ? 'met' : 'MISSED'} (${formatCount(changed)} changed, ${formatCount(diverged)} diverged)`,
    figures.repairedComparison.equal
      ? `both tables equal after the repair: met (${describeComparison(figures.repairedComparison)})`
      : `both tables equal after the repair: MISSED (${describeComparison(figures.repairedComparison)})`,
    `peak RSS under ${peakRssTargetMib} MB: ${peakKib / 1024 < peakRssTargetMib ? 'met' : 'MISSED'} (${formatMebibytes(peakKib)}, snapshot included)`,
  ];
}

function cpuCell(percent: number | undefined): string {
  return percent === undefined ? '' : `${percent.toFixed(0)} %`;
}

export function reportBody(figures: FullSyncFigures, context: string): string {
  const { divergence, repair, divergedWalk } = figures;
  const runsTable = markdownTable(
    [
      'Round',
      'Contender (in run order)',
      'Time',
      'Rows/s',
      'Chunks',
      'Service CPU',
      'Benchmark process CPU',
      'Source server CPU',
      'Target server CPU',
      'Peak RSS',
    ],
    figures.runs.map((run) => [
      String(run.round),
      contenderLabels[run.contender],
      `${formatSeconds(run.durationMs)} s`,
      formatCount((run.rows / run.durationMs) * 1000),
      formatCount(run.chunks),
      cpuCell(run.contender === 'core-sync' ? run.cpuPercent.service : undefined),
      cpuCell(run.contender === 'core-sync' ? undefined : run.cpuPercent.bench),
      cpuCell(run.cpuPercent.source),
      cpuCell(run.cpuPercent.target),
      run.peakRssKib === undefined ? '' : formatMebibytes(run.peakRssKib),
    ]),
  );
  const repairTable = markdownTable(
    [
      'Rows diverged',
      'Chunks differing',
      'Full sync time',
      'Rows/s compared',
      'rowsChanged',
      'Service CPU',
      'Source server CPU',
      'Target server CPU',
      'Peak RSS',
      'Tables equal after',
    ],
    [
      [
        formatCount(totalDiverged(divergence)),
        `${formatCount(divergedWalk.differingChunks)} of ${formatCount(divergedWalk.chunks)}`,
        `${formatSeconds(repair.durationMs)} s`,
        formatCount((repair.progress.rowsCompared / repair.durationMs) * 1000),
        formatCount(repair.progress.rowsChanged),
        cpuCell(repair.cpuPercent.service),
        cpuCell(repair.cpuPercent.source),
        cpuCell(repair.cpuPercent.target),
        formatMebibytes(repair.peakRssKib),
        figures.repairedComparison.equal ? 'yes (CHECKSUM TABLE)' : 'NO',
      ],
    ],
  );
  const identicalSeconds = bestOf(figures, 'core-sync')?.durationMs ?? Number.NaN;
  return `## Full sync

${context}

The orders table (the snapshot benchmark's, about 300 bytes a row) holds ${formatCount(figures.rows)} rows on the source: ids
from 1 up less every id ≡ 200 (mod ${divergencePeriod}), so that the target can have rows the source lacks anywhere in the
table (filled in ${formatSeconds(figures.fillMs)} s). A service child, composed as \`main.ts\` composes it (event bus, metrics,
\`SyncManager\`, HTTP API; \`bench/support/service-composition.ts\`) with \`sync.mode: local_to_cloud\` and service
defaults, snapshots it to the empty target (${formatSeconds(figures.snapshotMs)} s, peak RSS ${formatMebibytes(figures.snapshotPeakRssKib)}) and keeps streaming; CHECKSUM TABLE
then shows both sides equal, and both servers' dirty pages are flushed. The full sync's chunk size is
\`sync.snapshot_chunk_size\` = ${formatCount(figures.chunkSize)} rows and it compares \`sync.snapshot_concurrency\` = ${figures.concurrency} tables at
a time (one table here, so one connection per side).

**Identical tables.** Contenders, ${figures.runs.length / 3} round(s), every other round in the reverse order, on the same servers:

- **core-sync full sync**: \`SyncManager.trigger()\` in the child (a message of \`bench/support/service-protocol.ts\`),
  timed until \`idle()\` resolves (the run's end is recorded in the state store). Per chunk it asks the source
  for the key of the chunk's last row (\`ORDER BY id LIMIT 1 OFFSET 999\`), then both servers at once for the
  chunk's \`COUNT(*)\` and \`BIT_XOR\` of the first 64 bits of \`SHA2(CONCAT_WS('#', columns…, null flags), 256)\`; before
  the first chunk it counts the rows on both sides, and it publishes progress (at most every 250 ms).
- **by hand, SHA2**: the same two queries per chunk, the same expression, from the benchmark process over one
  connection per server (\`bench/support/chunk-checksum.ts\`): the bare cost of core-sync's SQL.
- **by hand, CRC32**: the same with pt-table-checksum's default checksum,
  \`BIT_XOR(CAST(CRC32(CONCAT_WS('#', columns…, null flags)) AS UNSIGNED))\`.

CPU is user + system time over the run in percent of one core (the machine has 2): the service child, the
benchmark process (the by-hand walks' driver), each \`mariadbd\`. Peak RSS is the child's VmHWM during the run
(reset before it through /proc/<pid>/clear_refs).

${runsTable}

**Diverged target.** Then ${formatCount(totalDiverged(divergence))} of the target's rows (${((totalDiverged(divergence) / figures.rows) * 100).toFixed(1)} %) are made different with its binlog off
(\`SET SESSION sql_log_bin = 0\`, so the stream never sees them), spread over the whole table: ${formatCount(divergence.deleted)} rows deleted
(ids ≡ 0), ${formatCount(divergence.changed)} changed (ids ≡ 100: \`amount\` and \`notes\`), ${formatCount(divergence.extra)} extra rows the source lacks (ids ≡ 200).
A by-hand CRC32 walk over the diverged tables took ${formatSeconds(divergedWalk.durationMs)} s and found ${formatCount(divergedWalk.differingChunks)} of ${formatCount(divergedWalk.chunks)} chunks differing
(about ${formatCount(totalDiverged(divergence) / divergedWalk.chunks)} diverged rows per chunk of ${formatCount(figures.chunkSize)}). core-sync reads every row of a differing chunk on both sides (\`SELECT *\`
of the chunk), compares them value by value, and queues the differing keys to the apply engine as refreshes (each
batch reads the source's current rows and writes or deletes them on the target, in stream order). The identical
compare took ${formatSeconds(identicalSeconds)} s at best.

${repairTable}

${verdicts(figures)
  .map((line) => `- ${line}`)
  .join('\n')}
`;
}
