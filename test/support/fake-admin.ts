import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { type Clock, systemClock } from '../../src/clock.js';
import { seededRandom } from '../../src/random.js';
import { errorStatus, renderEnvelope } from '../../src/wire/envelope.js';
import {
  DrainStart,
  RetireChange,
  RolloutChange,
  RolloutStart,
  StageChange,
  type StoreHealth,
  TargetAction,
} from './admin-contract.js';
import { requireSameOrigin, Sessions, sessionCookie } from './fake-admin/auth.js';
import { EventHub } from './fake-admin/events.js';
import { type FakeFleet, FakeHttpError } from './fake-admin/fleet.js';
import { incidentFleet } from './fake-admin/scenario.js';
import { isAsset, PAGE_HEADERS, sendFile } from './fake-admin/static.js';

export { DASH_INCIDENT } from './fake-admin/scenario.js';

export interface FakeAdminOptions {
  /** The admin token; without one the API and page are open to loopback (demo mode). */
  token?: string;
  /** Drives ejections, health checks and traffic buckets; status pushes keep real time. */
  clock?: Clock;
  seed?: number;
  /** Where the page's files are; default the repository's web/. */
  webDir?: string;
  /** The live `event: status` cadence in real milliseconds; 0 pushes only on change. */
  statusEveryMs?: number;
  host?: string;
  port?: number;
}

export interface FakeAdmin {
  url: string;
  fleet: FakeFleet;
  /** Open `GET /admin/events` streams. */
  readonly streams: number;
  /** Cuts every event stream, as a restart would. */
  dropEventStreams(): void;
  setStore(which: 'operator' | 'health', health: StoreHealth): void;
  /** Ends every dashboard session (cookies stop working), as rotating the token would. */
  expireSessions(): void;
  close(): Promise<void>;
}

const DEFAULT_WEB = fileURLToPath(new URL('../../web/', import.meta.url));
const BODY_LIMIT = 64 * 1024;

/**
 * The admin API of docs/admin-api.md in memory, over the incident: enough of a gateway for the dashboard to
 * be built and tested before, and checked against, the real one. Serves the page from web/ like the gateway.
 */
export async function startFakeAdmin(options: FakeAdminOptions = {}): Promise<FakeAdmin> {
  const clock = options.clock ?? systemClock;
  const sessions = new Sessions(options.token);
  const hub = new EventHub();
  let pending = false;
  const pushStatus = () => {
    // many changes in one operation (a record, a state change) make one status event
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      hub.status(fleet.snapshot());
    });
  };
  const fleet = incidentFleet(clock, seededRandom(options.seed ?? 7), {
    changed: pushStatus,
    timeline: (entry) => hub.timeline(entry),
  });
  const ctx: Ctx = { fleet, sessions, hub, webDir: options.webDir ?? DEFAULT_WEB };
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((err: unknown) => sendError(res, err));
  });
  const every = options.statusEveryMs ?? 2_000;
  const ticker = every > 0 ? setInterval(pushStatus, every) : undefined;
  ticker?.unref();
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    fleet,
    get streams() {
      return hub.size;
    },
    dropEventStreams: () => hub.drop(),
    expireSessions: () => sessions.expireAll(),
    setStore(which, health) {
      fleet.store[which] = health;
      pushStatus();
    },
    async close() {
      clearInterval(ticker);
      fleet.close();
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Ctx {
  fleet: FakeFleet;
  sessions: Sessions;
  hub: EventHub;
  webDir: string;
}

async function handle(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const route = `${req.method} ${url.pathname}`;
  if (route === 'GET /dashboard') return dashboard(ctx, req, res, url);
  if (route === 'GET /dashboard/') return redirect(res, '/dashboard');
  if (route === 'POST /dashboard/login') return login(ctx, req, res);
  if (req.method === 'GET' && url.pathname.startsWith('/dashboard/')) {
    const name = url.pathname.slice('/dashboard/'.length);
    if (isAsset(name)) return sendFile(res, ctx.webDir, name);
  }
  if (url.pathname.startsWith('/admin/')) return admin(ctx, req, res, route, url);
  throw new FakeHttpError(404, `No route ${route}.`);
}

/** The page, or its locked form; a start-up `?token=` is traded for the cookie and dropped from the address. */
async function dashboard(ctx: Ctx, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const token = url.searchParams.get('token');
  if (token !== null) {
    if (ctx.sessions.open) return redirect(res, '/dashboard');
    const session = ctx.sessions.login(token);
    if (!session) return redirect(res, '/dashboard#token-rejected');
    return redirect(res, '/dashboard', sessionCookie(session, false));
  }
  return sendFile(res, ctx.webDir, ctx.sessions.hasSession(req) ? 'index.html' : 'login.html');
}

async function login(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireSameOrigin(req, false);
  const form = new URLSearchParams((await readBody(req)).toString('utf8'));
  if (ctx.sessions.open) return redirect(res, '/dashboard');
  const session = ctx.sessions.login(form.get('token') ?? '');
  if (!session) return redirect(res, '/dashboard#token-rejected');
  redirect(res, '/dashboard', sessionCookie(session, false));
}

async function admin(ctx: Ctx, req: IncomingMessage, res: ServerResponse, route: string, url: URL) {
  const how = ctx.sessions.authorize(req);
  const { fleet } = ctx;
  if (route === 'GET /admin/status') return sendJson(res, 200, fleet.snapshot());
  if (route === 'GET /admin/events') return ctx.hub.subscribe(res, fleet.timeline, fleet.snapshot());
  if (route === 'GET /admin/audit') {
    const limit = Math.min(Math.max(1, Number(url.searchParams.get('limit')) || 100), 1_000);
    const alias = url.searchParams.get('alias') ?? undefined;
    return sendJson(res, 200, { entries: fleet.audit(limit, alias) });
  }
  if (route === 'GET /admin/rollouts') {
    const limit = Math.min(Math.max(1, Number(url.searchParams.get('limit')) || 20), 1_000);
    const alias = url.searchParams.get('alias') ?? undefined;
    return sendJson(res, 200, { rollouts: fleet.lifecycle.list(limit, alias) });
  }
  if (route === 'GET /admin/retired') return sendJson(res, 200, { retired: fleet.lifecycle.retired() });
  if (req.method !== 'POST') throw new FakeHttpError(404, `No admin route ${route}.`);
  // in demo mode the CLI on this host sends neither Origin nor the header; a browser sends Origin with every POST
  const browser = req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined;
  requireSameOrigin(req, how === 'ambient' && (!ctx.sessions.open || browser));
  if (route === 'POST /admin/pull' || route === 'POST /admin/restore') {
    const action = parse(TargetAction, await readBody(req));
    const op = route === 'POST /admin/pull' ? 'pull' : 'restore';
    const { changed } = fleet[op](action);
    return sendJson(res, 200, { action: op, alias: action.alias, model: action.model, changed });
  }
  if (route === 'POST /admin/stage') {
    const change = parse(StageChange.extend({ by: TargetAction.shape.by }), await readBody(req));
    const { changed } = fleet.setStage(change);
    return sendJson(res, 200, { alias: change.alias, stage: change.stage, changed });
  }
  return sendJson(res, 200, await lifecycle(fleet, req, route));
}

/** Rollouts, drains and retirements (docs/admin-api.md, "Rollouts, drains and retirements"). */
async function lifecycle(fleet: FakeFleet, req: IncomingMessage, route: string): Promise<unknown> {
  switch (route) {
    case 'POST /admin/rollouts':
      return fleet.lifecycle.start(parse(RolloutStart, await readBody(req)));
    case 'POST /admin/rollouts/pause':
    case 'POST /admin/rollouts/resume':
    case 'POST /admin/rollouts/abort': {
      const action = route.slice('POST /admin/rollouts/'.length) as 'pause' | 'resume' | 'abort';
      return fleet.lifecycle.change(action, parse(RolloutChange, await readBody(req)));
    }
    case 'POST /admin/drain':
      return fleet.lifecycle.drain(parse(DrainStart, await readBody(req)));
    case 'POST /admin/retire':
    case 'POST /admin/unretire':
      return fleet.lifecycle.retire(parse(RetireChange, await readBody(req)), route === 'POST /admin/retire');
  }
  throw new FakeHttpError(404, `No admin route ${route}.`);
}

function parse<T extends z.ZodType>(schema: T, body: Buffer): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new FakeHttpError(400, 'Invalid JSON payload received.');
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new FakeHttpError(400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new FakeHttpError(413, 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function redirect(res: ServerResponse, location: string, cookie?: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store', ...(cookie ? { 'set-cookie': cookie } : {}) });
  res.end();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, err: unknown): void {
  const status = err instanceof FakeHttpError ? err.httpStatus : 500;
  const message = err instanceof Error ? err.message : String(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...PAGE_HEADERS });
  res.end(renderEnvelope(errorStatus(status, message)));
}
