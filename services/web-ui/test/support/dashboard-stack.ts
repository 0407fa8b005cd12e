/**
 * What a browser test of the dashboard runs against: a real core-sync (spawned by core-sync's own test harness)
 * over the fixture's two databases, the dashboard's static server pointing at it, and headless Chromium with one
 * watched page. The service is started from the configuration `configure` builds for the dashboard's origin, and
 * is ready once healthy in both directions and `tables` are equal on both sides.
 */
import type { Browser } from 'playwright-core';
import { expect, inject } from 'vitest';
import { findFreePort } from '../../../core-sync/src/sandbox/index.js';
import {
  eventually,
  expectTablesEqual,
  waitUntilHealthy,
  type ServiceProcess,
  type SyncFixture,
} from '../../../core-sync/test/support/sync-fixture.js';
import { startStaticServer } from '../../server/static-server.js';
import { launchChromium, openPage, type WatchedPage } from './browser.js';

export interface DashboardStack {
  readonly service: ServiceProcess;
  readonly ui: { readonly url: string; close(): Promise<void> };
  readonly browser: Browser;
  readonly watched: WatchedPage;
  /** Closes the browser and the static server, and stops the service (which must exit cleanly). */
  close(): Promise<void>;
}

export async function startDashboardStack(
  fixture: SyncFixture,
  configure: (uiOrigin: string) => Record<string, unknown>,
  tables: readonly string[],
): Promise<DashboardStack> {
  const uiPort = await findFreePort();
  const service = await fixture.spawnService(configure(`http://127.0.0.1:${uiPort}`));
  await waitUntilHealthy(service, 2);
  await eventually(async () => {
    for (const table of tables) await expectTablesEqual(fixture, table, 'id');
  }, 60_000);
  const ui = await startStaticServer({
    distDirectory: inject('dashboardDirectory'),
    apiUrl: `http://127.0.0.1:${service.port}`,
    port: uiPort,
    host: '127.0.0.1',
  });
  const browser = await launchChromium();
  const watched = await openPage(browser);
  return {
    service,
    ui,
    browser,
    watched,
    async close() {
      await browser.close();
      await ui.close();
      expect(await service.kill('SIGTERM'), service.output()).toBe(0);
    },
  };
}

/** The URL of the browser tests' "local" or "cloud" server. */
export function dashboardServer(role: 'local' | 'cloud'): string {
  const [set] = inject('testServerSets');
  if (set === undefined) throw new Error('the global setup provided no test servers');
  return set[role];
}
