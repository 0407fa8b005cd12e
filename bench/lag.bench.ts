/**
 * Real-time lag from source commit to target write at steady insert rates (100, 1,000 and 5,000 rows/s by
 * default), row by row: the generator records the time each source COMMIT returned, a BEFORE INSERT trigger on
 * the target stamps each row with the time it is written there (bench/support/commit-clock.ts).
 *
 *   node --import tsx bench/lag.bench.ts [--rates=100,1000,5000] [--seconds=20] [--warmup-seconds=3]
 */
import type { Connection } from '../services/core-sync/src/mysql/index.js';
import { isMainModule, numberListOption, numberOption, parseOptions, runStandalone } from './support/cli.js';
import {
  appliedAtColumn,
  createAppliedAtTrigger,
  measureClockOffset,
  type ClockOffset,
} from './support/commit-clock.js';
import { describeMachine, machineSummary } from './support/machine.js';
import { createOrdersTableStatement } from './support/orders-table.js';
import { readProcessCpuMs } from './support/process-cpu.js';
import { invokedCommand, markdownTable, runContext, writeReportSection } from './support/report.js';
import {
  benchServerArguments,
  connect,
  queryRows,
  recreateDatabase,
  withServerPair,
} from './support/servers.js';
import { benchConfigDocument } from './support/service-config.js';
import { ServiceProcess, serviceRunnerDescription } from './support/service-process.js';
import { formatCount, formatMilliseconds, maximum, percentile, waitFor } from './support/stats.js';
import {
  insertSteadily,
  maxTransactionsPerSecond,
  nextIdAfter,
  readRowLags,
} from './support/steady-inserts.js';

const usage =
  'node --import tsx bench/lag.bench.ts [--rates=100,1000,5000] [--seconds=20] [--warmup-seconds=3]';
const sourceDatabase = 'lag_source';
const targetDatabase = 'lag_target';
const table = 'orders';
/** The issue's bars at 1,000 rows/s: p99 under 100 ms; aim p50 under 10 ms and p99 under 50 ms. */
const targets = { p99Ms: 100, aimP50Ms: 10, aimP99Ms: 50, rate: 1_000 } as const;

interface RateFigures {
  readonly rowsPerSecond: number;
  readonly rowsPerTransaction: number;
  readonly achievedRowsPerSecond: number;
  readonly rowCount: number;
  readonly lagsMs: readonly number[];
  readonly missingRows: number;
  readonly serviceCpuPercent: number;
}

async function targetRowCount(target: Connection): Promise<number> {
  const rows = await queryRows(
    target,
    `SELECT COUNT(*) AS row_count FROM \`${targetDatabase}\`.\`${table}\``,
  );
  return Number(rows[0]?.row_count ?? 0);
}

async function measureRate(
  connections: { source: Connection; target: Connection },
  service: ServiceProcess,
  rowsPerSecond: number,
  timing: { seconds: number; warmupSeconds: number; firstId: number },
): Promise<{ figures: RateFigures; nextId: number }> {
  const warmup = await insertSteadily(
    connections.source,
    table,
    timing.firstId,
    rowsPerSecond,
    timing.warmupSeconds,
  );
  const measuredFirstId = nextIdAfter(warmup, timing.firstId);
  const cpuBefore = await readProcessCpuMs(service.pid);
  const startedAt = performance.now();
  const transactions = await insertSteadily(
    connections.source,
    table,
    measuredFirstId,
    rowsPerSecond,
    timing.seconds,
  );
  const elapsedMs = performance.now() - startedAt;
  const nextId = nextIdAfter(transactions, measuredFirstId);
  await waitFor(async () => (await targetRowCount(connections.target)) >= nextId - 1, 60_000, 100);
  const cpuMs = (await readProcessCpuMs(service.pid)) - cpuBefore;
  const cpuElapsedMs = performance.now() - startedAt;
  const offset = await measureClockOffset(connections.target);
  const { lagsMs, missingRows } = await readRowLags(
    { connection: connections.target, database: targetDatabase, table },
    transactions,
    offset,
  );
  const rowCount = nextId - measuredFirstId;
  return {
    nextId,
    figures: {
      rowsPerSecond,
      rowsPerTransaction: (transactions[0]?.lastId ?? 0) - (transactions[0]?.firstId ?? 0) + 1,
      achievedRowsPerSecond: (rowCount / elapsedMs) * 1000,
      rowCount,
      lagsMs,
      missingRows,
      serviceCpuPercent: (cpuMs / cpuElapsedMs) * 100,
    },
  };
}

function describeRate(figures: RateFigures): string {
  return (
    `${formatCount(figures.rowsPerSecond)} rows/s (${figures.rowsPerTransaction} a transaction, achieved ` +
    `${formatCount(figures.achievedRowsPerSecond)}): p50 ${formatMilliseconds(percentile(figures.lagsMs, 50))} ms, ` +
    `p99 ${formatMilliseconds(percentile(figures.lagsMs, 99))} ms, max ${formatMilliseconds(maximum(figures.lagsMs))} ms ` +
    `over ${formatCount(figures.lagsMs.length)} rows` +
    (figures.missingRows > 0 ? `, ${figures.missingRows} ROWS MISSING` : '') +
    `; service CPU ${figures.serviceCpuPercent.toFixed(0)} %`
  );
}

function verdicts(figures: readonly RateFigures[]): string[] {
  const lines: string[] = [];
  const atTarget = figures.find((entry) => entry.rowsPerSecond === targets.rate);
  if (atTarget !== undefined) {
    const p50 = percentile(atTarget.lagsMs, 50);
    const p99 = percentile(atTarget.lagsMs, 99);
    lines.push(
      `p99 under ${targets.p99Ms} ms at ${formatCount(targets.rate)} rows/s: ${p99 < targets.p99Ms ? 'met' : 'MISSED'} (${formatMilliseconds(p99)} ms)`,
      `aim p50 under ${targets.aimP50Ms} ms and p99 under ${targets.aimP99Ms} ms: ` +
        `${p50 < targets.aimP50Ms && p99 < targets.aimP99Ms ? 'met' : 'missed'} (p50 ${formatMilliseconds(p50)} ms, p99 ${formatMilliseconds(p99)} ms)`,
    );
  }
  const missing = figures.reduce((total, entry) => total + entry.missingRows, 0);
  lines.push(missing === 0 ? 'every row reached the target' : `${missing} ROWS NEVER REACHED THE TARGET`);
  return lines;
}

function reportBody(
  figures: readonly RateFigures[],
  context: string,
  offset: ClockOffset,
  timing: { seconds: number; warmupSeconds: number },
): string {
  const table = markdownTable(
    ['Insert rate', 'Rows a transaction', 'Rows measured', 'p50', 'p90', 'p99', 'max', 'Service CPU'],
    figures.map((entry) => [
      `${formatCount(entry.rowsPerSecond)} rows/s`,
      String(entry.rowsPerTransaction),
      formatCount(entry.lagsMs.length),
      `${formatMilliseconds(percentile(entry.lagsMs, 50))} ms`,
      `${formatMilliseconds(percentile(entry.lagsMs, 90))} ms`,
      `${formatMilliseconds(percentile(entry.lagsMs, 99))} ms`,
      `${formatMilliseconds(maximum(entry.lagsMs))} ms`,
      `${entry.serviceCpuPercent.toFixed(0)} % of a core`,
    ]),
  );
  return `## Real-time lag

${context}

One core-sync child streams the orders table (same columns as the snapshot benchmark plus \`applied_us\`) from
the source to the target, service defaults. The benchmark inserts at a steady rate, one multi-row INSERT
(autocommit) every ${1000 / maxTransactionsPerSecond} ms at most (at most ${maxTransactionsPerSecond} transactions a second; 100 rows/s is one row every
10 ms), for ${timing.warmupSeconds} s of warm-up (not counted) and ${timing.seconds} s measured at each rate.

**How lag is measured, row by row.** The generator records the wall-clock time (\`performance.timeOrigin +
performance.now()\`, microseconds) just after each INSERT returns, that is after the source's COMMIT. On the
target a \`BEFORE INSERT\` trigger sets \`applied_us\` to \`UNIX_TIMESTAMP(SYSDATE(6))\` in microseconds —
\`SYSDATE\`, not \`NOW\`, so it is the moment the row is written, not the start of the statement. The servers
and the benchmark share the machine's clock; the offset between Node's clock and the server's was measured as
${(offset.offsetMicros / 1000).toFixed(3)} ms (±${(offset.roundTripMicros / 2000).toFixed(3)} ms, half the best of 50 round trips) and is subtracted. The lag of a row is
its target write time minus its source commit time. It stops at the row's write inside the service's target
transaction, so it leaves out that transaction's own COMMIT (on the order of a millisecond here, with
\`innodb_flush_log_at_trx_commit=2\`); it includes the binlog delivery, decoding, queueing and the batch's
statement. Service CPU is the child's user + system time from the start of the measured seconds until the target has every row
(/proc/<pid>/stat), in percent of one core.

${table}

${verdicts(figures)
  .map((line) => `- ${line}`)
  .join('\n')}
`;
}

export async function runLagBenchmark(argumentList: readonly string[]): Promise<void> {
  const options = parseOptions(argumentList, ['rates', 'seconds', 'warmup-seconds'], usage);
  const rates = numberListOption(options.rates, [100, 1_000, 5_000], 'rates');
  const timing = {
    seconds: numberOption(options.seconds, 20, 'seconds'),
    warmupSeconds: numberOption(options['warmup-seconds'], 3, 'warmup-seconds'),
  };
  const command = invokedCommand();
  const machine = await describeMachine();
  console.log(`lag benchmark: ${command}\n  ${machineSummary(machine)}`);
  const { figures, offset } = await withServerPair('lag', async (source, target) => {
    const connections = { source: await connect(source), target: await connect(target) };
    const service = await ServiceProcess.spawn();
    try {
      await recreateDatabase(connections.source, sourceDatabase);
      await recreateDatabase(connections.target, targetDatabase);
      for (const [connection, database] of [
        [connections.source, sourceDatabase],
        [connections.target, targetDatabase],
      ] as const) {
        await connection.query(`USE \`${database}\``);
        await connection.query(createOrdersTableStatement(table));
        await connection.query(`ALTER TABLE \`${table}\` ADD COLUMN ${appliedAtColumn} BIGINT NULL`);
      }
      await createAppliedAtTrigger(connections.target, targetDatabase, table);
      await service.start({
        configDocument: benchConfigDocument({
          source,
          sourceDatabase,
          target,
          targetDatabase,
          tables: [{ name: table }],
        }),
        statusIntervalMs: 0,
      });
      const clockOffset = await measureClockOffset(connections.target);
      console.log(
        `  clock offset server − node: ${(clockOffset.offsetMicros / 1000).toFixed(3)} ms (best round trip ${(clockOffset.roundTripMicros / 1000).toFixed(3)} ms)`,
      );
      const measured: RateFigures[] = [];
      let nextId = 1;
      for (const rowsPerSecond of rates) {
        const result = await measureRate(connections, service, rowsPerSecond, { ...timing, firstId: nextId });
        nextId = result.nextId;
        measured.push(result.figures);
        console.log(`  ${describeRate(result.figures)}`);
      }
      await service.stop();
      return { figures: measured, offset: clockOffset };
    } finally {
      service.kill();
      await connections.source.end();
      await connections.target.end();
    }
  });
  const context = runContext(machine, command, [
    `Server settings: ${benchServerArguments.join(' ')}`,
    serviceRunnerDescription(),
  ]);
  await writeReportSection('lag', reportBody(figures, context, offset, timing));
  for (const line of verdicts(figures)) console.log(line);
  console.log('wrote the lag section of docs/BENCHMARKS.md');
}

if (isMainModule(import.meta.url)) await runStandalone(runLagBenchmark);
