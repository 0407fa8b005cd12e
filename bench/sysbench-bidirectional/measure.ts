/**
 * One run of the benchmark under one conflict strategy: both sides prepared (prepare.ts), one core-sync child in
 * `bidirectional` mode composed as main.ts composes it (API and metrics included) copies local's tables to cloud,
 * then sysbench runs on both sides at once while heartbeats measure the lag in each direction; afterwards the
 * backlog drains, the service stops, and both sides are compared (checks.ts).
 */
import type { Connection } from '../../services/core-sync/src/mysql/index.js';
import { measureClockOffset, type ClockOffset } from '../support/commit-clock.js';
import {
  heartbeatLags,
  startHeartbeats,
  timeHeartbeat,
  type Heartbeat,
  type HeartbeatLag,
  type HeartbeatTable,
} from '../support/heartbeats.js';
import { readProcessCpuMs } from '../support/process-cpu.js';
import { benchConfigDocument } from '../support/service-config.js';
import { ServiceProcess, readProcessMemory } from '../support/service-process.js';
import { waitFor } from '../support/stats.js';
import {
  runSysbench,
  sysbenchArguments,
  sysbenchIntervals,
  summariseSysbench,
  sysbenchTransactions,
  type SysbenchInterval,
} from '../support/sysbench.js';
import { checkTables, scrapeConflictMetrics, tableCheckEqual, type TableCheck } from './checks.js';
import { prepareSides, type SideHandles } from './prepare.js';
import {
  databases,
  heartbeatFirstIds,
  heartbeatTable,
  otherSide,
  preferredSide,
  randomSeeds,
  sides,
  sysbenchTables,
  tableConflictSettings,
  type ConflictStrategyName,
  type RunPlan,
  type Settings,
  type Side,
} from './settings.js';

const apiToken = 'bench-sysbench-bidirectional-token';
const sampleIntervalMs = 1_000;
/** How long the backlog may take to drain after the load before the run counts as failed. */
export const drainTimeoutMs = 300_000;

export interface Sample {
  readonly atMs: number;
  /** Rows applied so far by the direction out of each side (since the load started). */
  readonly applied: Readonly<Record<Side, number>>;
  readonly queueDepth: Readonly<Record<Side, number>>;
  readonly rssKib: number;
}

export interface SideLoad {
  readonly summary: string;
  readonly transactions: number;
  readonly intervals: readonly SysbenchInterval[];
}

export interface DirectionFigures {
  readonly source: Side;
  readonly target: Side;
  readonly heartbeatsSent: number;
  readonly lags: readonly HeartbeatLag[];
  /** How long a heartbeat written after the load took to arrive (undefined: not within the timeout). */
  readonly drainMs: number | undefined;
  readonly clockOffset: ClockOffset;
}

export interface RunFigures {
  readonly plan: RunPlan;
  readonly prepareMs: number;
  readonly snapshotMs: number;
  /** The copy check before the load (CHECKSUM TABLE). */
  readonly copiedEqual: boolean;
  readonly loads: Readonly<Record<Side, SideLoad>>;
  readonly loadMs: number;
  readonly samples: readonly Sample[];
  readonly directions: readonly DirectionFigures[];
  /** From the end of the load until both directions' queues were empty. */
  readonly queuesEmptyMs: number | undefined;
  readonly memory: {
    readonly baselineKib: number;
    readonly snapshotPeakKib: number;
    readonly loadPeakKib: number;
  };
  /** Percent of one core from the start of the load until the backlog had drained. */
  readonly cpuPercent: Readonly<Record<'service' | Side, number>>;
  readonly conflictDecisions: Readonly<Record<string, number>>;
  readonly conflictMetrics: Readonly<Record<string, number>>;
  readonly retries: Readonly<Record<string, number>>;
  /** Failed directions and paused tables at the end of the load. */
  readonly problems: readonly string[];
  readonly checks: readonly TableCheck[];
}

function configDocument(
  handles: Readonly<Record<Side, SideHandles>>,
  settings: Settings,
  strategy: ConflictStrategyName,
): Record<string, unknown> {
  return benchConfigDocument({
    source: handles.local.server,
    sourceDatabase: databases.local,
    target: handles.cloud.server,
    targetDatabase: databases.cloud,
    tables: [
      ...sysbenchTables(settings).map((name) => ({ name, settings: tableConflictSettings(strategy) })),
      // Disjoint ids on the two sides: never a conflict.
      { name: heartbeatTable, settings: { conflict_resolution: 'source_priority', prefer: preferredSide } },
    ],
    sync: { mode: 'bidirectional' },
  });
}

function heartbeatTableOf(
  handles: Readonly<Record<Side, SideHandles>>,
  side: Side,
  connection = handles[side].connection,
): HeartbeatTable {
  return { connection, database: databases[side], table: heartbeatTable };
}

function statusFigures(service: ServiceProcess): {
  applied: Record<Side, number>;
  queueDepth: Record<Side, number>;
} {
  const applied = { local: 0, cloud: 0 };
  const queueDepth = { local: 0, cloud: 0 };
  for (const direction of service.latestStatus?.directions ?? []) {
    applied[direction.source] = direction.rowsApplied;
    queueDepth[direction.source] = direction.queueDepth;
  }
  return { applied, queueDepth };
}

function problemsOf(service: ServiceProcess): string[] {
  return (service.latestStatus?.directions ?? []).flatMap((direction) => [
    ...(direction.state === 'failed' || direction.error !== null
      ? [
          `${direction.source} → ${direction.target} ${direction.state}: ${direction.error?.code ?? ''} ${direction.error?.message ?? ''}`,
        ]
      : []),
    ...direction.tables
      .filter((table) => table.pause !== null)
      .map(
        (table) =>
          `${direction.source} → ${direction.target} paused ${table.table}: ${JSON.stringify(table.pause)}`,
      ),
  ]);
}

/** Samples the service's status and RSS every second until the returned stop is called. */
function startSampler(
  service: ServiceProcess,
  loadStartedAt: number,
): { samples: Sample[]; stop: () => void } {
  const samples: Sample[] = [];
  const before = statusFigures(service).applied;
  const timer = setInterval(() => {
    void readProcessMemory(service.pid).then(
      (memory) => {
        const { applied, queueDepth } = statusFigures(service);
        samples.push({
          atMs: performance.now() - loadStartedAt,
          applied: { local: applied.local - before.local, cloud: applied.cloud - before.cloud },
          queueDepth,
          rssKib: memory.rssKib,
        });
      },
      (error: unknown) => console.error('  reading the service RSS failed:', error),
    );
  }, sampleIntervalMs);
  return { samples, stop: () => clearInterval(timer) };
}

async function runBothLoads(
  handles: Readonly<Record<Side, SideHandles>>,
  settings: Settings,
  rate: number,
): Promise<Record<Side, SideLoad>> {
  const outputs = await Promise.all(
    sides.map((side) =>
      runSysbench([
        ...sysbenchArguments(handles[side].server, databases[side], {
          workload: settings.workload,
          tables: settings.tables,
          tableSize: settings.tableSize,
          threads: settings.threads,
          rate,
          randomSeed: randomSeeds[side],
        }),
        `--time=${settings.seconds}`,
        '--report-interval=10',
        'run',
      ]),
    ),
  );
  const load = (output: string): SideLoad => ({
    summary: summariseSysbench(output),
    transactions: sysbenchTransactions(output),
    intervals: sysbenchIntervals(output),
  });
  return { local: load(outputs[0] ?? ''), cloud: load(outputs[1] ?? '') };
}

async function cpuTimes(pids: readonly number[]): Promise<number[]> {
  return Promise.all(pids.map((pid) => readProcessCpuMs(pid)));
}

interface StartedService {
  readonly service: ServiceProcess;
  readonly apiPort: number;
  readonly snapshotMs: number;
  readonly copiedEqual: boolean;
  readonly snapshotPeakKib: number;
}

/** Starts the service (its initial copy of local's tables to cloud), checks the copy, resets the peak RSS. */
async function startService(
  service: ServiceProcess,
  handles: Readonly<Record<Side, SideHandles>>,
  settings: Settings,
  strategy: ConflictStrategyName,
): Promise<StartedService> {
  const { startDurationMs, apiPort } = await service.start({
    configDocument: configDocument(handles, settings, strategy),
    statusIntervalMs: sampleIntervalMs,
    composition: { apiToken },
  });
  if (apiPort === undefined) throw new Error('the service child did not report its API port');
  console.log(`  core-sync copied local's tables to cloud in ${(startDurationMs / 1000).toFixed(1)} s`);
  const copied = await checkTables(handles, settings, { chunked: false });
  const copiedEqual = copied.every(tableCheckEqual);
  if (!copiedEqual) console.log('  THE COPY DIFFERS from local before the load');
  const snapshotPeakKib = (await service.memory()).peakRssKib;
  await service.resetPeakRss();
  return { service, apiPort, snapshotMs: startDurationMs, copiedEqual, snapshotPeakKib };
}

interface LoadPhase {
  readonly startedAt: number;
  readonly loads: Record<Side, SideLoad>;
  readonly loadMs: number;
  readonly samples: readonly Sample[];
  readonly sent: readonly { readonly heartbeats: readonly Heartbeat[]; readonly nextId: number }[];
  readonly problems: readonly string[];
}

/** sysbench on both sides at once, heartbeats on both sides, the service sampled every second. */
async function loadPhase(
  service: ServiceProcess,
  handles: Readonly<Record<Side, SideHandles>>,
  heartbeatConnections: Readonly<Record<Side, Connection>>,
  settings: Settings,
  rate: number,
): Promise<LoadPhase> {
  const startedAt = performance.now();
  const sampler = startSampler(service, startedAt);
  const writers = sides.map((side) =>
    startHeartbeats(
      heartbeatTableOf(handles, side, heartbeatConnections[side]),
      heartbeatFirstIds[side],
      startedAt,
    ),
  );
  let loads: Record<Side, SideLoad>;
  try {
    loads = await runBothLoads(handles, settings, rate);
  } finally {
    sampler.stop();
  }
  const loadMs = performance.now() - startedAt;
  const problems = problemsOf(service);
  const sent = await Promise.all(writers.map((writer) => writer.stop()));
  console.log(
    `  sysbench done after ${(loadMs / 1000).toFixed(1)} s: local ${loads.local.summary}; cloud ${loads.cloud.summary}`,
  );
  return { startedAt, loads, loadMs, samples: sampler.samples, sent, problems };
}

/**
 * One more heartbeat on each side, timed until it is on the other; then waits for both queues to be empty.
 * Resolves when the heartbeats arrived (`drainedAt`), with the time the queues took after the load.
 */
async function drainPhase(
  service: ServiceProcess,
  handles: Readonly<Record<Side, SideHandles>>,
  heartbeatConnections: Readonly<Record<Side, Connection>>,
  load: LoadPhase,
): Promise<{ drains: (number | undefined)[]; drainedAt: number; queuesEmptyMs: number | undefined }> {
  const drains = await Promise.all(
    sides.map((side, index) =>
      timeHeartbeat(
        heartbeatTableOf(handles, side, heartbeatConnections[side]),
        heartbeatTableOf(handles, otherSide(side)),
        load.sent[index]?.nextId ?? 0,
        drainTimeoutMs,
      ),
    ),
  );
  const drainedAt = performance.now();
  const queuesEmpty = await waitFor(
    () => {
      const { queueDepth } = statusFigures(service);
      return queueDepth.local === 0 && queueDepth.cloud === 0;
    },
    60_000,
    100,
  );
  const queuesEmptyMs = queuesEmpty ? performance.now() - load.startedAt - load.loadMs : undefined;
  return { drains, drainedAt, queuesEmptyMs };
}

async function directionFigures(
  handles: Readonly<Record<Side, SideHandles>>,
  load: LoadPhase,
  drains: readonly (number | undefined)[],
  clockOffsets: Readonly<Record<Side, ClockOffset>>,
): Promise<DirectionFigures[]> {
  const directions: DirectionFigures[] = [];
  for (const [index, source] of sides.entries()) {
    const target = otherSide(source);
    const heartbeats = load.sent[index]?.heartbeats ?? [];
    directions.push({
      source,
      target,
      heartbeatsSent: heartbeats.length,
      lags: await heartbeatLags(heartbeatTableOf(handles, target), heartbeats, clockOffsets[target]),
      drainMs: drains[index],
      clockOffset: clockOffsets[target],
    });
  }
  return directions;
}

/** The run under `strategy`, on fresh databases. `heartbeatConnections` write the heartbeats of each side. */
export async function measureRun(
  handles: Readonly<Record<Side, SideHandles>>,
  heartbeatConnections: Readonly<Record<Side, Connection>>,
  settings: Settings,
  plan: RunPlan,
): Promise<RunFigures> {
  const { strategy } = plan;
  const prepareMs = await prepareSides(handles, settings, strategy);
  const service = await ServiceProcess.spawn();
  try {
    const started = await startService(service, handles, settings, strategy);
    const clockOffsets = {
      local: await measureClockOffset(handles.local.connection),
      cloud: await measureClockOffset(handles.cloud.connection),
    };
    const pids = [service.pid, handles.local.server.pid ?? -1, handles.cloud.server.pid ?? -1];
    const cpuBefore = await cpuTimes(pids);
    const load = await loadPhase(service, handles, heartbeatConnections, settings, plan.rate);
    const drain = await drainPhase(service, handles, heartbeatConnections, load);
    const cpu = (await cpuTimes(pids)).map(
      (after, index) => ((after - (cpuBefore[index] ?? 0)) / (drain.drainedAt - load.startedAt)) * 100,
    );
    const loadPeakKib = (await service.memory()).peakRssKib;
    const conflictMetrics = await scrapeConflictMetrics(started.apiPort, apiToken);
    const lateProblems = problemsOf(service);
    const stopped = await service.stop();
    return {
      plan,
      prepareMs,
      snapshotMs: started.snapshotMs,
      copiedEqual: started.copiedEqual,
      loads: load.loads,
      loadMs: load.loadMs,
      samples: load.samples,
      directions: await directionFigures(handles, load, drain.drains, clockOffsets),
      queuesEmptyMs: drain.queuesEmptyMs,
      memory: {
        baselineKib: service.baselineRssKib,
        snapshotPeakKib: started.snapshotPeakKib,
        loadPeakKib,
      },
      cpuPercent: { service: cpu[0] ?? Number.NaN, local: cpu[1] ?? Number.NaN, cloud: cpu[2] ?? Number.NaN },
      conflictDecisions: stopped.conflictDecisions,
      conflictMetrics,
      retries: stopped.retries,
      problems: [...new Set([...load.problems, ...lateProblems])],
      checks: await checkTables(handles, settings, { chunked: true }),
    };
  } finally {
    service.kill();
  }
}
