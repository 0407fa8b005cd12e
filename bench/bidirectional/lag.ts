/**
 * Bidirectional lag: one core-sync child in `bidirectional` mode while both sides take steady inserts at once, on
 * disjoint id ranges. Each side's orders table has an `applied_us` column and the BEFORE INSERT trigger of the lag
 * benchmark (bench/support/commit-clock.ts); each row's lag is its write time on the other side minus the time
 * its generator saw its COMMIT return, with each server's clock offset subtracted.
 *
 * The trigger fires on both sides, for the generator's rows and for the rows the service applies, so every row
 * carries a different `applied_us` on each side: the final comparison leaves that column out.
 */
import { columnText, type Connection } from '../../services/core-sync/src/mysql/index.js';
import type { SandboxServer } from '../../services/core-sync/src/sandbox/index.js';
import {
  appliedAtColumn,
  createAppliedAtTrigger,
  measureClockOffset,
  type ClockOffset,
} from '../support/commit-clock.js';
import { createOrdersTableStatement } from '../support/orders-table.js';
import { readProcessCpuMs } from '../support/process-cpu.js';
import { connect, queryRows, recreateDatabase } from '../support/servers.js';
import { ServiceProcess } from '../support/service-process.js';
import { sleep, waitFor } from '../support/stats.js';
import {
  insertSteadily,
  nextIdAfter,
  readRowLags,
  type InsertTransaction,
} from '../support/steady-inserts.js';
import { compareTable, type TableComparison } from '../support/table-compare.js';
import { bidirectionalTableSettings, pairConfig, type SidePair } from './pair.js';

const databases = { local: 'bidi_lag_local', cloud: 'bidi_lag_cloud' } as const;
const table = 'orders';
/** Rows inserted on cloud take ids from here up, rows inserted on local from 1 up. */
export const cloudFirstId = 100_000_001;
/** How long the binlogs are watched for echoes once every row has arrived. */
export const echoWatchMs = 3_000;

export interface LagSettings {
  readonly rowsPerSecond: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
}

export interface DirectionLag {
  readonly source: 'local' | 'cloud';
  readonly target: 'local' | 'cloud';
  readonly rowsPerTransaction: number;
  readonly achievedRowsPerSecond: number;
  readonly lagsMs: readonly number[];
  readonly missingRows: number;
  readonly clockOffset: ClockOffset;
}

export interface LagFigures {
  readonly settings: LagSettings;
  /** `sync.workers` when not the service's default. */
  readonly workers: number | undefined;
  readonly directions: readonly DirectionLag[];
  readonly serviceCpuPercent: number;
  readonly serverCpuPercent: { readonly local: number; readonly cloud: number };
  /** Binlog bytes each side wrote in the seconds after the last row arrived (an echo loop would keep writing). */
  readonly binlogGrowthAfter: { readonly local: number; readonly cloud: number };
  readonly conflicts: Readonly<Record<string, number>>;
  /** Batches the service retried, by `<direction> <error code>`. */
  readonly retries: Readonly<Record<string, number>>;
  readonly comparison: TableComparison;
}

interface Side {
  readonly name: 'local' | 'cloud';
  readonly server: SandboxServer;
  readonly connection: Connection;
  readonly database: string;
  readonly firstId: number;
}

async function prepareSide(side: Side): Promise<void> {
  await recreateDatabase(side.connection, side.database);
  await side.connection.query(`USE \`${side.database}\``);
  await side.connection.query(createOrdersTableStatement(table));
  await side.connection.query(`ALTER TABLE \`${table}\` ADD COLUMN ${appliedAtColumn} BIGINT NULL`);
  await createAppliedAtTrigger(side.connection, side.database, table);
}

/** Rows of `side` whose ids lie in [firstId, lastId]. */
async function rowsBetween(side: Side, firstId: number, lastId: number): Promise<number> {
  const rows = await queryRows(
    side.connection,
    `SELECT COUNT(*) AS row_count FROM \`${side.database}\`.\`${table}\` WHERE id BETWEEN ? AND ?`,
    [firstId, lastId],
  );
  return Number(rows[0]?.row_count ?? 0);
}

async function binlogEnd(connection: Connection): Promise<{ file: string; position: number }> {
  const rows = await queryRows(connection, 'SHOW MASTER STATUS');
  return { file: columnText(rows[0]?.File ?? ''), position: Number(rows[0]?.Position ?? 0) };
}

async function binlogGrowth(
  connection: Connection,
  since: { file: string; position: number },
): Promise<number> {
  const now = await binlogEnd(connection);
  if (now.file !== since.file) return Number.POSITIVE_INFINITY;
  return now.position - since.position;
}

/** Both sides insert at the same rate at once; returns each side's commits. */
async function insertOnBothSides(
  sides: readonly [Side, Side],
  firstIds: readonly [number, number],
  rowsPerSecond: number,
  seconds: number,
): Promise<[InsertTransaction[], InsertTransaction[]]> {
  const [local, cloud] = sides;
  return Promise.all([
    insertSteadily(local.connection, table, firstIds[0], rowsPerSecond, seconds),
    insertSteadily(cloud.connection, table, firstIds[1], rowsPerSecond, seconds),
  ]);
}

async function cpuOf(pids: readonly number[]): Promise<number[]> {
  return Promise.all(pids.map((pid) => readProcessCpuMs(pid)));
}

/** Measures with fresh databases on both sides; `workers` overrides `sync.workers`. */
export async function measureBidirectionalLag(
  servers: SidePair,
  settings: LagSettings,
  workers?: number,
): Promise<LagFigures> {
  const local: Side = {
    name: 'local',
    server: servers.local,
    connection: await connect(servers.local),
    database: databases.local,
    firstId: 1,
  };
  const cloud: Side = {
    name: 'cloud',
    server: servers.cloud,
    connection: await connect(servers.cloud),
    database: databases.cloud,
    firstId: cloudFirstId,
  };
  const service = await ServiceProcess.spawn();
  try {
    await prepareSide(local);
    await prepareSide(cloud);
    await service.start({
      configDocument: pairConfig(
        servers,
        databases,
        'bidirectional',
        [{ name: table, settings: bidirectionalTableSettings }],
        workers === undefined ? {} : { workers },
      ),
      statusIntervalMs: 0,
    });
    const sides = [local, cloud] as const;
    const warmup = await insertOnBothSides(
      sides,
      [local.firstId, cloud.firstId],
      settings.rowsPerSecond,
      settings.warmupSeconds,
    );
    const measuredFirstIds = [
      nextIdAfter(warmup[0], local.firstId),
      nextIdAfter(warmup[1], cloud.firstId),
    ] as const;
    const pids = [service.pid, servers.local.pid ?? -1, servers.cloud.pid ?? -1];
    const cpuBefore = await cpuOf(pids);
    const startedAt = performance.now();
    const measured = await insertOnBothSides(
      sides,
      measuredFirstIds,
      settings.rowsPerSecond,
      settings.seconds,
    );
    const elapsedMs = performance.now() - startedAt;
    const lastIds = [
      nextIdAfter(measured[0], measuredFirstIds[0]) - 1,
      nextIdAfter(measured[1], measuredFirstIds[1]) - 1,
    ] as const;
    const arrived = await waitFor(
      async () =>
        (await rowsBetween(cloud, local.firstId, lastIds[0])) >= lastIds[0] - local.firstId + 1 &&
        (await rowsBetween(local, cloud.firstId, lastIds[1])) >= lastIds[1] - cloud.firstId + 1,
      60_000,
      100,
    );
    if (!arrived) console.log('  not every row reached the other side within 60 s');
    const cpuAfter = await cpuOf(pids);
    const cpuElapsedMs = performance.now() - startedAt;
    const [serviceCpu, localCpu, cloudCpu] = cpuAfter.map(
      (cpuMs, index) => ((cpuMs - (cpuBefore[index] ?? 0)) / cpuElapsedMs) * 100,
    );
    const binlogsAfter = [await binlogEnd(local.connection), await binlogEnd(cloud.connection)] as const;
    await sleep(echoWatchMs);
    const binlogGrowthAfter = {
      local: await binlogGrowth(local.connection, binlogsAfter[0]),
      cloud: await binlogGrowth(cloud.connection, binlogsAfter[1]),
    };
    const directions: DirectionLag[] = [];
    const directionSides: readonly (readonly [Side, Side])[] = [
      [local, cloud],
      [cloud, local],
    ];
    for (const [index, [source, target]] of directionSides.entries()) {
      const transactions = measured[index] ?? [];
      const clockOffset = await measureClockOffset(target.connection);
      const { lagsMs, missingRows } = await readRowLags(
        { connection: target.connection, database: target.database, table },
        transactions,
        clockOffset,
      );
      const rowCount = transactions.reduce((total, entry) => total + entry.lastId - entry.firstId + 1, 0);
      directions.push({
        source: source.name,
        target: target.name,
        rowsPerTransaction: (transactions[0]?.lastId ?? 0) - (transactions[0]?.firstId ?? 0) + 1,
        achievedRowsPerSecond: (rowCount / elapsedMs) * 1000,
        lagsMs,
        missingRows,
        clockOffset,
      });
    }
    const stopped = await service.stop();
    const comparison = await compareTable(
      { connection: local.connection, database: local.database },
      { connection: cloud.connection, database: cloud.database },
      table,
      { excludedColumns: [appliedAtColumn] },
    );
    return {
      settings,
      workers,
      directions,
      serviceCpuPercent: serviceCpu ?? Number.NaN,
      serverCpuPercent: { local: localCpu ?? Number.NaN, cloud: cloudCpu ?? Number.NaN },
      binlogGrowthAfter,
      conflicts: stopped.conflicts,
      retries: stopped.retries,
      comparison,
    };
  } finally {
    service.kill();
    await local.connection.end();
    await cloud.connection.end();
  }
}
