/**
 * Bidirectional sync under a sustained OLTP write load on both sides: sysbench `oltp_write_only` (or
 * `oltp_read_write`) on local and on cloud at once, on the same tables, while one core-sync child syncs them in
 * `bidirectional` mode; once per conflict strategy (source_priority, last_write_wins) at each rate (200
 * transactions/s on each side, then as fast as they can, by default). Heartbeats measure the lag in
 * each direction; afterwards both sides must be identical by the benchmark's own checksums (CHECKSUM TABLE and
 * chunk checksums) — otherwise it prints FAIL with the differing rows and exits non-zero.
 *
 *   node --import tsx bench/sysbench-bidirectional.bench.ts [--seconds=120] [--table-size=100000] [--threads=4]
 *     [--tables=4] [--rates=200,0] [--workload=write_only|read_write] [--strategies=source_priority,last_write_wins]
 *
 * The modules in bench/sysbench-bidirectional/: settings.ts (names, conflict settings), prepare.ts (tables on
 * both sides), measure.ts (one run), checks.ts (comparing the sides), report.ts (the section of
 * docs/BENCHMARKS.md).
 */
import { isMainModule, numberOption, parseOptions, runStandalone } from './support/cli.js';
import { describeMachine, machineSummary } from './support/machine.js';
import { invokedCommand, runContext, writeReportSection } from './support/report.js';
import { benchServerArguments, connect, withServerPair } from './support/servers.js';
import { serviceRunnerDescription } from './support/service-process.js';
import { sysbenchAvailable, sysbenchMissingMessage, type SysbenchWorkload } from './support/sysbench.js';
import { measureRun, type RunFigures } from './sysbench-bidirectional/measure.js';
import { reportBody, runFailures, runLabel, runSummaryLines } from './sysbench-bidirectional/report.js';
import {
  conflictStrategyNames,
  sides,
  type ConflictStrategyName,
  type Settings,
} from './sysbench-bidirectional/settings.js';

const usage =
  'node --import tsx bench/sysbench-bidirectional.bench.ts [--seconds=120] [--table-size=100000] [--threads=4] ' +
  '[--tables=4] [--rates=200,0] [--workload=write_only|read_write] [--strategies=source_priority,last_write_wins]';

function workloadOption(value: string | undefined): SysbenchWorkload {
  switch (value ?? 'write_only') {
    case 'write_only':
      return 'oltp_write_only';
    case 'read_write':
      return 'oltp_read_write';
    default:
      throw new Error(`--workload must be write_only or read_write\nusage: ${usage}`);
  }
}

/** Transactions/s on each side, one set of runs each; 0 (no limit) is allowed here, unlike other numbers. */
function ratesOption(value: string | undefined): number[] {
  if (value === undefined) return [200, 0];
  return value.split(',').map((part) => (part.trim() === '0' ? 0 : numberOption(part.trim(), 0, 'rates')));
}

function strategiesOption(value: string | undefined): ConflictStrategyName[] {
  const names =
    value === undefined ? [...conflictStrategyNames] : value.split(',').map((name) => name.trim());
  return names.map((name) => {
    const known = conflictStrategyNames.find((strategy) => strategy === name);
    if (known === undefined) {
      throw new Error(`--strategies takes ${conflictStrategyNames.join(', ')}; got ${name}\nusage: ${usage}`);
    }
    return known;
  });
}

function parseSettings(argumentList: readonly string[]): Settings {
  const options = parseOptions(
    argumentList,
    ['seconds', 'table-size', 'threads', 'tables', 'rates', 'workload', 'strategies'],
    usage,
  );
  return {
    seconds: numberOption(options.seconds, 120, 'seconds'),
    tableSize: numberOption(options['table-size'], 100_000, 'table-size'),
    threads: numberOption(options.threads, 4, 'threads'),
    tables: numberOption(options.tables, 4, 'tables'),
    rates: ratesOption(options.rates),
    workload: workloadOption(options.workload),
    strategies: strategiesOption(options.strategies),
  };
}

export async function runSysbenchBidirectionalBenchmark(argumentList: readonly string[]): Promise<void> {
  const settings = parseSettings(argumentList);
  if (!(await sysbenchAvailable())) {
    console.log(sysbenchMissingMessage('sysbench-bidirectional'));
    return;
  }
  const command = invokedCommand();
  const machine = await describeMachine();
  console.log(`sysbench-bidirectional benchmark: ${command}\n  ${machineSummary(machine)}`);
  const runs = await withServerPair('sysbench-bidirectional', async (local, cloud) => {
    const handles = {
      local: { server: local, connection: await connect(local) },
      cloud: { server: cloud, connection: await connect(cloud) },
    };
    const heartbeatConnections = { local: await connect(local), cloud: await connect(cloud) };
    try {
      const figures: RunFigures[] = [];
      for (const rate of settings.rates) {
        for (const strategy of settings.strategies) {
          const plan = { strategy, rate };
          console.log(`  run: ${runLabel(plan)}`);
          const run = await measureRun(handles, heartbeatConnections, settings, plan);
          for (const line of runSummaryLines(run)) console.log(`    ${line}`);
          figures.push(run);
        }
      }
      return figures;
    } finally {
      for (const side of sides) {
        await handles[side].connection.end();
        await heartbeatConnections[side].end();
      }
    }
  });
  const context = runContext(machine, command, [
    `Server settings: ${benchServerArguments.join(' ')}`,
    serviceRunnerDescription(),
  ]);
  await writeReportSection('sysbench-bidirectional', reportBody(settings, runs, context));
  console.log('wrote the sysbench-bidirectional section of docs/BENCHMARKS.md');
  const failures = runs.flatMap((run) =>
    runFailures(run).map((failure) => `${runLabel(run.plan)}: ${failure}`),
  );
  if (failures.length > 0) {
    throw new Error(`sysbench-bidirectional FAIL:\n  ${failures.join('\n  ')}`);
  }
  console.log('sysbench-bidirectional PASS: both sides identical after every run');
}

if (isMainModule(import.meta.url)) await runStandalone(runSysbenchBidirectionalBenchmark);
