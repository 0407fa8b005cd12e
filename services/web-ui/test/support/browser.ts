/**
 * Headless Chromium for the end-to-end tests: Debian's `/usr/bin/chromium` (or CHROMIUM_PATH) driven by
 * playwright-core — playwright's own browser downloads are not used. Collects the page's console errors,
 * Content-Security-Policy violations and uncaught exceptions so a test can assert there were none it did not
 * expect.
 */
import { access, mkdir, mkdtemp } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  try {
    await access(chromiumPath, fsConstants.X_OK);
  } catch (error) {
    throw new Error(
      `no Chromium at ${chromiumPath}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`,
      { cause: error },
    );
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // As root (CI), Chromium needs --no-sandbox; the page is our own, served from this machine.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

export interface WatchedPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught exceptions, in order. */
  readonly errors: string[];
}

export async function openPage(
  browser: Browser,
  viewport: { width: number; height: number } = { width: 1280, height: 860 },
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, colorScheme: 'light', locale: 'en-GB' });
  // A Content-Security-Policy violation (a script, style, image or connection the policy blocked) reaches the
  // console as an error of its own, so a policy that breaks the dashboard fails the tests.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      // eslint-disable-next-line no-console -- the browser's console is how the test hears of it
      console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`exception: ${error.message}`));
  return { context, page, errors };
}

/**
 * Where screenshots go: `MYSQL_SYNC_SCREENSHOT_DIR` (the README's are made with `npm run screenshots`, which
 * points it at docs/screenshots), else a temporary directory so a plain test run leaves the work tree alone.
 */
export async function screenshotDirectory(): Promise<string> {
  const configured = process.env.MYSQL_SYNC_SCREENSHOT_DIR;
  if (configured !== undefined && configured !== '') {
    const directory = path.resolve(configured);
    await mkdir(directory, { recursive: true });
    return directory;
  }
  return mkdtemp(path.join(tmpdir(), 'mysql-sync-screenshots-'));
}
