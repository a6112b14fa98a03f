import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  Audit,
  ErrorEnvelope,
  StageChangeResult,
  Status,
  TargetActionResult,
  TimelineEntry,
} from '../support/admin-contract.js';
import {
  DASH_INCIDENT,
  type FakeAdmin,
  type FakeAdminOptions,
  startFakeAdmin,
} from '../support/fake-admin.js';

/**
 * docs/admin-api.md over HTTP, held against the fake admin server the dashboard is built on. Written so the
 * real gateway can be added as a second subject: nothing here reaches into the server but `setStore`.
 */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let fake: FakeAdmin | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeAdminOptions = {}): Promise<FakeAdmin> {
  fake = await startFakeAdmin({
    clock: new ManualClock(Date.parse('2026-11-24T14:05:00Z')),
    statusEveryMs: 0,
    ...options,
  });
  return fake;
}

/** node:http rather than fetch: the tests need to set Host and Origin and to see redirects as they are. */
function call(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const PAGE = { 'x-aliasgate-csrf': '1', 'content-type': 'application/json' };

function post(base: string, path: string, body: unknown, headers: Record<string, string> = PAGE) {
  return call(base, path, { method: 'POST', headers, body: JSON.stringify(body) });
}

/** The events of an /admin/events stream up to and including the first `status`. */
function firstEvents(
  base: string,
  headers: Record<string, string> = {},
): Promise<{ event: string; data: unknown }[]> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/admin/events`, { headers }, (res) => {
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        const frames = text.split('\n\n').filter((f) => f.includes('event: '));
        const parsed = frames.map((f) => ({
          event: /^event: (.*)$/m.exec(f)?.[1] ?? '',
          data: JSON.parse(/^data: (.*)$/m.exec(f)?.[1] ?? 'null'),
        }));
        if (parsed.some((p) => p.event === 'status') && text.endsWith('\n\n')) {
          req.destroy();
          resolve(parsed);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const INCIDENT_PULL = {
  alias: DASH_INCIDENT.twoBuildAlias,
  model: DASH_INCIDENT.spareBuild,
  reason: 'drain before rollout',
  by: 'ana',
};

describe('admin API contract (fake admin server)', () => {
  it('status and the first events of the stream have the documented shape, the timeline oldest first', async () => {
    const { url } = await start();
    const status = Status.parse(JSON.parse((await call(url, '/admin/status')).body));
    const incident = status.aliases.find((a) => a.name === DASH_INCIDENT.alias)!;
    expect(incident).toMatchObject({ status: 'degraded', targetsInRotation: 1 });
    const dead = incident.targets.find((t) => t.model === DASH_INCIDENT.deadBuild)!;
    expect(dead).toMatchObject({ state: 'ejected', by: DASH_INCIDENT.otherReplica, ejections: 4 });
    expect(dead.reason).toContain(DASH_INCIDENT.deadMessage);
    expect(dead.since! < dead.until!).toBe(true);

    const events = await firstEvents(url);
    expect(events.at(-1)?.event).toBe('status');
    Status.parse(events.at(-1)?.data);
    const timeline = events.slice(0, -1).map((e) => {
      expect(e.event).toBe('timeline');
      return TimelineEntry.parse(e.data);
    });
    expect(timeline.length).toBeGreaterThan(0);
    expect(timeline.map((e) => e.id)).toEqual([...timeline.map((e) => e.id)].sort((a, b) => a - b));
    expect(timeline.find((e) => e.kind === 'ejected')?.reason).toBe(
      `3 target faults in a row; last: ${DASH_INCIDENT.deadMessage}`,
    );
  });

  it('pull and restore are idempotent, show in status and in the audit log newest first', async () => {
    const { url } = await start();
    const first = await post(url, '/admin/pull', INCIDENT_PULL);
    expect(TargetActionResult.parse(JSON.parse(first.body))).toEqual({
      action: 'pull',
      alias: INCIDENT_PULL.alias,
      model: INCIDENT_PULL.model,
      changed: true,
    });
    expect(JSON.parse((await post(url, '/admin/pull', INCIDENT_PULL)).body).changed).toBe(false);
    const status = Status.parse(JSON.parse((await call(url, '/admin/status')).body));
    const target = status.aliases
      .find((a) => a.name === INCIDENT_PULL.alias)!
      .targets.find((t) => t.model === INCIDENT_PULL.model);
    expect(target).toMatchObject({ state: 'pulled', by: 'ana', reason: 'drain before rollout' });

    await post(url, '/admin/restore', { ...INCIDENT_PULL, reason: 'rollout done' });
    const audit = Audit.parse(
      JSON.parse((await call(url, `/admin/audit?limit=2&alias=${INCIDENT_PULL.alias}`)).body),
    );
    expect(audit.entries.map((e) => [e.action, e.actor, e.reason])).toEqual([
      ['restore', 'ana', 'rollout done'],
      ['pull', 'ana', 'drain before rollout'],
    ]);
  });

  it('stage changes need a reason, and a replacement when deprecated; answers say what changed', async () => {
    const { url } = await start();
    const change = { alias: 'gemini-3-flash-preview', stage: 'deprecated', reason: 'superseded' };
    const refused = await post(url, '/admin/stage', change);
    expect(refused.status).toBe(400);
    expect(ErrorEnvelope.parse(JSON.parse(refused.body)).error.message).toMatch(/needs a replacement/);
    const ok = await post(url, '/admin/stage', {
      ...change,
      replacement: 'gemini-3.5-flash',
      shutdown: '2027-03-31',
    });
    expect(StageChangeResult.parse(JSON.parse(ok.body))).toEqual({
      alias: change.alias,
      stage: 'deprecated',
      changed: true,
    });
    const status = Status.parse(JSON.parse((await call(url, '/admin/status')).body));
    expect(status.aliases.find((a) => a.name === change.alias)).toMatchObject({
      stage: 'deprecated',
      replacement: 'gemini-3.5-flash',
      shutdown: '2027-03-31',
      stageSource: 'operator',
    });
  });

  it('refusals come in Google’s error envelope with the HTTP status', async () => {
    const server = await start();
    const { url } = server;
    const cases: [Promise<Answer>, number, string, RegExp][] = [
      [post(url, '/admin/pull', { ...INCIDENT_PULL, reason: ' ' }), 400, 'INVALID_ARGUMENT', /reason/],
      [post(url, '/admin/pull', { ...INCIDENT_PULL, alias: 'nope' }), 404, 'NOT_FOUND', /No alias nope/],
      [post(url, '/admin/pull', { ...INCIDENT_PULL, model: 'nope' }), 404, 'NOT_FOUND', /its targets are/],
    ];
    for (const [answer, code, status, message] of cases) {
      const { status: http, body } = await answer;
      expect(http).toBe(code);
      expect(ErrorEnvelope.parse(JSON.parse(body)).error).toMatchObject({
        code,
        status,
        message: expect.stringMatching(message),
      });
    }
    server.setStore('operator', { ok: false, detail: 'SQLITE_READONLY' });
    const down = await post(url, '/admin/pull', INCIDENT_PULL);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body).error).toMatchObject({
      status: 'UNAVAILABLE',
      message: expect.stringContaining('SQLITE_READONLY'),
    });
  });
});

describe('admin API contract: the page’s session (fake admin server)', () => {
  const TOKEN = 'tok-123';

  it('without a session: the API answers 401 and /dashboard the locked page, both under the CSP', async () => {
    const { url } = await start({ token: TOKEN });
    const api = await call(url, '/admin/status');
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body).error.status).toBe('UNAUTHENTICATED');
    const page = await call(url, '/dashboard');
    expect(page.status).toBe(200);
    expect(page.body).toContain('action="/dashboard/login"');
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=/);
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'self';/);
  });

  it('the token buys an HttpOnly cookie (form or start-up link) and the cookie opens the API', async () => {
    const { url } = await start({ token: TOKEN });
    const form = { 'content-type': 'application/x-www-form-urlencoded', origin: url };
    const wrong = await call(url, '/dashboard/login', { method: 'POST', headers: form, body: 'token=nope' });
    expect([wrong.status, wrong.headers.location, wrong.headers['set-cookie']]).toEqual([
      303,
      '/dashboard#token-rejected',
      undefined,
    ]);
    const right = await call(url, '/dashboard/login', {
      method: 'POST',
      headers: form,
      body: `token=${TOKEN}`,
    });
    expect([right.status, right.headers.location]).toEqual([303, '/dashboard']);
    const cookie = String(right.headers['set-cookie']);
    expect(cookie).toMatch(/^aliasgate_admin=[^;]+; HttpOnly; SameSite=Strict; Path=\/$/);
    const session = cookie.split(';')[0]!;
    expect((await call(url, '/admin/status', { headers: { cookie: session } })).status).toBe(200);

    const link = await call(url, `/dashboard?token=${TOKEN}`);
    expect([link.status, link.headers.location]).toEqual([303, '/dashboard']);
    expect(String(link.headers['set-cookie'])).toMatch(/^aliasgate_admin=/);
  });

  it('a state change riding on the cookie needs the CSRF header and this origin; a bearer token needs neither', async () => {
    const { url } = await start({ token: TOKEN });
    const login = await call(url, '/dashboard/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
      body: `token=${TOKEN}`,
    });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const json = { 'content-type': 'application/json', cookie };
    expect((await post(url, '/admin/pull', INCIDENT_PULL, json)).status).toBe(403);
    const foreign = { ...json, 'x-aliasgate-csrf': '1', origin: 'http://evil.example' };
    expect((await post(url, '/admin/pull', INCIDENT_PULL, foreign)).status).toBe(403);
    expect(
      (await post(url, '/admin/pull', INCIDENT_PULL, { ...json, 'x-aliasgate-csrf': '1', origin: url }))
        .status,
    ).toBe(200);
    const bearer = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    expect((await post(url, '/admin/restore', INCIDENT_PULL, bearer)).status).toBe(200);
  });

  it('open (no token) on loopback, but not to a page that reached it under another host name', async () => {
    const { url } = await start();
    expect((await call(url, '/admin/status')).status).toBe(200);
    expect((await call(url, '/admin/status', { headers: { host: 'rebound.example:80' } })).status).toBe(403);
    expect(
      (await post(url, '/admin/pull', INCIDENT_PULL, { 'content-type': 'application/json' })).status,
    ).toBe(403);
  });
});
