import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Conflict, HistoryEntry } from '../api/types';
import { conflictTypeLabel, runKindLabels } from '../logic/labels';
import { ConflictTable } from './conflicts-screen';
import { HistoryTable } from './history-screen';

afterEach(cleanup);

describe('the lists label kinds and types', () => {
  it('shows an adoption run in the history with what the kind means', () => {
    const entry: HistoryEntry = {
      id: 'run-9',
      kind: 'adoption',
      startedAt: '2025-01-02T03:04:05.000Z',
      completedAt: '2025-01-02T03:04:15.000Z',
      direction: 'bidirectional',
      tablesSynced: ['orders'],
      totalRows: 1000,
      rowsChanged: 3,
      conflictsDetected: 1,
      status: 'completed',
      errorMessage: null,
      traceId: 'trace-9',
      triggerSource: 'adoption',
    };
    render(<HistoryTable entries={[entry]} />);
    const kindCell = within(screen.getByTestId('history-list')).getAllByRole('cell')[1];
    expect(kindCell?.textContent).toBe('adoption');
    expect(kindCell?.getAttribute('title')).toBe(runKindLabels.adoption.explanation);
  });

  it('lists a row on one side only with its label and explanation, and no differing column to name', () => {
    const conflict: Conflict = {
      id: 'conflict-2',
      tableName: 'orders',
      primaryKeyValue: '{"id":100}',
      localData: null,
      cloudData: { id: 100, customer: 'cloud only' },
      conflictType: 'insert_or_delete',
      detectedAt: '2025-01-02T03:04:05.000Z',
      resolved: false,
      resolutionStrategy: null,
      resolvedAt: null,
      resolvedData: null,
      resolvedBy: null,
      resolutionSide: null,
      resolutionColumns: null,
      sourcePosition: null,
    };
    render(<ConflictTable conflicts={[conflict]} />);
    const cells = within(screen.getByTestId('conflict-list')).getAllByRole('cell');
    expect(cells.map((cell) => cell.textContent).slice(1)).toEqual([
      'orders',
      '{"id":100}',
      'insert or delete?',
      'id, customer',
      'waiting',
    ]);
    expect(cells[3]?.getAttribute('title')).toBe(conflictTypeLabel('insert_or_delete').explanation);
  });
});
