import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody } from '../api/body.js';
import { sendError, sendJson } from '../api/respond.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Target } from '../catalog/target.js';
import type { Clock } from '../clock.js';
import { GatewayError } from '../errors.js';
import { isStoreUnavailable, type OperatorStore } from '../store/operator-store.js';
import { type Logger, LogThrottle } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { type AdminAccess, authorizeAdmin } from './auth.js';
import { type StatusSources, statusBody } from './status.js';

export interface AdminDeps extends StatusSources {
  access: AdminAccess;
  operator: OperatorStore;
  metrics: Metrics;
  log: Logger;
  clock: Clock;
  catalog(): Catalog;
}

const OperatorAction = z.object({
  alias: z.string().min(1),
  model: z.string().min(1),
  upstream: z.string().min(1).optional(),
  reason: z.string().max(2000).default(''),
  by: z.string().max(200).optional(),
});

/**
 * The admin listener (`admin.host:admin.port`, loopback by default): status, pull, restore, audit and `/metrics`,
 * behind the admin token. It is a listener of its own so that a reverse proxy in front of the client port never
 * reaches it, and it never answers cross-origin requests (no CORS).
 */
export function createAdminHandler(deps: AdminDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const throttle = new LogThrottle(() => deps.clock.now());
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    handle(deps, req, res, path, query).catch((error: unknown) => {
      const suppressed = throttle.admit('admin');
      if (suppressed !== undefined && !(error instanceof GatewayError && error.httpStatus < 500)) {
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
  authorizeAdmin(deps.access, req);
  const route = `${req.method} ${path}`;
  switch (route) {
    case 'GET /admin/status':
      return sendJson(res, 200, statusBody(deps));
    case 'GET /admin/audit': {
      const limit = Math.min(Number(query.get('limit') ?? 100) || 100, 10_000);
      const alias = query.get('alias') ?? undefined;
      return sendJson(res, 200, {
        entries: await persisted(deps.operator.audit({ limit, ...(alias ? { alias } : {}) })),
      });
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
  }
  if (KNOWN.has(path)) {
    throw new GatewayError('HTTP_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}.`);
  }
  throw new GatewayError('UNKNOWN_ROUTE', `No admin route ${req.method} ${path}.`);
}

const KNOWN = new Set(['/admin/status', '/admin/audit', '/metrics', '/admin/pull', '/admin/restore']);

/** Liveness, with the state of the store: a store that cannot persist is reported here, never by a crash. */
function healthz(deps: AdminDeps): unknown {
  const { operator } = deps.stores();
  return { status: operator.ok ? 'ok' : 'degraded', store: { operator } };
}

async function pullOrRestore(
  deps: AdminDeps,
  req: IncomingMessage,
  op: 'pull' | 'restore',
): Promise<unknown> {
  const action = parseAction(await readBody(req, 64 * 1024));
  const targets = targetsOf(deps.catalog(), action);
  const by = action.by ?? 'admin-api';
  let changed = false;
  for (const t of targets) {
    const done = await persisted(
      deps.operator[op]({ alias: t.alias, upstream: t.upstream, model: t.model, by, reason: action.reason }),
    );
    changed ||= done.changed;
  }
  deps.log.info(
    { event: op, alias: action.alias, model: action.model, by, reason: action.reason, changed },
    `operator ${op}`,
  );
  return { action: op, alias: action.alias, model: action.model, changed };
}

/** The targets an operator names: the alias's targets with that model (on one upstream, when given). */
function targetsOf(catalog: Catalog, action: z.infer<typeof OperatorAction>): Target[] {
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

/** A store failure is the operator's to hear about, clearly, as 503: the change was not made. */
async function persisted<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (isStoreUnavailable(e))
      throw new GatewayError('STORE_UNAVAILABLE', e.message, undefined, { cause: e });
    throw e;
  }
}

function parseAction(body: Buffer): z.infer<typeof OperatorAction> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new GatewayError('INVALID_REQUEST', 'Invalid JSON payload received.');
  }
  const parsed = OperatorAction.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GatewayError('INVALID_REQUEST', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}
