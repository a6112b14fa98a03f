import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Debian's chromium driven by playwright-core, as the dashboard tests use it: one persistent profile per test,
 * the page's console errors, page errors, failed requests and HTTP errors collected as they happen.
 */

/** Debian's chromium; ALIASGATE_CHROMIUM names another build (or a missing one, to see the skip). */
export const CHROMIUM = process.env.ALIASGATE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const chromiumPresent = existsSync(CHROMIUM);

/**
 * Whether the browser tests of `file` run: without chromium they are skipped, loudly, unless CI is set (then they
 * run and fail, since a CI box without the browser would otherwise pass without testing the page).
 */
export function browserTestsRun(file: string): boolean {
  if (!chromiumPresent && !process.env.CI) {
    const bar = '!'.repeat(78);
    console.warn(
      `\n${bar}\n!!! SKIPPED ${file}: ${CHROMIUM} is missing.\n` +
        `!!! The dashboard is NOT tested. Install it (apt-get install chromium) or set CI to make this fail.\n${bar}\n`,
    );
  }
  return chromiumPresent || !!process.env.CI;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors, failed requests and HTTP errors of `page`, as they happened. */
  problems: string[];
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1366, height: 768 }): Promise<Browser> {
  if (!chromiumPresent)
    throw new Error(`CI is set and ${CHROMIUM} is missing: the dashboard cannot be tested`);
  const profile = mkdtempSync(join(tmpdir(), 'aliasgate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
    timezoneId: 'UTC',
    locale: 'en-GB',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    const error = r.failure()?.errorText;
    // leaving a page ends its event stream that way: not a fault
    if (error === 'net::ERR_ABORTED' && r.url().endsWith('/admin/events')) return;
    problems.push(`failed: ${r.method()} ${r.url()} ${error}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Presses Tab (or `key`) until the focused element has this accessible label; fails after `limit` presses. */
export async function tabTo(page: Page, label: string, key = 'Tab', limit = 120): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press(key);
    if ((await page.locator(':focus').getAttribute('aria-label')) === label) return;
  }
  throw new Error(`Tab never reached "${label}"`);
}

/** The page is connected to the live feed and has drawn the aliases. */
export async function live(page: Page): Promise<void> {
  await page.locator('#link[data-link="live"]').waitFor();
  await page.locator('article.alias').first().waitFor();
}

export function card(page: Page, alias: string) {
  return page.locator(`article[data-key="alias-${alias}"]`);
}

export function targetRow(page: Page, alias: string, model: string, upstream = 'sim') {
  return card(page, alias).locator(`tbody[data-target="${upstream}/${model}"]`);
}
