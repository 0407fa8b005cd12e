/**
 * Full sync: core-sync compares a 1,000,000-row orders table that is identical on both sides (the service
 * snapshotted it and streams), side by side in the same run with the same chunked checksums run by hand from the
 * benchmark process (pt-table-checksum's way, both servers at once); then 1 % of the target's rows are made
 * different with its binlog off (deleted, changed, extra rows) and core-sync's full sync repairs them.
 *
 *   node --import tsx bench/full-sync.bench.ts [--rows=1000000] [--repeat=2]
 */
import type { Connection, WriteResult } from '../services/core-sync/src/mysql/index.js';
import type { SandboxServer } from '../services/core-sync/src/sandbox/index.js';
import {
  tableColumns,
  walkChunkChecksums,
  type ChecksumFunction,
  type ChunkWalkResult,
} from './support/chunk-checksum.js';
import { isMainModule, numberOption, parseOptions, runStandalone } from './support/cli.js';
import {
  benchApiToken,
  fullSyncSettings,
  measureFullSync,
  type FullSyncMeasurement,
} from './support/full-sync-measure.js';
import { describeMachine, machineSummary } from './support/machine.js';
import { createOrdersTableStatement, fillOrders } from './support/orders-table.js';
import { CpuMeter } from './support/process-cpu.js';
import { invokedCommand, markdownTable, runContext, writeReportSection } from './support/report.js';
import { benchServerArguments, connect, recreateDatabase, withServerPair } from './support/servers.js';
import { benchConfigDocument } from './support/service-config.js';
import { ServiceProcess, serviceRunnerDescription } from './support/service-process.js';
import { settleServer } from './support/settle.js';
import { formatCount, formatMebibytes, formatSeconds, maximum } from './support/stats.js';
import { compareTable, describeComparison, type TableComparison } from './support/table-compare.js';

const usage = 'node --import tsx bench/full-sync.bench.ts [--rows=1000000] [--repeat=2]';
const sourceDatabase = 'fullsync_source';
const targetDatabase = 'fullsync_target';
const table = 'orders';
/**
 * Ids are laid out in periods of 300: the source lacks every id ≡ 200 (mod 300), so the target can get rows
 * the source does not have in every chunk; the target loses the ids ≡ 0 and changes the ids ≡ 100.
 */
const divergencePeriod = 300;
/** The seed's bar for the service's memory. */
const peakRssTargetMib = 200;

type Contender = 'core-sync' | ChecksumFunction;

const contenderLabels: Record<Contender, string> = {
  'core-sync': 'core-sync full sync',
  crc32: 'by hand, CRC32 (pt-table-checksum)',
  sha2: "by hand, SHA2 (core-sync's SQL)",
};

interface CompareRun {
  readonly round: number;
  readonly contender: Contender;
  readonly durationMs: number;
  readonly chunks: number;
  readonly rows: number;
  /** Percent of one core: service (core-sync only), bench (by hand only), source, target. */
  readonly cpuPercent: Readonly<Record<string, number>>;
  readonly peakRssKib: number | undefined;
  readonly rowsChanged: number | undefined;
}

interface Divergence {
  readonly deleted: number;
  readonly changed: number;
  readonly extra: number;
}

interface FullSyncFigures {
  readonly rows: number;
  readonly chunkSize: number;
  readonly concurrency: number;
  readonly fillMs: number;
  readonly snapshotMs: number;
  readonly snapshotPeakRssKib: number;
  readonly identicalBefore: TableComparison;
  readonly runs: readonly CompareRun[];
  readonly divergence: Divergence;
  readonly divergedWalk: ChunkWalkResult;
  readonly repair: FullSyncMeasurement;
  readonly repairedComparison: TableComparison;
}

function totalDiverged(divergence: Divergence): number {
  return divergence.deleted + divergence.changed + divergence.extra;
}

/** How many ids 1…`fillCount` the source leaves out (≡ 200 mod 300). */
function gapsBelow(fillCount: number): number {
  return fillCount < 200 ? 0 : Math.floor((fillCount - 200) / divergencePeriod) + 1;
}

/** Fills the source with `rows` rows: ids 1…n less every id ≡ 200 (mod 300). */
async function fillSource(connection: Connection, rows: number): Promise<void> {
  let fillCount = rows;
  while (fillCount - gapsBelow(fillCount) < rows) fillCount += 1;
  await connection.query(createOrdersTableStatement(table));
  await fillOrders(connection, table, fillCount);
  await connection.query(`DELETE FROM \`${table}\` WHERE id % ${divergencePeriod} = 200`);
}

/**
 * With the target's binlog off (the stream never sees it): an extra row for every id ≡ 200 (a copy of the row 100
 * below it, which the source lacks), then the rows ≡ 0 deleted and the rows ≡ 100 changed.
 */
async function divergeTarget(connection: Connection): Promise<Divergence> {
  const qualified = `\`${targetDatabase}\`.\`${table}\``;
  const columns = 'customer_email, quantity, amount, created_at, attributes, notes, status, is_gift';
  await connection.query('SET SESSION sql_log_bin = 0');
  try {
    const [inserted] = await connection.query<WriteResult>(
      `INSERT INTO ${qualified} (id, ${columns}) SELECT id + 100, ${columns} FROM ${qualified} WHERE id % ${divergencePeriod} = 100`,
    );
    const [deleted] = await connection.query<WriteResult>(
      `DELETE FROM ${qualified} WHERE id % ${divergencePeriod} = 0`,
    );
    const [changed] = await connection.query<WriteResult>(
      `UPDATE ${qualified} SET amount = amount + 1, notes = CONCAT(COALESCE(notes, ''), ' (changed on the target)') ` +
        `WHERE id % ${divergencePeriod} = 100`,
    );
    return { deleted: deleted.affectedRows, changed: changed.affectedRows, extra: inserted.affectedRows };
  } finally {
    await connection.query('SET SESSION sql_log_bin = 1');
  }
}

async function walkByHand(
  servers: { source: SandboxServer; target: SandboxServer },
  connections: { source: Connection; target: Connection },
  checksum: ChecksumFunction,
  chunkSize: number,
): Promise<{ walk: ChunkWalkResult; cpuPercent: Record<string, number> }> {
  const reference = { connection: connections.source, database: sourceDatabase };
  const columns = await tableColumns(reference, table);
  const meter = await CpuMeter.start({ source: servers.source.pid ?? -1, target: servers.target.pid ?? -1 });
  const walk = await walkChunkChecksums({
    reference,
    other: { connection: connections.target, database: targetDatabase },
    table,
    keyColumn: 'id',
    columns,
    chunkSize,
    checksum,
  });
  const { percents } = await meter.read();
  return { walk, cpuPercent: percents };
}

function describeCpu(cpuPercent: Readonly<Record<string, number>>): string {
  return Object.entries(cpuPercent)
    .map(([name, percent]) => `${name} ${percent.toFixed(0)} %`)
    .join(', ');
}

async function runContender(
  contender: Contender,
  round: number,
  service: ServiceProcess,
  servers: { source: SandboxServer; target: SandboxServer },
  connections: { source: Connection; target: Connection },
  chunkSize: number,
): Promise<CompareRun> {
  let run: CompareRun;
  if (contender === 'core-sync') {
    const measured = await measureFullSync(service, servers);
    const [tableProgress] = measured.progress.tables;
    if (measured.progress.rowsChanged !== 0) {
      throw new Error(`the full sync of identical tables changed ${measured.progress.rowsChanged} rows`);
    }
    run = {
      round,
      contender,
      durationMs: measured.durationMs,
      chunks: tableProgress?.chunksCompared ?? 0,
      rows: measured.progress.rowsCompared,
      cpuPercent: measured.cpuPercent,
      peakRssKib: measured.peakRssKib,
      rowsChanged: measured.progress.rowsChanged,
    };
  } else {
    const { walk, cpuPercent } = await walkByHand(servers, connections, contender, chunkSize);
    if (walk.differingChunks !== 0)
      throw new Error(`${walk.differingChunks} chunks of identical tables differ`);
    run = {
      round,
      contender,
      durationMs: walk.durationMs,
      chunks: walk.chunks,
      rows: walk.rows,
      cpuPercent,
      peakRssKib: undefined,
      rowsChanged: undefined,
    };
  }
  console.log(
    `  round ${round}, ${contenderLabels[contender]}: ${formatSeconds(run.durationMs)} s, ` +
      `${formatCount((run.rows / run.durationMs) * 1000)} rows/s, ${formatCount(run.chunks)} chunks; CPU ${describeCpu(run.cpuPercent)}` +
      (run.peakRssKib === undefined ? '' : `; peak RSS ${formatMebibytes(run.peakRssKib)}`),
  );
  return run;
}

async function measure(
  servers: { source: SandboxServer; target: SandboxServer },
  settings: { rows: number; repeat: number },
): Promise<FullSyncFigures> {
  const connections = { source: await connect(servers.source), target: await connect(servers.target) };
  const { chunkSize, concurrency } = fullSyncSettings();
  const service = await ServiceProcess.spawn();
  try {
    await recreateDatabase(connections.source, sourceDatabase);
    await recreateDatabase(connections.target, targetDatabase);
    await connections.source.query(`USE \`${sourceDatabase}\``);
    const fillStartedAt = performance.now();
    await fillSource(connections.source, settings.rows);
    const fillMs = performance.now() - fillStartedAt;
    console.log(`  filled the source with ${formatCount(settings.rows)} rows in ${formatSeconds(fillMs)} s`);
    const { startDurationMs } = await service.start({
      configDocument: benchConfigDocument({
        source: servers.source,
        sourceDatabase,
        target: servers.target,
        targetDatabase,
        tables: [{ name: table }],
      }),
      statusIntervalMs: 0,
      composition: { apiToken: benchApiToken },
    });
    const snapshotPeakRssKib = (await service.memory()).peakRssKib;
    const identicalBefore = await compareTable(
      { connection: connections.source, database: sourceDatabase },
      { connection: connections.target, database: targetDatabase },
      table,
    );
    if (!identicalBefore.equal)
      throw new Error(`the snapshot differs: ${describeComparison(identicalBefore)}`);
    console.log(
      `  the service snapshotted it in ${formatSeconds(startDurationMs)} s and streams; ${describeComparison(identicalBefore)}`,
    );
    const settledMs = (await settleServer(connections.source)) + (await settleServer(connections.target));
    console.log(`  flushed dirty pages in ${formatSeconds(settledMs)} s`);

    const runs: CompareRun[] = [];
    const contenders: Contender[] = ['core-sync', 'crc32', 'sha2'];
    for (let round = 1; round <= settings.repeat; round += 1) {
      // Every other round in the reverse order, so that no contender always follows the same one.
      const order = round % 2 === 1 ? contenders : [...contenders].reverse();
      for (const contender of order) {
        runs.push(await runContender(contender, round, service, servers, connections, chunkSize));
      }
    }

    const divergence = await divergeTarget(connections.target);
    console.log(
      `  target diverged with its binlog off: ${formatCount(divergence.deleted)} rows deleted, ` +
        `${formatCount(divergence.changed)} changed, ${formatCount(divergence.extra)} extra (${formatCount(totalDiverged(divergence))} in all)`,
    );
    await settleServer(connections.target);
    const divergedWalk = (await walkByHand(servers, connections, 'crc32', chunkSize)).walk;
    console.log(
      `  by hand, CRC32, over the diverged tables: ${formatSeconds(divergedWalk.durationMs)} s, ` +
        `${formatCount(divergedWalk.differingChunks)} of ${formatCount(divergedWalk.chunks)} chunks differ`,
    );
    const repair = await measureFullSync(service, servers);
    const repairedComparison = await compareTable(
      { connection: connections.source, database: sourceDatabase },
      { connection: connections.target, database: targetDatabase },
      table,
    );
    console.log(
      `  core-sync full sync of the diverged tables: ${formatSeconds(repair.durationMs)} s, ` +
        `${formatCount(repair.progress.rowsChanged)} rows changed; CPU ${describeCpu(repair.cpuPercent)}; ` +
        `peak RSS ${formatMebibytes(repair.peakRssKib)}; ${describeComparison(repairedComparison)}`,
    );
    await service.stop();
    return {
      rows: settings.rows,
      chunkSize,
      concurrency,
      fillMs,
      snapshotMs: startDurationMs,
      snapshotPeakRssKib,
      identicalBefore,
      runs,
      divergence,
      divergedWalk,
      repair,
      repairedComparison,
    };
  } finally {
    service.kill();
    await Promise.all([connections.source.end(), connections.target.end()]);
  }
}

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

function verdicts(figures: FullSyncFigures): string[] {
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

function reportBody(figures: FullSyncFigures, context: string): string {
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

export async function runFullSyncBenchmark(argumentList: readonly string[]): Promise<void> {
  const options = parseOptions(argumentList, ['rows', 'repeat'], usage);
  const settings = {
    rows: Math.round(numberOption(options.rows, 1_000_000, 'rows')),
    repeat: Math.round(numberOption(options.repeat, 2, 'repeat')),
  };
  const command = invokedCommand();
  const machine = await describeMachine();
  console.log(`full-sync benchmark: ${command}\n  ${machineSummary(machine)}`);
  const figures = await withServerPair('full-sync', (source, target) =>
    measure({ source, target }, settings),
  );
  const context = runContext(machine, command, [
    `Server settings: ${benchServerArguments.join(' ')}`,
    serviceRunnerDescription(),
  ]);
  await writeReportSection('full-sync', reportBody(figures, context));
  for (const line of verdicts(figures)) console.log(line);
  console.log('wrote the full-sync section of docs/BENCHMARKS.md');
}

if (isMainModule(import.meta.url)) await runStandalone(runFullSyncBenchmark);
