// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright's Locator.innerText(), not the DOM property; the rendered text is what an operator reads
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Status } from '../support/admin-contract.js';
import {
  type Browser,
  browserTestsRun,
  card,
  live,
  openBrowser,
  tabTo,
  targetRow,
} from '../support/browser.js';
import { DASH_INCIDENT } from '../support/fake-admin.js';
import { INCIDENT_PATH, startIncidentGateway } from '../support/gateway-incident.js';
import { load, type Stack } from '../support/stack.js';

/**
 * The dashboard in a real browser against the real gateway (no fake anywhere but the simulated fleet): the dead
 * build ejected by real traffic, what the person on call sees, their pull by keyboard, another operator's restore
 * arriving over the live feed, and the session's defences — once in demo mode, once with an admin token.
 *
 * ALIASGATE_DOCS_SCREENSHOT=1 also writes docs/dashboard.png (scripts/screenshot-dashboard.mjs sets it).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The gateway's clock at the start (UTC, as the browser's zone is), so the times on the page are known. */
const START = Date.parse('2026-11-24T14:02:00Z');
const TOKEN = 'correct-horse-battery-staple';
/** Laptop-sized: the attention box, the incident's card and the timeline side by side. */
const VIEWPORT = { width: 1400, height: 900 };
const runs = browserTestsRun('test/browser/dashboard-gateway.test.ts');

const {
  alias: ALIAS,
  deadBuild: DEAD,
  healthyBuild: HEALTHY,
  deadMessage: DEAD_MESSAGE,
  newBuild: NEW,
} = DASH_INCIDENT;
const SPARE = { alias: DASH_INCIDENT.twoBuildAlias, model: DASH_INCIDENT.spareBuild };

let stack: Stack | undefined;
let browser: Browser | undefined;
let attacker: Server | undefined;
afterEach(async () => {
  await browser?.close();
  await stack?.close();
  await new Promise((resolve) => (attacker ? attacker.close(resolve) : resolve(undefined)));
  browser = undefined;
  stack = undefined;
  attacker = undefined;
});

/**
 * Three minutes of the incident, ten seconds at a time: clients keep calling the incident's alias and its siblings,
 * and whenever an ejection ends the health check fails (the build is dead) and ejects it again, for longer.
 */
async function driveIncident(s: Stack, clock: ManualClock): Promise<void> {
  for (let step = 0; step < 18; step++) {
    clock.advance(10_000);
    await s.gateway.checker.tick();
    await load(s.url, INCIDENT_PATH, { total: 4, concurrency: 1 });
    for (const sibling of ['gemini-flash-latest', SPARE.alias, 'gemini-3-flash-preview']) {
      await load(s.url, `/v1beta/models/${sibling}:generateContent`, { total: 2, concurrency: 1 });
    }
  }
}

/** The admin API as another operator (or a script) reaches it: the token when there is one, else loopback alone. */
function operatorHeaders(token: string | undefined): Record<string, string> {
  return { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

async function statusOf(token: string | undefined): Promise<Status> {
  const res = await fetch(`${stack!.adminUrl}/admin/status`, { headers: operatorHeaders(token) });
  return Status.parse(await res.json());
}

async function targetStateOf(token: string | undefined, alias: string, model: string): Promise<string> {
  const status = await statusOf(token);
  return status.aliases.find((a) => a.name === alias)!.targets.find((t) => t.model === model)!.state;
}

/** A page on another origin of this host (same site, so a SameSite=Strict cookie still rides along). */
async function startAttacker(): Promise<string> {
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>elsewhere</title><p>nothing to see</p>');
  });
  await new Promise<void>((resolve) => attacker!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
}

async function signIn(page: Page, token: string): Promise<void> {
  const field = page.getByLabel('Admin token');
  await field.fill(token);
  await field.press('Enter');
}

/** The page of a fresh gateway, signed in when there is a token, connected to the live feed. */
async function openDashboard(token: string | undefined): Promise<Browser> {
  browser = await openBrowser(VIEWPORT);
  await browser.page.goto(`${stack!.adminUrl}/dashboard`);
  if (token) await signIn(browser.page, token);
  await live(browser.page);
  await browser.page.evaluate('window.sameDocument = true');
  return browser;
}

/** Types into the focused field, replacing what it holds, then moves on to the next one. */
async function typeAndTab(page: Page, text: string): Promise<void> {
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
  await page.keyboard.press('Tab');
}

const MODES = [
  { mode: 'demo mode (open on loopback)', token: undefined, screenshot: 'dashboard-gateway.png' },
  { mode: 'an admin token', token: TOKEN, screenshot: 'dashboard-gateway-token.png' },
] as const;

describe.skipIf(!runs)('the dashboard on the real gateway', () => {
  describe.each(MODES)('with $mode', ({ token, screenshot }) => {
    it('shows the ejected build with its 404; a pull by keyboard and another operator’s restore show live; a foreign or headerless POST is refused', async () => {
      const clock = new ManualClock(START);
      stack = await startIncidentGateway({ clock, ...(token ? { token } : {}) });
      await driveIncident(stack, clock);
      browser = await openBrowser(VIEWPORT);
      const { page, context, problems } = browser;
      const admin = stack.adminUrl;

      await page.goto(`${admin}/dashboard`);
      if (token) {
        expect(await page.locator('article.alias').count()).toBe(0);
        await signIn(page, token);
      }
      await live(page);
      expect(page.url()).toBe(`${admin}/dashboard`);
      if (token) {
        expect(await context.cookies()).toEqual([
          expect.objectContaining({ name: 'aliasgate_admin', httpOnly: true, sameSite: 'Strict' }),
        ]);
        expect(await page.evaluate('document.cookie')).toBe('');
      }

      // what the person on call sees: the dead build out of rotation, the upstream's own words, since when
      expect(await card(page, ALIAS).locator('[data-status]').innerText()).toBe('degraded');
      const dead = await targetRow(page, ALIAS, DEAD).innerText();
      // out at 14:02:00 for 30 s, then 60 s and 90 s after each failed check (plus under a second of jitter)
      expect(dead).toMatch(/ejected until 14:05:2\d/);
      expect(dead).toContain('3rd ejection · out since 14:02:00 (3m ago)');
      expect(dead).toContain(DEAD_MESSAGE);
      expect(await targetRow(page, ALIAS, HEALTHY).locator('.state-label').innerText()).toBe('in rotation');
      const attention = await page.locator('#attention').innerText();
      expect(attention).toContain(`${ALIAS} degraded since 14:02:00 (3m ago)`);
      expect(attention).toContain('clients: 100% succeed over the last minute');
      expect(attention).toContain(`sim/${DEAD} ejected until`);
      const firstEjection = page.locator('#timeline > li[data-kind="ejected"]').last();
      expect(await firstEjection.innerText()).toContain(`3 target faults in a row; last: ${DEAD_MESSAGE}`);
      expect(await firstEjection.locator('time').innerText()).toBe('14:02:00');
      expect(await page.locator('#timeline > li[data-kind="health_check"]').first().innerText()).toContain(
        `health check failed\n${ALIAS} · sim/${DEAD}`,
      );

      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test-results', screenshot) });
      if (!token && process.env.ALIASGATE_DOCS_SCREENSHOT) {
        await page.screenshot({ path: join(ROOT, 'docs', 'dashboard.png') });
      }

      // the operator pulls a healthy build of another alias, by keyboard, with a reason
      await page.evaluate('window.sameDocument = true');
      await tabTo(page, `Pull sim/${SPARE.model} from ${SPARE.alias}`);
      await page.keyboard.press('Enter');
      await page.locator('#target-dialog[open]').waitFor();
      const reason = 'draining before the 15:00 rollout';
      await page.keyboard.type(reason);
      await page.keyboard.press('Tab');
      await page.keyboard.type('tester');
      await page.keyboard.press('Enter');
      const row = targetRow(page, SPARE.alias, SPARE.model);
      await row.locator('.state-label', { hasText: 'pulled by tester' }).waitFor();
      expect(await row.locator('.message').innerText()).toContain(reason);
      expect(await card(page, SPARE.alias).locator('[data-status]').innerText()).toBe('degraded');
      const newest = page.locator('#timeline > li').first();
      expect(await newest.getAttribute('data-kind')).toBe('pull');
      expect(await newest.innerText()).toMatch(
        new RegExp(`pulled[\\s\\S]*sim/${SPARE.model} — by tester[\\s\\S]*${reason}`),
      );
      expect(await targetStateOf(token, SPARE.alias, SPARE.model)).toBe('pulled');
      // the audit log has it first in the alias's History
      await tabTo(page, `History of ${SPARE.alias}`, 'Shift+Tab');
      await page.keyboard.press('Enter');
      const latest = page.locator('#history-dialog tbody tr').first();
      await latest.waitFor();
      expect((await latest.innerText()).split('\t').slice(1)).toEqual([
        'pull',
        SPARE.model,
        'tester',
        reason,
      ]);
      await page.keyboard.press('Escape');
      await page.locator('#history-dialog').waitFor({ state: 'hidden' });

      // another operator restores it through the API: the page hears it over the live feed, asking nothing
      const asked: string[] = [];
      page.on('request', (r) => asked.push(`${r.method()} ${new URL(r.url()).pathname}`));
      const restore = await fetch(`${admin}/admin/restore`, {
        method: 'POST',
        headers: operatorHeaders(token),
        body: JSON.stringify({ ...SPARE, reason: 'rollout postponed', by: 'ana' }),
      });
      expect(restore.status).toBe(200);
      await row.locator('.state-label', { hasText: 'in rotation' }).waitFor();
      expect(await card(page, SPARE.alias).locator('[data-status]').innerText()).toBe('healthy');
      expect(await newest.getAttribute('data-kind')).toBe('restore');
      expect(await newest.innerText()).toMatch(/restored[\s\S]*— by ana[\s\S]*rollout postponed/);
      expect(asked).toEqual([]);
      expect(await page.evaluate('window.sameDocument')).toBe(true);

      // a page on another origin posts to the admin API with the browser's credentials: refused
      const elsewhere = await context.newPage();
      await elsewhere.goto(await startAttacker());
      const attempt = elsewhere.waitForResponse(`${admin}/admin/pull`);
      await elsewhere.evaluate(
        ([url, body]) =>
          fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body }).then(() => undefined),
        [
          `${admin}/admin/pull`,
          JSON.stringify({ alias: ALIAS, model: HEALTHY, reason: 'gotcha', by: 'mallory' }),
        ] as const,
      );
      // 403, not 401: the cookie did ride along (same site), the request was refused as foreign
      expect((await attempt).status()).toBe(403);
      await elsewhere.close();
      expect(await targetStateOf(token, ALIAS, HEALTHY)).toBe('in_rotation');

      // this page's own origin, the session's cookie when there is one, but no CSRF header: refused too
      const json = { ...SPARE, reason: 'scripted', by: 'script' };
      const headerless = await context.request.post(`${admin}/admin/pull`, {
        data: json,
        headers: { origin: admin },
      });
      expect(headerless.status()).toBe(403);
      expect((await headerless.json()).error.status).toBe('PERMISSION_DENIED');
      const withHeader = await context.request.post(`${admin}/admin/restore`, {
        data: json,
        headers: { origin: admin, 'x-aliasgate-csrf': '1' },
      });
      expect([withHeader.status(), (await withHeader.json()).changed]).toEqual([200, false]);

      expect(problems).toEqual([]);
    });

    it('a rollout started by keyboard shows at once, moves to its next step when the gateway judges it, and stops when aborted', async () => {
      const clock = new ManualClock(START);
      stack = await startIncidentGateway({ clock, ...(token ? { token } : {}) });
      const { page, problems } = await openDashboard(token);
      const incident = card(page, ALIAS);
      const panel = incident.locator('section.rollout');
      expect(await panel.count()).toBe(0);

      // the fixed build, rolled out over the incident's alias in steps of 30 seconds
      await tabTo(page, `Roll out a build to ${ALIAS}`);
      await page.keyboard.press('Enter');
      await page.locator('#rollout-dialog[open]').waitFor();
      expect(await page.locator(':focus').getAttribute('id')).toBe('rollout-model');
      await typeAndTab(page, NEW);
      expect(await page.locator(':focus').getAttribute('id')).toBe('rollout-upstream');
      await page.keyboard.press('Tab'); // upstream sim, the only one
      await page.keyboard.press('Tab'); // replaces nothing
      await typeAndTab(page, '10,50,100');
      await typeAndTab(page, '30s');
      await page.keyboard.press('Tab'); // no maximum failure rate
      await typeAndTab(page, '10');
      await typeAndTab(page, 'the fix for the 404s');
      await page.keyboard.type('tester');
      await page.keyboard.press('Enter');
      await page.locator('#rollout-dialog').waitFor({ state: 'hidden' });

      await panel.waitFor();
      expect(await panel.locator('.rollout-state').innerText()).toBe('running · step 1/3 · 10%');
      expect(await panel.locator('.steps [aria-current="step"]').innerText()).toBe('10%');
      const head = await panel.locator('.rollout-head').innerText();
      expect(head).toContain(`sim/${NEW}`);
      expect(head).toContain('by tester, started 14:02:00');
      expect(await panel.locator('.rollout-counts').innerText()).toBe(
        'this step: new build no requests yet · other targets no requests yet · judged at 14:02:30 (in 30s)',
      );
      // the new build is one of the alias's targets now, with a tenth of its weight
      const fresh = targetRow(page, ALIAS, NEW);
      expect(await fresh.locator('.badge-rollout').innerText()).toBe('new build');
      expect(await fresh.locator('th .sub').innerText()).toMatch(/^weight 11\.1 · /);
      const started = page.locator('#timeline > li').first();
      expect(await started.getAttribute('data-kind')).toBe('rollout');
      expect(await started.innerText()).toMatch(
        new RegExp(`rollout started[\\s\\S]*${ALIAS} · sim/${NEW} — by tester[\\s\\S]*the fix for the 404s`),
      );

      // clients call the alias; when the step's 30 s are up the gateway judges it on what they got, and the page
      // hears of it over the live feed, asking nothing
      const asked: string[] = [];
      page.on('request', (r) => asked.push(`${r.method()} ${new URL(r.url()).pathname}`));
      const { failures } = await load(stack.url, INCIDENT_PATH, { total: 150, concurrency: 4 });
      expect(failures).toEqual([]);
      clock.advance(30_000);
      await stack.gateway.lifecycle.tick();
      await panel.locator('.rollout-state', { hasText: 'running · step 2/3 · 50%' }).waitFor();
      expect(await panel.locator('.steps [aria-current="step"]').innerText()).toBe('50%');
      expect(await panel.locator('.step-done').innerText()).toBe('10%');
      expect(await panel.locator('.rollout-decision').innerText()).toMatch(
        /^LAST DECISION step 1\/3: pass; candidate 0\/\d+ failed .* → step 2\/3 \(50%\)$/i,
      );
      expect(await panel.locator('.rollout-counts').innerText()).toContain(
        'this step: new build no requests yet',
      );
      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test-results', `rollout-${screenshot}`) });
      const advanced = page.locator('#timeline > li').first();
      expect(await advanced.locator('.event-kind').innerText()).toBe('rollout → 50%');
      expect(asked).toEqual([]);

      // stopped by keyboard, with a reason: the new build's share goes to 0 and it leaves the alias
      await tabTo(page, `Abort the rollout of sim/${NEW} to ${ALIAS}`);
      await page.keyboard.press('Enter');
      await page.locator('#change-dialog[open]').waitFor();
      expect(await page.locator('#change-title').innerText()).toBe(
        `Abort the rollout of sim/${NEW} to ${ALIAS}`,
      );
      await page.keyboard.type('latency regression seen elsewhere');
      await page.keyboard.press('Tab');
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type('tester');
      await page.keyboard.press('Enter');
      await panel.locator('.rollout-state', { hasText: 'aborted at step 2/3 · 50%' }).waitFor();
      expect(await panel.locator('.rollout-stopped').innerText()).toMatch(
        /^WHY IT STOPPED aborted by tester: latency regression seen elsewhere$/i,
      );
      expect(await panel.locator('.step-stopped').innerText()).toBe('50%');
      expect(await panel.locator('button').count()).toBe(0);
      expect(await panel.locator('.rollout-counts').innerText()).toMatch(/ended 14:02:30 \(just now\)$/);
      await fresh.waitFor({ state: 'detached' });
      const aborted = page.locator('#timeline > li').first();
      expect(await aborted.locator('.event-kind').innerText()).toBe('rollout aborted');
      expect(await aborted.getAttribute('data-tone')).toBe('warn');
      const status = await statusOf(token);
      expect(status.aliases.find((a) => a.name === ALIAS)?.rollout).toMatchObject({
        state: 'aborted',
        step: 1,
      });
      expect(await page.evaluate('window.sameDocument')).toBe(true);
      expect(problems).toEqual([]);
    });
  });
});
