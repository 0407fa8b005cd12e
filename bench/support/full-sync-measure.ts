/**
 * One full sync through the service child's SyncManager, measured from the benchmark: its duration (from the
 * child's `trigger()` call until `idle()` resolved), the CPU of the child and of both servers over it, and the
 * child's peak RSS during it (VmHWM reset just before). Shared by the full-sync, many-tables and sse-clients
 * benchmarks; the child must have been started with `composition`.
 */
import type { SandboxServer } from '../../services/core-sync/src/sandbox/index.js';
import { CpuMeter } from './process-cpu.js';
import type { ServiceProcess } from './service-process.js';
import { environmentSyncSettings } from './service-config.js';
import type { RunProgress } from '../../services/core-sync/src/status/index.js';
import type { SyncHistoryKind } from '../../services/core-sync/src/store/index.js';

export interface FullSyncMeasurement {
  readonly durationMs: number;
  /** Percent of one core over the run: `service` (the child), `source`, `target` and `bench` (this process). */
  readonly cpuPercent: Readonly<Record<string, number>>;
  /** The child's peak RSS during the run. */
  readonly peakRssKib: number;
  /** The child's RSS when the run started (what the peak started from: the heap is not given back at once). */
  readonly rssAtStartKib: number;
  readonly progress: RunProgress;
  readonly publicEvents: Readonly<Record<string, number>>;
}

/** A fixed admin token for the child's API (its API listens on 127.0.0.1 only, for the benchmark's lifetime). */
export const benchApiToken = 'bench-api-token-0123456789abcdef0123456789abcdef';

/** The chunk size and table concurrency the service's full sync uses: its defaults unless BENCH_SYNC_SETTINGS sets them. */
export function fullSyncSettings(sync: Record<string, unknown> = {}): {
  chunkSize: number;
  concurrency: number;
} {
  const settings = { ...sync, ...environmentSyncSettings() };
  return {
    chunkSize: Number(settings.snapshot_chunk_size ?? 1_000),
    concurrency: Number(settings.snapshot_concurrency ?? 4),
  };
}

export async function measureFullSync(
  service: ServiceProcess,
  servers: { readonly source: SandboxServer; readonly target: SandboxServer },
  tables?: readonly string[],
  runKind?: SyncHistoryKind,
): Promise<FullSyncMeasurement> {
  await service.resetPeakRss();
  const rssAtStartKib = (await service.memory()).rssKib;
  const meter = await CpuMeter.start({
    service: service.pid,
    source: servers.source.pid ?? -1,
    target: servers.target.pid ?? -1,
  });
  const result = await service.fullSync({
    ...(tables === undefined ? {} : { tables }),
    ...(runKind === undefined ? {} : { runKind }),
  });
  const { percents } = await meter.read();
  const memory = await service.memory();
  const { progress } = result;
  if (progress.state !== 'completed') {
    throw new Error(
      `the full sync ended ${progress.state}: ${progress.error?.message ?? 'no error given'} ` +
        `(tables: ${progress.tables.map((table) => `${table.table} ${table.state}${table.error === null ? '' : ` ${table.error}`}`).join(', ')})`,
    );
  }
  return {
    durationMs: result.elapsedMs,
    cpuPercent: percents,
    peakRssKib: memory.peakRssKib,
    rssAtStartKib,
    progress,
    publicEvents: result.publicEvents,
  };
}
