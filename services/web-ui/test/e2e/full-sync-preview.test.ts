/**
 * The full-sync preview in headless Chromium against a real core-sync over two real MariaDB servers in
 * bidirectional mode: the cloud loses 30 rows and one row changes behind the binlogs' back; the preview (a dry
 * run) shows what a full sync would do — the changed row settled by the strategy, the 30 rows undecided, with
 * their sample keys — and writes nothing; the full sync then does what the preview said; the 30 rows are listed
 * as `insert or delete?` conflicts, one is deleted on both sides from the page, the rest are copied back through
 * the API, and both sides end equal.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  type ServiceProcess,
  type SyncFixture,
} from '../../../core-sync/test/support/sync-fixture.js';
import type { WatchedPage } from '../support/browser.js';
import { dashboardServer, startDashboardStack, type DashboardStack } from '../support/dashboard-stack.js';

const adminToken = 'admin-token-0123456789abcdef';

/** The run's change totals as shown: each figure's title, its text, and whether it is dimmed (a zero). */
async function totalFigures(page: Page): Promise<string[][]> {
  return page
    .getByTestId('change-totals')
    .locator(':scope > div')
    .evaluateAll((entries) =>
      entries.map((entry) => [
        entry.querySelector('dt')?.textContent ?? '',
        entry.querySelector('dd')?.textContent ?? '',
        entry.classList.contains('zero') ? 'dimmed' : 'shown',
      ]),
    );
}

describe('the full-sync preview in a browser', () => {
  let fixture: SyncFixture;
  let stack: DashboardStack;
  let service: ServiceProcess;
  let watched: WatchedPage;
  let page: Page;

  const api = async (path: string, body?: unknown): Promise<unknown> => {
    const answer = await fetch(`http://127.0.0.1:${service.port}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await answer.text();
    expect(answer.status, `${path}: ${text}`).toBe(200);
    return JSON.parse(text) as unknown;
  };

  beforeAll(async () => {
    fixture = await createSyncFixture(dashboardServer('local'), dashboardServer('cloud'), 'preview');
    const orders =
      'CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(40) NOT NULL, total DECIMAL(10,2) NOT NULL)';
    await fixture.source.query(orders);
    await fixture.target.query(orders);
    await fixture.source.query(
      "INSERT INTO orders SELECT seq, CONCAT('customer-', seq), seq / 4 FROM seq_1_to_3000",
    );
    stack = await startDashboardStack(
      fixture,
      (uiOrigin) =>
        fixture.configDocument({
          tables: [
            { name: 'orders', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' },
          ],
          sync: { mode: 'bidirectional', snapshot_chunk_size: 250 },
          server: { auth_token: adminToken, cors_origins: [uiOrigin] },
        }),
      ['orders'],
    );
    ({ service, watched } = stack);
    page = watched.page;
    await page.goto(`${stack.ui.url}/`);
    const tokenField = page.getByLabel('Bearer token');
    await tokenField.fill(adminToken);
    await tokenField.press('Enter');
    await page.locator('[data-testid="stream-state"][data-state="open"]').waitFor();
  });

  afterAll(async () => {
    await stack?.close();
    await fixture?.[Symbol.asyncDispose]();
  });

  it('previews a full sync: what it would do, with sample keys, and nothing written', async () => {
    // Behind the binlogs' back the cloud loses 30 rows and row 7 changes. The binlogs cannot tell whether the
    // 30 were added on local or deleted on cloud (undecided); row 7 is settled by the strategy (local wins).
    await fixture.target.query(
      'SET SESSION sql_log_bin = 0; DELETE FROM orders WHERE id % 100 = 0; UPDATE orders SET total = 0 WHERE id = 7; SET SESSION sql_log_bin = 1',
    );
    await page.getByRole('button', { name: 'Preview' }).click();

    const run = page.getByTestId('run-progress');
    await expect.poll(() => run.getAttribute('data-dry-run'), { timeout: 30_000 }).toBe('true');
    await expect.poll(() => run.getAttribute('data-run-state'), { timeout: 60_000 }).toBe('completed');
    const changes = page.getByTestId('run-changes');
    expect(await changes.getByRole('heading').textContent()).toBe('Preview — nothing was written');
    expect(await totalFigures(page)).toEqual([
      ['Would copy', '0', 'dimmed'],
      ['Would delete', '0', 'dimmed'],
      ['Would change', '1 (local wins)', 'shown'],
      ['Would list as conflicts', '0', 'dimmed'],
      ['Would leave undecided', '30', 'shown'],
    ]);
    const orders = page.getByTestId('changes-orders');
    expect(await orders.locator('[data-category="changed"] .key-list li').allTextContents()).toEqual([
      '{"id":7}',
    ]);
    const undecidedKeys = await orders.locator('[data-category="undecided"] .key-list li').allTextContents();
    expect(undecidedKeys).toHaveLength(10);
    for (const key of undecidedKeys) expect(key).toMatch(/^\{"id":\d+00\}$/);
    expect(await orders.locator('[data-category="undecided"] summary').textContent()).toBe(
      'keys (first 10 of 30)',
    );

    // Nothing was written: the cloud still lacks the rows and holds its own row 7, no conflict was listed, and
    // a preview is no history.
    expect(await fixture.target.query('SELECT COUNT(*) AS count FROM orders')).toEqual([{ count: 2970 }]);
    expect(await fixture.target.query('SELECT total FROM orders WHERE id = 7')).toEqual([{ total: '0.00' }]);
    expect(await api('/api/v1/conflicts')).toMatchObject({ total: 0 });
    expect(await api('/api/v1/sync/history')).toMatchObject({ total: 0 });
  });

  it('runs the full sync, which does what the preview said', async () => {
    await page.getByRole('button', { name: 'Start sync' }).click();
    const run = page.getByTestId('run-progress');
    await expect.poll(() => run.getAttribute('data-dry-run'), { timeout: 30_000 }).toBe('false');
    await expect.poll(() => run.getAttribute('data-run-state'), { timeout: 60_000 }).toBe('completed');
    expect(await page.getByTestId('run-changes').getByRole('heading').textContent()).toBe('What the run did');
    expect(await totalFigures(page)).toEqual([
      ['Copied', '0', 'dimmed'],
      ['Deleted', '0', 'dimmed'],
      ['Changed', '1 (local wins)', 'shown'],
      ['Listed as conflicts', '0', 'dimmed'],
      ['Left undecided', '30', 'shown'],
    ]);
    // Row 7 has local's version on both sides; the undecided rows are left as they are.
    expect(await fixture.target.query('SELECT total FROM orders WHERE id = 7')).toEqual([{ total: '1.75' }]);
    expect(await fixture.target.query('SELECT COUNT(*) AS count FROM orders')).toEqual([{ count: 2970 }]);
  });

  it('lists the undecided rows as insert-or-delete conflicts and deletes one on both sides from the page', async () => {
    await page.getByRole('link', { name: 'Conflicts' }).click();
    const first = page.getByTestId('conflict-list').locator('tbody tr').first();
    await first.waitFor();
    expect(await first.textContent()).toMatch(
      /^.*orders\{"id":\d+00\}insert or delete\?id, customer, totalwaiting$/,
    );
    const key = (await first.locator('code').textContent()) ?? '';
    const id = (JSON.parse(key) as { id: number }).id;
    await first.getByRole('link').click();
    expect(await page.getByTestId('conflict-type').textContent()).toMatch(
      /^insert or delete\?the row is on one side only/,
    );
    expect(await page.getByTestId('absent-side-note').textContent()).toBe(
      'Cloud has no row with this key. Keep local writes its row to cloud too; keep cloud deletes the row on local, so it is gone on both sides.',
    );
    await page.getByRole('button', { name: 'Keep cloud: delete the row' }).click();
    await page.getByRole('button', { name: 'Delete on both databases' }).click();
    await expect
      .poll(() => page.getByTestId('resolution').textContent(), { timeout: 30_000 })
      .toMatch(/^ResolutionResolved with no row, as on cloud \(deleted on both sides\) by admin/);
    await eventually(async () => {
      expect(await fixture.source.query('SELECT id FROM orders WHERE id = ?', [id])).toEqual([]);
    }, 30_000);

    // The other 29 keep the local row (copied to the cloud), through the API: both sides end equal.
    const open = (await api('/api/v1/conflicts?resolved=false&limit=100')) as {
      conflicts: { id: string; tableName: string; conflictType: string }[];
    };
    expect(open.conflicts.map((conflict) => conflict.conflictType)).toEqual(
      Array.from({ length: 29 }, () => 'insert_or_delete'),
    );
    for (const conflict of open.conflicts) {
      await api(`/api/v1/conflicts/${conflict.id}/resolve`, { side: 'local' });
    }
    await eventually(() => expectTablesEqual(fixture, 'orders', 'id'), 30_000);
    expect(await fixture.target.query('SELECT COUNT(*) AS count FROM orders')).toEqual([{ count: 2999 }]);
  });

  it('logged nothing to the console', () => {
    expect(watched.errors).toEqual([]);
  });
});
