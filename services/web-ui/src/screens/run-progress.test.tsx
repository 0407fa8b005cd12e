import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunProgress } from '../api/types';
import { differingTables, runProgress, tableChanges, tableProgress } from '../test-support/run-fixtures';
import { RunProgressView } from './run-progress';

const now = Date.parse('2025-01-02T03:05:00.000Z');

function renderRun(run: RunProgress): HTMLElement {
  render(<RunProgressView run={run} now={now} />);
  return screen.getByTestId('run-progress');
}

/** Each total as `title: figure`, and whether it is dimmed (a zero). */
function totals(): string[][] {
  const figures = within(screen.getByTestId('change-totals')).getAllByRole('definition');
  return figures.map((figure) => {
    const entry = figure.parentElement;
    return [
      entry?.querySelector('dt')?.textContent ?? '',
      figure.textContent,
      entry?.classList.contains('zero') ? 'dimmed' : 'shown',
    ];
  });
}

/** Each line of a table's changes as its text, sample keys left out. */
function tableLines(table: string): string[] {
  return within(screen.getByTestId(`changes-${table}`))
    .getAllByRole('listitem')
    .filter((item) => item.hasAttribute('data-category'))
    .map((item) => {
      const copy = item.cloneNode(true) as HTMLElement;
      copy.querySelector('details')?.remove();
      return copy.textContent;
    });
}

afterEach(cleanup);

describe('a run’s changes', () => {
  it('labels a dry run a preview that wrote nothing, with what it would do, totals first', () => {
    const view = renderRun(runProgress(differingTables(), { dryRun: true, rowsChanged: 0, conflicts: 0 }));
    expect(view.getAttribute('data-dry-run')).toBe('true');
    expect(within(view).getByText('preview')).toBeTruthy();
    expect(view.querySelector('.run-head')?.textContent).toMatch(
      /^completedpreviewmanual sync, bidirectional, started /,
    );
    const changes = screen.getByTestId('run-changes');
    expect(within(changes).getByRole('heading').textContent).toBe('Preview — nothing was written');
    // The figure above the table counts the rows that differ, not rows written (none).
    expect(within(view).getByText('Rows that differ').nextSibling?.textContent).toBe('20');
    expect(totals()).toEqual([
      ['Would copy', '5 (to local 2 · to cloud 3)', 'shown'],
      ['Would delete', '1 (on cloud)', 'shown'],
      ['Would change', '1 (local wins)', 'shown'],
      ['Would list as conflicts', '1', 'shown'],
      ['Would leave undecided', '12', 'shown'],
    ]);
    expect(tableLines('orders')).toEqual([
      'Would copy 5 (to local 2 · to cloud 3)',
      'Would delete 1 (on cloud)',
      'Would change 1 (local wins)',
      'Would leave undecided 12',
    ]);
    expect(tableLines('items')).toEqual(['Would list as conflicts 1']);
    expect(screen.getByTestId('changes-orders').querySelector('.table-changes-head')?.textContent).toBe(
      'orders 19 differing rows',
    );
    expect(screen.getByTestId('changes-items').querySelector('.table-changes-head')?.textContent).toBe(
      'items 1 differing row',
    );
    // Nothing was listed yet: no link to the conflicts.
    expect(within(changes).queryByRole('link')).toBeNull();
    expect(screen.getByTestId('equal-tables').textContent).toBe('Equal on both sides: extras');
  });

  it('shows the sample keys of a decision behind a summary that says how many there are', () => {
    renderRun(runProgress(differingTables(), { dryRun: true }));
    const undecided = screen
      .getByTestId('changes-orders')
      .querySelector('[data-category="undecided"] details');
    if (!(undecided instanceof HTMLElement)) throw new Error('no sample keys for the undecided rows');
    expect(undecided.hasAttribute('open')).toBe(false);
    expect(undecided.querySelector('summary')?.textContent).toBe('keys (first 10 of 12)');
    expect(
      within(undecided)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(Array.from({ length: 10 }, (_unused, index) => `{"id":${100 + index}}`));
    const changed = screen.getByTestId('changes-orders').querySelector('[data-category="changed"] summary');
    expect(changed?.textContent).toBe('key');
  });

  it('shows what a real run did, zeros dimmed, and links what it listed to the conflicts', () => {
    const tables = [
      tableProgress('items', {
        rowsChanged: 4,
        changes: tableChanges({
          copied: { local: 0, cloud: 4 },
          undecided: 2,
          sampleKeys: {
            copied: ['{"id":1}', '{"id":2}', '{"id":3}', '{"id":4}'],
            deleted: [],
            changed: [],
            conflicts: [],
            undecided: ['{"id":8}', '{"id":9}'],
          },
        }),
      }),
    ];
    const view = renderRun(runProgress(tables));
    expect(view.getAttribute('data-dry-run')).toBe('false');
    expect(within(view).queryByText('preview')).toBeNull();
    expect(within(screen.getByTestId('run-changes')).getByRole('heading').textContent).toBe(
      'What the run did',
    );
    expect(within(view).getByText('Rows changed').nextSibling?.textContent).toBe('4');
    expect(totals()).toEqual([
      ['Copied', '4 (to cloud)', 'shown'],
      ['Deleted', '0', 'dimmed'],
      ['Changed', '0', 'dimmed'],
      ['Listed as conflicts', '0', 'dimmed'],
      ['Left undecided', '2', 'shown'],
    ]);
    expect(tableLines('items')).toEqual(['Copied 4 (to cloud)', 'Left undecided 2 (resolve them)']);
    expect(within(screen.getByTestId('changes-items')).getByRole('link').getAttribute('href')).toBe(
      '#/conflicts',
    );
  });

  it('says how many changes a preview without streaming has not applied, which its figures include', () => {
    renderRun(runProgress(differingTables(), { dryRun: true, pendingChanges: { local: 10, cloud: 1 } }));
    expect(screen.getByTestId('pending-changes').textContent).toBe(
      'Not applied yet: 10 changes on local and 1 on cloud since the last run. A real run applies them first, from ' +
        'the binlogs; the figures below count the rows as they are now, so they include what those changes would ' +
        'carry over, and the real run will report that much less.',
    );
    cleanup();
    renderRun(runProgress(differingTables(), { dryRun: false, pendingChanges: null }));
    expect(screen.queryByTestId('pending-changes')).toBeNull();
  });

  it('says so when no row differs, and while the run is still comparing', () => {
    renderRun(runProgress([tableProgress('items')], { dryRun: true }));
    expect(screen.getByTestId('no-changes').textContent).toBe(
      'No rows differ: a full sync would write nothing.',
    );
    cleanup();
    renderRun(
      runProgress([tableProgress('items', { state: 'comparing' })], { state: 'running', finishedAt: null }),
    );
    expect(within(screen.getByTestId('run-changes')).getByRole('heading').textContent).toBe(
      'What the run has done so far',
    );
    expect(screen.getByTestId('no-changes').textContent).toBe('No differing rows so far.');
    expect(screen.queryByTestId('equal-tables')).toBeNull();
  });

  it('names an adoption run as one, with what the kind means', () => {
    const view = renderRun(runProgress([tableProgress('items')], { kind: 'adoption' }));
    const title = view.querySelector('.run-head span[title]');
    expect(title?.textContent).toMatch(/^adoption run, bidirectional, started /);
    expect(title?.getAttribute('title')).toMatch(/^settles the differences of tables adopted/);
  });
});
