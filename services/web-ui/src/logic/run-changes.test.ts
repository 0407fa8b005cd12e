import { describe, expect, it } from 'vitest';
import { differingTables, runProgress, tableChanges, tableProgress } from '../test-support/run-fixtures';
import {
  categoryWording,
  changeCategories,
  changeLines,
  differingRows,
  sideBreakdown,
  summarizeRunChanges,
} from './run-changes';

describe('a run’s changes, summarized', () => {
  it('totals every category over the tables, by side, and keeps only the tables that differ', () => {
    const summary = summarizeRunChanges(runProgress(differingTables()));
    expect(
      summary.totals.map((line) => [line.category, line.count, line.bySide?.map((part) => part.count)]),
    ).toEqual([
      ['copied', 5, [2, 3]],
      ['deleted', 1, [0, 1]],
      ['changed', 1, [1, 0]],
      ['conflicts', 1, undefined],
      ['undecided', 12, undefined],
    ]);
    expect(summary.total).toBe(20);
    expect(summary.tables.map((table) => [table.table, table.total])).toEqual([
      ['orders', 19],
      ['items', 1],
    ]);
    expect(summary.equalTables).toEqual(['extras']);
  });

  it('lists only the decisions a table had, each with its sample keys', () => {
    const [orders] = summarizeRunChanges(runProgress(differingTables())).tables;
    expect(orders?.lines.map((line) => [line.category, line.count, line.sampleKeys.length])).toEqual([
      ['copied', 5, 5],
      ['deleted', 1, 1],
      ['changed', 1, 1],
      ['undecided', 12, 10],
    ]);
  });

  it('calls a table equal only once it was compared whole', () => {
    const summary = summarizeRunChanges(
      runProgress([
        tableProgress('pending', { state: 'pending' }),
        tableProgress('comparing', { state: 'comparing' }),
        tableProgress('failed', { state: 'failed' }),
        tableProgress('done'),
      ]),
    );
    expect(summary.equalTables).toEqual(['done']);
    expect(summary.tables).toEqual([]);
    expect(summary.totals.every((line) => line.count === 0)).toBe(true);
  });

  it('gives every category in the API’s order, zeros included', () => {
    expect(changeLines(tableChanges()).map((line) => [line.category, line.count])).toEqual(
      changeCategories.map((category) => [category, 0]),
    );
    expect(differingRows(tableChanges({ copied: { local: 1, cloud: 2 }, undecided: 4 }))).toBe(7);
  });
});

describe('the words for a decision', () => {
  it('says what a preview would do and what a run did', () => {
    expect(changeCategories.map((category) => categoryWording(category, true).title)).toEqual([
      'Would copy',
      'Would delete',
      'Would change',
      'Would list as conflicts',
      'Would leave undecided',
    ]);
    expect(changeCategories.map((category) => categoryWording(category, false).title)).toEqual([
      'Copied',
      'Deleted',
      'Changed',
      'Listed as conflicts',
      'Left undecided',
    ]);
  });

  it('splits by side, leaving zero sides out and the count when all rows went one way', () => {
    const [copied, deleted, changed, conflicts] = changeLines(
      tableChanges({
        copied: { local: 2, cloud: 1_500 },
        deleted: { local: 0, cloud: 1 },
        changed: { local: 4, cloud: 0 },
        conflicts: 3,
      }),
    );
    const breakdown = (line: typeof copied): string =>
      line === undefined ? 'missing' : sideBreakdown(line, categoryWording(line.category, false));
    expect([breakdown(copied), breakdown(deleted), breakdown(changed), breakdown(conflicts)]).toEqual([
      'to local 2 · to cloud 1,500',
      'on cloud',
      'local wins',
      '',
    ]);
  });
});
