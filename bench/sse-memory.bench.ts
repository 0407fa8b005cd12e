/**
 * Memory of the event stream with stalled clients: core-sync's HTTP API in a child process (`buildApp` over the
 * API tests' in-memory engine: `bench/support/stream-memory-child.ts`), its event bus fed at a steady, busy rate,
 * with 500 clients of `GET /api/v1/sync/stream` that never read, against the same process with no client and
 * with 500 clients that read promptly. Each setting runs in a fresh child; RSS and V8 heap are sampled every
 * second, the peak RSS is the kernel's high-water mark (VmHWM). Stalled clients run twice: with the caps raised
 * to let all 500 in (once with the stall timeout, once without it: what the per-client byte bound alone allows)
 * and with the default caps (100 in all, 10 per token), the attempts spread over 20 tokens. A stalled run lasts until every stalled client has been cut off, plus a
 * little to see the memory come back.
 *
 *   node --import tsx bench/sse-memory.bench.ts [--clients=500] [--conflicts-per-second=200] [--seconds=90]
 *     [--max-seconds=420]
 */
import { isMainModule, numberOption, parseOptions, runStandalone } from './support/cli.js';
import { describeMachine, machineSummary } from './support/machine.js';
import { RawStreamClient, type StreamClientMode } from './support/raw-stream-client.js';
import { invokedCommand, markdownTable, runContext, writeReportSection } from './support/report.js';
import { serviceRunnerDescription } from './support/service-process.js';
import { formatCount, maximum, median, sleep } from './support/stats.js';
import { StreamMemoryProcess } from './support/stream-memory-process.js';
import type { MemorySample, StreamLoad, StreamMemoryReport } from './support/stream-memory-protocol.js';

const usage =
  'node --import tsx bench/sse-memory.bench.ts [--clients=500] [--conflicts-per-second=200] [--seconds=90] [--max-seconds=420]';
/** The service's bound on what one client may have unsent (SseHub's default). */
const clientBufferBytes = 4 * 1024 * 1024;
const defaultCaps = { maxClients: 100, maxClientsPerToken: 10 };
/** Tokens the default-caps run spreads its attempts over, one token after the other. */
const tokensForDefaultCaps = 20;
/** How long a stalled run goes on after its last stalled client was cut off. */
const settleMs = 15_000;
const mebibyte = 1024 * 1024;
/** "No stall timeout": longer than any run (the longest timer Node.js supports is about 24 days). */
const noStallTimeoutMs = 24 * 60 * 60 * 1000;

interface Phase {
  readonly name: string;
  readonly mode: StreamClientMode | 'none';
  readonly clients: number;
  readonly maxClients: number;
  readonly maxClientsPerToken: number;
  /** The attempts use this many tokens, in turn: the first token for the first share, and so on. */
  readonly tokenCount: number;
  /** Run until no client is left (stalled clients), rather than for a fixed time. */
  readonly untilCut: boolean;
  /** Off: only the byte bound cuts stalled clients off (the worst case it allows). */
  readonly stallTimeout: boolean;
}

interface PhaseResult {
  readonly phase: Phase;
  readonly baselineRssKib: number;
  readonly peakRssKib: number;
  readonly samples: readonly MemorySample[];
  readonly report: StreamMemoryReport;
  readonly accepted: number;
  readonly refusedByCap: Readonly<Record<string, number>>;
  /** Reading clients the service ended. */
  readonly readersEnded: number;
  readonly bytesPerReader: readonly number[];
  /** From the last client opened until no stream was left; undefined when some were left at the end. */
  readonly allCutAfterMs: number | undefined;
}

interface Settings {
  readonly clients: number;
  readonly load: StreamLoad;
  readonly seconds: number;
  readonly maxSeconds: number;
}

function phasesOf(settings: Settings): Phase[] {
  const raised = { maxClients: settings.clients, maxClientsPerToken: settings.clients };
  const base = { clients: settings.clients, tokenCount: 1 };
  const stalled = { mode: 'stall', untilCut: true } as const;
  return [
    {
      name: 'no clients',
      mode: 'none',
      ...base,
      clients: 0,
      ...defaultCaps,
      untilCut: false,
      stallTimeout: true,
    },
    {
      name: `${settings.clients} reading, caps raised`,
      mode: 'read',
      ...base,
      ...raised,
      untilCut: false,
      stallTimeout: true,
    },
    { name: `${settings.clients} stalled, caps raised`, ...stalled, ...base, ...raised, stallTimeout: true },
    {
      name: `${settings.clients} stalled, caps raised, no stall timeout`,
      ...stalled,
      ...base,
      ...raised,
      stallTimeout: false,
    },
    {
      name: `${settings.clients} stalled, default caps`,
      ...stalled,
      clients: settings.clients,
      tokenCount: tokensForDefaultCaps,
      ...defaultCaps,
      stallTimeout: true,
    },
  ];
}

async function openClients(
  phase: Phase,
  port: number,
  tokens: readonly string[],
): Promise<RawStreamClient[]> {
  const clients: RawStreamClient[] = [];
  if (phase.mode === 'none') return clients;
  const perToken = Math.ceil(phase.clients / tokens.length);
  for (let index = 0; index < phase.clients; index += 1) {
    const token = tokens[Math.floor(index / perToken)] ?? '';
    clients.push(await RawStreamClient.open(port, token, phase.mode));
  }
  return clients;
}

async function waitForEnd(
  phase: Phase,
  child: StreamMemoryProcess,
  settings: Settings,
): Promise<number | undefined> {
  const startedAt = performance.now();
  if (!phase.untilCut) {
    await sleep(settings.seconds * 1000);
    return undefined;
  }
  while (performance.now() - startedAt < settings.maxSeconds * 1000) {
    await sleep(500);
    if (child.latest?.clients === 0) {
      const allCutAfterMs = performance.now() - startedAt;
      await sleep(settleMs);
      return allCutAfterMs;
    }
  }
  return undefined;
}

async function runPhase(phase: Phase, settings: Settings): Promise<PhaseResult> {
  const child = await StreamMemoryProcess.spawn();
  try {
    const baselineRssKib = (await child.memory()).rssKib;
    const { port, adminToken, readOnlyTokens } = await child.start({
      maxClients: phase.maxClients,
      maxClientsPerToken: phase.maxClientsPerToken,
      readOnlyTokenCount: tokensForDefaultCaps,
      load: settings.load,
      ...(phase.stallTimeout ? {} : { stallTimeoutMs: noStallTimeoutMs }),
      tickMs: 100,
      sampleIntervalMs: 1000,
    });
    const tokens = phase.tokenCount === 1 ? [adminToken] : readOnlyTokens.slice(0, phase.tokenCount);
    const clients = await openClients(phase, port, tokens);
    const accepted = clients.filter((client) => client.status === 200);
    const refusedByCap: Record<string, number> = {};
    for (const client of clients) {
      const cap = client.errorBody.error?.details?.cap;
      if (client.status === 429 && cap !== undefined) refusedByCap[cap] = (refusedByCap[cap] ?? 0) + 1;
    }
    console.log(
      `  ${phase.name}: ${accepted.length} streams open, ${clients.length - accepted.length} refused ` +
        `(${JSON.stringify(refusedByCap)})`,
    );
    const allCutAfterMs = await waitForEnd(phase, child, settings);
    const peakRssKib = (await child.memory()).peakRssKib;
    const readersEnded =
      phase.mode === 'read' ? accepted.filter((client) => client.closedByServer).length : 0;
    const bytesPerReader = phase.mode === 'read' ? accepted.map((client) => client.bytesReceived) : [];
    for (const client of clients) client.close();
    const report = await child.stop();
    const result = {
      phase,
      baselineRssKib,
      peakRssKib,
      samples: child.samples,
      report,
      accepted: accepted.length,
      refusedByCap,
      readersEnded,
      bytesPerReader,
      allCutAfterMs,
    };
    console.log(`  ${phase.name}: ${describePhase(result)}`);
    return result;
  } finally {
    child.kill();
  }
}

function mib(bytes: number): string {
  return `${(bytes / mebibyte).toFixed(1)} MiB`;
}

function peakOf(result: PhaseResult, field: 'rssBytes' | 'heapUsedBytes' | 'externalBytes'): number {
  return maximum(result.samples.map((sample) => sample[field]));
}

function describeCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).filter(([, count]) => count > 0);
  return entries.length === 0 ? 'none' : entries.map(([name, count]) => `${count} ${name}`).join(', ');
}

function describePhase(result: PhaseResult): string {
  const { report } = result;
  return (
    `peak RSS ${mib(result.peakRssKib * 1024)}, heap used up to ${mib(peakOf(result, 'heapUsedBytes'))}, ` +
    `${formatCount((report.publishedEvents / report.elapsedMs) * 1000)} events/s published, ` +
    `dropped ${describeCounts(report.dropped)}` +
    (result.allCutAfterMs === undefined
      ? ''
      : `, all cut off after ${(result.allCutAfterMs / 1000).toFixed(0)} s`)
  );
}

function phaseRow(result: PhaseResult, idle: PhaseResult): string[] {
  const { report } = result;
  const dropSizes = report.bufferedBytesAtDrop;
  const aboveIdleKib = result.peakRssKib - idle.peakRssKib;
  return [
    result.phase.name,
    `${result.phase.maxClients} / ${result.phase.maxClientsPerToken}`,
    result.phase.clients === 0 ? '' : `${result.accepted} of ${result.phase.clients}`,
    describeCounts(result.refusedByCap),
    describeCounts(report.dropped),
    dropSizes.length === 0 ? '' : `${mib(median(dropSizes))} / ${mib(maximum(dropSizes))}`,
    result.allCutAfterMs === undefined ? '' : `${(result.allCutAfterMs / 1000).toFixed(0)} s`,
    formatCount((report.publishedEvents / report.elapsedMs) * 1000),
    `${formatCount(report.publishedBytes / (report.elapsedMs / 1000) / 1024)} KiB/s`,
    mib(result.peakRssKib * 1024),
    mib(peakOf(result, 'heapUsedBytes')),
    mib(peakOf(result, 'externalBytes')),
    result === idle || result.accepted === 0 ? '' : `${mib((aboveIdleKib * 1024) / result.accepted)}`,
  ];
}

function memoryOverTime(results: readonly PhaseResult[]): string {
  const longest = maximum(results.map((result) => result.samples.length));
  const rows: string[][] = [];
  for (let second = 10; second <= longest; second += 10) {
    rows.push([
      `${second} s`,
      ...results.map((result) => {
        const sample = result.samples[second - 1];
        return sample === undefined
          ? ''
          : `${mib(sample.rssBytes)} / ${mib(sample.heapUsedBytes)} / ${sample.clients}`;
      }),
    ]);
  }
  return markdownTable(['Time', ...results.map((result) => result.phase.name)], rows);
}

/** What the caps should do to the phase's attempts, none of which ends before the last is made. */
function expectedAdmissions(phase: Phase): { accepted: number; perToken: number; global: number } {
  const perTokenAttempts = Math.ceil(phase.clients / phase.tokenCount);
  const open = new Map<number, number>();
  const counts = { accepted: 0, perToken: 0, global: 0 };
  for (let attempt = 0; attempt < phase.clients; attempt += 1) {
    const token = Math.floor(attempt / perTokenAttempts);
    const ofToken = open.get(token) ?? 0;
    if (ofToken >= phase.maxClientsPerToken) counts.perToken += 1;
    else if (counts.accepted >= phase.maxClients) counts.global += 1;
    else {
      counts.accepted += 1;
      open.set(token, ofToken + 1);
    }
  }
  return counts;
}

function verdicts(results: readonly PhaseResult[]): string[] {
  const [idle, reading, ...stalledRuns] = results;
  if (idle === undefined || reading === undefined) return [];
  const lines = stalledRuns.map((result) => {
    const aboveIdle = (result.peakRssKib - idle.peakRssKib) * 1024;
    const bound = result.accepted * clientBufferBytes;
    return (
      `${result.phase.name}: peak RSS above the no-client run within ${result.accepted} × 4 MiB: ` +
      `${aboveIdle <= bound ? 'met' : 'MISSED'} (${mib(aboveIdle)} of ${mib(bound)})`
    );
  });
  for (const result of stalledRuns) {
    const droppedCount = Object.values(result.report.dropped).reduce((total, count) => total + count, 0);
    const allCut = result.allCutAfterMs !== undefined && droppedCount === result.accepted;
    lines.push(
      `${result.phase.name}: every stalled client cut off and its slot freed: ${allCut ? 'met' : 'MISSED'} ` +
        `(${droppedCount} of ${result.accepted} dropped: ${describeCounts(result.report.dropped)})`,
    );
  }
  const capped = stalledRuns.find((result) => result.phase.tokenCount > 1);
  if (capped !== undefined) {
    const expected = expectedAdmissions(capped.phase);
    const actual = {
      accepted: capped.accepted,
      perToken: capped.refusedByCap.per_token ?? 0,
      global: capped.refusedByCap.global ?? 0,
    };
    const met = JSON.stringify(actual) === JSON.stringify(expected);
    lines.push(
      `default caps cut in: ${met ? 'met' : 'MISSED'} (${actual.accepted} streams admitted, ${actual.perToken} refused ` +
        `by the per-token cap, ${actual.global} by the global cap; the caps' model expects ` +
        `${expected.accepted}, ${expected.perToken} and ${expected.global})`,
    );
  }
  const published = reading.report.publishedBytes;
  const received = reading.bytesPerReader;
  lines.push(
    `${reading.phase.name}: none ended by the service: ${reading.readersEnded === 0 ? 'met' : 'MISSED'} ` +
      `(${reading.readersEnded} ended; each received ${mib(Math.min(...received))}–${mib(Math.max(...received))} ` +
      `of about ${mib(published)} published)`,
  );
  return lines;
}

function reportBody(results: readonly PhaseResult[], settings: Settings, context: string): string {
  const [idle] = results;
  if (idle === undefined) return '';
  const { load } = settings;
  const table = markdownTable(
    [
      'Run',
      'Caps (all / per token)',
      'Streams admitted',
      'Refused (429)',
      'Cut off',
      'Unsent when cut off (median / max)',
      'All cut off after',
      'Events/s published',
      'Stream per client',
      'Peak RSS (VmHWM)',
      'Peak heap used',
      'Peak external',
      'Peak RSS above no clients, per stream',
    ],
    results.map((result) => phaseRow(result, idle)),
  );
  return `## Event-stream memory with stalled clients

${context}

The HTTP API alone runs in a child process: \`buildApp\` over the in-memory engine of the API's tests
(\`bench/support/stream-memory-child.ts\`), compiled, listening on 127.0.0.1, service defaults otherwise (4 MiB
unsent per client, 60 s stall timeout, heartbeat every 15 s, 1,000 events kept for replay). Its event bus gets,
every 100 ms, the share of ${formatCount(load.conflictsPerSecond)} \`conflict-detected\` events a second (a bidirectional pair under write
load: the sysbench-bidirectional runs met 800–3,400 a second), ${load.progressPerSecond} \`progress\` events of a ${load.progressTables}-table full sync and
${load.lagPerSecond} \`lag\` samples. Each run is a fresh child. The clients are bare TCP sockets in the benchmark process
(\`bench/support/raw-stream-client.ts\`), opened one after the other with a bearer token: a reading client reads
everything as it comes; a stalled one reads the answer's head and never reads again, so the kernel's socket
buffers fill first and then the service's. In the run without stall timeout (set to 24 h) only the 4 MiB bound
cuts stalled clients off: the worst case the bound allows. The default-caps run spreads its ${settings.clients} attempts over ${tokensForDefaultCaps} read-only tokens,
${Math.ceil(settings.clients / tokensForDefaultCaps)} each, one token after the other. Runs with stalled clients last until the service has cut off all of
them, plus ${settleMs / 1000} s; the others ${settings.seconds} s. "Peak RSS above no clients, per stream" is (peak RSS − the no-client run's
peak RSS) ÷ streams admitted; the kernel's socket buffers are not in it.

${table}

Memory over time (RSS / V8 heap used / streams open, sampled by the child every second):

${memoryOverTime(results)}

${verdicts(results)
  .map((line) => `- ${line}`)
  .join('\n')}
`;
}

export async function runSseMemoryBenchmark(argumentList: readonly string[]): Promise<void> {
  const options = parseOptions(
    argumentList,
    ['clients', 'conflicts-per-second', 'seconds', 'max-seconds'],
    usage,
  );
  const settings: Settings = {
    clients: Math.round(numberOption(options.clients, 500, 'clients')),
    load: {
      conflictsPerSecond: numberOption(options['conflicts-per-second'], 200, 'conflicts-per-second'),
      progressPerSecond: 4,
      progressTables: 20,
      lagPerSecond: 2,
    },
    seconds: numberOption(options.seconds, 90, 'seconds'),
    maxSeconds: numberOption(options['max-seconds'], 420, 'max-seconds'),
  };
  const command = invokedCommand();
  const machine = await describeMachine();
  console.log(`sse-memory benchmark: ${command}\n  ${machineSummary(machine)}`);
  const results: PhaseResult[] = [];
  for (const phase of phasesOf(settings)) results.push(await runPhase(phase, settings));
  const context = runContext(machine, command, [serviceRunnerDescription()]);
  await writeReportSection('sse-memory', reportBody(results, settings, context));
  for (const line of verdicts(results)) console.log(line);
  console.log('wrote the sse-memory section of docs/BENCHMARKS.md');
}

if (isMainModule(import.meta.url)) await runStandalone(runSseMemoryBenchmark);
