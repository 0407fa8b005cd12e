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
import { invokedCommand, runContext, writeReportSection } from './support/report.js';
import { serviceRunnerDescription } from './support/service-process.js';
import { phasesOf, type PhaseResult, type Settings } from './sse-memory/phases.js';
import { reportBody, verdicts } from './sse-memory/report.js';
import { runPhase } from './sse-memory/run-phase.js';

const usage =
  'node --import tsx bench/sse-memory.bench.ts [--clients=500] [--conflicts-per-second=200] [--seconds=90] [--max-seconds=420]';

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
