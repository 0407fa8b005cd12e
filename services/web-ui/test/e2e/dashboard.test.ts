/**
 * The dashboard in headless Chromium against a real core-sync (the `npm start` entry point, spawned by
 * core-sync's own test harness) over two real MariaDB servers in bidirectional mode: sign in (a wrong token
 * refused), a full sync watched to 100 % (its preview: full-sync-preview.test.ts), the run in the history, a
 * manual conflict appearing live and resolved
 * from the page with both databases ending as chosen, a configuration change refused at its fields then
 * applied, a table paused by a schema change shown with its remedy and resumed from the page once fixed, and a
 * read-only token seeing changes disabled. Screenshots of each screen are saved on the way.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSyncFixture,
  eventually,
  expectTablesEqual,
  type ServiceProcess,
  type SyncFixture,
} from '../../../core-sync/test/support/sync-fixture.js';
import { openPage, screenshotDirectory, type WatchedPage } from '../support/browser.js';
import { dashboardServer, startDashboardStack, type DashboardStack } from '../support/dashboard-stack.js';

const adminToken = 'admin-token-0123456789abcdef';
const readerToken = 'reader-token-0123456789abcdef';
/** Read-only tokens listed before the one the read-only session signs in with; the first is removed on the way. */
const retiredToken = 'retired-token-0123456789abcdef';
const keptToken = 'kept-token-0123456789abcdef';

const tables = `
  CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(40) NOT NULL, total DECIMAL(10,2) NOT NULL);
  CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(40) NOT NULL, quantity INT NOT NULL);
  CREATE TABLE extras (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL);
`;

/** Failed requests the steps provoke on purpose: Chromium logs each as a console error. */
const expectedRefusals = [401, 400, 403];

describe('the dashboard in a browser', () => {
  let fixture: SyncFixture;
  let stack: DashboardStack;
  let service: ServiceProcess;
  let ui: DashboardStack['ui'];
  let browser: Browser;
  let laptop: WatchedPage;
  let page: Page;
  let screenshots: string;

  const screenshot = async (name: string, target: Page = page, fullPage = true): Promise<void> => {
    await target.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage });
  };

  beforeAll(async () => {
    fixture = await createSyncFixture(dashboardServer('local'), dashboardServer('cloud'), 'webui');
    await fixture.source.query(tables);
    await fixture.target.query(tables);
    await fixture.source.query(`
      INSERT INTO orders SELECT seq, CONCAT('customer-', seq), seq / 4 FROM seq_1_to_3000;
      INSERT INTO items VALUES (1, 'original', 1), (2, 'untouched', 2);
      INSERT INTO extras VALUES (1, 'one');
    `);
    stack = await startDashboardStack(
      fixture,
      (uiOrigin) =>
        fixture.configDocument({
          tables: [
            { name: 'orders', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' },
            { name: 'items', primary_key: 'id', conflict_resolution: 'manual' },
          ],
          sync: { mode: 'bidirectional', snapshot_chunk_size: 250 },
          server: {
            auth_token: adminToken,
            read_only_tokens: [retiredToken, keptToken, readerToken],
            cors_origins: [uiOrigin],
          },
        }),
      ['orders', 'items'],
    );
    ({ service, ui, browser, watched: laptop } = stack);
    screenshots = await screenshotDirectory();
    page = laptop.page;
  });

  afterAll(async () => {
    await stack?.close();
    await fixture?.[Symbol.asyncDispose]();
  });

  it('serves the runtime configuration, refuses a wrong token and signs in with the admin token', async () => {
    const config = await fetch(`${ui.url}/config.js`);
    expect(await config.text()).toBe(
      `window.__MYSQL_SYNC_CONFIG__ = {"apiUrl":"http://127.0.0.1:${service.port}"};\n`,
    );
    const landing = await page.goto(`${ui.url}/`);
    // The page runs under the static server's Content-Security-Policy (a violation would be a console error).
    expect(await landing?.headerValue('content-security-policy')).toContain(
      `connect-src 'self' http://127.0.0.1:${service.port}`,
    );
    const tokenField = page.getByLabel('Bearer token');
    await tokenField.waitFor();
    // The form is ready for the keyboard: the token field has the focus.
    expect(await tokenField.evaluate((element) => element === document.activeElement)).toBe(true);
    await screenshot('sign-in');

    await tokenField.fill('wrong-token-0123456789abcdef');
    await tokenField.press('Enter');
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe(
        'This token is not accepted by core-sync. Use server.auth_token or one of server.read_only_tokens.',
      );

    await tokenField.fill(adminToken);
    await tokenField.press('Enter');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.locator('[data-testid="stream-state"][data-state="open"]').waitFor();
    for (const direction of ['local_to_cloud', 'cloud_to_local']) {
      await expect
        .poll(() => page.getByTestId(`direction-${direction}`).textContent())
        .toMatch(/streamingstream up/);
    }
    expect(page.url()).not.toContain(adminToken);
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('mysql-sync.token'),
      local: Object.keys(localStorage),
    }));
    expect(stored).toEqual({ session: adminToken, local: [] });
    // Keyboard: the first Tab reaches the skip link, which moves the focus to the content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('starts a full sync of a chosen table and shows its progress up to 100 %', async () => {
    // A row changed behind the binlog's back: the run settles it by the table's strategy (local preferred).
    // Rows on one side only would be listed as conflicts (insert or delete?): full-sync-preview.test.ts.
    await fixture.target.query(
      'SET SESSION sql_log_bin = 0; UPDATE orders SET total = 0 WHERE id = 7; SET SESSION sql_log_bin = 1',
    );
    await page.getByLabel('All configured tables').uncheck();
    await page.getByRole('checkbox', { name: 'orders' }).check();
    await page.getByLabel('Direction').selectOption('bidirectional');
    await page.getByRole('button', { name: 'Start sync' }).click();

    const run = page.getByTestId('run-progress');
    await expect.poll(() => run.getAttribute('data-run-state'), { timeout: 60_000 }).toBe('completed');
    expect(await page.getByTestId('run-percent').textContent()).toBe('100 %');
    const ordersRow = run.getByRole('row', { name: /^orders/ });
    // 1 row changed, 1 conflict (settled by the strategy).
    expect(await ordersRow.textContent()).toMatch(/^ordersdone100 %3,000 \/ 3,00011/);
    expect(await page.getByTestId('run-changes').getByRole('heading').textContent()).toBe('What the run did');
    await expectTablesEqual(fixture, 'orders', 'id');
    expect(await page.getByRole('button', { name: 'Stop sync' }).isDisabled()).toBe(true);

    // A few seconds of writes on both sides, for the throughput and lag charts.
    for (let batch = 0; batch < 6; batch += 1) {
      const first = 10_000 + batch * 200;
      await fixture.source.query(
        `INSERT INTO orders SELECT seq, CONCAT('new-', seq), 1 FROM seq_${first}_to_${first + 99}`,
      );
      await fixture.target.query(
        `INSERT INTO orders SELECT seq, CONCAT('cloud-', seq), 2 FROM seq_${first + 100}_to_${first + 199}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await eventually(() => expectTablesEqual(fixture, 'orders', 'id'), 30_000);
    await expect
      .poll(() => page.getByTestId('direction-cloud_to_local').textContent(), { timeout: 15_000 })
      .toMatch(/Rows applied600/);
    await screenshot('dashboard');
  });

  it('lists the run in the history and shows its detail', async () => {
    await page.getByRole('link', { name: 'History' }).click();
    const list = page.getByTestId('history-list');
    await list.waitFor();
    const rows = list.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toMatch(/manualbidirectionalcompleted.*3,00011admin/);
    await screenshot('history');
    await rows.first().getByRole('link').click();
    await page.getByRole('heading', { name: 'Full-sync run' }).waitFor();
    expect(await page.getByTestId('run-entry').textContent()).toMatch(/Tablesorders/);
    expect(await page.getByTestId('run-progress').getAttribute('data-run-state')).toBe('completed');
  });

  it('shows a refused configuration at its fields, then applies the corrected one', async () => {
    await page.getByRole('link', { name: 'Configuration' }).click();
    await page.getByRole('button', { name: 'Add table' }).click();
    await page.getByRole('button', { name: 'Save configuration' }).click();
    // The new table has no name yet, and source_priority needs `prefer` in bidirectional mode: the first
    // problem shows at its field, the second (a key the entry lacks) at the table's group.
    const name = page.locator('[data-path="sync.tables[2].name"]');
    await expect.poll(() => name.getAttribute('aria-invalid'), { timeout: 30_000 }).toBe('true');
    expect(await page.locator(`[id="${await name.getAttribute('aria-describedby')}"]`).textContent()).toBe(
      'must not be empty',
    );
    const group = page.locator('fieldset[data-path="sync.tables[2]"]');
    expect(await group.getAttribute('aria-invalid')).toBe('true');
    expect(
      await page.locator(`[id="${await group.getAttribute('aria-describedby')}"]`).textContent(),
    ).toMatch(/^sync\.tables\[2\]\.prefer: required when sync\.mode is bidirectional/);
    // The part of the form with the problems, as the operator sees it after saving.
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot('config', page, false);
    await group.scrollIntoViewIfNeeded();
    await screenshot('config-problems', page, false);

    await name.fill('extras');
    await page.locator('[data-path="sync.tables[2].conflict_resolution"]').selectOption('manual');
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await expect
      .poll(() => page.getByTestId('config-saved').textContent(), { timeout: 60_000 })
      .toMatch(/In effect now: .*sync\.tables/);
    expect(await name.getAttribute('aria-invalid')).toBe('false');
    await eventually(() => expectTablesEqual(fixture, 'extras', 'id'), 60_000);
    await fixture.source.query("INSERT INTO extras VALUES (2, 'two')");
    await eventually(() => expectTablesEqual(fixture, 'extras', 'id'), 30_000);
    expect(await fixture.target.query('SELECT label FROM extras ORDER BY id')).toEqual([
      { label: 'one' },
      { label: 'two' },
    ]);
  });

  it('removes the read-only token whose row is removed, and only that one', async () => {
    const savedTokens = async (): Promise<unknown> => {
      const response = await fetch(`http://127.0.0.1:${service.port}/api/v1/config`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      const view = (await response.json()) as { config: { server: { read_only_tokens: string[] } } };
      return view.config.server.read_only_tokens;
    };
    const before = (await savedTokens()) as string[];
    expect(before).toHaveLength(3);
    const tokens = page.locator('fieldset[data-path="server.read_only_tokens"]');
    expect(await tokens.locator('.secret-row').count()).toBe(3);
    await tokens.getByRole('button', { name: /^Remove entry 1 of read only tokens/ }).click();
    expect(await tokens.locator('.secret-row').count()).toBe(2);
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await expect
      .poll(() => page.getByTestId('config-saved').textContent(), { timeout: 30_000 })
      .toMatch(/In effect now: server\.read_only_tokens\./);
    // The first token is gone; the second and third keep their placeholders, so their tokens. A token change
    // takes effect at once, without a restart.
    expect(await savedTokens()).toEqual(before.slice(1));
  });

  it('shows a table paused by a schema change the cloud refuses, and resumes it from the page once fixed', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    // The cloud has a column of that name already, of another type (added unseen: binlog off): it refuses the
    // statement the service carries over.
    await fixture.target.query(
      'SET SESSION sql_log_bin = 0; ALTER TABLE extras ADD COLUMN note INT NULL; SET SESSION sql_log_bin = 1',
    );
    await fixture.source.query(
      "ALTER TABLE extras ADD COLUMN note VARCHAR(20) NULL; INSERT INTO extras VALUES (3, 'three', 'held')",
    );
    const entry = page.getByTestId('paused-local_to_cloud-extras');
    await entry.waitFor({ timeout: 30_000 });
    expect(await entry.locator('.paused-head').textContent()).toBe(
      'extraslocal → cloudschema-changeTABLE_PAUSED_DDL',
    );
    expect(await entry.locator('.paused-message').textContent()).toMatch(
      /extras refused the schema change: Duplicate column name 'note' \(statement from local: ALTER TABLE extras ADD COLUMN note VARCHAR\(20\) NULL\); make extras the same on both sides, then resume/,
    );
    expect(await page.getByTestId('overview').textContent()).toMatch(/^errorpaused tables: extras/);

    // What the message says: the cloud's column made what the statement makes (not binlogged, so not echoed
    // back), then resume: the statement is found applied, not run again.
    await fixture.target.query(
      'SET SESSION sql_log_bin = 0; ALTER TABLE extras MODIFY COLUMN note VARCHAR(20) NULL; SET SESSION sql_log_bin = 1',
    );
    await page.getByRole('button', { name: 'Resume paused tables' }).click();
    const outcome = page.getByTestId('resume-result');
    await outcome.waitFor({ timeout: 60_000 });
    expect(await outcome.locator('li').allTextContents()).toEqual([
      'extras (local → cloud, paused with TABLE_PAUSED_DDL)',
    ]);
    // The held row arrives, and the table no longer shows as paused.
    await eventually(() => expectTablesEqual(fixture, 'extras', 'id'), 30_000);
    expect(await fixture.target.query('SELECT note FROM extras WHERE id = 3')).toEqual([{ note: 'held' }]);
    await expect.poll(() => entry.count(), { timeout: 15_000 }).toBe(0);
    await outcome.getByRole('button', { name: 'Dismiss' }).click();
    expect(await page.getByTestId('paused-tables').count()).toBe(0);
  });

  it('shows a manual conflict as it appears and resolves it with the cloud row on both sides', async () => {
    await page.getByRole('link', { name: 'Conflicts' }).click();
    await page.getByTestId('no-conflicts').waitFor();
    // The cloud's row changes unseen (binlog off); then the local side changes the same row: when the local
    // change reaches the cloud, its before image no longer matches there.
    await fixture.target.query(
      "SET SESSION sql_log_bin = 0; UPDATE items SET label = 'cloud edit', quantity = 5 WHERE id = 1; SET SESSION sql_log_bin = 1",
    );
    await fixture.source.query("UPDATE items SET label = 'local edit' WHERE id = 1");
    // No reload: the list follows the event stream.
    const list = page.getByTestId('conflict-list');
    await list.waitFor({ timeout: 30_000 });
    expect(await list.locator('tbody tr').count()).toBe(1);
    expect(await list.locator('tbody tr').first().textContent()).toMatch(
      /items\{"id":1\}update \/ updatelabel, quantitywaiting/,
    );
    await screenshot('conflicts');

    await list.getByRole('link').first().click();
    const diff = page.getByTestId('row-diff');
    await diff.waitFor();
    expect(await diff.locator('tr[data-differs="true"] th').allTextContents()).toEqual([
      'label ≠ differs',
      'quantity ≠ differs',
    ]);
    await screenshot('conflict');
    await page.getByRole('button', { name: 'Keep cloud' }).click();
    await page.getByRole('button', { name: 'Write to both databases' }).click();
    await expect
      .poll(() => page.getByTestId('resolution').textContent(), { timeout: 30_000 })
      .toMatch(/Resolved with the cloud row by admin/);
    await eventually(async () => {
      await expectTablesEqual(fixture, 'items', 'id');
      expect(await fixture.source.query('SELECT label, quantity FROM items WHERE id = 1')).toEqual([
        { label: 'cloud edit', quantity: 5 },
      ]);
    }, 30_000);
  });

  it('disables changes for a read-only token once the API refuses one, with the reason', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    const tokenField = page.getByLabel('Bearer token');
    await tokenField.fill(readerToken);
    await tokenField.press('Enter');
    // Signed in again on the screen it was on.
    await page.getByRole('heading', { name: 'Conflict' }).waitFor();
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('button', { name: 'Start sync' }).click();
    await page.getByRole('note').waitFor();
    expect(await page.getByRole('note').textContent()).toMatch(/read-only token/);
    expect(await page.getByRole('button', { name: 'Start sync' }).isDisabled()).toBe(true);
    expect(await page.getByTestId('access').textContent()).toBe('read-only token');
    const history = await fetch(`http://127.0.0.1:${service.port}/api/v1/sync/history`, {
      headers: { authorization: `Bearer ${readerToken}` },
    });
    expect(await history.json()).toMatchObject({ total: 1 });
  });

  it('fits a phone screen', async () => {
    const phone = await openPage(browser, { width: 390, height: 844 });
    await phone.page.goto(`${ui.url}/`);
    const tokenField = phone.page.getByLabel('Bearer token');
    await tokenField.fill(adminToken);
    await tokenField.press('Enter');
    await phone.page.locator('[data-testid="stream-state"][data-state="open"]').waitFor();
    await phone.page.getByTestId('direction-cloud_to_local').waitFor();
    const overflow = await phone.page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot('dashboard-phone', phone.page);
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });

  it('logged nothing to the console but the refusals the steps provoked', () => {
    const refusals = laptop.errors.map(
      (error) => /Failed to load resource: the server responded with a status of (\d+)/.exec(error)?.[1],
    );
    expect(laptop.errors.filter((_error, index) => refusals[index] === undefined)).toEqual([]);
    expect(refusals.map(Number)).toEqual(expectedRefusals);
  });
});
