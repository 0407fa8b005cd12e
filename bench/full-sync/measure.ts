/**
 * The full-sync benchmark's measurements: core-sync's full sync and the two by-hand chunk walks over the identical
 * tables in alternating rounds, then the diverged target's by-hand walk and core-sync's repair.
 */
import type { Connection } from '../../services/core-sync/src/mysql/index.js';
import type { SandboxServer } from '../../services/core-sync/src/sandbox/index.js';
import {
  tableColumns,
  walkChunkChecksums,
  type ChecksumFunction,
  type ChunkWalkResult,
} from '../support/chunk-checksum.js';
import {
  benchApiToken,
  fullSyncSettings,
  measureFullSync,
  type FullSyncMeasurement,
} from '../support/full-sync-measure.js';
import { CpuMeter, describeCpuPercents } from '../support/process-cpu.js';
import { connect, recreateDatabase } from '../support/servers.js';
import { benchConfigDocument } from '../support/service-config.js';
import { ServiceProcess } from '../support/service-process.js';
import { settleServer } from '../support/settle.js';
import { formatCount, formatMebibytes, formatSeconds } from '../support/stats.js';
import { compareTable, describeComparison, type TableComparison } from '../support/table-compare.js';
import {
  divergeTarget,
  fillSource,
  sourceDatabase,
  table,
  targetDatabase,
  totalDiverged,
  type Divergence,
} from './tables.js';

export type Contender = 'core-sync' | ChecksumFunction;

export const contenderLabels: Record<Contender, string> = {
  'core-sync': 'core-sync full sync',
  crc32: 'by hand, CRC32 (pt-table-checksum)',
  sha2: "by hand, SHA2 (core-sync's SQL)",
};

export interface CompareRun {
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

export interface FullSyncFigures {
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
      `${formatCount((run.rows / run.durationMs) * 1000)} rows/s, ${formatCount(run.chunks)} chunks; CPU ${describeCpuPercents(run.cpuPercent)}` +
      (run.peakRssKib === undefined ? '' : `; peak RSS ${formatMebibytes(run.peakRssKib)}`),
  );
  return run;
}

export async function measure(
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
        `${formatCount(repair.progress.rowsChanged)} rows changed; CPU ${describeCpuPercents(repair.cpuPercent)}; ` +
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
