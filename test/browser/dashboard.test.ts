// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright's Locator.innerText(), not the DOM property; the rendered text is what an operator reads
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  type Browser,
  browserTestsRun,
  card,
  live,
  openBrowser,
  tabTo,
  targetRow,
} from '../support/browser.js';
import {
  DASH_INCIDENT,
  type FakeAdmin,
  type FakeAdminOptions,
  startFakeAdmin,
} from '../support/fake-admin.js';

/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against the fake admin API:
 * what the person on call sees during the incident, and what happens when they act, by keyboard.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOT = join(ROOT, 'test-results', 'dashboard.png');
/** A fixed gateway time (UTC, as the browser's zone is), so the times on the page are known. */
const START = Date.parse('2026-11-24T14:05:00Z');
const TOKEN = 'correct-horse-battery-staple';

const runs = browserTestsRun('test/browser/dashboard.test.ts');

interface Session {
  fake: FakeAdmin;
  clock: ManualClock;
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors, failed requests and HTTP errors, as they happened. */
  problems: string[];
}

let open: { fake: FakeAdmin; browser: Browser } | undefined;

afterEach(async () => {
  await open?.browser.close();
  await open?.fake.close();
  open = undefined;
});

async function start(options: FakeAdminOptions = {}): Promise<Session> {
  const clock = new ManualClock(START);
  const fake = await startFakeAdmin({ clock, ...options });
  const browser = await openBrowser();
  open = { fake, browser };
  return { fake, clock, context: browser.context, page: browser.page, problems: browser.problems };
}

describe.skipIf(!runs)('dashboard', () => {
  it('shows the dead build ejected with the 404 that caused it, its sibling serving, and the story', async () => {
    const { page, fake, problems } = await start();
    await page.goto(`${fake.url}/dashboard`);
    await live(page);

    const incident = card(page, DASH_INCIDENT.alias);
    expect(await incident.locator('[data-status]').innerText()).toBe('degraded');
    const dead = await targetRow(page, DASH_INCIDENT.alias, DASH_INCIDENT.deadBuild).innerText();
    expect(dead).toContain('ejected until 14:05:05 (by host-b:4242)');
    expect(dead).toContain('4th ejection · out since 14:00:02 (4m ago)');
    expect(dead).toContain(DASH_INCIDENT.deadMessage);
    const healthy = await targetRow(page, DASH_INCIDENT.alias, DASH_INCIDENT.healthyBuild).innerText();
    expect(healthy).toContain('in rotation');
    for (const sibling of [
      'gemini-flash-latest',
      'gemini-3-flash-preview',
      'gemini-2.5-flash',
      'gemini-2.0-flash',
    ])
      expect(await card(page, sibling).locator('[data-status]').innerText()).toBe('healthy');

    const attention = await page.locator('#attention').innerText();
    expect(attention).toContain('gemini-3.5-flash degraded since 14:00:02 (4m ago)');
    expect(attention).toContain('clients: 100% succeed over the last minute');
    expect(attention).toContain(`sim/${DASH_INCIDENT.deadBuild} ejected until 14:05:05`);

    const firstEjection = page.locator('#timeline > li[data-kind="ejected"]').last();
    expect(await firstEjection.innerText()).toContain(
      `3 target faults in a row; last: ${DASH_INCIDENT.deadMessage}`,
    );
    expect(await page.locator('#timeline > li').first().locator('time').innerText()).toBe('14:03:05');
    expect(await page.locator('#facts').innerText()).toMatch(
      /replica host-a:4242[\s\S]*fleet redis, 2 replicas/,
    );

    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(problems).toEqual([]);
  });

  it('pulls a healthy build by keyboard with a reason; it shows as pulled at once, in place, and in the timeline', async () => {
    const { page, fake, problems } = await start();
    await page.goto(`${fake.url}/dashboard`);
    await live(page);
    await page.evaluate('window.sameDocument = true');
    const alias = DASH_INCIDENT.twoBuildAlias;
    const model = DASH_INCIDENT.spareBuild;

    // Escape leaves a dialog without a change and gives focus back
    await tabTo(page, `Stage of ${alias}`);
    await page.keyboard.press('Enter');
    await page.locator('#stage-dialog[open]').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('#stage-dialog').waitFor({ state: 'hidden' });
    expect(await page.locator(':focus').getAttribute('aria-label')).toBe(`Stage of ${alias}`);

    await tabTo(page, `Pull sim/${model} from ${alias}`);
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.locator('#target-dialog[open]').waitFor();
    expect(await page.locator(':focus').getAttribute('id')).toBe('target-reason');
    // a reason is required: Enter alone sends nothing
    await page.keyboard.press('Enter');
    expect(fake.fleet.audit(10).filter((e) => e.action === 'pull')).toEqual([]);
    const reason = 'draining before the 15:00 rollout';
    await page.keyboard.type(reason);
    await page.keyboard.press('Tab');
    await page.keyboard.type('tester');
    await page.keyboard.press('Enter');

    const row = targetRow(page, alias, model);
    await row.locator('.state-label', { hasText: 'pulled by tester' }).waitFor();
    expect(await row.locator('.message').innerText()).toContain(reason);
    expect(await card(page, alias).locator('[data-status]').innerText()).toBe('degraded');
    const newest = page.locator('#timeline > li').first();
    expect(await newest.getAttribute('data-kind')).toBe('pull');
    expect(await newest.innerText()).toMatch(
      new RegExp(`pulled[\\s\\S]*sim/${model} — by tester[\\s\\S]*${reason}`),
    );
    // the focused button is the same element, now offering the way back
    expect(await page.locator(':focus').getAttribute('aria-label')).toBe(`Restore sim/${model} to ${alias}`);
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(fake.fleet.audit(1)[0]).toMatchObject({ action: 'pull', actor: 'tester', alias, model, reason });

    // and the alias's history (the audit log) has it first
    await tabTo(page, `History of ${alias}`, 'Shift+Tab');
    await page.keyboard.press('Enter');
    const latest = page.locator('#history-dialog tbody tr').first();
    await latest.waitFor();
    expect((await latest.innerText()).split('\t').slice(1)).toEqual(['pull', model, 'tester', reason]);
    await page.keyboard.press('Escape');
    await page.locator('#history-dialog').waitFor({ state: 'hidden' });
    expect(problems).toEqual([]);
  });

  it('changes an alias’s stage: deprecating needs a replacement, and the card and timeline show the change', async () => {
    const { page, fake, problems } = await start();
    await page.goto(`${fake.url}/dashboard`);
    await live(page);
    const alias = 'gemini-3-flash-preview';
    await card(page, alias)
      .getByRole('button', { name: `Stage of ${alias}` })
      .click();
    const dialog = page.locator('#stage-dialog');
    await dialog.getByLabel('Stage', { exact: true }).selectOption('deprecated');
    await dialog.getByLabel('Reason').fill('3.5 is GA');
    await dialog.getByLabel('Your name').fill('tester');
    await dialog.getByRole('button', { name: 'Change stage' }).click();
    // the browser holds the form back and points at what is missing; nothing reached the gateway
    expect(await page.locator(':focus').getAttribute('id')).toBe('stage-replacement');
    expect(await dialog.getAttribute('open')).not.toBeNull();
    expect(fake.fleet.timeline.filter((e) => e.kind === 'stage')).toEqual([]);

    await dialog.getByLabel('Replacement alias').fill('gemini-3.5-flash');
    await dialog.getByLabel('Shutdown date').fill('2027-03-31');
    await dialog.getByRole('button', { name: 'Change stage' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const head = card(page, alias).locator('.alias-head');
    await head.locator('.badge', { hasText: 'deprecated' }).waitFor();
    const text = await head.innerText();
    expect(text).toContain('use gemini-3.5-flash · shutdown 2027-03-31');
    expect(text).toContain('set by operator');
    const newest = page.locator('#timeline > li').first();
    expect(await newest.innerText()).toContain(
      'preview → deprecated (use gemini-3.5-flash, shutdown 2027-03-31): 3.5 is GA',
    );
    // the timeline narrowed to this alias: its change, and the reload that concerns every alias
    await page.getByLabel('Show events of').selectOption(alias);
    const shown = page.locator('#timeline > li:not([hidden])');
    expect(await shown.evaluateAll((items) => items.map((li) => li.getAttribute('data-kind')))).toEqual([
      'stage',
      'reload',
    ]);
    expect(problems).toEqual([]);
  });

  it('is locked without the token, rejects a wrong one, and opens with the right one (cookie out of reach of scripts)', async () => {
    const { page, fake, context, problems } = await start({ token: TOKEN });
    await page.goto(`${fake.url}/dashboard`);
    const token = page.getByLabel('Admin token');
    await token.waitFor();
    expect(await page.locator('article.alias').count()).toBe(0);
    expect(await page.locator('#token-rejected').isVisible()).toBe(false);

    await token.fill('not-the-token');
    await token.press('Enter');
    await page.waitForURL(/#token-rejected$/);
    expect(await page.locator('#token-rejected').isVisible()).toBe(true);

    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByLabel('Admin token').press('Enter');
    await live(page);
    expect(page.url()).toBe(`${fake.url}/dashboard`);
    const cookies = await context.cookies();
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'aliasgate_admin', httpOnly: true, sameSite: 'Strict' }),
    ]);
    expect(await page.evaluate('document.cookie')).toBe('');

    // a start-up link carrying the token once: the cookie is set and the token leaves the address bar
    await context.clearCookies();
    await page.goto(`${fake.url}/dashboard?token=${TOKEN}`);
    await live(page);
    expect(page.url()).toBe(`${fake.url}/dashboard`);
    expect(problems).toEqual([]);
  });

  it('shows the token form in place when the session ends under it', async () => {
    const { page, fake, problems } = await start({ token: TOKEN });
    await page.goto(`${fake.url}/dashboard?token=${TOKEN}`);
    await live(page);
    fake.expireSessions();
    fake.dropEventStreams();
    await page.locator('#link[data-link="locked"]').waitFor();
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByLabel('Admin token').press('Enter');
    await live(page);
    // what the browser logged is the stream's cut and the refusals that told the page to ask for the token
    const expected = /ERR_INCOMPLETE_CHUNKED_ENCODING|failed: GET .*\/admin\/events|401/;
    expect(problems.filter((p) => !expected.test(p))).toEqual([]);
    expect(problems.filter((p) => p.startsWith('HTTP 401'))).toEqual([
      expect.stringMatching(/GET .*\/admin\/events$/),
      expect.stringMatching(/GET .*\/admin\/status$/),
    ]);
  });

  it('warns when the operator store is down and shows the gateway’s refusal in the dialog', async () => {
    const { page, fake, problems } = await start();
    await page.goto(`${fake.url}/dashboard`);
    await live(page);
    const detail = 'SQLITE_READONLY: attempt to write a readonly database';
    fake.setStore('operator', { ok: false, detail });
    await page.locator('[data-store="operator store"]', { hasText: 'operator store DOWN' }).waitFor();
    expect(await page.locator('#attention').innerText()).toContain(
      'Operator store down: pulls, restores and stage changes cannot be saved.',
    );

    const alias = DASH_INCIDENT.twoBuildAlias;
    await page.getByRole('button', { name: `Pull sim/${DASH_INCIDENT.spareBuild} from ${alias}` }).click();
    await page.locator('#target-reason').fill('testing the store');
    await page.locator('#target-by').fill('tester');
    await page.locator('#target-submit').click();
    const error = page.locator('#target-dialog .error');
    await error.waitFor();
    expect(await error.innerText()).toBe(`The operator store cannot save this change: ${detail}.`);
    expect(await page.locator('#target-dialog').getAttribute('open')).not.toBeNull();
    expect(await targetRow(page, alias, DASH_INCIDENT.spareBuild).locator('.state-label').innerText()).toBe(
      'in rotation',
    );
    // the refusal itself is the only error the browser saw
    expect(problems).toEqual([
      expect.stringMatching(/^HTTP 503: POST .*\/admin\/pull$/),
      expect.stringMatching(/^console error: .*503/),
    ]);
  });

  it('follows the incident live, and reconnects after the stream drops without repeating the timeline', async () => {
    const { page, fake, clock, problems } = await start();
    await page.goto(`${fake.url}/dashboard`);
    await live(page);
    const row = targetRow(page, DASH_INCIDENT.alias, DASH_INCIDENT.deadBuild);

    clock.advance(5_000); // the fourth ejection ends: health checks start
    await row.locator('.state-label', { hasText: 'health checking' }).waitFor();
    clock.advance(1_000); // the check gets the 404: out again, for longer
    await row.locator('.state-label', { hasText: 'ejected until 14:07:36 (by host-a:4242)' }).waitFor();
    const kinds = await page
      .locator('#timeline > li')
      .evaluateAll((items) => items.slice(0, 3).map((li) => li.getAttribute('data-kind')));
    expect(kinds).toEqual(['ejected', 'health_check', 'checking']);

    fake.dropEventStreams();
    await page.locator('#link[data-link="reconnecting"]').waitFor();
    await page.locator('#link[data-link="live"]').waitFor();
    expect(await page.locator('#timeline > li').count()).toBe(fake.fleet.timeline.length);
    // the cut itself is the only error the browser saw
    const cut = /failed: GET .*\/admin\/events|ERR_INCOMPLETE_CHUNKED_ENCODING/;
    expect(problems.filter((p) => !cut.test(p))).toEqual([]);
  });

  it('starts a rollout from its form (a refusal stays in the form), follows its steps live, pauses it, and drains a build', async () => {
    const { page, fake, clock, problems } = await start();
    await page.goto(`${fake.url}/dashboard`);
    await live(page);
    const alias = DASH_INCIDENT.alias;
    const build = `sim/${DASH_INCIDENT.newBuild}`;

    await card(page, alias)
      .getByRole('button', { name: `Roll out a build to ${alias}` })
      .click();
    const form = page.locator('#rollout-dialog');
    await form.getByLabel('New build').fill(DASH_INCIDENT.newBuild);
    expect(await form.getByLabel('Upstream', { exact: true }).inputValue()).toBe('sim');
    expect(await form.getByLabel('Replaces').locator('option').allInnerTexts()).toEqual([
      'nothing: add it beside the others',
      DASH_INCIDENT.healthyBuild,
      DASH_INCIDENT.deadBuild,
    ]);
    await form.getByLabel('Steps').fill('50,10');
    await form.getByLabel('Each step lasts').fill('30s');
    await form.getByLabel('Min requests per step').fill('5');
    await form.getByLabel('Reason').fill('the fix for the 404s');
    await form.getByLabel('Your name').fill('tester');
    await form.getByRole('button', { name: 'Start rollout' }).click();
    // the gateway's own words, and the form kept as it was to be corrected
    const error = form.locator('.error');
    await error.waitFor();
    expect(await error.innerText()).toBe('--steps must increase, got 50,10');
    expect(await form.getAttribute('open')).not.toBeNull();
    await form.getByLabel('Steps').fill('10,50,100');
    await form.getByRole('button', { name: 'Start rollout' }).click();
    await form.waitFor({ state: 'hidden' });

    const panel = card(page, alias).locator('section.rollout');
    await panel.waitFor();
    expect(await panel.locator('.rollout-state').innerText()).toBe('running · step 1/3 · 10%');
    expect(await panel.locator('.rollout-counts').innerText()).toContain('judged at 14:05:30 (in 30s)');
    expect(await targetRow(page, alias, DASH_INCIDENT.newBuild).locator('.badge-rollout').count()).toBe(1);

    // traffic flows for the step's 30 s; the step is judged on it and the page follows, asking nothing
    clock.advance(30_000);
    await panel.locator('.rollout-state', { hasText: 'running · step 2/3 · 50%' }).waitFor();
    expect(await panel.locator('.rollout-decision').innerText()).toMatch(
      /step 1\/3: pass; candidate 0\/\d+ failed \(0\.0%\) vs baseline .* → step 2\/3 \(50%\)$/,
    );
    expect(await page.locator('#timeline > li .event-kind').first().innerText()).toBe('rollout → 50%');
    clock.advance(10_000);
    await panel
      .locator('.rollout-counts', { hasText: /this step: new build 0\/\d+ failed \(0%\)/ })
      .waitFor();

    await panel.getByRole('button', { name: `Pause the rollout of ${build} to ${alias}` }).click();
    const change = page.locator('#change-dialog');
    expect(await change.locator('#change-effect').innerText()).toBe(
      `Holds ${DASH_INCIDENT.newBuild} at 50% of ${alias}; no step is judged until it is resumed.`,
    );
    await change.getByLabel('Reason').fill('lunch');
    await change.getByRole('button', { name: 'Pause' }).click();
    await panel.locator('.rollout-state', { hasText: 'paused · step 2/3 · 50%' }).waitFor();
    expect(await panel.getByRole('button').allInnerTexts()).toEqual(['Resume…', 'Abort…']);
    clock.advance(60_000); // paused: no step is judged
    expect(await panel.locator('.rollout-state').innerText()).toBe('paused · step 2/3 · 50%');

    // another alias's build goes gradually; its row says until when
    const other = DASH_INCIDENT.twoBuildAlias;
    await page.getByRole('button', { name: `Drain sim/${DASH_INCIDENT.spareBuild} from ${other}` }).click();
    const drain = page.locator('#drain-dialog');
    expect(await drain.locator('#drain-effect').innerText()).toMatch(
      /^Lowers its share of gemini-2\.5-flash \(now /,
    );
    await drain.getByLabel('Down to 0 over').fill('5m');
    await drain.getByLabel('Reason').fill('replaced by 001');
    await drain.getByRole('button', { name: 'Drain' }).click();
    const row = targetRow(page, other, DASH_INCIDENT.spareBuild);
    await row.locator('.drain-line').waitFor();
    expect(await row.locator('.drain-line').innerText()).toBe('draining → 0 by 14:11:40');
    expect(await row.getByRole('button', { name: /^Drain/ }).count()).toBe(0);
    expect(await page.locator('#timeline > li .event-kind').first().innerText()).toBe('drain started');
    expect(fake.fleet.audit(1)[0]).toMatchObject({ action: 'drain', actor: 'tester', alias: other });

    // the refusal is the only error the browser saw
    expect(problems).toEqual([
      expect.stringMatching(/^HTTP 400: POST .*\/admin\/rollouts$/),
      expect.stringMatching(/^console error: .*400/),
    ]);
  });
});
