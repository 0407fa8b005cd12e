/** The sysbench-bidirectional benchmark's settings, names and conflict settings, shared by its modules. */
import type { SysbenchWorkload } from '../support/sysbench.js';

export type ConflictStrategyName = 'source_priority' | 'last_write_wins';
export const conflictStrategyNames: readonly ConflictStrategyName[] = ['source_priority', 'last_write_wins'];

export interface Settings {
  readonly seconds: number;
  readonly tableSize: number;
  /** sysbench threads on each side. */
  readonly threads: number;
  readonly tables: number;
  /** sysbench transactions/s on each side (`--rate`), one set of runs each; 0: as fast as each side can. */
  readonly rates: readonly number[];
  readonly workload: SysbenchWorkload;
  /** One run per strategy at each rate, in this order. */
  readonly strategies: readonly ConflictStrategyName[];
}

/** What one run varies. */
export interface RunPlan {
  readonly strategy: ConflictStrategyName;
  /** sysbench `--rate` on each side; 0: none. */
  readonly rate: number;
}

export const sides = ['local', 'cloud'] as const;
export type Side = (typeof sides)[number];

export const databases: Readonly<Record<Side, string>> = { local: 'sbtest_local', cloud: 'sbtest_cloud' };
/** sysbench `--rand-seed` of each side: different streams of rows and values (0 would seed both from the clock). */
export const randomSeeds: Readonly<Record<Side, number>> = { local: 1, cloud: 2 };
export const heartbeatTable = 'bench_heartbeat';
/** Heartbeats written on local take ids from 1 up, those written on cloud from here up. */
export const heartbeatFirstIds: Readonly<Record<Side, number>> = { local: 1, cloud: 1_000_000_001 };
/** The column last_write_wins compares: added to every sysbench table on local before the copy. */
export const timestampColumn = 'updated_at';
/** The side that wins source_priority conflicts, and last_write_wins ties. */
export const preferredSide: Side = 'local';

export function sysbenchTables(settings: Pick<Settings, 'tables'>): string[] {
  return Array.from({ length: settings.tables }, (_, index) => `sbtest${index + 1}`);
}

export function otherSide(side: Side): Side {
  return side === 'local' ? 'cloud' : 'local';
}

/** A sysbench table's entry settings (config.yaml keys) under `strategy`. */
export function tableConflictSettings(strategy: ConflictStrategyName): Record<string, unknown> {
  switch (strategy) {
    case 'source_priority':
      return { conflict_resolution: 'source_priority', prefer: preferredSide };
    case 'last_write_wins':
      return {
        conflict_resolution: 'last_write_wins',
        timestamp_column: timestampColumn,
        tie_breaker: preferredSide,
      };
  }
}
