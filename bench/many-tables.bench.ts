/**
 * Many tables: 20, then 100 tables of 10,000 orders rows each on the source, synced to an empty target by a
 * fresh service child (the initial snapshot of every table), then a burst of changes on every table through the
 * stream, then a full sync compare of all of them: times, the child's peak RSS, and the connections it held
 * on each server meanwhile.
 *
 *   node --import tsx bench/many-tables.bench.ts [--tables=20,100] [--rows=10000]
 */
import type { Connection } from '../services/core-sync/src/mysql/index.js';
import type { SandboxServer } from '../services/core-sync/src/sandbox/index.js';
import { isMainModule, numberListOption, numberOption, parseOptions, runStandalone } from './support/cli.js';
import {
  benchApiToken,
  fullSyncSettings,
  measureFullSync,
  type FullSyncMeasurement,
} from './support/full-sync-measure.js';
import { describeMachine, machineSummary } from './support/machine.js';
import { createOrdersTableStatement, fillOrders, ordersUpdateStatement } from './support/orders-table.js';
import { CpuMeter } from './support/process-cpu.js';
import { invokedCommand, markdownTable, runContext, writeReportSection } from './support/report.js';
import { ConnectionSampler, type ServerConnectionFigures } from './support/server-connections.js';
import {
  benchServerArguments,
  connect,
  globalStatus,
  recreateDatabase,
  withServerPair,
} from './support/servers.js';
import { benchConfigDocument } from './support/service-config.js';
import { ServiceProcess, serviceRunnerDescription } from './support/service-process.js';
import { settleServer } from './support/settle.js';
import { formatCount, formatMebibytes, formatSeconds } from './support/stats.js';
import { compareTable, type TableComparison } from './support/table-compare.js';

const usage = 'node --import tsx bench/many-tables.bench.ts [--tables=20,100] [--rows=10000]';
/** Rows each table's burst changes through the stream. */
const burstRowsPerTable = 100;
/** The seed's bars. */
const targets = { concurrentTables: 20, peakRssMib: 200 } as const;

interface PhaseFigures {
  readonly durationMs: number;
  readonly cpuPercent: Readonly<Record<string, number>>;
  readonly connections: readonly ServerConnectionFigures[];
  /** Prepared statements open on the target server at the end of the phase (the service's: nothing else prepares). */
  readonly targetPreparedStatements: number;
}

interface TableCountFigures {
  readonly tableCount: number;
  readonly rowsPerTable: number;
  readonly fillMs: number;
  readonly snapshot: PhaseFigures;
  /** Peak RSS of the child from its start through the snapshot and the burst. */
  readonly streamPeakRssKib: number;
  readonly burst: {
    readonly changes: number;
    readonly appliedMs: number;
    readonly targetPreparedStatements: number;
  };
  readonly fullSync: PhaseFigures & { readonly measurement: FullSyncMeasurement };
  readonly comparisons: readonly TableComparison[];
}

function tableName(index: number): string {
  return `items_${String(index + 1).padStart(3, '0')}`;
}

function databaseNames(tableCount: number): { source: string; target: string } {
  return { source: `many${tableCount}_source`, target: `many${tableCount}_target` };
}

function samplerFor(
  service: ServiceProcess,
  servers: { source: SandboxServer; target: SandboxServer },
  connections: { source: Connection; target: Connection },
): ConnectionSampler {
  return new ConnectionSampler(service.pid, [
    { name: 'source', port: servers.source.port, connection: connections.source },
    { name: 'target', port: servers.target.port, connection: connections.target },
  ]);
}

/** `Prepared_stmt_count`: statements prepared and not yet closed on the server, all sessions together. */
async function preparedStatements(connection: Connection): Promise<number> {
  const status = await globalStatus(connection, ['Prepared_stmt_count']);
  return status.get('prepared_stmt_count') ?? Number.NaN;
}

function describeConnections(figures: readonly ServerConnectionFigures[]): string {
  return figures
    .map((server) => `${server.name} ${server.peakHeld} held (${server.peakBusy} busy) at most`)
    .join(', ');
}

/**
 * Changes `burstRowsPerTable` rows of every table on the source; resolves when the service has applied them all
 * (its applied-row count, which only the stream adds to, is checked every 5 ms in the child).
 */
async function streamBurst(
  service: ServiceProcess,
  connection: Connection,
  tables: readonly string[],
): Promise<{ changes: number; appliedMs: number }> {
  const startedAt = performance.now();
  for (const table of tables) {
    await connection.query(ordersUpdateStatement(table), [1, burstRowsPerTable]);
  }
  const changes = tables.length * burstRowsPerTable;
  const reached = await service.rowsAppliedReached(120_000);
  if (reached === undefined) {
    throw new Error(`the service did not apply the ${changes} streamed changes within 2 minutes`);
  }
  return { changes, appliedMs: performance.now() - startedAt };
}

async function measureTableCount(
  servers: { source: SandboxServer; target: SandboxServer },
  connections: { source: Connection; target: Connection },
  tableCount: number,
  rowsPerTable: number,
): Promise<TableCountFigures> {
  const databases = databaseNames(tableCount);
  const tables = Array.from({ length: tableCount }, (_unused, index) => tableName(index));
  await recreateDatabase(connections.source, databases.source);
  await recreateDatabase(connections.target, databases.target);
  await connections.source.query(`USE \`${databases.source}\``);
  const fillStartedAt = performance.now();
  for (const table of tables) {
    await connections.source.query(createOrdersTableStatement(table));
    await fillOrders(connections.source, table, rowsPerTable);
  }
  const fillMs = performance.now() - fillStartedAt;
  const settledMs = (await settleServer(connections.source)) + (await settleServer(connections.target));
  console.log(
    `  ${tableCount} tables of ${formatCount(rowsPerTable)} rows filled in ${formatSeconds(fillMs)} s; dirty pages flushed in ${formatSeconds(settledMs)} s`,
  );

  const service = await ServiceProcess.spawn();
  try {
    const pids = { service: service.pid, source: servers.source.pid ?? -1, target: servers.target.pid ?? -1 };
    const snapshotSampler = samplerFor(service, servers, connections);
    snapshotSampler.start();
    const snapshotMeter = await CpuMeter.start(pids);
    const { startDurationMs } = await service.start({
      configDocument: benchConfigDocument({
        source: servers.source,
        sourceDatabase: databases.source,
        target: servers.target,
        targetDatabase: databases.target,
        tables: tables.map((name) => ({ name })),
      }),
      statusIntervalMs: 0,
      rowsAppliedTarget: tableCount * burstRowsPerTable,
      composition: { apiToken: benchApiToken },
    });
    const snapshotCpu = (await snapshotMeter.read()).percents;
    const snapshot = {
      durationMs: startDurationMs,
      cpuPercent: snapshotCpu,
      connections: await snapshotSampler.stop(),
      targetPreparedStatements: await preparedStatements(connections.target),
    };
    console.log(
      `  snapshot of ${tableCount} tables in ${formatSeconds(snapshot.durationMs)} s; peak RSS ${formatMebibytes((await service.memory()).peakRssKib)}; ` +
        `connections: ${describeConnections(snapshot.connections)}; ${formatCount(snapshot.targetPreparedStatements)} statements prepared on the target`,
    );
    const burst = {
      ...(await streamBurst(service, connections.source, tables)),
      targetPreparedStatements: await preparedStatements(connections.target),
    };
    const streamPeakRssKib = (await service.memory()).peakRssKib;
    console.log(
      `  streamed ${formatCount(burst.changes)} row changes over ${tableCount} tables: applied in ${formatSeconds(burst.appliedMs)} s; ` +
        `peak RSS so far ${formatMebibytes(streamPeakRssKib)}; ${formatCount(burst.targetPreparedStatements)} statements prepared on the target`,
    );

    const fullSyncSampler = samplerFor(service, servers, connections);
    fullSyncSampler.start();
    const measurement = await measureFullSync(service, servers);
    const fullSync = {
      durationMs: measurement.durationMs,
      cpuPercent: measurement.cpuPercent,
      connections: await fullSyncSampler.stop(),
      targetPreparedStatements: await preparedStatements(connections.target),
      measurement,
    };
    const { progress } = measurement;
    const notDone = progress.tables.filter((table) => table.state !== 'done');
    if (notDone.length > 0 || progress.rowsChanged !== 0) {
      throw new Error(
        `the full sync left ${notDone.length} tables not done and changed ${progress.rowsChanged} rows`,
      );
    }
    console.log(
      `  full sync compare of ${tableCount} tables (${formatCount(progress.rowsCompared)} rows) in ${formatSeconds(fullSync.durationMs)} s; ` +
        `peak RSS ${formatMebibytes(measurement.peakRssKib)}; connections: ${describeConnections(fullSync.connections)}`,
    );
    await service.stop();
    const comparisons: TableComparison[] = [];
    for (const table of tables) {
      comparisons.push(
        await compareTable(
          { connection: connections.source, database: databases.source },
          { connection: connections.target, database: databases.target },
          table,
        ),
      );
    }
    const unequal = comparisons.filter((comparison) => !comparison.equal);
    console.log(
      unequal.length === 0
        ? `  all ${tableCount} tables equal on both sides (CHECKSUM TABLE)`
        : `  ${unequal.length} TABLES DIFFER: ${unequal.map((comparison) => comparison.table).join(', ')}`,
    );
    // Leave the servers as they were for the next table count.
    await connections.source.query(`DROP DATABASE \`${databases.source}\``);
    await connections.target.query(`DROP DATABASE \`${databases.target}\``);
    return {
      tableCount,
      rowsPerTable,
      fillMs,
      snapshot,
      streamPeakRssKib,
      burst,
      fullSync,
      comparisons,
    };
  } finally {
    service.kill();
  }
}

function peakRssKibOf(figures: TableCountFigures): number {
  return Math.max(figures.streamPeakRssKib, figures.fullSync.measurement.peakRssKib);
}

function verdicts(allFigures: readonly TableCountFigures[]): string[] {
  const largest = allFigures.reduce<TableCountFigures | undefined>(
    (most, figures) => (most === undefined || figures.tableCount > most.tableCount ? figures : most),
    undefined,
  );
  const allEqual = allFigures.every((figures) => figures.comparisons.every((comparison) => comparison.equal));
  const supported =
    largest !== undefined && largest.tableCount >= targets.concurrentTables && allEqual ? 'met' : 'MISSED';
  const peakKib = Math.max(...allFigures.map(peakRssKibOf));
  return [
    `Support ${targets.concurrentTables}+ concurrent table syncs: ${supported} (${allFigures
      .map((figures) => `${figures.tableCount} tables`)
      .join(
        ' and ',
      )}: every table snapshotted, streamed and compared, and equal on both sides afterwards${allEqual ? '' : ': NOT ALL EQUAL'})`,
    `Memory usage under ${targets.peakRssMib} MB under load: ${peakKib / 1024 < targets.peakRssMib ? 'met' : 'MISSED'} (peak RSS ${allFigures
      .map((figures) => `${formatMebibytes(peakRssKibOf(figures))} with ${figures.tableCount} tables`)
      .join(', ')})`,
  ];
}

function connectionCell(figures: readonly ServerConnectionFigures[], name: string): string {
  const server = figures.find((entry) => entry.name === name);
  return server === undefined ? '' : `${server.peakHeld} (${server.peakBusy} busy)`;
}

function reportBody(
  allFigures: readonly TableCountFigures[],
  context: string,
  settings: { chunkSize: number; concurrency: number },
): string {
  const rowsPerTable = allFigures[0]?.rowsPerTable ?? 0;
  const phaseRows = allFigures.flatMap((figures) => {
    const rows = figures.tableCount * figures.rowsPerTable;
    const phases: [string, PhaseFigures, string][] = [
      ['snapshot (initial sync)', figures.snapshot, formatMebibytes(figures.streamPeakRssKib)],
      [
        'full sync compare',
        figures.fullSync,
        `${formatMebibytes(figures.fullSync.measurement.peakRssKib)} (${formatMebibytes(figures.fullSync.measurement.rssAtStartKib)} at its start)`,
      ],
    ];
    return phases.map(([phase, measured, peak]) => [
      String(figures.tableCount),
      phase,
      `${formatSeconds(measured.durationMs)} s`,
      formatCount((rows / measured.durationMs) * 1000),
      peak,
      connectionCell(measured.connections, 'source'),
      connectionCell(measured.connections, 'target'),
      `${(measured.cpuPercent.service ?? 0).toFixed(0)} %`,
      `${(measured.cpuPercent.source ?? 0).toFixed(0)} %`,
      `${(measured.cpuPercent.target ?? 0).toFixed(0)} %`,
      formatCount(measured.targetPreparedStatements),
    ]);
  });
  const table = markdownTable(
    [
      'Tables',
      'Phase',
      'Time',
      'Rows/s',
      'Peak RSS',
      'Source connections, at most',
      'Target connections, at most',
      'Service CPU',
      'Source server CPU',
      'Target server CPU',
      'Statements prepared on the target at the end',
    ],
    phaseRows,
  );
  const burstLines = allFigures.map(
    (figures) =>
      `- ${figures.tableCount} tables: ${formatCount(figures.burst.changes)} row changes (${burstRowsPerTable} on each table, one UPDATE statement per table) ` +
      `applied through the stream ${formatSeconds(figures.burst.appliedMs)} s after the first statement was sent; ` +
      `${formatCount(figures.burst.targetPreparedStatements)} statements prepared on the target afterwards`,
  );
  return `## Many tables

${context}

For each table count, fresh databases: that many tables of the orders table's columns (\`items_001\`, …), each
filled with ${formatCount(rowsPerTable)} rows on the source (dirty pages flushed afterwards), an empty target, and a fresh service
child composed as \`main.ts\` composes it (event bus, metrics, \`SyncManager\`, HTTP API listening without
clients; \`bench/support/service-composition.ts\`), \`sync.mode: local_to_cloud\`, every table configured, service defaults:

1. **snapshot (initial sync)**: \`start()\` copies every table (\`sync.snapshot_concurrency\` = ${settings.concurrency} tables at a time,
   chunks of \`sync.snapshot_chunk_size\` = ${formatCount(settings.chunkSize)} rows) and returns once all are copied and streaming starts;
2. **stream**: ${burstRowsPerTable} rows of every table are updated on the source, one statement per table, and the service's
   applied-row count (checked every 5 ms in the child) is awaited;
3. **full sync compare**: \`SyncManager.trigger()\` of all tables (${settings.concurrency} tables at a time, chunks of ${formatCount(settings.chunkSize)} rows), timed
   until \`idle()\`; every table must end \`done\` with no row changed;
4. the service stops and every table is checked equal on both sides (row count and CHECKSUM TABLE).

"Connections, at most" is the largest number of TCP connections the service child held open to that server in
any sample (every ~100 ms): its own sockets in state ESTABLISHED to the server's port, read from
/proc/<pid>/fd and /proc/<pid>/net/tcp, so pooled, snapshot-reader and binlog connections alike, idle or not.
In brackets the most of them the server's processlist showed doing something at once (\`COMMAND\` not \`Sleep\`;
the binlog dump of the stream counts as busy throughout). Peak RSS is the child's VmHWM: for the snapshot, from
its start through the snapshot and the stream burst; for the full sync, during the run (reset before it, so it
starts from the RSS the child already had: V8 does not give the heap back at once). CPU
is user + system time in percent of one core (the machine has 2). "Statements prepared on the target at the end" is
the target server's \`Prepared_stmt_count\` at the end of the phase, counting from the service's start (the
service's connections are the only ones that prepare statements there; the full sync's count includes the stream
burst's): mysql2 keeps every statement a connection prepares (up to 16,000 per connection) with
its parameter metadata in the service's memory.

${table}

${burstLines.join('\n')}

${verdicts(allFigures)
  .map((line) => `- ${line}`)
  .join('\n')}
`;
}

export async function runManyTablesBenchmark(argumentList: readonly string[]): Promise<void> {
  const options = parseOptions(argumentList, ['tables', 'rows'], usage);
  const tableCounts = numberListOption(options.tables, [20, 100], 'tables').map(Math.round);
  const rowsPerTable = Math.round(numberOption(options.rows, 10_000, 'rows'));
  const command = invokedCommand();
  const machine = await describeMachine();
  console.log(`many-tables benchmark: ${command}\n  ${machineSummary(machine)}`);
  const allFigures = await withServerPair('many-tables', async (source, target) => {
    const connections = { source: await connect(source), target: await connect(target) };
    try {
      const measured: TableCountFigures[] = [];
      for (const tableCount of tableCounts) {
        measured.push(await measureTableCount({ source, target }, connections, tableCount, rowsPerTable));
      }
      return measured;
    } finally {
      await Promise.all([connections.source.end(), connections.target.end()]);
    }
  });
  const context = runContext(machine, command, [
    `Server settings: ${benchServerArguments.join(' ')}`,
    serviceRunnerDescription(),
  ]);
  await writeReportSection('many-tables', reportBody(allFigures, context, fullSyncSettings()));
  for (const line of verdicts(allFigures)) console.log(line);
  console.log('wrote the many-tables section of docs/BENCHMARKS.md');
}

if (isMainModule(import.meta.url)) await runStandalone(runManyTablesBenchmark);
