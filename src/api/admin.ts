import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { secretMatches } from '../config/secret.js';
import { GatewayError } from '../errors.js';
import { readBody } from './body.js';
import { sendJson } from './respond.js';
import type { Runtime } from './runtime.js';

const OperatorAction = z.object({
  alias: z.string().min(1),
  model: z.string().min(1),
  reason: z.string().max(2000).default(''),
  by: z.string().max(200).optional(),
});

/**
 * The admin API behind `aliasgate status | pull | restore`: protected by the admin token
 * (`Authorization: Bearer …`), or — when none is configured — answered on loopback only.
 */
export async function admin(
  rt: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  authorize(rt, req);
  if (req.method === 'GET' && path === '/admin/status') return sendJson(res, 200, status(rt));
  if (req.method === 'GET' && path === '/admin/audit') {
    const limit = Math.min(Number(query.get('limit') ?? 100) || 100, 10_000);
    const alias = query.get('alias') ?? undefined;
    return sendJson(res, 200, { entries: rt.operator.audit({ limit, ...(alias ? { alias } : {}) }) });
  }
  if (req.method === 'GET' && path === '/metrics') {
    rt.metrics.ejectionsActive.set(countEjected(rt));
    const text = await rt.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': rt.metrics.registry.contentType });
    res.end(text);
    return;
  }
  if (req.method === 'POST' && (path === '/admin/pull' || path === '/admin/restore')) {
    const action = parseAction(await readBody(req, 64 * 1024));
    const alias = rt.catalog.get(action.alias);
    if (!alias) throw new GatewayError('NOT_FOUND', `No alias ${action.alias}.`);
    if (!alias.targets.some((t) => t.model === action.model)) {
      throw new GatewayError(
        'NOT_FOUND',
        `Alias ${alias.name} has no target ${action.model}; its targets are ${alias.targets.map((t) => t.model).join(', ')}.`,
      );
    }
    const by = action.by ?? 'admin-api';
    const op = path === '/admin/pull' ? 'pull' : 'restore';
    const { changed } = rt.operator[op]({
      alias: alias.name,
      model: action.model,
      by,
      reason: action.reason,
    });
    rt.log.info(
      { event: op, alias: alias.name, model: action.model, by, reason: action.reason, changed },
      `operator ${op}`,
    );
    return sendJson(res, 200, { action: op, alias: alias.name, model: action.model, changed });
  }
  throw new GatewayError('UNKNOWN_ROUTE', `No admin route ${req.method} ${path}.`);
}

function authorize(rt: Runtime, req: IncomingMessage): void {
  const sha256 = rt.adminTokenSha256;
  if (sha256) {
    const auth = req.headers.authorization;
    const token = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    if (!token || !secretMatches(token, sha256)) {
      throw new GatewayError(
        'ADMIN_UNAUTHORIZED',
        'The admin API needs a valid admin token (Authorization: Bearer …).',
      );
    }
    return;
  }
  if (!isLoopback(req.socket.remoteAddress)) {
    throw new GatewayError(
      'ADMIN_UNAUTHORIZED',
      'No admin token is configured, so the admin API answers on loopback only.',
    );
  }
}

function isLoopback(address: string | undefined): boolean {
  return !!address && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'));
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

export function status(rt: Runtime): unknown {
  return {
    now: rt.clock.now(),
    aliases: rt.catalog.aliases().map((a) => ({
      name: a.name,
      ...(a.stage ? { stage: a.stage } : {}),
      ...(a.replacement ? { replacement: a.replacement } : {}),
      ...(a.shutdown ? { shutdown: a.shutdown } : {}),
      fallback: a.fallback,
      ...rt.aliasHealth(a),
    })),
  };
}

function countEjected(rt: Runtime): number {
  let n = 0;
  for (const a of rt.catalog.aliases()) for (const t of a.targets) if (!rt.health.inRotation(t.id)) n++;
  return n;
}
