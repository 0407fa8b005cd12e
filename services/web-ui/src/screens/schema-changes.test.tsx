import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { directionStatus } from '../test-support/status-fixtures';
import { SchemaChanges, schemaChangesOf } from './schema-changes';

const applied = {
  table: 'items',
  statement: "ALTER TABLE items ADD COLUMN color VARCHAR(10) NOT NULL DEFAULT 'none'",
  position: 'binlog.000001:1725',
  state: 'applied' as const,
  seenAt: '2026-12-07T20:00:00.000Z',
  durationMs: 1_500,
  message: null,
};
const paused = {
  table: 'items',
  statement: 'RENAME TABLE items TO items_old',
  position: 'binlog.000001:2000',
  state: 'paused' as const,
  seenAt: '2026-12-07T20:05:00.000Z',
  durationMs: null,
  message:
    'RENAME TABLE renames a synced table on local (RENAME TABLE items TO items_old), which core-sync does not carry over',
};
const echo = {
  table: 'items',
  statement: '/* mysql-sync: applied from local */ ALTER TABLE items ADD COLUMN color VARCHAR(10)',
  position: 'binlog.000004:90',
  state: 'echo' as const,
  seenAt: '2026-12-07T20:01:00.000Z',
  durationMs: null,
  message: null,
};

afterEach(cleanup);

describe('schema changes', () => {
  it('lists both directions newest first, with the state, the time it took and why a table paused', () => {
    const directions = [
      directionStatus({ schemaChanges: [paused, applied] }),
      directionStatus({ source: 'cloud', target: 'local', schemaChanges: [echo] }),
    ];
    expect(schemaChangesOf(directions).map((change) => change.state)).toEqual(['paused', 'echo', 'applied']);
    render(<SchemaChanges directions={directions} />);
    const rows = within(screen.getByTestId('schema-change-list')).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    const [first, second, third] = rows as [HTMLElement, HTMLElement, HTMLElement];
    expect(first.textContent).toContain('RENAME TABLE items TO items_old');
    expect(first.textContent).toContain('does not carry over');
    expect(within(first).getByText('paused').closest('td')?.getAttribute('title')).toBe(
      'Not carried over: the table is paused',
    );
    expect(second.textContent).toContain('echo');
    expect(third.textContent).toContain('applied');
    expect(third.textContent).toContain('1.5');
  });

  it('says when there is none', () => {
    render(<SchemaChanges directions={[directionStatus()]} />);
    expect(screen.getByText('No schema change of a synced table since the service started.')).toBeTruthy();
  });
});
