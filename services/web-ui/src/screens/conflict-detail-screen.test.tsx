import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Conflict } from '../api/types';
import { SessionProvider } from '../session/session-context';
import { apiError, FakeApi } from '../test-support/fake-api';
import { ConflictView } from './conflict-detail-screen';

const conflict: Conflict = {
  id: 'conflict-1',
  tableName: 'items',
  primaryKeyValue: '[1]',
  localData: { id: 1, label: 'local edit', quantity: 3, note: null },
  cloudData: { id: 1, label: 'cloud edit', quantity: 3, note: 'cloud note' },
  conflictType: 'update_update',
  detectedAt: '2025-01-02T03:04:05.000Z',
  resolved: false,
  resolutionStrategy: null,
  resolvedAt: null,
  resolvedData: null,
  resolvedBy: null,
  resolutionSide: null,
  resolutionColumns: null,
  sourcePosition: 'binlog.000001:400',
};

let api: FakeApi;

function renderView(shown: Conflict = conflict) {
  const onResolved = vi.fn();
  render(
    <SessionProvider
      apiUrl="http://api.test"
      session={{ token: 'token-1', access: 'unknown' }}
      onSignOut={() => undefined}
    >
      <ConflictView conflict={shown} onResolved={onResolved} />
    </SessionProvider>,
  );
  return onResolved;
}

beforeEach(() => {
  api = new FakeApi();
  vi.stubGlobal('fetch', api.fetch);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('a conflict', () => {
  it('shows both rows side by side with the differing columns highlighted', () => {
    renderView();
    const table = screen.getByTestId('row-diff');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(
      rows.map((row) => [
        row.getAttribute('data-differs'),
        ...within(row)
          .getAllByRole('cell')
          .map((cell) => cell.textContent),
      ]),
    ).toEqual([
      ['false', '1', '1'],
      ['true', 'local edit', 'cloud edit'],
      ['false', '3', '3'],
      ['true', 'NULL', 'cloud note'],
    ]);
    expect(within(table).getByText(/2 of 4 columns differ/)).toBeTruthy();
  });

  it('resolves with the cloud row after a confirmation', async () => {
    api.answer('POST /api/v1/conflicts/conflict-1/resolve', 200, { ...conflict, resolved: true });
    const onResolved = renderView();
    fireEvent.click(screen.getByRole('button', { name: 'Keep cloud' }));
    expect(api.requests).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Write to both databases' }));
    await waitFor(() => expect(onResolved).toHaveBeenCalled());
    expect(api.requests.map((request) => [request.method, request.path, request.body])).toEqual([
      ['POST', '/api/v1/conflicts/conflict-1/resolve', { side: 'cloud' }],
    ]);
  });

  it('sends an edited merged row', async () => {
    api.answer('POST /api/v1/conflicts/conflict-1/resolve', 200, { ...conflict, resolved: true });
    const onResolved = renderView();
    fireEvent.click(screen.getByRole('button', { name: 'Edit merged row' }));
    const editor = screen.getByRole('form', { name: 'Merged row' });
    fireEvent.change(within(editor).getByLabelText(/^label/), { target: { value: 'merged label' } });
    const noteRow = within(editor).getByLabelText(/^note/).closest('div');
    if (noteRow === null) throw new Error('no note field');
    fireEvent.click(within(noteRow).getByRole('button', { name: 'use cloud' }));
    fireEvent.click(within(editor).getByRole('button', { name: 'Use this row' }));
    fireEvent.click(screen.getByRole('button', { name: 'Write to both databases' }));
    await waitFor(() => expect(onResolved).toHaveBeenCalled());
    expect(api.requests[0]?.body).toEqual({
      data: { id: 1, label: 'merged label', quantity: 3, note: 'cloud note' },
    });
  });

  it('sends every column, bytes unchanged, when the row is absent on one side', async () => {
    const deletedOnCloud: Conflict = {
      ...conflict,
      conflictType: 'update_delete',
      localData: { id: 1, label: 'local edit', note: null, payload: { $base64: 'AP8=' } },
      cloudData: null,
    };
    api.answer('POST /api/v1/conflicts/conflict-1/resolve', 200, { ...deletedOnCloud, resolved: true });
    const onResolved = renderView(deletedOnCloud);
    fireEvent.click(screen.getByRole('button', { name: 'Edit merged row' }));
    const editor = screen.getByRole('form', { name: 'Merged row' });
    fireEvent.change(within(editor).getByLabelText(/^label/), { target: { value: 'merged label' } });
    fireEvent.click(within(editor).getByRole('button', { name: 'Use this row' }));
    fireEvent.click(screen.getByRole('button', { name: 'Write to both databases' }));
    await waitFor(() => expect(onResolved).toHaveBeenCalled());
    expect(api.requests[0]?.body).toEqual({
      data: { id: 1, label: 'merged label', note: null, payload: { $base64: 'AP8=' } },
    });
  });

  it('says which columns an edited resolution gave and which it filled from which side', () => {
    renderView({
      ...conflict,
      resolved: true,
      resolutionStrategy: 'manual',
      resolvedAt: '2025-01-03T00:00:00.000Z',
      resolvedBy: 'admin',
      resolutionSide: 'merged',
      resolvedData: { id: 1, label: 'merged', quantity: 3, note: 'cloud note' },
      resolutionColumns: { given: ['id', 'label'], filledFrom: 'cloud', filled: ['quantity', 'note'] },
    });
    const resolution = screen.getByTestId('resolution');
    expect(within(resolution).getByTestId('resolution-given').textContent).toBe('Given: id, label');
    expect(within(resolution).getByTestId('resolution-filled').textContent).toBe(
      'Filled from the cloud row: quantity, note',
    );
  });

  it('turns into read-only with the explanation when the API answers 403', async () => {
    api.answer(
      'POST /api/v1/conflicts/conflict-1/resolve',
      403,
      apiError('FORBIDDEN', 'a read-only token cannot change anything'),
    );
    renderView();
    fireEvent.click(screen.getByRole('button', { name: 'Keep local' }));
    fireEvent.click(screen.getByRole('button', { name: 'Write to both databases' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('a read-only token cannot change anything');
    expect(alert.textContent).toContain('FORBIDDEN');
    expect(alert.textContent).toContain('trace-test');
    expect(screen.getByRole('note').textContent).toMatch(/read-only token/);
    for (const name of ['Keep local', 'Keep cloud', 'Edit merged row']) {
      expect(screen.getByRole('button', { name })).toHaveProperty('disabled', true);
    }
  });
});
