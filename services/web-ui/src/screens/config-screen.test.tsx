import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider } from '../session/session-context';
import { apiError, FakeApi } from '../test-support/fake-api';
import { ConfigScreen } from './config-screen';

const runningConfig = {
  sync: {
    mode: 'bidirectional',
    workers: 4,
    realtime: true,
    tables: [{ name: 'items', primary_key: 'id', conflict_resolution: 'last_write_wins' }],
  },
  server: { port: 8080, auth_token: '[redacted]', cors_origins: ['http://localhost:3000'] },
};

let api: FakeApi;

function renderScreen(access: 'admin' | 'read-only' = 'admin') {
  return render(
    <SessionProvider
      apiUrl="http://api.test"
      session={{ token: 'token-1', access }}
      onSignOut={() => undefined}
    >
      <ConfigScreen />
    </SessionProvider>,
  );
}

function field(path: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(`[data-path="${path}"]`);
  if (element === null) throw new Error(`no field for ${path}`);
  return element;
}

function problemsOf(element: HTMLElement): string | null {
  const id = element.getAttribute('aria-describedby');
  return id === null ? null : (document.getElementById(id)?.textContent ?? null);
}

beforeEach(() => {
  api = new FakeApi().answer('GET /api/v1/config', 200, { config: runningConfig, restartRequired: [] });
  vi.stubGlobal('fetch', api.fetch);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('the configuration form', () => {
  it('shows each CONFIG_INVALID problem at its field, a missing key at its group, and the rest above the form', async () => {
    api.answer(
      'PUT /api/v1/config',
      400,
      apiError('CONFIG_INVALID', 'invalid configuration in the request (3 problems)', {
        problems: [
          {
            path: 'sync.tables[0].timestamp_column',
            message: 'required when conflict_resolution is last_write_wins',
          },
          { path: 'sync.workers', message: 'must be at least 1' },
          { path: '', message: 'the service could not start with it' },
        ],
      }),
    );
    renderScreen();
    await waitFor(() => field('sync.workers'));
    fireEvent.change(field('sync.workers'), { target: { value: '-1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save configuration' }));

    await waitFor(() => expect(field('sync.workers').getAttribute('aria-invalid')).toBe('true'));
    expect(problemsOf(field('sync.workers'))).toBe('must be at least 1');
    expect(field('sync.tables[0]').getAttribute('aria-invalid')).toBe('true');
    expect(problemsOf(field('sync.tables[0]'))).toBe(
      'sync.tables[0].timestamp_column: required when conflict_resolution is last_write_wins',
    );
    expect(field('sync.mode').getAttribute('aria-invalid')).toBe('false');
    expect(screen.getByRole('list', { name: 'Other problems' }).textContent).toBe(
      '(whole document): the service could not start with it',
    );
    expect(screen.getByRole('alert').textContent).toContain(
      'invalid configuration in the request (3 problems)',
    );

    const put = api.requests.find((request) => request.method === 'PUT');
    expect(put?.body).toEqual({ ...runningConfig, sync: { ...runningConfig.sync, workers: -1 } });
    expect(put?.headers.authorization).toBe('Bearer token-1');
  });

  it('saves, keeps redacted secrets as they are, and says what applies now and what needs a restart', async () => {
    const changed = { ...runningConfig, server: { ...runningConfig.server, port: 9090 } };
    api.answer('PUT /api/v1/config', 200, { applied: [], restartRequired: ['server.port'], config: changed });
    renderScreen();
    await waitFor(() => field('server.port'));
    expect(screen.getByRole('button', { name: 'Save configuration' })).toHaveProperty('disabled', true);
    fireEvent.change(field('server.port'), { target: { value: '9090' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save configuration' }));
    const saved = await screen.findByTestId('config-saved');
    expect(saved.textContent).toContain('Restart core-sync for these to take effect: server.port.');
    expect(api.requests.find((request) => request.method === 'PUT')?.body).toEqual(changed);
    expect((field('server.auth_token') as HTMLInputElement).value).toBe('');
    expect((field('server.port') as HTMLInputElement).value).toBe('9090');
  });

  it('lists the saved keys that wait for a restart', async () => {
    const saved = { ...runningConfig, server: { ...runningConfig.server, port: 9090 } };
    api = new FakeApi().answer('GET /api/v1/config', 200, {
      config: saved,
      restartRequired: ['server.port'],
    });
    vi.stubGlobal('fetch', api.fetch);
    renderScreen();
    const awaiting = await screen.findByTestId('config-awaiting-restart');
    expect(awaiting.textContent).toBe('Saved, but not in effect until core-sync restarts: server.port.');
    expect((field('server.port') as HTMLInputElement).value).toBe('9090');
  });

  it('removes exactly the token whose row is removed, keeps the others by placeholder, and adds a typed one', async () => {
    const tokens = [
      '[redacted:1111111111111111]',
      '[redacted:2222222222222222]',
      '[redacted:3333333333333333]',
    ];
    const withTokens = {
      ...runningConfig,
      server: {
        ...runningConfig.server,
        auth_token: '[redacted:aaaaaaaaaaaaaaaa]',
        read_only_tokens: tokens,
      },
    };
    api = new FakeApi()
      .answer('GET /api/v1/config', 200, { config: withTokens, restartRequired: [] })
      .answer('PUT /api/v1/config', 200, { applied: [], restartRequired: [], config: withTokens });
    vi.stubGlobal('fetch', api.fetch);
    renderScreen();
    await waitFor(() => field('server.read_only_tokens'));
    expect(field('server.read_only_tokens').textContent).toContain('1111111111111111');
    fireEvent.click(
      screen.getByRole('button', { name: 'Remove entry 1 of read only tokens (1111111111111111)' }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Add read only token' }));
    fireEvent.change(screen.getByLabelText('New entry 3 of read only tokens'), {
      target: { value: 'a-new-reader-token-0123' },
    });
    // Typing into the admin token and erasing it again keeps the admin token.
    fireEvent.change(field('server.auth_token'), { target: { value: 'x' } });
    fireEvent.change(field('server.auth_token'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save configuration' }));
    await screen.findByTestId('config-saved');
    expect(api.requests.find((request) => request.method === 'PUT')?.body).toEqual({
      ...withTokens,
      server: {
        ...withTokens.server,
        read_only_tokens: [tokens[1], tokens[2], 'a-new-reader-token-0123'],
      },
    });
  });

  it('disables saving for a read-only token, with the reason', async () => {
    renderScreen('read-only');
    await waitFor(() => field('sync.workers'));
    expect(screen.getByRole('note').textContent).toMatch(/read-only token/);
    expect(screen.getByRole('button', { name: 'Save configuration' })).toHaveProperty('disabled', true);
    expect(field('sync.workers').matches(':disabled')).toBe(true);
  });
});
