/**
 * Bidirectional sync (`sync.mode: bidirectional`), with the service in a child process:
 * 1. lag in each direction, row by row, while both sides take 1,000 inserted rows/s at once on disjoint keys
 *    (bench/bidirectional/lag.ts), with the default 8 apply workers and with 1;
 * 2. what conflict checking costs: catch-up of the same burst of row changes one-way and bidirectional, side by
 *    side in the same run (bench/bidirectional/apply-cost.ts).
 * Both end by checking that the two sides are equal.
 *
 *   node --import tsx bench/bidirectional.bench.ts [--rate=1000] [--seconds=20] [--warmup-seconds=3]
 *     [--changes=300000] [--initial-rows=100000] [--writers=2] [--repeat=2]
 */
import { measureApplyCost } from './bidirectional/apply-cost.js';
import { measureBidirectionalLag, type LagFigures } from './bidirectional/lag.js';
import { reportBody, summaryLines, workersLabel } from './bidirectional/report.js';
import { isMainModule, numberOption, parseOptions, runStandalone } from './support/cli.js';
import { describeMachine, machineSummary } from './support/machine.js';
import { invokedCommand, runContext, writeReportSection } from './support/report.js';
import { benchServerArguments, withServerPair } from './support/servers.js';
import { serviceRunnerDescription } from './support/service-process.js';
import { formatCount, formatMilliseconds, maximum, percentile } from './support/stats.js';

const usage =
  'node --import tsx bench/bidirectional.bench.ts [--rate=1000] [--seconds=20] [--warmup-seconds=3] ' +
  '[--changes=300000] [--initial-rows=100000] [--writers=2] [--repeat=2]';

export async function runBidirectionalBenchmark(argumentList: readonly string[]): Promise<void> {
  const options = parseOptions(
    argumentList,
    ['rate', 'seconds', 'warmup-seconds', 'changes', 'initial-rows', 'writers', 'repeat'],
    usage,
  );
  const lagSettings = {
    rowsPerSecond: numberOption(options.rate, 1_000, 'rate'),
    seconds: numberOption(options.seconds, 20, 'seconds'),
    warmupSeconds: numberOption(options['warmup-seconds'], 3, 'warmup-seconds'),
  };
  const applySettings = {
    changes: numberOption(options.changes, 300_000, 'changes'),
    initialRows: numberOption(options['initial-rows'], 100_000, 'initial-rows'),
    writers: numberOption(options.writers, 2, 'writers'),
    repeat: numberOption(options.repeat, 2, 'repeat'),
  };
  const command = invokedCommand();
  const machine = await describeMachine();
  console.log(`bidirectional benchmark: ${command}\n  ${machineSummary(machine)}`);
  const figures = await withServerPair('bidirectional', async (local, cloud) => {
    const servers = { local, cloud };
    console.log(
      `  lag: ${formatCount(lagSettings.rowsPerSecond)} rows/s on each side for ${lagSettings.seconds} s (after ${lagSettings.warmupSeconds} s of warm-up)`,
    );
    const lags: LagFigures[] = [];
    for (const workers of [undefined, 1]) {
      const lag = await measureBidirectionalLag(servers, lagSettings, workers);
      lags.push(lag);
      for (const direction of lag.directions) {
        console.log(
          `  ${workersLabel(workers)}, ${direction.source} → ${direction.target}: ` +
            `p50 ${formatMilliseconds(percentile(direction.lagsMs, 50))} ms, ` +
            `p99 ${formatMilliseconds(percentile(direction.lagsMs, 99))} ms, max ${formatMilliseconds(maximum(direction.lagsMs))} ms ` +
            `over ${formatCount(direction.lagsMs.length)} rows` +
            (direction.missingRows > 0 ? `, ${direction.missingRows} ROWS MISSING` : ''),
        );
      }
    }
    console.log(
      `  apply cost: ${formatCount(applySettings.changes)} changes, ${applySettings.repeat} rounds of one-way and bidirectional, with 8 workers and with 1`,
    );
    const applyRuns = await measureApplyCost(servers, applySettings);
    return { lags, applyRuns, applySettings };
  });
  const context = runContext(machine, command, [
    `Server settings: ${benchServerArguments.join(' ')}`,
    serviceRunnerDescription(),
  ]);
  await writeReportSection('bidirectional', reportBody(figures, context));
  for (const line of summaryLines(figures)) console.log(line);
  console.log('wrote the bidirectional section of docs/BENCHMARKS.md');
}

if (isMainModule(import.meta.url)) await runStandalone(runBidirectionalBenchmark);
