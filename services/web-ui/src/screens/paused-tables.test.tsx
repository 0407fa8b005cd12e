import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunProgress } from '../api/types';
import type { PausedTable } from '../live/live-state';
import type { Access } from '../session/session';
import { SessionProvider } from '../session/session-context';
import { apiError, FakeApi } from '../test-support/fake-api';
import { PausedTables } from './paused-tables';

const readOnlyMessage =
  'cloud is read-only (ER_OPTION_PREVENTS_STATEMENT: The MariaDB server is running with the --read-only option); the batch was rolled back and the changes of orders are held from here on (nothing is lost): make cloud writable (SET GLOBAL read_only = OFF) or point databases.cloud at the writable primary, then resume (POST /api/v1/sync/resume) or restart core-sync';
const ddlMessage =
  'schema change on cloud (ALTER TABLE notes ADD COLUMN tag INT) is not on local: columns tag differ; apply the same change on local, then resume (POST /api/v1/sync/resume) or restart core-sync';

const paused: PausedTable[] = [
  {
    direction: 'local_to_cloud',
    table: 'orders',
    pause: {
      table: 'orders',
      reason: 'target-read-only',
      code: 'TARGET_READ_ONLY',
      message: readOnlyMessage,
      fromSequence: 12,
      resumePosition: { file: 'binlog.000002', offset: 400, gtid: null },
      position: { file: 'binlog.000002', offset: 520, gtid: null },
      row: null,
      errorCode: 'ER_OPTION_PREVENTS_STATEMENT',
    },
  },
  {
    direction: 'cloud_to_local',
    table: 'notes',
    pause: {
      table: 'notes',
      reason: 'schema-change',
      code: 'TABLE_PAUSED_DDL',
      message: ddlMessage,
      fromSequence: 3,
      resumePosition: null,
      position: { file: 'binlog.000001', offset: 900, gtid: null },
      row: null,
      errorCode: null,
    },
  },
];

const runningSync: RunProgress = {
  runId: 'run-1',
  kind: 'manual',
  dryRun: false,
  pendingChanges: null,
  state: 'running',
  direction: 'bidirectional',
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

function renderCard(
  options: { access?: Access; run?: RunProgress | null; tables?: readonly PausedTable[] } = {},
) {
  const onResumed = vi.fn();
  const session = { token: 'token-1', access: options.access ?? 'unknown' };
  const card = (tables: readonly PausedTable[]) => (
    <SessionProvider apiUrl="http://api.test" session={session} onSignOut={() => undefined}>
      <PausedTables paused={tables} run={options.run ?? null} onResumed={onResumed} />
    </SessionProvider>
  );
  const { rerender } = render(card(options.tables ?? paused));
  return { onResumed, showPaused: (tables: readonly PausedTable[]) => rerender(card(tables)) };
}

const resumeButton = (): HTMLButtonElement => screen.getByRole('button', { name: 'Resume paused tables' });

beforeEach(() => {
  api = new FakeApi();
  vi.stubGlobal('fetch', api.fetch);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('the paused-tables card', () => {
  it('shows nothing while no table is paused', () => {
    renderCard({ tables: [] });
    expect(screen.queryByTestId('paused-tables')).toBeNull();
  });

  it('lists each paused table with its direction, reason, code and what to do', () => {
    renderCard();
    expect(
      within(screen.getByTestId('paused-tables'))
        .getAllByRole('listitem')
        .map((item) => [
          item.querySelector('.paused-head')?.textContent,
          item.querySelector('.paused-message')?.textContent,
        ]),
    ).toEqual([
      ['orderslocal → cloudtarget-read-onlyTARGET_READ_ONLY', readOnlyMessage],
      ['notescloud → localschema-changeTABLE_PAUSED_DDL', ddlMessage],
    ]);
    expect(resumeButton().disabled).toBe(false);
    expect(screen.queryByRole('note')).toBeNull();
  });

  it('resumes as admin: sends the request, says which tables were resumed and that they may pause again', async () => {
    api.answer('POST /api/v1/sync/resume', 200, {
      resumed: [
        {
          direction: 'local_to_cloud',
          table: 'orders',
          reason: 'target-read-only',
          code: 'TARGET_READ_ONLY',
        },
        { direction: 'cloud_to_local', table: 'notes', reason: 'schema-change', code: 'TABLE_PAUSED_DDL' },
      ],
    });
    const { onResumed, showPaused } = renderCard({ access: 'admin' });
    fireEvent.click(resumeButton());
    const outcome = await screen.findByTestId('resume-result');
    expect(api.requests).toEqual([
      {
        method: 'POST',
        path: '/api/v1/sync/resume',
        headers: {
          authorization: 'Bearer token-1',
          accept: 'application/json',
          'content-type': 'application/json',
        },
        body: {},
      },
    ]);
    expect(onResumed).toHaveBeenCalledTimes(1);
    expect(
      within(outcome)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual([
      'orders (local → cloud, paused with TARGET_READ_ONLY)',
      'notes (cloud → local, paused with TABLE_PAUSED_DDL)',
    ]);
    expect(outcome.textContent).toContain(
      'A table whose cause is not fixed pauses again and is listed here again.',
    );
    // The status no longer shows them paused: the outcome stays until dismissed.
    showPaused([]);
    expect(screen.getByTestId('paused-tables').textContent).toMatch(/^Paused tablesNo table is paused now\./);
    expect(screen.queryByRole('button', { name: 'Resume paused tables' })).toBeNull();
    fireEvent.click(within(outcome).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('paused-tables')).toBeNull();
  });

  it('is disabled for a read-only token, with the reason, and sends nothing', () => {
    renderCard({ access: 'read-only' });
    expect(screen.getByRole('note').textContent).toMatch(/read-only token.*resuming syncs/);
    expect(resumeButton().disabled).toBe(true);
    expect(resumeButton().title).toBe('read-only token');
    fireEvent.click(resumeButton());
    expect(api.requests).toEqual([]);
  });

  it('becomes read-only when the API refuses the token (403), showing the refusal', async () => {
    api.answer('POST /api/v1/sync/resume', 403, apiError('FORBIDDEN', 'a read-only token cannot resume'));
    renderCard();
    fireEvent.click(resumeButton());
    await waitFor(() => expect(resumeButton().disabled).toBe(true));
    expect(resumeButton().title).toBe('read-only token');
    expect(screen.getByRole('note').textContent).toMatch(/read-only token/);
    expect(screen.getByRole('alert').textContent).toContain('a read-only token cannot resume');
  });

  it('waits for a running full sync to end', () => {
    renderCard({ access: 'admin', run: runningSync });
    expect(resumeButton().disabled).toBe(true);
    expect(resumeButton().title).toBe('a full sync is running');
    expect(screen.getByText('Resume is unavailable: a full sync is running.')).toBeTruthy();
  });

  it('shows a 409 refusal with its code and trace id, and no outcome', async () => {
    api.answer(
      'POST /api/v1/sync/resume',
      409,
      apiError('SYNC_ALREADY_RUNNING', 'a full sync is running: resume the paused tables after it'),
    );
    const { onResumed } = renderCard({ access: 'admin' });
    fireEvent.click(resumeButton());
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(
      'The paused tables were not resumeda full sync is running: resume the paused tables after itHTTP 409 · SYNC_ALREADY_RUNNING · trace id trace-testDismiss',
    );
    expect(screen.queryByTestId('resume-result')).toBeNull();
    expect(onResumed).not.toHaveBeenCalled();
    expect(resumeButton().disabled).toBe(false);
  });
});
