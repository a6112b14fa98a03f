import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody } from '../api/body.js';
import { sendError, sendJson } from '../api/respond.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Target } from '../catalog/target.js';
import type { Clock } from '../clock.js';
import { calendarDate, modelId } from '../config/scalars.js';
import { STAGES } from '../config/schema.js';
import { GatewayError, isGatewayError } from '../errors.js';
import { type IncidentContext, renderIncidentReport } from '../incidents/report.js';
import type { IncidentTracker } from '../incidents/tracker.js';
import { describeStage, type Incident, type OperatorStore } from '../store/operator-store.js';
import { type Logger, LogThrottle } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Timeline } from '../timeline/timeline.js';
import { type AdminAccess, authorizeAdmin } from './auth.js';
import { serveDashboard } from './dashboard.js';
import type { AdminEvents } from './events.js';
import { parse, persisted, reason } from './input.js';
import {
  changeRollout,
  type LifecycleAdmin,
  listRollouts,
  retire,
  startDrain,
  startRollout,
} from './lifecycle-routes.js';
import { type StatusSources, statusBody } from './status.js';

/** The result of `POST /admin/reload`: what took effect, or why the file was refused. */
export type ReloadResult = { ok: true; warnings: string[] } | { ok: false; error: string };

export interface AdminDeps extends StatusSources {
  access: AdminAccess;
  operator: OperatorStore;
  metrics: Metrics;
  log: Logger;
  clock: Clock;
  timeline: Timeline;
  events: AdminEvents;
  incidents: IncidentTracker;
  catalog(): Catalog;
  /** Rollouts, drains and retirements. */
  lifecycle: LifecycleAdmin;
  /** What the incident report needs beyond the stored episode: the upstream, the request, the alias's siblings. */
  incidentContext(incident: Incident): IncidentContext;
  /**
   * Reads and validates the config file again; absent when the gateway was given no file (demo mode, tests). `force`
   * lets a file route to retired builds again (they are un-retired).
   */
  reload?: (via?: 'admin' | 'signal', force?: boolean) => Promise<ReloadResult>;
}

const Action = z.strictObject({
  alias: z.string().min(1),
  model: z.string().min(1),
  upstream: z.string().min(1).optional(),
  reason,
  by: z.string().min(1).max(200).optional(),
});

const StageChange = z
  .strictObject({
    alias: z.string().min(1),
    stage: z.enum(STAGES).optional(),
    replacement: modelId().optional(),
    shutdown: calendarDate().optional(),
    reset: z.boolean().optional(),
    reason,
    by: z.string().min(1).max(200).optional(),
  })
  .refine((s) => s.reset === true || s.stage !== undefined, { message: 'give a stage, or reset: true' })
  .refine((s) => s.stage !== 'deprecated' || s.replacement !== undefined, {
    message: 'stage deprecated needs a replacement',
    path: ['replacement'],
  });

/**
 * The admin listener (`admin.host:admin.port`, loopback by default): the dashboard, status and its live feed, the
 * audit log and incident history, `/metrics`, and the operator's actions (pull, restore, stage, reload), behind the
 * admin token. It is a listener of its own so that a reverse proxy in front of the client port never reaches it, and
 * it never answers cross-origin requests (no CORS).
 */
export function createAdminHandler(deps: AdminDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const throttle = new LogThrottle(() => deps.clock.now());
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    handle(deps, req, res, path, query).catch((error: unknown) => {
      const suppressed =
        isGatewayError(error) && error.httpStatus < 500 ? undefined : throttle.admit('admin');
      if (suppressed !== undefined) {
        deps.log.error({ err: error, path, ...(suppressed ? { suppressed } : {}) }, 'admin request failed');
      }
      sendError(res, error, 'gemini', req.complete ? {} : { connection: 'close' });
    });
  };
}

async function handle(
  deps: AdminDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  if (path === '/healthz') return sendJson(res, 200, healthz(deps));
  const now = deps.clock.now();
  if (path.startsWith('/dashboard')) {
    if (await serveDashboard(deps.access, req, res, path, query, now)) return;
  }
  authorizeAdmin(deps.access, req, now);
  switch (`${req.method} ${path}`) {
    case 'GET /admin/status':
      return sendJson(res, 200, statusBody(deps));
    case 'GET /admin/events':
      deps.events.subscribe(req, res);
      return;
    case 'GET /admin/audit': {
      const alias = query.get('alias') ?? undefined;
      const entries = await persisted(
        deps.operator.audit({ limit: limitOf(query), ...(alias ? { alias } : {}) }),
      );
      return sendJson(res, 200, { entries });
    }
    case 'GET /admin/incidents': {
      deps.incidents.flush(); // this replica's open episodes, counted up to now
      const alias = query.get('alias') ?? undefined;
      const incidents = await persisted(
        deps.operator.incidents({ limit: limitOf(query), ...(alias ? { alias } : {}) }),
      );
      return sendJson(res, 200, { incidents });
    }
    case 'GET /metrics': {
      const text = await deps.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
      res.end(text);
      return;
    }
    case 'POST /admin/pull':
    case 'POST /admin/restore':
      return sendJson(res, 200, await pullOrRestore(deps, req, path === '/admin/pull' ? 'pull' : 'restore'));
    case 'POST /admin/stage':
      return sendJson(res, 200, await changeStage(deps, req));
    case 'POST /admin/reload':
      return sendJson(res, 200, await reload(deps, query.get('force') === 'true'));
    case 'GET /admin/rollouts':
      return sendJson(res, 200, await listRollouts(deps.lifecycle, query));
    case 'POST /admin/rollouts':
      return sendJson(res, 200, await startRollout(deps.lifecycle, req));
    case 'POST /admin/rollouts/pause':
    case 'POST /admin/rollouts/resume':
    case 'POST /admin/rollouts/abort':
      return sendJson(
        res,
        200,
        await changeRollout(
          deps.lifecycle,
          req,
          path.slice('/admin/rollouts/'.length) as 'pause' | 'resume' | 'abort',
        ),
      );
    case 'POST /admin/drain':
      return sendJson(res, 200, await startDrain(deps.lifecycle, req));
    case 'GET /admin/retired':
      return sendJson(res, 200, { retired: deps.operator.state().retired });
    case 'POST /admin/retire':
    case 'POST /admin/unretire':
      return sendJson(res, 200, await retire(deps.lifecycle, req, path === '/admin/retire'));
  }
  if (path.startsWith('/admin/incidents/') && req.method === 'GET') {
    const rest = path.slice('/admin/incidents/'.length);
    const asReport = rest.endsWith('/report');
    const found = await incident(
      deps,
      decodeURIComponent(asReport ? rest.slice(0, -'/report'.length) : rest),
    );
    if (!asReport) return sendJson(res, 200, found);
    res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8' });
    res.end(renderIncidentReport(found, deps.incidentContext(found)));
    return;
  }
  if (KNOWN.has(path))
    throw new GatewayError('HTTP_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}.`);
  throw new GatewayError('UNKNOWN_ROUTE', `No admin route ${req.method} ${path}.`);
}

const KNOWN = new Set([
  '/admin/status',
  '/admin/events',
  '/admin/audit',
  '/admin/incidents',
  '/metrics',
  '/admin/pull',
  '/admin/restore',
  '/admin/stage',
  '/admin/reload',
  '/admin/rollouts',
  '/admin/rollouts/pause',
  '/admin/rollouts/resume',
  '/admin/rollouts/abort',
  '/admin/drain',
  '/admin/retire',
  '/admin/unretire',
  '/admin/retired',
]);

function limitOf(query: URLSearchParams): number {
  return Math.min(Number(query.get('limit') ?? 100) || 100, 10_000);
}

/** Liveness, with the state of the stores: a store that cannot persist is reported here, never by a crash. */
function healthz(deps: AdminDeps): unknown {
  const stores = deps.stores();
  const ok = stores.operator.ok && stores.health.ok;
  return { status: ok ? 'ok' : 'degraded', store: stores };
}

async function incident(deps: AdminDeps, id: string): Promise<Incident> {
  deps.incidents.flush();
  const found = (await persisted(deps.operator.incidents({ limit: 10_000 }))).find((i) => i.id === id);
  if (!found) throw new GatewayError('NOT_FOUND', `No incident ${id}. \`aliasgate incidents\` lists them.`);
  return found;
}

async function pullOrRestore(
  deps: AdminDeps,
  req: IncomingMessage,
  op: 'pull' | 'restore',
): Promise<unknown> {
  const action = parse(Action, await readBody(req, 64 * 1024));
  const targets = targetsOf(deps.catalog(), action);
  const by = action.by ?? 'admin-api';
  let changed = false;
  for (const t of targets) {
    const done = await persisted(
      deps.operator[op]({ alias: t.alias, upstream: t.upstream, model: t.model, by, reason: action.reason }),
    );
    if (done.changed) {
      changed = true;
      deps.timeline.add({
        kind: op,
        alias: t.alias,
        upstream: t.upstream,
        model: t.model,
        actor: by,
        reason: action.reason,
      });
    }
  }
  return { action: op, alias: action.alias, model: action.model, changed };
}

async function changeStage(deps: AdminDeps, req: IncomingMessage): Promise<unknown> {
  const change = parse(StageChange, await readBody(req, 64 * 1024));
  if (!deps.catalog().get(change.alias)) throw new GatewayError('NOT_FOUND', `No alias ${change.alias}.`);
  if (change.replacement === change.alias) {
    throw new GatewayError('INVALID_REQUEST', 'replacement: an alias cannot be its own replacement');
  }
  const by = change.by ?? 'admin-api';
  const stage = change.reset ? undefined : change.stage;
  const done = await persisted(
    deps.operator.setStage({
      alias: change.alias,
      ...(stage ? { stage } : {}),
      ...(stage && change.replacement ? { replacement: change.replacement } : {}),
      ...(stage && change.shutdown ? { shutdown: change.shutdown } : {}),
      by,
      reason: change.reason,
    }),
  );
  if (done.changed) {
    const what = stage ? describeStage({ stage, ...change }) : 'back to the configured stage';
    deps.timeline.add({
      kind: 'stage',
      alias: change.alias,
      actor: by,
      reason: change.reason ? `${what}; ${change.reason}` : what,
    });
  }
  return { alias: change.alias, stage: stage ?? null, changed: done.changed };
}

async function reload(deps: AdminDeps, force: boolean): Promise<unknown> {
  if (!deps.reload) {
    throw new GatewayError(
      'INVALID_REQUEST',
      'This gateway was started without a config file; there is nothing to reload.',
    );
  }
  const result = await deps.reload('admin', force);
  if (!result.ok) throw new GatewayError('INVALID_REQUEST', `The config was not reloaded: ${result.error}`);
  return { reloaded: true, warnings: result.warnings };
}

/** The targets an operator names: the alias's targets with that model (on one upstream, when given). */
function targetsOf(catalog: Catalog, action: z.infer<typeof Action>): Target[] {
  const alias = catalog.get(action.alias);
  if (!alias) throw new GatewayError('NOT_FOUND', `No alias ${action.alias}.`);
  const targets = alias.targets.filter(
    (t) => t.model === action.model && (action.upstream === undefined || t.upstream === action.upstream),
  );
  if (targets.length === 0) {
    throw new GatewayError(
      'NOT_FOUND',
      `Alias ${alias.name} has no target ${action.upstream ? `${action.upstream}/` : ''}${action.model}; its targets are ${alias.targets.map((t) => t.model).join(', ')}.`,
    );
  }
  return targets;
}
