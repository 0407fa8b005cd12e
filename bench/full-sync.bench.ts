/**
 * Full sync: core-sync compares a 1,000,000-row orders table that is identical on both sides (the service
 * snapshotted it and streams), side by side in the same run with the same chunked checksums run by hand from the
 * benchmark process (pt-table-checksum's way, both servers at once); then 1 % of the target's rows are made
 * different with its binlog off (deleted, changed, extra rows) and core-sync's full sync repairs them.
 *
 *   node --import tsx bench/full-sync.bench.ts [--rows=1000000] [--repeat=2]
 */
import { isMainModule, numberOption, parseOptions, runStandalone } from './support/cli.js';
import { describeMachine, machineSummary } from './support/machine.js';
import { invokedCommand, runContext, writeReportSection } from './support/report.js';
import { benchServerArguments, withServerPair } from './support/servers.js';
import { serviceRunnerDescription } from './support/service-process.js';
import { measure } from './full-sync/measure.js';
import { reportBody, verdicts } from './full-sync/report.js';

const usage = 'node --import tsx bench/full-sync.bench.ts [--rows=1000000] [--repeat=2]';

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
