/**
 * A preview (dry run) and then the real run of one table, in the end-to-end tests: the preview's counts and sample
 * keys must be exactly what the run then reports.
 */
import { expect } from 'vitest';
import type { SyncManager } from '../../src/manager/index.js';
import type { RunProgress, TableChanges } from '../../src/status/index.js';
import type { SyncHistoryKind } from '../../src/store/index.js';

/** Runs a full sync (or its preview) of `table` to its end. */
export async function runToEnd(
  manager: SyncManager,
  table: string,
  request: { readonly dryRun?: boolean },
  kind: SyncHistoryKind = 'manual',
): Promise<RunProgress> {
  await manager.trigger({ tables: [table], ...request }, 'test', 'trace-preview', kind);
  await manager.idle();
  const run = manager.currentRun;
  if (run === null) throw new Error('the run left no progress');
  return run;
}

/** The table's changes in a run that compared it whole. */
export function changesOf(run: RunProgress, table: string): TableChanges {
  const progress = run.tables.find((candidate) => candidate.table === table);
  expect(progress?.state, JSON.stringify(progress)).toBe('done');
  if (progress === undefined) throw new Error(`no progress for ${table}`);
  return progress.changes;
}

/** No differing row of any kind. */
export const noDifferences: Omit<TableChanges, 'sampleKeys'> = {
  copied: { local: 0, cloud: 0 },
  deleted: { local: 0, cloud: 0 },
  changed: { local: 0, cloud: 0 },
  conflicts: 0,
  undecided: 0,
};

/**
 * A preview, then the run: both report `expected` (counts), with the same sample keys; the preview wrote nothing
 * (`snapshot` reads what a test checks of both sides). Resolves with the run's changes.
 */
export async function expectPreviewIsRun(
  manager: SyncManager,
  table: string,
  expected: Omit<TableChanges, 'sampleKeys'>,
  snapshot: () => Promise<unknown>,
  kind: SyncHistoryKind = 'manual',
): Promise<TableChanges> {
  const before = await snapshot();
  const preview = await runToEnd(manager, table, { dryRun: true }, kind);
  expect(preview.dryRun).toBe(true);
  const { sampleKeys: previewSamples, ...previewCounts } = changesOf(preview, table);
  expect(previewCounts, 'the preview').toEqual(expected);
  expect(await snapshot(), 'the preview wrote nothing').toEqual(before);
  const run = await runToEnd(manager, table, {}, kind);
  const changes = changesOf(run, table);
  const { sampleKeys: runSamples, ...runCounts } = changes;
  expect(runCounts, 'the run').toEqual(expected);
  expect(runSamples, 'the sample keys').toEqual(previewSamples);
  return changes;
}
