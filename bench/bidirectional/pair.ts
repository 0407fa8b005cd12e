/** The two servers of the bidirectional benchmark, named as the service names them, and its configuration. */
import type { SandboxServer } from '../../services/core-sync/src/sandbox/index.js';
import { benchConfigDocument, type BenchConfigOptions } from '../support/service-config.js';

export interface SidePair {
  readonly local: SandboxServer;
  readonly cloud: SandboxServer;
}

export type SyncMode = 'local_to_cloud' | 'bidirectional';

/**
 * The orders table's conflict settings in bidirectional mode. The benchmark's loads never change a row on both
 * sides, so the strategy is never asked; `source_priority` is the default strategy (it needs `prefer` here).
 */
export const bidirectionalTableSettings = {
  conflict_resolution: 'source_priority',
  prefer: 'local',
} as const;

/** The service's configuration for `servers` (local and cloud) and their databases, in `mode`. */
export function pairConfig(
  servers: SidePair,
  databases: { readonly local: string; readonly cloud: string },
  mode: SyncMode,
  tables: BenchConfigOptions['tables'],
  syncSettings: Record<string, unknown> = {},
): Record<string, unknown> {
  return benchConfigDocument({
    source: servers.local,
    sourceDatabase: databases.local,
    target: servers.cloud,
    targetDatabase: databases.cloud,
    tables,
    sync: { mode, ...syncSettings },
  });
}
