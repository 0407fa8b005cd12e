/**
 * Adoption (issue 17): a bidirectional service started on two databases holding the same rows and no checkpoint
 * adopts the tables and settles them by chunk checksums; on identical tables that must transfer no rows and take
 * at most 1.5× a bare chunk-checksum compare of the same tables. Both are measured here in alternating rounds on
 * the same servers; the exit code is non-zero when the bar is missed.
 *
 *   node --import tsx bench/adoption.bench.ts [--rows=1000000] [--repeat=5]
 */
import { isMainModule, numberOption, parseOptions, runStandalone } from './support/cli.js';
import { describeMachine, machineSummary } from './support/machine.js';
import { invokedCommand, runContext, writeReportSection } from './support/report.js';
import { benchServerArguments, withServerPair } from './support/servers.js';
import { serviceRunnerDescription } from './support/service-process.js';
import { measure } from './adoption/measure.js';
import { passed, reportBody, verdicts } from './adoption/report.js';

const usage = 'node --import tsx bench/adoption.bench.ts [--rows=1000000] [--repeat=5]';

export async function runAdoptionBenchmark(argumentList: readonly string[]): Promise<void> {
  const options = parseOptions(argumentList, ['rows', 'repeat'], usage);
  const settings = {
    rows: Math.round(numberOption(options.rows, 1_000_000, 'rows')),
    repeat: Math.round(numberOption(options.repeat, 5, 'repeat')),
  };
  const command = invokedCommand();
  const machine = await describeMachine();
  console.log(`adoption benchmark: ${command}\n  ${machineSummary(machine)}`);
  const figures = await withServerPair('adoption', (local, cloud) => measure({ local, cloud }, settings));
  const context = runContext(machine, command, [
    `Server settings: ${benchServerArguments.join(' ')}`,
    serviceRunnerDescription(),
  ]);
  await writeReportSection('adoption', reportBody(figures, context));
  for (const line of verdicts(figures)) console.log(line);
  console.log('wrote the adoption section of docs/BENCHMARKS.md');
  if (!passed(figures)) {
    console.error('FAIL: adoption missed issue 17’s bar (see the verdicts above)');
    process.exitCode = 1;
  }
}

if (isMainModule(import.meta.url)) await runStandalone(runAdoptionBenchmark);
