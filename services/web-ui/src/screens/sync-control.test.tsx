import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunProgress } from '../api/types';
import { SessionProvider } from '../session/session-context';
import { apiError, FakeApi } from '../test-support/fake-api';
import { SyncControl } from './sync-control';

const running: RunProgress = {
  runId: 'run-1',
  kind: 'manual',
  dryRun: false,
  pendingChanges: null,
  state: 'running',
  direction: 'local_to_cloud',
  startedAt: '2025-01-02T03:04:05.000Z',
  finishedAt: null,
  tables: [],
  rowsTotal: 0,
  rowsCompared: 0,
  rowsChanged: 0,
  conflicts: 0,
  percent: 0,
  rowsPerSecond: 0,
  etaSeconds: null,
  error: null,
  traceId: 'trace-1',
};

let api: FakeApi;

function renderControl(run: RunProgress | null) {
  render(
    <SessionProvider
      apiUrl="http://api.test"
      session={{ token: 'token-1', access: 'unknown' }}
      onSignOut={() => undefined}
    >
      <SyncControl mode="local_to_cloud" tables={['orders', 'users']} run={run} />
    </SessionProvider>,
  );
}

const button = (name: string): HTMLButtonElement => screen.getByRole('button', { name });

beforeEach(() => {
  api = new FakeApi();
  vi.stubGlobal('fetch', api.fetch);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('the full-sync control', () => {
  it('starts a sync of the chosen tables, and needs at least one', async () => {
    api.answer('POST /api/v1/sync/trigger', 202, running);
    renderControl(null);
    expect(button('Stop sync').disabled).toBe(true);
    fireEvent.click(screen.getByLabelText('All configured tables'));
    expect(button('Start sync').disabled).toBe(true);
    expect(button('Preview').disabled).toBe(true);
    expect(screen.getByText('Start and preview are unavailable: choose at least one table.')).toBeTruthy();
    fireEvent.click(screen.getByLabelText('users'));
    fireEvent.click(button('Start sync'));
    await waitFor(() => expect(api.requests).toHaveLength(1));
    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/sync/trigger',
      body: { tables: ['users'] },
    });
  });

  it('previews the chosen tables as a dry run, and says so when the preview is refused', async () => {
    api
      .answer('POST /api/v1/sync/trigger', 202, { ...running, dryRun: true })
      .answer(
        'POST /api/v1/sync/trigger',
        409,
        apiError('SYNC_ALREADY_RUNNING', 'a full sync is already running'),
      );
    renderControl(null);
    fireEvent.click(screen.getByLabelText('All configured tables'));
    fireEvent.click(screen.getByLabelText('orders'));
    fireEvent.click(button('Preview'));
    await waitFor(() => expect(api.requests).toHaveLength(1));
    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/sync/trigger',
      body: { tables: ['orders'], dryRun: true },
    });
    // A preview of every table sends no table list; a refusal names the preview, not the sync.
    fireEvent.click(screen.getByLabelText('All configured tables'));
    fireEvent.click(button('Preview'));
    const alert = await screen.findByRole('alert');
    expect(api.requests[1]?.body).toEqual({ dryRun: true });
    expect(alert.textContent).toMatch(/^The preview did not starta full sync is already running/);
  });

  it('disables the preview for a read-only token, like the start', () => {
    render(
      <SessionProvider
        apiUrl="http://api.test"
        session={{ token: 'token-1', access: 'read-only' }}
        onSignOut={() => undefined}
      >
        <SyncControl mode="bidirectional" tables={['orders']} run={null} />
      </SessionProvider>,
    );
    expect(button('Start sync').disabled).toBe(true);
    expect(button('Preview').disabled).toBe(true);
    expect(screen.getByRole('note').textContent).toMatch(/read-only token/);
  });

  it('only stops while a run is active, and shows a refusal plainly', async () => {
    api.answer('POST /api/v1/sync/stop', 409, apiError('SYNC_NOT_RUNNING', 'no full sync is running'));
    renderControl(running);
    expect(button('Start sync').disabled).toBe(true);
    expect(button('Preview').disabled).toBe(true);
    expect(screen.getByText('Start and preview are unavailable: a full sync is running.')).toBeTruthy();
    fireEvent.click(button('Stop sync'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(
      'The sync did not stopno full sync is runningHTTP 409 · SYNC_NOT_RUNNING · trace id trace-testDismiss',
    );
    expect(api.requests[0]).toMatchObject({ method: 'POST', path: '/api/v1/sync/stop', body: {} });
  });
});
