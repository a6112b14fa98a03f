import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { openSqliteOperatorStore } from '../../src/store/sqlite/sqlite-operator-store.js';
import {
  Audit,
  Drain,
  ErrorEnvelope,
  RetiredList,
  RetireResult,
  Rollout,
  RolloutList,
  StageChangeResult,
  Status,
  TargetActionResult,
  TimelineEntry,
} from '../support/admin-contract.js';
import { DASH_INCIDENT, startFakeAdmin } from '../support/fake-admin.js';
import { startIncidentGateway } from '../support/gateway-incident.js';

/**
 * docs/admin-api.md over HTTP, held against two subjects: the fake admin server the dashboard is built on, and
 * the real gateway over the simulator's incident (its dead build ejected by real traffic). Nothing here reaches
 * into a server but to break its operator store.
 */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One running subject, in demo mode (no token) or with an admin token. */
interface Server {
  url: string;
  /** The dead build's ejection as this subject tells it: by which replica (fleet mode only), how many in a row. */
  ejection: { by?: string; ejections: number };
  /** From now on the operator store cannot save (a read-only SQLite file, say); the message names why. */
  breakOperatorStore(): void;
  close(): Promise<void>;
}

interface Subject {
  name: string;
  start(token?: string): Promise<Server>;
}

const START = Date.parse('2026-11-24T14:05:00Z');
const TOKEN = 'tok-123';

const SUBJECTS: Subject[] = [
  {
    name: 'fake admin server',
    async start(token) {
      const fake = await startFakeAdmin({
        clock: new ManualClock(START),
        statusEveryMs: 0,
        ...(token ? { token } : {}),
      });
      return {
        url: fake.url,
        ejection: { by: DASH_INCIDENT.otherReplica, ejections: 4 },
        breakOperatorStore: () =>
          fake.setStore('operator', {
            ok: false,
            detail: 'SQLITE_READONLY: attempt to write a readonly database',
          }),
        close: () => fake.close(),
      };
    },
  },
  {
    name: 'real gateway',
    async start(token) {
      const clock = new ManualClock(START);
      const store = openSqliteOperatorStore(':memory:', clock);
      const stack = await startIncidentGateway({ clock, operator: store, ...(token ? { token } : {}) });
      return {
        url: stack.adminUrl,
        ejection: { ejections: 1 },
        breakOperatorStore: () => store.testDatabase().pragma('query_only = 1'),
        async close() {
          await stack.close();
          await store.close();
        },
      };
    },
  },
];

let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

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

interface EventStream {
  /** Resolves with the first event, from now on, that `match` accepts. */
  next(match: (e: { event: string; data: unknown }) => boolean): Promise<{ event: string; data: unknown }>;
  close(): void;
}

/** An /admin/events stream that stays open, read event by event after the first status. */
async function openEvents(base: string): Promise<EventStream> {
  type Waiter = {
    match: (e: { event: string; data: unknown }) => boolean;
    resolve(e: unknown): void;
    reject(error: unknown): void;
  };
  let waiting: Waiter[] = [];
  let ready!: () => void;
  const connected = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const req = request(`${base}/admin/events`, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
      const frames = text.split('\n\n');
      text = frames.pop() ?? '';
      for (const f of frames) {
        const event = /^event: (.*)$/m.exec(f)?.[1];
        if (!event) continue;
        const parsed = { event, data: JSON.parse(/^data: (.*)$/m.exec(f)?.[1] ?? 'null') };
        if (event === 'status') ready();
        for (const w of waiting) {
          try {
            if (!w.match(parsed)) continue;
            w.resolve(parsed);
          } catch (error) {
            // an event the test cannot read (a schema mismatch) fails the wait instead of hanging it
            w.reject(error);
          }
          waiting = waiting.filter((other) => other !== w);
        }
      }
    });
  });
  req.on('error', () => {});
  req.end();
  await connected;
  return {
    next: (match) =>
      new Promise((resolve, reject) => {
        waiting.push({ match, resolve: resolve as (e: unknown) => void, reject });
      }),
    close: () => req.destroy(),
  };
}

const INCIDENT_PULL = {
  alias: DASH_INCIDENT.twoBuildAlias,
  model: DASH_INCIDENT.spareBuild,
  reason: 'drain before rollout',
  by: 'ana',
};

const ROLLOUT = {
  alias: DASH_INCIDENT.alias,
  model: DASH_INCIDENT.newBuild,
  upstream: 'sim',
  steps: '10,50,100',
  interval: '30s',
  minRequests: 20,
  reason: 'the fix for the 404s',
  by: 'ana',
};

async function statusOf(url: string): Promise<Status> {
  return Status.parse(JSON.parse((await call(url, '/admin/status')).body));
}

async function aliasOf(url: string, name: string) {
  return (await statusOf(url)).aliases.find((a) => a.name === name)!;
}

/** The error a refused request answered: its HTTP status and Google's envelope. */
function refusal(answer: Answer) {
  return { http: answer.status, ...ErrorEnvelope.parse(JSON.parse(answer.body)).error };
}

describe.each(SUBJECTS)('admin API contract ($name)', (subject) => {
  const start = async (token?: string) => {
    server = await subject.start(token);
    return server;
  };

  it('status and the first events of the stream have the documented shape, the timeline oldest first', async () => {
    const { url, ejection } = await start();
    const status = Status.parse(JSON.parse((await call(url, '/admin/status')).body));
    const incident = status.aliases.find((a) => a.name === DASH_INCIDENT.alias)!;
    expect(incident).toMatchObject({ status: 'degraded', targetsInRotation: 1 });
    const dead = incident.targets.find((t) => t.model === DASH_INCIDENT.deadBuild)!;
    expect(dead).toMatchObject({ state: 'ejected', ...ejection });
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

  it('a change reaches open event streams at once: its timeline entry, then a status that shows it', async () => {
    const { url } = await start();
    const stream = await openEvents(url);
    try {
      const entry = stream.next((e) => e.event === 'timeline');
      const pulled = stream.next(
        (e) =>
          e.event === 'status' &&
          Status.parse(e.data)
            .aliases.find((a) => a.name === INCIDENT_PULL.alias)
            ?.targets.find((t) => t.model === INCIDENT_PULL.model)?.state === 'pulled',
      );
      // no clock moves: the 2-second snapshot never comes, only the push after the change
      expect((await post(url, '/admin/pull', INCIDENT_PULL)).status).toBe(200);
      expect(TimelineEntry.parse((await entry).data)).toMatchObject({
        kind: 'pull',
        alias: INCIDENT_PULL.alias,
        model: INCIDENT_PULL.model,
        actor: 'ana',
        reason: INCIDENT_PULL.reason,
      });
      await pulled;
    } finally {
      stream.close();
    }
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
    const { url, breakOperatorStore } = await start();
    type Case = [Promise<Answer>, number, string, RegExp];
    const cases: Case[] = [
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
    breakOperatorStore();
    const down = await post(url, '/admin/pull', INCIDENT_PULL);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body).error).toMatchObject({
      status: 'UNAVAILABLE',
      message: expect.stringContaining('SQLITE_READONLY'),
    });
    // the page's red warning comes from status; what the outage put on the timeline is a documented entry too
    const events = await firstEvents(url);
    expect(Status.parse(events.at(-1)?.data).store.operator).toMatchObject({
      ok: false,
      detail: expect.stringContaining('SQLITE_READONLY'),
    });
    for (const e of events.filter((e) => e.event === 'timeline')) TimelineEntry.parse(e.data);
  });

  it('without a session: the API answers 401 and /dashboard the locked page, both under the CSP', async () => {
    const { url } = await start(TOKEN);
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
    const { url } = await start(TOKEN);
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
    expect(cookie).toMatch(/^aliasgate_admin=[^;]+; HttpOnly; SameSite=Strict; Path=\/(; Max-Age=\d+)?$/);
    const session = cookie.split(';')[0]!;
    expect((await call(url, '/admin/status', { headers: { cookie: session } })).status).toBe(200);

    const link = await call(url, `/dashboard?token=${TOKEN}`);
    expect([link.status, link.headers.location]).toEqual([303, '/dashboard']);
    expect(String(link.headers['set-cookie'])).toMatch(/^aliasgate_admin=/);
  });

  it('a state change riding on the cookie needs the CSRF header and this origin; a bearer token needs neither', async () => {
    const { url } = await start(TOKEN);
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
    const json = { 'content-type': 'application/json' };
    // a browser sends Origin with every POST: the page's own changes carry the header, another site's are refused
    expect((await post(url, '/admin/pull', INCIDENT_PULL, { ...json, origin: url })).status).toBe(403);
    const foreign = { ...PAGE, origin: 'http://evil.example' };
    expect((await post(url, '/admin/pull', INCIDENT_PULL, foreign)).status).toBe(403);
    expect((await post(url, '/admin/pull', INCIDENT_PULL, { ...PAGE, origin: url })).status).toBe(200);
    // the CLI on this host sends neither Origin nor the header
    expect((await post(url, '/admin/restore', INCIDENT_PULL, json)).status).toBe(200);
  });

  it('a rollout is started, shown on its alias with its new build, paused, resumed and aborted; a second one is refused', async () => {
    const { url } = await start();
    const started = await post(url, '/admin/rollouts', ROLLOUT);
    expect(started.status, started.body).toBe(200);
    const view = Rollout.parse(JSON.parse(started.body));
    expect(view).toMatchObject({
      alias: ROLLOUT.alias,
      model: ROLLOUT.model,
      upstream: 'sim',
      steps: [0.1, 0.5, 1],
      intervalMs: 30_000,
      minRequests: 20,
      state: 'running',
      step: 0,
      share: 0.1,
      added: true,
      by: 'ana',
      reason: ROLLOUT.reason,
      history: [],
      counts: { candidate: { requests: 0, failures: 0 }, baseline: { requests: 0, failures: 0 } },
    });
    expect(view.lookAt - view.stepStartedAt).toBe(30_000);

    const alias = await aliasOf(url, ROLLOUT.alias);
    expect(alias.rollout).toMatchObject({ id: view.id, state: 'running', step: 0, share: 0.1 });
    // the new build is one of the alias's targets, weighted to its step's share
    const candidate = alias.targets.find((t) => t.model === ROLLOUT.model);
    expect(candidate).toMatchObject({ upstream: 'sim', state: 'in_rotation' });
    const total = alias.targets.reduce((sum, t) => sum + t.weight, 0);
    expect(candidate!.weight / total).toBeCloseTo(0.1, 6);

    const second = await post(url, '/admin/rollouts', { ...ROLLOUT, model: DASH_INCIDENT.healthyBuild });
    expect(refusal(second)).toMatchObject({
      http: 409,
      code: 409,
      status: 'ABORTED',
      message: expect.stringMatching(/already has a rollout/),
    });
    const change = { alias: ROLLOUT.alias, reason: 'lunch', by: 'ana' };
    const unexplained = await post(url, '/admin/rollouts/pause', { alias: ROLLOUT.alias });
    expect(refusal(unexplained)).toMatchObject({
      http: 400,
      status: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/reason/),
    });

    const paused = Rollout.parse(JSON.parse((await post(url, '/admin/rollouts/pause', change)).body));
    expect([paused.state, paused.share]).toEqual(['paused', 0.1]);
    expect((await aliasOf(url, ROLLOUT.alias)).rollout?.state).toBe('paused');
    const twice = await post(url, '/admin/rollouts/pause', change);
    expect(refusal(twice)).toMatchObject({ http: 409, message: expect.stringMatching(/is paused/) });
    const resumed = await post(url, '/admin/rollouts/resume', { ...change, reason: 'back' });
    expect(Rollout.parse(JSON.parse(resumed.body)).state).toBe('running');

    const aborted = await post(url, '/admin/rollouts/abort', { ...change, reason: 'wrong build' });
    expect(aborted.status, aborted.body).toBe(200);
    expect(Rollout.parse(JSON.parse(aborted.body))).toMatchObject({
      state: 'aborted',
      share: 0,
      stopped: expect.stringContaining('wrong build'),
    });
    const after = await aliasOf(url, ROLLOUT.alias);
    expect(after.rollout).toMatchObject({
      id: view.id,
      state: 'aborted',
      stopped: expect.stringContaining('wrong build'),
    });
    expect(after.rollout!.endedAt).toBeGreaterThanOrEqual(view.startedAt);
    // a build the rollout added leaves the alias with it
    expect(after.targets.map((t) => t.model)).not.toContain(ROLLOUT.model);
    const gone = await post(url, '/admin/rollouts/abort', change);
    expect(refusal(gone)).toMatchObject({ http: 404, message: expect.stringMatching(/no rollout running/) });

    const list = RolloutList.parse(
      JSON.parse((await call(url, `/admin/rollouts?alias=${ROLLOUT.alias}`)).body),
    );
    expect(list.rollouts.map((r) => [r.id, r.state])).toEqual([[view.id, 'aborted']]);
    // the story is on the timeline, in the documented shape
    const timeline = (await firstEvents(url))
      .filter((e) => e.event === 'timeline')
      .map((e) => TimelineEntry.parse(e.data))
      .filter((e) => e.kind === 'rollout');
    expect(timeline.map((e) => [e.alias, e.model, e.actor])).toEqual(
      Array(4).fill([ROLLOUT.alias, ROLLOUT.model, 'ana']),
    );
    expect(timeline.map((e) => e.reason.split(':')[0])).toEqual(['started', 'paused', 'resumed', 'aborted']);
  });

  it('a rollout is refused with the reason when its plan is wrong', async () => {
    const { url } = await start();
    type Case = [Record<string, unknown>, number, RegExp];
    const cases: Case[] = [
      [{ ...ROLLOUT, steps: '50,10' }, 400, /steps/],
      [{ ...ROLLOUT, interval: 'soon' }, 400, /interval/],
      [{ ...ROLLOUT, reason: ' ' }, 400, /reason/],
      [{ ...ROLLOUT, upstream: 'nowhere' }, 400, /No upstream nowhere/],
      [{ ...ROLLOUT, alias: 'nope' }, 404, /No alias nope/],
      [{ ...ROLLOUT, replace: 'nope' }, 404, /no target nope/],
    ];
    for (const [body, http, message] of cases) {
      expect(refusal(await post(url, '/admin/rollouts', body))).toMatchObject({
        http,
        message: expect.stringMatching(message),
      });
    }
    expect((await aliasOf(url, ROLLOUT.alias)).rollout).toBeUndefined();
  });

  it('a drain is shown on its alias while under way; a second one of the same build is refused', async () => {
    const { url } = await start();
    const body = {
      alias: INCIDENT_PULL.alias,
      model: INCIDENT_PULL.model,
      over: '5m',
      reason: 'replaced',
      by: 'ana',
    };
    const started = await post(url, '/admin/drain', body);
    expect(started.status, started.body).toBe(200);
    const drain = Drain.parse(JSON.parse(started.body));
    expect(drain).toMatchObject({
      alias: body.alias,
      model: body.model,
      upstream: 'sim',
      from: 0.5,
      overMs: 300_000,
      state: 'draining',
      by: 'ana',
      reason: 'replaced',
    });
    const alias = await aliasOf(url, body.alias);
    expect(alias.drains?.map((d) => d.id)).toEqual([drain.id]);
    expect(refusal(await post(url, '/admin/drain', body))).toMatchObject({
      http: 409,
      message: expect.stringMatching(/already draining/),
    });
    expect(refusal(await post(url, '/admin/drain', { ...body, over: 'later' }))).toMatchObject({
      http: 400,
      message: expect.stringMatching(/over/),
    });
    const entry = (await firstEvents(url))
      .filter((e) => e.event === 'timeline')
      .map((e) => TimelineEntry.parse(e.data))
      .find((e) => e.kind === 'drain');
    expect(entry).toMatchObject({
      alias: body.alias,
      model: body.model,
      actor: 'ana',
      reason: expect.stringContaining('replaced'),
    });
  });

  it('retire refuses a build still routed to; one no alias uses is retired, listed, kept from a rollout, and un-retired', async () => {
    const { url } = await start();
    const routed = { upstream: 'sim', model: DASH_INCIDENT.healthyBuild, reason: 'old', by: 'ana' };
    expect(refusal(await post(url, '/admin/retire', routed))).toMatchObject({
      http: 409,
      message: expect.stringMatching(/still routed to by/),
    });
    const spare = { ...routed, model: DASH_INCIDENT.newBuild, reason: 'never again' };
    const retired = await post(url, '/admin/retire', spare);
    expect(RetireResult.parse(JSON.parse(retired.body))).toEqual({
      upstream: 'sim',
      model: spare.model,
      retired: true,
      changed: true,
    });
    const list = RetiredList.parse(JSON.parse((await call(url, '/admin/retired')).body));
    expect(list.retired).toEqual([
      expect.objectContaining({ upstream: 'sim', model: spare.model, by: 'ana', reason: 'never again' }),
    ]);
    expect(refusal(await post(url, '/admin/rollouts', ROLLOUT))).toMatchObject({
      http: 409,
      message: expect.stringMatching(/was retired/),
    });
    const back = await post(url, '/admin/unretire', { ...spare, reason: 'needed after all' });
    expect(RetireResult.parse(JSON.parse(back.body))).toEqual({
      upstream: 'sim',
      model: spare.model,
      retired: false,
      changed: true,
    });
    expect(RetiredList.parse(JSON.parse((await call(url, '/admin/retired')).body)).retired).toEqual([]);
  });
});
