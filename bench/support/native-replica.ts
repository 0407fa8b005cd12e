/**
 * MariaDB's own replication as a contender in the same run: a replica server that holds what the target held
 * before the changes, pointed at the source's binlog position from that moment, then started and timed until its
 * SQL thread has executed everything the source wrote. Single-threaded (`slave_parallel_threads = 0`) or in
 * parallel (`slave_parallel_threads = N`, `slave_parallel_mode = optimistic`). The replica's settings are the
 * benchmark servers' own (binlog on, `innodb_flush_log_at_trx_commit = 2`, `sync_binlog = 0`), as the target's.
 */
import { columnText, type Connection } from '../../services/core-sync/src/mysql/index.js';
import type { SandboxServer } from '../../services/core-sync/src/sandbox/index.js';
import { readProcessCpuMs } from './process-cpu.js';
import { connect, queryRows, startServer } from './servers.js';
import { formatCount, formatSeconds, sleep } from './stats.js';
import { compareTable, describeComparison, type TableComparison, type TableSide } from './table-compare.js';

export interface NativeReplicaSettings {
  /** How the report names it. */
  readonly label: string;
  /** `slave_parallel_threads`: 0 applies in the SQL thread itself. */
  readonly parallelThreads: number;
}

export interface BinlogCoordinates {
  readonly file: string;
  readonly offset: number;
}

export interface NativeCatchUp {
  readonly label: string;
  readonly caughtUpMs: number;
  readonly cpuPercent: number;
}

/** Where the source's binlog ends now. */
export async function sourceCoordinates(source: Connection): Promise<BinlogCoordinates> {
  const [status] = await queryRows(source, 'SHOW MASTER STATUS');
  if (status === undefined) throw new Error('the source has no binlog (SHOW MASTER STATUS is empty)');
  return { file: String(status.File), offset: Number(status.Position) };
}

/**
 * Makes `replica` hold what `seed` writes (the target's state before the changes, written on the replica itself)
 * and points it at `from` on `source`, stopped, with `settings`.
 */
export async function prepareReplica(
  replica: SandboxServer,
  source: SandboxServer,
  from: BinlogCoordinates,
  settings: NativeReplicaSettings,
  seed: (connection: Connection) => Promise<void>,
): Promise<void> {
  const connection = await connect(replica);
  try {
    await connection.query('STOP SLAVE');
    await connection.query('RESET SLAVE ALL');
    await seed(connection);
    await connection.query(
      'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
        'MASTER_LOG_FILE = ?, MASTER_LOG_POS = ?, MASTER_USE_GTID = no',
      [
        source.connectionInfo.host,
        source.connectionInfo.port,
        source.connectionInfo.user,
        source.connectionInfo.password,
        from.file,
        from.offset,
      ],
    );
    await connection.query('SET GLOBAL slave_parallel_threads = ?', [settings.parallelThreads]);
    await connection.query("SET GLOBAL slave_parallel_mode = 'optimistic'");
  } finally {
    await connection.end();
  }
}

/** Starts the replica and waits until it has executed the source's binlog up to `until`; times it. */
export async function replicaCatchUp(
  replica: SandboxServer,
  until: BinlogCoordinates,
  settings: NativeReplicaSettings,
  timeoutMs = 900_000,
): Promise<NativeCatchUp> {
  const connection = await connect(replica);
  try {
    const cpuBefore = await readProcessCpuMs(replica.pid ?? -1);
    const startedAt = performance.now();
    await connection.query('START SLAVE');
    for (;;) {
      const [status] = await queryRows(connection, 'SHOW SLAVE STATUS');
      if (status === undefined)
        throw new Error(`${settings.label}: the replica has no replication configured`);
      const lastError = columnText(status.Last_SQL_Error ?? '') || columnText(status.Last_IO_Error ?? '');
      if (lastError !== '') throw new Error(`${settings.label}: the replica stopped: ${lastError}`);
      const executedFile = String(status.Relay_Master_Log_File);
      const executedOffset = Number(status.Exec_Master_Log_Pos);
      if (executedFile > until.file || (executedFile === until.file && executedOffset >= until.offset)) break;
      if (performance.now() - startedAt > timeoutMs) {
        throw new Error(
          `${settings.label}: not caught up within ${timeoutMs / 1000} s (at ${executedFile}:${executedOffset})`,
        );
      }
      await sleep(10);
    }
    const caughtUpMs = performance.now() - startedAt;
    const cpuMs = (await readProcessCpuMs(replica.pid ?? -1)) - cpuBefore;
    await connection.query('STOP SLAVE');
    return { label: settings.label, caughtUpMs, cpuPercent: (cpuMs / caughtUpMs) * 100 };
  } finally {
    await connection.end();
  }
}

export interface NativeFigures extends NativeCatchUp {
  readonly comparison: TableComparison;
}

/** The contenders from MariaDB itself: its replication, single-threaded and in parallel. */
export const nativeContenders: readonly NativeReplicaSettings[] = [
  { label: 'MariaDB replica, single-threaded', parallelThreads: 0 },
  { label: 'MariaDB replica, 4 threads (optimistic)', parallelThreads: 4 },
];

/** A replica server for each native contender, started once per server pair. */
export async function startReplicas(enabled: boolean): Promise<SandboxServer[]> {
  if (!enabled) return [];
  return Promise.all(
    nativeContenders.map((_, index) => startServer(`bench-catch-up-replica-${index + 1}`, 103 + index)),
  );
}

/** Each native contender applies the same changes, in turn, after core-sync; its table is compared with the source's. */
export async function nativeCatchUps(
  source: TableSide,
  replicas: readonly SandboxServer[],
  table: string,
  totalChanges: number,
): Promise<NativeFigures[]> {
  const sourceConnection = source.connection;
  const sourceDatabase = source.database;
  const until = await sourceCoordinates(sourceConnection);
  const figures: NativeFigures[] = [];
  for (const [index, replica] of replicas.entries()) {
    const settings = nativeContenders[index] as NativeReplicaSettings;
    const caughtUp = await replicaCatchUp(replica, until, settings);
    const replicaConnection = await connect(replica);
    try {
      const comparison = await compareTable(
        { connection: sourceConnection, database: sourceDatabase },
        { connection: replicaConnection, database: sourceDatabase },
        table,
      );
      console.log(
        `  ${settings.label}: caught up in ${formatSeconds(caughtUp.caughtUpMs)} s, ` +
          `${formatCount((totalChanges / caughtUp.caughtUpMs) * 1000)} rows/s, replica CPU ${caughtUp.cpuPercent.toFixed(0)} %; ` +
          describeComparison(comparison),
      );
      figures.push({ ...caughtUp, comparison });
    } finally {
      await replicaConnection.end();
    }
  }
  return figures;
}
