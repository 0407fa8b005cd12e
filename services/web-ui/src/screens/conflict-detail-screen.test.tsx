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

  describe('a row on one side only (insert_or_delete)', () => {
    const onLocalOnly: Conflict = {
      ...conflict,
      conflictType: 'insert_or_delete',
      localData: { id: 1, label: 'local only', quantity: 3, note: null },
      cloudData: null,
      sourcePosition: null,
    };

    it('says what the type means and what each side’s choice does, the absent side as absent', () => {
      renderView(onLocalOnly);
      expect(screen.getByTestId('conflict-type').textContent).toBe(
        'insert or delete?the row is on one side only, and the binlogs cannot tell whether it was added there or deleted on the other side',
      );
      const table = screen.getByTestId('row-diff');
      expect(
        within(table)
          .getAllByRole('columnheader')
          .map((header) => header.textContent),
      ).toEqual(['Column', 'Local', 'Cloud (row absent)']);
      expect(
        within(table)
          .getAllByRole('row')
          .slice(1)
          .map((row) =>
            within(row)
              .getAllByRole('cell')
              .map((cell) => cell.textContent),
          ),
      ).toEqual([
        ['1', 'absent'],
        ['local only', 'absent'],
        ['3', 'absent'],
        ['NULL', 'absent'],
      ]);
      expect(screen.getByTestId('absent-side-note').textContent).toBe(
        'Cloud has no row with this key. Keep local writes its row to cloud too; keep cloud deletes the row on local, so it is gone on both sides.',
      );
    });

    it('keeps the absent side by deleting the row on both sides, after a confirmation that says so', async () => {
      api.answer('POST /api/v1/conflicts/conflict-1/resolve', 200, {
        ...onLocalOnly,
        resolved: true,
        resolutionSide: 'cloud',
      });
      const onResolved = renderView(onLocalOnly);
      fireEvent.click(screen.getByRole('button', { name: 'Keep cloud: delete the row' }));
      const confirm = screen.getByRole('group', { name: 'Confirm the resolution' });
      expect(within(confirm).getByRole('paragraph').textContent).toBe(
        'Delete the row on both databases? Cloud has none, so keeping cloud deletes local’s row.',
      );
      expect(api.requests).toEqual([]);
      fireEvent.click(within(confirm).getByRole('button', { name: 'Delete on both databases' }));
      await waitFor(() => expect(onResolved).toHaveBeenCalled());
      expect(api.requests.map((request) => [request.method, request.path, request.body])).toEqual([
        ['POST', '/api/v1/conflicts/conflict-1/resolve', { side: 'cloud' }],
      ]);
    });

    it('keeps the side with the row by writing it to both sides', async () => {
      api.answer('POST /api/v1/conflicts/conflict-1/resolve', 200, { ...onLocalOnly, resolved: true });
      const onResolved = renderView(onLocalOnly);
      fireEvent.click(screen.getByRole('button', { name: 'Keep local' }));
      fireEvent.click(screen.getByRole('button', { name: 'Write to both databases' }));
      await waitFor(() => expect(onResolved).toHaveBeenCalled());
      expect(api.requests[0]?.body).toEqual({ side: 'local' });
    });

    it('says a resolution that kept the absent side deleted the row on both sides', () => {
      renderView({
        ...onLocalOnly,
        resolved: true,
        resolutionStrategy: 'manual',
        resolvedAt: '2025-01-03T00:00:00.000Z',
        resolvedBy: 'admin',
        resolutionSide: 'cloud',
        resolvedData: null,
      });
      const resolution = screen.getByTestId('resolution');
      expect(within(resolution).getByRole('paragraph').textContent).toMatch(
        /^Resolved with no row, as on cloud \(deleted on both sides\) by admin \(manual\) at /,
      );
      expect(resolution.querySelector('pre')).toBeNull();
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
