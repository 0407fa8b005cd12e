import type { RunProgress, TableProgress } from '../api/types';

type TableChanges = TableProgress['changes'];

/** A table's changes with no differing rows, with `overrides` on top (tests only). */
export function tableChanges(overrides: Partial<TableChanges> = {}): TableChanges {
  return {
    copied: { local: 0, cloud: 0 },
    deleted: { local: 0, cloud: 0 },
    changed: { local: 0, cloud: 0 },
    conflicts: 0,
    undecided: 0,
    sampleKeys: { copied: [], deleted: [], changed: [], conflicts: [], undecided: [] },
    ...overrides,
  };
}

/** A table compared whole, with `overrides` on top (tests only). */
export function tableProgress(table: string, overrides: Partial<TableProgress> = {}): TableProgress {
  return {
    table,
    state: 'done',
    chunksTotal: 4,
    chunksCompared: 4,
    rowsTotal: 1000,
    rowsCompared: 1000,
    rowsChanged: 0,
    conflicts: 0,
    changes: tableChanges(),
    error: null,
    ...overrides,
  };
}

/** A completed manual run of `tables`, with `overrides` on top (tests only). */
export function runProgress(tables: TableProgress[], overrides: Partial<RunProgress> = {}): RunProgress {
  return {
    runId: 'run-1',
    kind: 'manual',
    dryRun: false,
    pendingChanges: null,
    state: 'completed',
    direction: 'bidirectional',
    startedAt: '2025-01-02T03:04:05.000Z',
    finishedAt: '2025-01-02T03:04:15.000Z',
    tables,
    rowsTotal: tables.reduce((sum, table) => sum + table.rowsTotal, 0),
    rowsCompared: tables.reduce((sum, table) => sum + table.rowsCompared, 0),
    rowsChanged: tables.reduce((sum, table) => sum + table.rowsChanged, 0),
    conflicts: tables.reduce((sum, table) => sum + table.conflicts, 0),
    percent: 100,
    rowsPerSecond: 200,
    etaSeconds: null,
    error: null,
    traceId: 'trace-1',
    ...overrides,
  };
}

/**
 * Two tables that differ and one that does not: `orders` with rows copied both ways, one deleted on cloud, one
 * changed with local's version and 12 undecided (10 sample keys); `items` with a conflict; `extras` equal.
 */
export function differingTables(): TableProgress[] {
  return [
    tableProgress('orders', {
      changes: tableChanges({
        copied: { local: 2, cloud: 3 },
        deleted: { local: 0, cloud: 1 },
        changed: { local: 1, cloud: 0 },
        undecided: 12,
        sampleKeys: {
          copied: ['{"id":1}', '{"id":2}', '{"id":3}', '{"id":4}', '{"id":5}'],
          deleted: ['{"id":6}'],
          changed: ['{"id":7}'],
          conflicts: [],
          undecided: Array.from({ length: 10 }, (_unused, index) => `{"id":${100 + index}}`),
        },
      }),
    }),
    tableProgress('items', {
      changes: tableChanges({
        conflicts: 1,
        sampleKeys: { copied: [], deleted: [], changed: [], conflicts: ['{"id":1}'], undecided: [] },
      }),
    }),
    tableProgress('extras'),
  ];
}
