/**
 * SSE clients: the full-sync compare of a large orders table (identical on both sides, the service streaming),
 * with no client and then 50 clients reading the service's event stream (`GET /api/v1/sync/stream` of the
 * child's real, listening HTTP API) at once; rounds alternate the order. Reports the full sync's duration
 * either way, the events each client received, and that none was dropped.
 *
 *   node --import tsx bench/sse-clients.bench.ts [--rows=1000000] [--clients=50] [--repeat=2]
 */
import type { Connection } from '../services/core-sync/src/mysql/index.js';
import type { SandboxServer } from '../services/core-sync/src/sandbox/index.js';
import { isMainModule, numberOption, parseOptions, runStandalone } from './support/cli.js';
import { EventStreamClient } from './support/event-stream-client.js';
import {
  benchApiToken,
  fullSyncSettings,
  measureFullSync,
  type FullSyncMeasurement,
} from './support/full-sync-measure.js';
import { describeMachine, machineSummary } from './support/machine.js';
import { createOrdersTableStatement, fillOrders } from './support/orders-table.js';
import { invokedCommand, markdownTable, runContext, writeReportSection } from './support/report.js';
import { benchServerArguments, connect, recreateDatabase, withServerPair } from './support/servers.js';
import { benchConfigDocument } from './support/service-config.js';
import { ServiceProcess, serviceRunnerDescription } from './support/service-process.js';
import { settleServer } from './support/settle.js';
import { formatCount, formatMebibytes, formatSeconds } from './support/stats.js';
import { compareTable, describeComparison } from './support/table-compare.js';

const usage = 'node --import tsx bench/sse-clients.bench.ts [--rows=1000000] [--clients=50] [--repeat=2]';
const sourceDatabase = 'sse_source';
const targetDatabase = 'sse_target';
const table = 'orders';
/** The smallest difference between runs counted as more than noise, whatever the measured spread. */
const minimumNoise = 0.05;

interface ClientOutcome {
  /** Events received from the run's first `run` event to its last, both included. */
  readonly eventsInRun: number;
  /** Event ids missing in that window (ids of the stream only grow by one). */
  readonly missingIds: number;
  readonly dropped: boolean;
  readonly dropReason: string | undefined;
}

interface StreamRun {
  readonly round: number;
  readonly clientCount: number;
  readonly measurement: FullSyncMeasurement;
  readonly eventsPublished: number;
  readonly clients: readonly ClientOutcome[];
}

interface SseFigures {
  readonly rows: number;
  readonly clientCount: number;
  readonly chunkSize: number;
  readonly snapshotMs: number;
  readonly runs: readonly StreamRun[];
}

function eventCount(events: Readonly<Record<string, number>>): number {
  return Object.values(events).reduce((total, count) => total + count, 0);
}

/** Reads what a client received of run `runId`; waits (up to 30 s) for the run's final `run` event first. */
async function clientOutcome(client: EventStreamClient, runId: string): Promise<ClientOutcome> {
  const last = await client.waitFor(
    (event) => event.run?.runId === runId && event.run.state !== 'running',
    30_000,
  );
  const first = client.events.find((event) => event.run?.runId === runId && event.run.state === 'running');
  if (first === undefined) throw new Error(`a client received the end of run ${runId} but not its start`);
  const inRun = client.events.filter((event) => event.id >= first.id && event.id <= last.id);
  return {
    eventsInRun: inRun.length,
    missingIds: last.id - first.id + 1 - inRun.length,
    dropped: client.dropped,
    dropReason: client.dropReason,
  };
}

async function runWithClients(
  service: ServiceProcess,
  servers: { source: SandboxServer; target: SandboxServer },
  streamUrl: string,
  clientCount: number,
  round: number,
): Promise<StreamRun> {
  const clients = await Promise.all(
    Array.from({ length: clientCount }, () => EventStreamClient.open(streamUrl, benchApiToken)),
  );
  try {
    const measurement = await measureFullSync(service, servers);
    const outcomes = await Promise.all(
      clients.map((client) => clientOutcome(client, measurement.progress.runId)),
    );
    const run = {
      round,
      clientCount,
      measurement,
      eventsPublished: eventCount(measurement.publicEvents),
      clients: outcomes,
    };
    console.log(
      `  round ${round}, ${clientCount} clients: full sync ${formatSeconds(measurement.durationMs)} s, ` +
        `${formatCount((measurement.progress.rowsCompared / measurement.durationMs) * 1000)} rows/s; ` +
        `${run.eventsPublished} events published (${Object.entries(measurement.publicEvents)
          .map(([type, count]) => `${count} ${type}`)
          .join(
            ', ',
          )}); ${describeClients(run)}; CPU service ${(measurement.cpuPercent.service ?? 0).toFixed(0)} %, ` +
        `benchmark process ${(measurement.cpuPercent.bench ?? 0).toFixed(0)} %`,
    );
    return run;
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

function describeClients(run: StreamRun): string {
  if (run.clientCount === 0) return 'no client';
  const counts = run.clients.map((client) => client.eventsInRun);
  const dropped = run.clients.filter((client) => client.dropped);
  const missing = run.clients.reduce((total, client) => total + client.missingIds, 0);
  return (
    `events received per client ${Math.min(...counts)}–${Math.max(...counts)}, ` +
    `${dropped.length} dropped${dropped.length === 0 ? '' : ` (${dropped[0]?.dropReason ?? ''})`}, ${missing} event ids missing`
  );
}

async function measure(
  servers: { source: SandboxServer; target: SandboxServer },
  settings: { rows: number; clientCount: number; repeat: number },
): Promise<SseFigures> {
  const connections: { source: Connection; target: Connection } = {
    source: await connect(servers.source),
    target: await connect(servers.target),
  };
  const service = await ServiceProcess.spawn();
  try {
    await recreateDatabase(connections.source, sourceDatabase);
    await recreateDatabase(connections.target, targetDatabase);
    await connections.source.query(`USE \`${sourceDatabase}\``);
    await connections.source.query(createOrdersTableStatement(table));
    await fillOrders(connections.source, table, settings.rows);
    const { startDurationMs, apiPort } = await service.start({
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
    if (apiPort === undefined) throw new Error('the service child did not report its API port');
    const comparison = await compareTable(
      { connection: connections.source, database: sourceDatabase },
      { connection: connections.target, database: targetDatabase },
      table,
    );
    if (!comparison.equal) throw new Error(`the snapshot differs: ${describeComparison(comparison)}`);
    await settleServer(connections.source);
    await settleServer(connections.target);
    console.log(
      `  ${formatCount(settings.rows)} rows snapshotted in ${formatSeconds(startDurationMs)} s; the API listens on port ${apiPort}`,
    );
    const streamUrl = `http://127.0.0.1:${apiPort}/api/v1/sync/stream`;
    const runs: StreamRun[] = [];
    for (let round = 1; round <= settings.repeat; round += 1) {
      const order = round % 2 === 1 ? [0, settings.clientCount] : [settings.clientCount, 0];
      for (const clientCount of order) {
        runs.push(await runWithClients(service, servers, streamUrl, clientCount, round));
      }
    }
    await service.stop();
    return {
      rows: settings.rows,
      clientCount: settings.clientCount,
      chunkSize: fullSyncSettings().chunkSize,
      snapshotMs: startDurationMs,
      runs,
    };
  } finally {
    service.kill();
    await Promise.all([connections.source.end(), connections.target.end()]);
  }
}

function durationsOf(figures: SseFigures, clientCount: number): number[] {
  return figures.runs
    .filter((run) => run.clientCount === clientCount)
    .map((run) => run.measurement.durationMs);
}

/** How far apart the runs of one setting were: longest ÷ shortest − 1. */
function spread(durations: readonly number[]): number {
  return durations.length < 2 ? 0 : Math.max(...durations) / Math.min(...durations) - 1;
}

function verdicts(figures: SseFigures): string[] {
  const without = durationsOf(figures, 0);
  const withClients = durationsOf(figures, figures.clientCount);
  const ratio = Math.min(...withClients) / Math.min(...without);
  const roundRatios = [...new Set(figures.runs.map((run) => run.round))].map((round) => {
    const duration = (clientCount: number): number =>
      figures.runs.find((run) => run.round === round && run.clientCount === clientCount)?.measurement
        .durationMs ?? Number.NaN;
    return duration(figures.clientCount) / duration(0);
  });
  const noise = Math.max(spread(without), spread(withClients), minimumNoise);
  const clientRuns = figures.runs.filter((run) => run.clientCount > 0);
  const dropped = clientRuns.reduce(
    (total, run) => total + run.clients.filter((client) => client.dropped).length,
    0,
  );
  const incomplete = clientRuns.reduce(
    (total, run) =>
      total +
      run.clients.filter((client) => client.missingIds > 0 || client.eventsInRun !== run.eventsPublished)
        .length,
    0,
  );
  return [
    `engine throughput unchanged within noise with ${figures.clientCount} clients: ${ratio <= 1 + noise ? 'met' : 'MISSED'} ` +
      `(full sync time with ${figures.clientCount} clients ÷ without, best of each: ${ratio.toFixed(2)}x; per round: ` +
      `${roundRatios.map((value) => `${value.toFixed(2)}x`).join(', ')}; noise: the runs of one setting differed by up to ` +
      `${(Math.max(spread(without), spread(withClients)) * 100).toFixed(0)} %, counted as at least ${(minimumNoise * 100).toFixed(0)} %)`,
    `no client dropped: ${dropped === 0 ? 'met' : 'MISSED'} (${dropped} of ${clientRuns.length * figures.clientCount} client streams dropped)`,
    `every client received every event of the run: ${incomplete === 0 ? 'met' : 'MISSED'} (${incomplete} client streams with an event missing)`,
  ];
}

function reportBody(figures: SseFigures, context: string): string {
  const runsTable = markdownTable(
    [
      'Round',
      'SSE clients (in run order)',
      'Full sync time',
      'Rows/s',
      'Events published',
      'Events received per client',
      'Clients dropped',
      'Service CPU',
      'Benchmark process CPU (the clients)',
      'Source server CPU',
      'Target server CPU',
      'Peak RSS',
    ],
    figures.runs.map((run) => {
      const counts = run.clients.map((client) => client.eventsInRun);
      return [
        String(run.round),
        String(run.clientCount),
        `${formatSeconds(run.measurement.durationMs)} s`,
        formatCount((run.measurement.progress.rowsCompared / run.measurement.durationMs) * 1000),
        formatCount(run.eventsPublished),
        counts.length === 0
          ? ''
          : Math.min(...counts) === Math.max(...counts)
            ? formatCount(Math.min(...counts))
            : `${Math.min(...counts)}–${Math.max(...counts)}`,
        run.clientCount === 0 ? '' : String(run.clients.filter((client) => client.dropped).length),
        `${(run.measurement.cpuPercent.service ?? 0).toFixed(0)} %`,
        `${(run.measurement.cpuPercent.bench ?? 0).toFixed(0)} %`,
        `${(run.measurement.cpuPercent.source ?? 0).toFixed(0)} %`,
        `${(run.measurement.cpuPercent.target ?? 0).toFixed(0)} %`,
        formatMebibytes(run.measurement.peakRssKib),
      ];
    }),
  );
  const firstRun = figures.runs[0];
  const eventTypes =
    firstRun === undefined
      ? ''
      : Object.entries(firstRun.measurement.publicEvents)
          .map(([type, count]) => `${count} \`${type}\``)
          .join(', ');
  return `## Full sync with SSE clients

${context}

The orders table, ${formatCount(figures.rows)} rows, is filled on the source and snapshotted by a service child composed as
\`main.ts\` composes it (event bus, metrics, \`SyncManager\`, and the HTTP API built by \`buildApp\`, listening on
127.0.0.1 with an admin token; \`bench/support/service-composition.ts\`), \`sync.mode: local_to_cloud\`, service
defaults (full sync chunks of ${formatCount(figures.chunkSize)} rows, progress events at most every 250 ms, SSE heartbeat every 15 s, 4 MiB
send buffer per client). The service keeps streaming; both tables are identical, so each full sync compares
every chunk and changes nothing. Each run is one full sync of the table, timed from \`SyncManager.trigger()\` to
\`idle()\` in the child, with no client or with ${figures.clientCount} clients connected to \`GET /api/v1/sync/stream\` beforehand
(bearer token in the Authorization header), each reading the stream with \`fetch\` in the benchmark process
(\`bench/support/event-stream-client.ts\`: every event's id and type are kept, \`run\` events are parsed). Rounds
alternate the order. "Events published" counts the public events the bus carried from the run's first \`run\`
event to its last (${eventTypes === '' ? 'none' : `first run: ${eventTypes}`}); each client must receive exactly those, with no event id missing,
and its stream must still be open at the end. The clients run on the same 2-core machine as the service and the
servers: their CPU is the benchmark process's column.

${runsTable}

${verdicts(figures)
  .map((line) => `- ${line}`)
  .join('\n')}
`;
}

export async function runSseClientsBenchmark(argumentList: readonly string[]): Promise<void> {
  const options = parseOptions(argumentList, ['rows', 'clients', 'repeat'], usage);
  const settings = {
    rows: Math.round(numberOption(options.rows, 1_000_000, 'rows')),
    clientCount: Math.round(numberOption(options.clients, 50, 'clients')),
    repeat: Math.round(numberOption(options.repeat, 2, 'repeat')),
  };
  const command = invokedCommand();
  const machine = await describeMachine();
  console.log(`sse-clients benchmark: ${command}\n  ${machineSummary(machine)}`);
  const figures = await withServerPair('sse-clients', (source, target) =>
    measure({ source, target }, settings),
  );
  const context = runContext(machine, command, [
    `Server settings: ${benchServerArguments.join(' ')}`,
    serviceRunnerDescription(),
  ]);
  await writeReportSection('sse-clients', reportBody(figures, context));
  for (const line of verdicts(figures)) console.log(line);
  console.log('wrote the sse-clients section of docs/BENCHMARKS.md');
}

if (isMainModule(import.meta.url)) await runStandalone(runSseClientsBenchmark);
