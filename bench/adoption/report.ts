/** The adoption benchmark's section of docs/BENCHMARKS.md, and its verdicts. */
import { markdownTable } from '../support/report.js';
import { formatCount, formatMebibytes, formatSeconds } from '../support/stats.js';
import { describeComparison } from '../support/table-compare.js';
import { changedRowCount } from './adoption-run.js';
import type { BinlogWrites } from './binlog-writes.js';
import {
  adoptionRounds,
  adoptionTotalMs,
  allTransferProblems,
  medians,
  ratioLimit,
  roundRatios,
} from './figures.js';
import { contenderLabels, type AdoptionFigures, type Round, type ScenarioFigures } from './measure.js';
import { benchTables } from './tables.js';

function ratioText(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

function scenarioPassed(figures: ScenarioFigures): boolean {
  return medians(figures).totalRatio <= ratioLimit && allTransferProblems(figures).length === 0;
}

/** Whether every scenario meets issue 17's bar (the judged ratio within the limit, no row transferred). */
export function passed(figures: AdoptionFigures): boolean {
  return (
    figures.scenarios.every(scenarioPassed) && figures.identicalAfter.every((comparison) => comparison.equal)
  );
}

function scenarioVerdicts(figures: ScenarioFigures): string[] {
  const figuresMedians = medians(figures);
  const problems = allTransferProblems(figures);
  const perRound = roundRatios(figures);
  const adoptions = adoptionRounds(figures);
  const transactions = (side: 'local' | 'cloud'): string =>
    adoptions.map((round) => formatCount(round.result.binlogWrites[side].transactions)).join(', ');
  const label = `${figures.scenario.label}: `;
  return [
    `${label}adoption (start-up + run) ÷ bare compare, medians: ${ratioText(figuresMedians.totalRatio)} ` +
      `(${formatSeconds(figuresMedians.totalMs)} s against ${formatSeconds(figuresMedians.bareMs)} s; limit ${ratioLimit}x): ` +
      `${figuresMedians.totalRatio <= ratioLimit ? 'met' : 'MISSED'} (per round: ${perRound.map((ratio) => ratioText(ratio.total)).join(', ')})`,
    `${label}the adoption run alone ÷ bare compare, medians: ${ratioText(figuresMedians.runRatio)} ` +
      `(${formatSeconds(figuresMedians.runMs)} s against ${formatSeconds(figuresMedians.bareMs)} s; start-up ${formatSeconds(figuresMedians.startUpMs)} s; ` +
      `per round: ${perRound.map((ratio) => ratioText(ratio.run)).join(', ')})`,
    problems.length === 0
      ? `${label}adopting the identical tables transferred no rows: met (every round: every table adopted at the ` +
        `start and settled by the run, every table's changes 0, rowsChanged 0, 0 rows applied by the streams, no ` +
        `conflict; the binlogs gained rows of _mysql_sync_checkpoint only: local ${transactions('local')} ` +
        `transactions, cloud ${transactions('cloud')})`
      : `${label}adopting the identical tables transferred no rows: MISSED (${problems.join('; ')})`,
  ];
}

export function verdicts(figures: AdoptionFigures): string[] {
  const unequal = figures.identicalAfter.filter((comparison) => !comparison.equal);
  return [
    ...figures.scenarios.flatMap(scenarioVerdicts),
    unequal.length === 0
      ? `both sides still equal after the rounds: met (CHECKSUM TABLE of every table)`
      : `both sides still equal after the rounds: MISSED (${unequal.map(describeComparison).join('; ')})`,
  ];
}

function cpuCell(percent: number | undefined): string {
  return percent === undefined ? '' : `${percent.toFixed(0)} %`;
}

function roundRow(round: Round): string[] {
  const label = contenderLabels[round.contender];
  if (round.contender === 'bare-compare') {
    const { result, cpuPercent } = round;
    const seconds = `${formatSeconds(result.durationMs)} s`;
    return [
      String(round.round),
      label,
      '',
      seconds,
      seconds,
      '',
      `${formatSeconds(round.rowCountsMs)} s`,
      formatCount(result.rows),
      formatCount(result.chunks),
      '',
      '',
      cpuCell(cpuPercent.bench),
      cpuCell(cpuPercent.local),
      cpuCell(cpuPercent.cloud),
      '',
    ];
  }
  const { result } = round;
  const changes = result.tables.reduce((total, table) => total + changedRowCount(table), 0);
  return [
    String(round.round),
    label,
    `${formatSeconds(result.startUpMs)} s`,
    `${formatSeconds(result.runMs)} s`,
    `${formatSeconds(adoptionTotalMs(result))} s`,
    `${formatSeconds(result.compareMs)} s`,
    '',
    formatCount(result.rowsCompared),
    formatCount(result.chunks),
    `${formatCount(result.rowsChanged)} / ${formatCount(changes)}`,
    cpuCell(result.runCpuPercent.service),
    cpuCell(result.runCpuPercent.bench),
    cpuCell(result.runCpuPercent.local),
    cpuCell(result.runCpuPercent.cloud),
    formatMebibytes(result.runPeakRssKib),
  ];
}

function binlogCell(writes: BinlogWrites): string {
  const tables = Object.entries(writes.tablesWritten)
    .map(([table, maps]) => `${table.replace(/^.*\./, '')} ×${formatCount(maps)}`)
    .join(', ');
  const statements = writes.statements.length === 0 ? '' : `; DDL: ${writes.statements.join(' / ')}`;
  return (
    `+${formatCount(writes.bytes)} bytes, ${formatCount(writes.transactions)} transactions, ` +
    `${formatCount(writes.rowEvents)} row events (${tables === '' ? 'no table' : tables})${statements}`
  );
}

/** What each side's binlog gained, rounds with the same figures on one line. */
function binlogTable(figures: ScenarioFigures): string {
  const rowsByCells = new Map<string, { rounds: number[]; cells: [string, string] }>();
  for (const round of adoptionRounds(figures)) {
    const cells: [string, string] = [
      binlogCell(round.result.binlogWrites.local),
      binlogCell(round.result.binlogWrites.cloud),
    ];
    const key = cells.join('\n');
    const entry = rowsByCells.get(key) ?? { rounds: [], cells };
    entry.rounds.push(round.round);
    rowsByCells.set(key, entry);
  }
  return markdownTable(
    ['Rounds', 'Local binlog during the adoption', 'Cloud binlog during the adoption'],
    [...rowsByCells.values()].map((entry) => [entry.rounds.join(', '), ...entry.cells]),
  );
}

function scenarioBody(figures: ScenarioFigures): string {
  const figuresMedians = medians(figures);
  const roundsTable = markdownTable(
    [
      'Round',
      'Contender (in run order)',
      'Start-up',
      'Run',
      'Start-up + run',
      "Run's compare phase",
      'Row estimates by hand',
      'Rows compared',
      'Chunks',
      'rowsChanged / changes',
      'Service CPU (run)',
      'Benchmark process CPU',
      'Local server CPU',
      'Cloud server CPU',
      'Peak RSS (run)',
    ],
    figures.rounds.map(roundRow),
  );
  return `**${figures.scenario.label.replace(/^./, (first) => first.toUpperCase())}** (${figures.scenario.tables.join(', ')}; ${formatCount(figures.rows)} rows). Medians: bare compare
${formatSeconds(figuresMedians.bareMs)} s; adoption start-up ${formatSeconds(figuresMedians.startUpMs)} s, run ${formatSeconds(figuresMedians.runMs)} s, start-up + run ${formatSeconds(figuresMedians.totalMs)} s (the median of the sums).
Of the run, ${formatSeconds(figuresMedians.compareMs)} s are its compare phase (its row estimates, which take ${formatSeconds(figuresMedians.rowCountsMs)} s by hand, and the walks)
and ${formatSeconds(figuresMedians.afterCompareMs)} s come after it (the adoption marks removed, the history entry completed).

${roundsTable}

What the adoption wrote to the binlogs (row events by the table their table map names, "×" the table maps):

${binlogTable(figures)}`;
}

/** What the query plans say of the walk: which tables' chunks are read by a range on the key, which are not. */
function planNote(figures: AdoptionFigures): string {
  const scanning = [...figures.queryPlans]
    .filter(([, plan]) => !plan.checksum.startsWith('range '))
    .map(([table]) => table);
  if (scanning.length === 0) return 'Every chunk query reads its chunk by a range on the key.';
  return (
    `The server runs the checksum query of ${scanning.join(', ')} without a range on the key (the plans above): ` +
    `every chunk reads the whole table, so that walk outlasts the other tables' many times over in both ` +
    `contenders, and what adoption adds around the walk disappears in it; the second scenario measures it on ` +
    `walks that use the key.`
  );
}

export function reportBody(figures: AdoptionFigures, context: string): string {
  const tablesTable = markdownTable(
    ['Table', 'Rows', 'Columns', 'Chunk-end query (EXPLAIN)', 'Checksum query (EXPLAIN)'],
    benchTables.map((table) => {
      const plan = figures.queryPlans.get(table.name);
      return [
        table.name,
        formatCount(figures.rowCounts.get(table.name) ?? 0),
        table.columnSummary,
        plan?.chunkEnd ?? '',
        plan?.checksum ?? '',
      ];
    }),
  );
  const roundCount = figures.scenarios[0]?.rounds.length ?? 0;
  return `## Adoption

${context}

Issue 17: adopting two identical tables transfers no rows, and takes at most ${ratioLimit}× a bare chunk-checksum
compare of the same tables, measured in the same run. Both servers hold the same ${formatCount(figures.rows)} rows in four
tables, filled on each side by the same statements (in ${formatSeconds(figures.fillMs)} s, binlog on), equal by CHECKSUM TABLE; dirty
pages are then flushed. The query plans are local's for each table's second chunk (\`chunk-queries.ts\`'s SQL):

${tablesTable}

Chunks of \`sync.snapshot_chunk_size\` = ${formatCount(figures.chunkSize)} rows, \`sync.snapshot_concurrency\` = ${figures.concurrency} tables at a time, for both
contenders; ${roundCount / 2} round(s) per scenario, every other round in the reverse order:

- **bare chunk-checksum compare**: no service. The benchmark process calls \`compareTable\`
  (\`services/core-sync/src/fullsync/table-compare.ts\`, the walk the service's full sync runs per table) with a
  no-op \`onDifference\`, over pools made by the service's \`createMysqlPool\`, the tables ${figures.concurrency} at a time:
  per chunk the key of its last row on local, then local and cloud at once for its \`COUNT(*)\` and SHA2 checksum,
  over the columns the service compares (generated ones left out). Connections and table definitions are ready
  before the clock starts (\`bench/adoption/bare-compare.ts\`). The service's own function rather than a copy of
  its loop, so that the ratio measures what adoption adds around the walk, not a difference between two loops.
  After it, off its clock, what the adoption run reads before its walks (each table's row estimate from
  \`information_schema.TABLES\` on both sides at once, the total its progress shows) is timed by hand: "Row
  estimates by hand".
- **core-sync adoption**: \`_mysql_sync_checkpoint\` is dropped on both sides with the binlog off, and a fresh
  child is composed as \`main.ts\` composes it (event bus, metrics, \`SyncManager\`, HTTP API) in
  \`sync.mode: bidirectional\` (\`source_priority\`, prefer local) with the scenario's tables. **Start-up** is its
  \`SyncService.start()\`: it finds rows on both sides and no checkpoint, marks every table
  \`marker:adopting:<table>\` on both sides and starts both streams. The benchmark then starts the adoption run as
  the scheduler does (\`SyncManager.trigger()\` of the adopting tables, kind \`adoption\`); **run** is from that call
  until \`idle()\` resolves (the run's end recorded in the history): per table it reads the row estimates of both sides,
  then walks the chunks as the bare compare does; "Run's compare phase" is that part, by the run's own clock
  (its progress's \`startedAt\` to \`finishedAt\`), the rest of the run comes after it. Then \`GET /api/v1/sync/status\` must list no table as adopting
  and no row applied by the streams, the service stops, and both binlogs are read back (\`SHOW BINLOG EVENTS\`
  from where they ended before the start): every row event must be on \`_mysql_sync_checkpoint\`. The child's
  fork and module loading are not timed. The judged ratio is start-up + run.

Two scenarios: all four tables, then the three with a one-column key. ${planNote(figures)} CPU is user +
system time over the run in percent of one core (the machine has 2); "rowsChanged / changes" are the run's
rowsChanged and the sum of every table's \`changes\` counts.

${figures.scenarios.map(scenarioBody).join('\n\n')}

${verdicts(figures)
  .map((line) => `- ${line}`)
  .join('\n')}
`;
}
