/** The event-stream memory benchmark's section of docs/BENCHMARKS.md, and its verdicts. */
import { markdownTable } from '../support/report.js';
import { formatCount, maximum, median } from '../support/stats.js';
import {
  expectedAdmissions,
  peakOf,
  settleMs,
  tokensForDefaultCaps,
  type PhaseResult,
  type Settings,
} from './phases.js';

/** The service's bound on what one client may have unsent (SseHub's default). */
const clientBufferBytes = 4 * 1024 * 1024;
const mebibyte = 1024 * 1024;

function mib(bytes: number): string {
  return `${(bytes / mebibyte).toFixed(1)} MiB`;
}

function describeCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).filter(([, count]) => count > 0);
  return entries.length === 0 ? 'none' : entries.map(([name, count]) => `${count} ${name}`).join(', ');
}

export function describePhase(result: PhaseResult): string {
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

export function verdicts(results: readonly PhaseResult[]): string[] {
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

export function reportBody(results: readonly PhaseResult[], settings: Settings, context: string): string {
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
