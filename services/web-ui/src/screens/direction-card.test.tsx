import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DirectionStatus } from '../api/types';
import { initialLiveState } from '../live/live-state';
import { formatTime } from '../logic/format';
import { DirectionCard } from './direction-card';
import { directionStatus as direction } from '../test-support/status-fixtures';

const since = '2025-01-02T03:04:05.000Z';

function renderCard(status: DirectionStatus): HTMLElement {
  render(<DirectionCard direction={status} state={initialLiveState} now={0} />);
  return screen.getByTestId('direction-local_to_cloud');
}

afterEach(cleanup);

describe('a direction card', () => {
  it('shows batches failing to apply as an error with the code, the message and since when', () => {
    renderCard(
      direction({
        applyFailure: {
          code: 'DATABASE_UNAVAILABLE',
          message: 'cannot reach cloud at 10.0.0.2:3306 (ECONNREFUSED)',
          since,
        },
      }),
    );
    const notice = screen.getByTestId('apply-failure-local_to_cloud');
    expect(notice.getAttribute('role')).toBe('alert');
    expect([...notice.querySelectorAll('p')].map((paragraph) => paragraph.textContent)).toEqual([
      `Changes are not applied to cloud since ${formatTime(since)}`,
      'DATABASE_UNAVAILABLE cannot reach cloud at 10.0.0.2:3306 (ECONNREFUSED)',
      'The failing batches are retried until they succeed; nothing is lost.',
    ]);
  });

  it('shows a failed direction’s error once, not its last apply failure besides', () => {
    const card = renderCard(
      direction({
        state: 'failed',
        error: { code: 'BINLOG_PURGED', message: 'binlog file purged' },
        applyFailure: { code: 'APPLY_FAILED', message: 'deadlock found', since },
      }),
    );
    expect(screen.queryByTestId('apply-failure-local_to_cloud')).toBeNull();
    expect(screen.getAllByRole('alert').map((alert) => alert.textContent)).toEqual([
      'BINLOG_PURGED binlog file purged',
    ]);
    expect(card.textContent).not.toContain('deadlock found');
  });

  it('names its paused tables and leaves the pause message to the paused-tables card', () => {
    const card = renderCard(
      direction({
        tables: [
          {
            table: 'orders',
            state: 'paused',
            rowsApplied: 0,
            rowsCopied: 0,
            pause: {
              table: 'orders',
              reason: 'target-read-only',
              code: 'TARGET_READ_ONLY',
              message: 'cloud is read-only: make it writable, then resume',
              fromSequence: 1,
              resumePosition: null,
              position: null,
              row: null,
              errorCode: null,
            },
          },
          { table: 'items', state: 'streaming', rowsApplied: 0, rowsCopied: 0, pause: null },
        ],
      }),
    );
    expect(card.querySelector('.notice-warning')?.textContent).toBe(
      'Paused: orders. The Paused tables card above says why and resumes them.',
    );
    expect(card.textContent).not.toContain('cloud is read-only');
  });
});
