/** The configuration document (config.yaml's snake_case keys) a benchmark hands to core-sync. */
import type { SandboxServer } from '../../services/core-sync/src/sandbox/index.js';

export interface BenchConfigOptions {
  readonly source: SandboxServer;
  readonly sourceDatabase: string;
  readonly target: SandboxServer;
  readonly targetDatabase: string;
  readonly tables: readonly {
    readonly name: string;
    readonly primaryKey?: string;
    /** More keys of the table's entry (config.yaml names), e.g. `conflict_resolution`. */
    readonly settings?: Record<string, unknown>;
  }[];
  /** Overrides of the `sync` section (defaults are the service's own defaults). */
  readonly sync?: Record<string, unknown>;
}

function databaseSection(server: SandboxServer, database: string): Record<string, unknown> {
  const { host, port, user, password } = server.connectionInfo;
  return { host, port, user, password, database };
}

/**
 * Overrides of the `sync` section for every benchmark from `BENCH_SYNC_SETTINGS` (a JSON object with config.yaml
 * keys, e.g. `{"queue_capacity": 4000}`), to try settings without editing the scripts; reports list them.
 */
export function environmentSyncSettings(): Record<string, unknown> {
  const text = process.env.BENCH_SYNC_SETTINGS;
  if (text === undefined || text.trim() === '') return {};
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('BENCH_SYNC_SETTINGS must be a JSON object of sync settings');
  }
  return parsed as Record<string, unknown>;
}

export function benchConfigDocument(options: BenchConfigOptions): Record<string, unknown> {
  return {
    databases: {
      local: databaseSection(options.source, options.sourceDatabase),
      cloud: databaseSection(options.target, options.targetDatabase),
    },
    sync: {
      mode: 'local_to_cloud',
      tables: options.tables.map((table) => ({
        name: table.name,
        primary_key: table.primaryKey ?? 'id',
        ...table.settings,
      })),
      ...options.sync,
      ...environmentSyncSettings(),
    },
    server: { host: '127.0.0.1', port: 0 },
    logging: { level: 'warn' },
  };
}

/** The sync settings that differ from the defaults, for the report. */
export function describeSyncSettings(sync: Record<string, unknown> | undefined): string {
  const entries = Object.entries(sync ?? {});
  return entries.length === 0
    ? 'service defaults'
    : entries.map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(', ');
}
