/**
 * The measured side: one adoption of the identical tables by a fresh service child, composed as main.ts composes
 * it (event bus, metrics, SyncManager, HTTP API), in `sync.mode: bidirectional` with no checkpoint on either side,
 * so its start adopts every table (both directions stream from the current positions and mark the tables
 * `marker:adopting:<table>`). The benchmark then starts the adoption run, as the scheduler does right after the
 * start (`SyncManager.trigger()` of the adopting tables, kind `adoption`), and waits for its end. Afterwards: the
 * API's status (no table left adopting, rows the streams applied), the service stopped, and both binlogs read
 * back from where they ended before the start.
 */
import type { SandboxServer } from '../../services/core-sync/src/sandbox/index.js';
import type { Connection } from '../../services/core-sync/src/mysql/index.js';
import type { ServiceStatus, TableProgress } from '../../services/core-sync/src/status/index.js';
import { checkpointTableName } from '../../services/core-sync/src/target/index.js';
import { measureFullSync, benchApiToken } from '../support/full-sync-measure.js';
import { CpuMeter } from '../support/process-cpu.js';
import { benchConfigDocument } from '../support/service-config.js';
import { ServiceProcess } from '../support/service-process.js';
import { binlogWritesSince, markBinlog, type BinlogWrites } from './binlog-writes.js';
import { adoptionDatabase, benchTables } from './tables.js';

/** Every table's strategy: never asked on identical tables (the default strategy; it needs `prefer` here). */
const conflictSettings = { conflict_resolution: 'source_priority', prefer: 'local' } as const;

export interface Sides<Value> {
  readonly local: Value;
  readonly cloud: Value;
}

export interface AdoptionRun {
  /** `SyncService.start()`: checks, both directions prepared, the tables marked, both streams started. */
  readonly startUpMs: number;
  /** From `SyncManager.trigger()` until `idle()` resolved (the run's end recorded in the history). */
  readonly runMs: number;
  /**
   * The run's own clock, from its start to its end state (its progress's startedAt to finishedAt): the row estimates
   * and the walk of every table. The rest of `runMs` came after: the adoption marks removed on both sides, the
   * history entry completed, the last events.
   */
  readonly compareMs: number;
  /** What the start left to adopt (all the tables, or the service did not adopt them). */
  readonly adoptingAtStart: readonly string[];
  /** What the API's status lists as adopting after the run (nothing, once the run settled them). */
  readonly adoptingAfter: readonly string[];
  readonly rowsCompared: number;
  readonly rowsChanged: number;
  readonly chunks: number;
  readonly tables: readonly TableProgress[];
  /** Rows the two streams applied from the start to the stop (the other side's writes; none here). */
  readonly rowsAppliedByStreams: number;
  readonly conflicts: Readonly<Record<string, number>>;
  readonly retries: Readonly<Record<string, number>>;
  /** Percent of one core, over the start-up and over the run: service, local, cloud, bench. */
  readonly startUpCpuPercent: Readonly<Record<string, number>>;
  readonly runCpuPercent: Readonly<Record<string, number>>;
  /** The child's peak RSS during the run (VmHWM reset just before it). */
  readonly runPeakRssKib: number;
  readonly binlogWrites: Sides<BinlogWrites>;
}

/** The service's configuration: `tableNames` of the benchmark's tables, bidirectional, defaults otherwise. */
export function adoptionConfigDocument(
  servers: Sides<SandboxServer>,
  tableNames: readonly string[],
): Record<string, unknown> {
  return benchConfigDocument({
    source: servers.local,
    sourceDatabase: adoptionDatabase,
    target: servers.cloud,
    targetDatabase: adoptionDatabase,
    tables: benchTables
      .filter((table) => tableNames.includes(table.name))
      .map((table) => ({
        name: table.name,
        primaryKey: table.primaryKey,
        settings: conflictSettings,
      })),
    sync: { mode: 'bidirectional' },
  });
}

/**
 * Removes the service's bookkeeping from both sides with the binlog off (nothing streams it): the checkpoint
 * table, with every position and mark. The next start then finds no checkpoint and adopts the tables again.
 */
export async function removeBookkeeping(connections: Sides<Connection>): Promise<void> {
  for (const connection of [connections.local, connections.cloud]) {
    await connection.query('SET SESSION sql_log_bin = 0');
    try {
      await connection.query(`DROP TABLE IF EXISTS \`${adoptionDatabase}\`.\`${checkpointTableName}\``);
    } finally {
      await connection.query('SET SESSION sql_log_bin = 1');
    }
  }
}

type ApiStatus = Pick<ServiceStatus, 'directions' | 'adoptingTables'>;

async function apiStatus(apiPort: number): Promise<ApiStatus> {
  const response = await fetch(`http://127.0.0.1:${apiPort}/api/v1/sync/status`, {
    headers: { authorization: `Bearer ${benchApiToken}` },
  });
  if (!response.ok) throw new Error(`GET /api/v1/sync/status answered ${response.status}`);
  return (await response.json()) as ApiStatus;
}

/** One adoption of `tableNames` (the service configured with those tables only) by a fresh child. */
export async function runAdoption(
  servers: Sides<SandboxServer>,
  connections: Sides<Connection>,
  tableNames: readonly string[],
): Promise<AdoptionRun> {
  await removeBookkeeping(connections);
  const marks = { local: await markBinlog(connections.local), cloud: await markBinlog(connections.cloud) };
  const service = await ServiceProcess.spawn();
  try {
    const startUpMeter = await CpuMeter.start({
      service: service.pid,
      local: servers.local.pid ?? -1,
      cloud: servers.cloud.pid ?? -1,
    });
    const started = await service.start({
      configDocument: adoptionConfigDocument(servers, tableNames),
      statusIntervalMs: 0,
      composition: { apiToken: benchApiToken },
    });
    const startUpCpuPercent = (await startUpMeter.read()).percents;
    if (started.apiPort === undefined) throw new Error('the service child did not report its API port');
    const adoptingAtStart = started.status.adoptingTables ?? [];
    if (adoptingAtStart.length === 0) {
      throw new Error('the service started without adopting any table: were the checkpoints left behind?');
    }
    const measured = await measureFullSync(
      service,
      { source: servers.local, target: servers.cloud },
      adoptingAtStart,
      'adoption',
    );
    const after = await apiStatus(started.apiPort);
    const stopped = await service.stop();
    const { progress } = measured;
    return {
      startUpMs: started.startDurationMs,
      runMs: measured.durationMs,
      compareMs:
        progress.finishedAt === null
          ? Number.NaN
          : Date.parse(progress.finishedAt) - Date.parse(progress.startedAt),
      adoptingAtStart,
      adoptingAfter: after.adoptingTables ?? [],
      rowsCompared: progress.rowsCompared,
      rowsChanged: progress.rowsChanged,
      chunks: progress.tables.reduce((total, table) => total + table.chunksCompared, 0),
      tables: progress.tables,
      rowsAppliedByStreams: after.directions.reduce((total, direction) => total + direction.rowsApplied, 0),
      conflicts: stopped.conflicts,
      retries: stopped.retries,
      startUpCpuPercent,
      runCpuPercent: renameSides(measured.cpuPercent),
      runPeakRssKib: measured.peakRssKib,
      binlogWrites: {
        local: await binlogWritesSince(connections.local, marks.local),
        cloud: await binlogWritesSince(connections.cloud, marks.cloud),
      },
    };
  } finally {
    service.kill();
  }
}

/** measureFullSync names the servers source and target: here they are local and cloud. */
function renameSides(cpuPercent: Readonly<Record<string, number>>): Record<string, number> {
  const names: Record<string, string> = { source: 'local', target: 'cloud' };
  return Object.fromEntries(Object.entries(cpuPercent).map(([name, value]) => [names[name] ?? name, value]));
}

/** The table's changes, all zero on identical tables: copied, deleted and changed by side, conflicts, undecided. */
export function changedRowCount(table: TableProgress): number {
  const { changes } = table;
  return (
    changes.copied.local +
    changes.copied.cloud +
    changes.deleted.local +
    changes.deleted.cloud +
    changes.changed.local +
    changes.changed.cloud +
    changes.conflicts +
    changes.undecided
  );
}
