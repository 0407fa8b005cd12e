/**
 * The adoption benchmark's measurements: the identical tables filled on both servers, the query plans of the
 * walk, then for each scenario (a set of the tables, tables.ts) rounds alternating the bare chunk-checksum
 * compare (bare-compare.ts) and an adoption by a fresh service (adoption-run.ts), every other round in the reverse
 * order; the tables are checked equal before the first round and after the last.
 */
import type { Connection } from '../../services/core-sync/src/mysql/index.js';
import type { SandboxServer } from '../../services/core-sync/src/sandbox/index.js';
import { checkpointTableName } from '../../services/core-sync/src/target/index.js';
import { fullSyncSettings } from '../support/full-sync-measure.js';
import { CpuMeter, describeCpuPercents } from '../support/process-cpu.js';
import { connect, recreateDatabase } from '../support/servers.js';
import { settleServer } from '../support/settle.js';
import { formatCount, formatMebibytes, formatSeconds } from '../support/stats.js';
import { compareTable, describeComparison, type TableComparison } from '../support/table-compare.js';
import { changedRowCount, runAdoption, type AdoptionRun, type Sides } from './adoption-run.js';
import { BareCompare, type BareCompareResult } from './bare-compare.js';
import { dataTablesWritten } from './binlog-writes.js';
import { explainChunkQueries, type QueryPlan } from './query-plans.js';
import {
  adoptionDatabase,
  benchTables,
  createAndFill,
  rowCounts,
  scenarios,
  type Scenario,
} from './tables.js';

export type Contender = 'bare-compare' | 'adoption';

export const contenderLabels: Record<Contender, string> = {
  'bare-compare': 'bare chunk-checksum compare',
  adoption: 'core-sync adoption',
};

export interface BareRound {
  readonly round: number;
  readonly contender: 'bare-compare';
  readonly result: BareCompareResult;
  readonly cpuPercent: Readonly<Record<string, number>>;
  /** The run's row estimates before its walks, timed by hand after the compare (BareCompare.countRows). */
  readonly rowCountsMs: number;
}

export interface AdoptionRound {
  readonly round: number;
  readonly contender: 'adoption';
  readonly result: AdoptionRun;
}

export type Round = BareRound | AdoptionRound;

export interface ScenarioFigures {
  readonly scenario: Scenario;
  readonly rows: number;
  readonly rounds: readonly Round[];
}

export interface AdoptionFigures {
  readonly rows: number;
  readonly rowCounts: ReadonlyMap<string, number>;
  readonly chunkSize: number;
  readonly concurrency: number;
  readonly fillMs: number;
  readonly queryPlans: ReadonlyMap<string, QueryPlan>;
  readonly identicalAfter: readonly TableComparison[];
  readonly scenarios: readonly ScenarioFigures[];
}

async function compareAll(connections: Sides<Connection>): Promise<TableComparison[]> {
  const comparisons: TableComparison[] = [];
  for (const table of benchTables) {
    comparisons.push(
      await compareTable(
        { connection: connections.local, database: adoptionDatabase },
        { connection: connections.cloud, database: adoptionDatabase },
        table.name,
      ),
    );
  }
  return comparisons;
}

async function fillBothSides(
  connections: Sides<Connection>,
  counts: ReadonlyMap<string, number>,
): Promise<number> {
  const startedAt = performance.now();
  await Promise.all(
    [connections.local, connections.cloud].map(async (connection) => {
      await recreateDatabase(connection, adoptionDatabase);
      await connection.query(`USE \`${adoptionDatabase}\``);
      await createAndFill(connection, counts);
    }),
  );
  return performance.now() - startedAt;
}

async function bareRound(
  round: number,
  compare: BareCompare,
  servers: Sides<SandboxServer>,
): Promise<BareRound> {
  const meter = await CpuMeter.start({ local: servers.local.pid ?? -1, cloud: servers.cloud.pid ?? -1 });
  const result = await compare.run();
  const { percents } = await meter.read();
  const rowCountsMs = await compare.countRows();
  if (result.differingChunks !== 0) {
    throw new Error(
      `the bare compare found ${result.differingChunks} chunks of the identical tables differing`,
    );
  }
  console.log(
    `  round ${round}, ${contenderLabels['bare-compare']}: ${formatSeconds(result.durationMs)} s, ` +
      `${formatCount(result.rows)} rows in ${formatCount(result.chunks)} chunks; CPU ${describeCpuPercents(percents)}; ` +
      `then the run's row estimates by hand: ${formatSeconds(rowCountsMs)} s`,
  );
  return { round, contender: 'bare-compare', result, cpuPercent: percents, rowCountsMs };
}

async function adoptionRound(
  round: number,
  servers: Sides<SandboxServer>,
  connections: Sides<Connection>,
  tableNames: readonly string[],
): Promise<AdoptionRound> {
  const result = await runAdoption(servers, connections, tableNames);
  const changed = result.tables.reduce((total, table) => total + changedRowCount(table), 0);
  const dataWrites = [
    ...dataTablesWritten(result.binlogWrites.local, checkpointTableName),
    ...dataTablesWritten(result.binlogWrites.cloud, checkpointTableName),
  ];
  console.log(
    `  round ${round}, ${contenderLabels.adoption}: start-up ${formatSeconds(result.startUpMs)} s + run ` +
      `${formatSeconds(result.runMs)} s (compare ${formatSeconds(result.compareMs)} s) = ${formatSeconds(result.startUpMs + result.runMs)} s, ` +
      `${formatCount(result.rowsCompared)} rows in ${formatCount(result.chunks)} chunks; rowsChanged ${result.rowsChanged}, ` +
      `changes ${changed}, data tables in the binlogs: ${dataWrites.length === 0 ? 'none' : dataWrites.join(', ')}; ` +
      `run CPU ${describeCpuPercents(result.runCpuPercent)}; peak RSS ${formatMebibytes(result.runPeakRssKib)}`,
  );
  return { round, contender: 'adoption', result };
}

async function measureScenario(
  scenario: Scenario,
  servers: Sides<SandboxServer>,
  connections: Sides<Connection>,
  settings: { repeat: number; chunkSize: number; concurrency: number; counts: ReadonlyMap<string, number> },
): Promise<ScenarioFigures> {
  const rows = scenario.tables.reduce((total, table) => total + (settings.counts.get(table) ?? 0), 0);
  console.log(`  ${scenario.label} (${scenario.tables.join(', ')}; ${formatCount(rows)} rows):`);
  const compare = await BareCompare.open(servers, adoptionDatabase, scenario.tables, settings);
  try {
    const rounds: Round[] = [];
    const contenders: Contender[] = ['bare-compare', 'adoption'];
    for (let round = 1; round <= settings.repeat; round += 1) {
      // Every other round in the reverse order, so that neither always follows the other.
      const order = round % 2 === 1 ? contenders : [...contenders].reverse();
      for (const contender of order) {
        rounds.push(
          contender === 'adoption'
            ? await adoptionRound(round, servers, connections, scenario.tables)
            : await bareRound(round, compare, servers),
        );
      }
    }
    return { scenario, rows, rounds };
  } finally {
    await compare.close();
  }
}

async function queryPlansOf(
  servers: Sides<SandboxServer>,
  settings: { chunkSize: number; concurrency: number },
): Promise<Map<string, QueryPlan>> {
  const tableNames = benchTables.map((table) => table.name);
  const compare = await BareCompare.open(servers, adoptionDatabase, tableNames, settings);
  try {
    const plans = new Map<string, QueryPlan>();
    for (const table of compare.tables) {
      plans.set(table.name, await explainChunkQueries(compare.local, table, settings.chunkSize));
    }
    return plans;
  } finally {
    await compare.close();
  }
}

export async function measure(
  servers: Sides<SandboxServer>,
  settings: { rows: number; repeat: number },
): Promise<AdoptionFigures> {
  const connections = { local: await connect(servers.local), cloud: await connect(servers.cloud) };
  const { chunkSize, concurrency } = fullSyncSettings();
  try {
    const counts = rowCounts(settings.rows);
    const fillMs = await fillBothSides(connections, counts);
    console.log(
      `  filled both sides with ${formatCount(settings.rows)} rows (${[...counts].map(([table, count]) => `${table} ${formatCount(count)}`).join(', ')}) in ${formatSeconds(fillMs)} s`,
    );
    for (const comparison of await compareAll(connections)) {
      if (!comparison.equal) throw new Error(`the sides differ: ${describeComparison(comparison)}`);
    }
    console.log(`  both sides equal (CHECKSUM TABLE of every table)`);
    const settledMs = (await settleServer(connections.local)) + (await settleServer(connections.cloud));
    console.log(`  flushed dirty pages in ${formatSeconds(settledMs)} s`);
    const queryPlans = await queryPlansOf(servers, { chunkSize, concurrency });
    for (const [table, plan] of queryPlans) {
      console.log(`  ${table}: chunk end ${plan.chunkEnd}; checksum ${plan.checksum}`);
    }
    const scenarioFigures: ScenarioFigures[] = [];
    for (const scenario of scenarios) {
      scenarioFigures.push(
        await measureScenario(scenario, servers, connections, {
          repeat: settings.repeat,
          chunkSize,
          concurrency,
          counts,
        }),
      );
    }
    return {
      rows: settings.rows,
      rowCounts: counts,
      chunkSize,
      concurrency,
      fillMs,
      queryPlans,
      identicalAfter: await compareAll(connections),
      scenarios: scenarioFigures,
    };
  } finally {
    await Promise.all([connections.local.end(), connections.cloud.end()]);
  }
}
