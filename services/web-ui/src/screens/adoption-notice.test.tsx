import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { runProgress, tableProgress } from '../test-support/run-fixtures';
import { AdoptionNotice } from './adoption-notice';

afterEach(cleanup);

describe('the adoption notice', () => {
  it('is not shown while no table is being adopted', () => {
    render(<AdoptionNotice tables={[]} run={null} />);
    expect(screen.queryByTestId('adopting-tables')).toBeNull();
  });

  it('names the adopted tables and says both directions stream them until an adoption run settles them', () => {
    render(<AdoptionNotice tables={['orders', 'items']} run={null} />);
    const notice = screen.getByTestId('adopting-tables');
    expect(within(notice).getByRole('heading').textContent).toBe('Adopting 2 tables');
    expect(
      within(notice)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['orders', 'items']);
    expect(notice.textContent).toContain(
      'These tables had rows on both sides when syncing began. Both directions stream their changes now',
    );
    expect(notice.textContent).toContain('adoption run');
    expect(screen.getByTestId('adoption-run-state').textContent).toMatch(/^Preview \(below\) shows what/);
  });

  it('says when the adoption run is under way, but not for a preview of one', () => {
    const running = runProgress([tableProgress('orders', { state: 'comparing' })], {
      kind: 'adoption',
      state: 'running',
      finishedAt: null,
    });
    render(<AdoptionNotice tables={['orders']} run={running} />);
    expect(screen.getByRole('heading').textContent).toBe('Adopting a table');
    expect(screen.getByTestId('adoption-run-state').textContent).toBe(
      'The adoption run is under way: see “Current full sync” below.',
    );
    cleanup();
    render(<AdoptionNotice tables={['orders']} run={{ ...running, dryRun: true }} />);
    expect(screen.getByTestId('adoption-run-state').textContent).toMatch(/^Preview \(below\)/);
  });
});
