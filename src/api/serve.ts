import type { IncomingMessage, ServerResponse } from 'node:http';
import { targetLabel } from '../catalog/target.js';
import type { ClientSide, Routed, RouteRequest } from '../routing/router.js';
import type { Usage } from '../wire/usage.js';
import { type ClientKey, checkScope } from './auth.js';
import type { ApiDeps } from './deps.js';
import { type Answered, type ForwardOptions, forwardAnswer } from './forward.js';

/** One client request for a model, as its surface parsed it. */
export interface Serving {
  request: RouteRequest;
  /** The caller's client key (undefined on an open gateway). */
  key: ClientKey | undefined;
  /** The Gemini verb, or the OpenAI-compatible endpoint (metrics and logs). */
  method: string;
  /** How a winning answer reaches the client: forwarded as it came unless a surface translates it. */
  deliver?: (res: ServerResponse, routed: Answered, options: ForwardOptions) => void;
}

/**
 * The request path from the API's side: hand the request to the router, then send what it found — the winning
 * answer, or the error saying why nothing could serve (thrown, and rendered by the surface's error handler).
 */
export async function serve(
  deps: ApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  serving: Serving,
): Promise<void> {
  checkScope(serving.key, serving.request.alias);
  const started = deps.clock.now();
  const client: ClientSide = { gone: false };
  res.on('close', () => {
    if (res.writableFinished) return;
    client.gone = true;
    client.onGone?.();
  });
  const deadlineMs = clientDeadlineMs(req);
  if (deadlineMs !== undefined) serving.request.deadlineMs = deadlineMs;
  const routed = await deps.router.route(serving.request, client);
  account(deps, serving, routed, deps.clock.now() - started);
  if (routed.kind !== 'answered' && serving.key) {
    deps.metrics.client(serving.key.name, routed.kind === 'cancelled' ? 'cancelled' : 'failed');
  }
  if (routed.kind === 'cancelled') return;
  if (routed.kind === 'failed') {
    if (routed.why === 'gateway_fault') {
      deps.log.error(
        {
          event: 'gateway_fault',
          alias: routed.alias.name,
          method: serving.method,
          error: routed.error.message,
        },
        'aliasgate sent an upstream a request it had malformed; this is a bug, please report it',
      );
    }
    throw routed.error;
  }
  const key = serving.key;
  const result = routed.verdict.kind === 'ok' ? 'ok' : 'client_error';
  const openai = serving.request.outgoing.endpoint.surface === 'openai';
  (serving.deliver ?? forwardAnswer)(res, routed, {
    framing: serving.request.framing,
    streams: deps.streams,
    ...extra(deps.catalog().deprecationHeaders(routed.alias)),
    ...(key ? { onUsage: (usage: Usage | undefined) => deps.metrics.client(key.name, result, usage) } : {}),
    ...(routed.servedBy.exposeBuilds === false
      ? { rename: { field: openai ? 'model' : 'modelVersion', name: routed.servedBy.name } }
      : {}),
    ...(openai ? { openaiErrors: true } : {}),
  });
}

function extra(headers: Record<string, string> | undefined): { extraHeaders?: Record<string, string> } {
  return headers ? { extraHeaders: headers } : {};
}

/** Metrics, the dashboard's traffic and the debug access line for one routed request. */
function account(deps: ApiDeps, serving: Serving, routed: Routed, ms: number): void {
  const alias = routed.alias.name;
  if (routed.kind !== 'cancelled') {
    deps.traffic.record(alias, deps.clock.now(), routed.kind === 'answered', ms, routed.attempts);
  }
  if (routed.kind === 'answered') {
    if (routed.servedBy !== routed.alias)
      deps.metrics.count(deps.metrics.fallbacks, alias, routed.servedBy.name);
    const result = routed.verdict.kind === 'ok' ? 'ok' : 'client_error';
    deps.metrics.request(alias, serving.method, result, ms / 1000);
  } else {
    deps.metrics.request(alias, serving.method, routed.kind === 'cancelled' ? 'cancelled' : 'failed');
  }
  if (!deps.accessLog) return;
  deps.log.debug(
    {
      event: 'request',
      ...(serving.key ? { client: serving.key.name } : {}),
      alias,
      method: serving.method,
      attempts: routed.attempts,
      ...(routed.kind === 'answered'
        ? {
            status: routed.answer.status,
            target: targetLabel(routed.target),
            ...(routed.servedBy !== routed.alias ? { fallback: routed.servedBy.name } : {}),
          }
        : { outcome: routed.kind === 'failed' ? routed.why : 'cancelled' }),
      ms,
    },
    routed.kind === 'answered' ? 'request' : 'request failed',
  );
}

/**
 * The SDK sends `X-Server-Timeout: <seconds>` when its caller set a timeout (docs/wire.md §2.2): there is no point
 * trying targets after the client has given up.
 */
function clientDeadlineMs(req: IncomingMessage): number | undefined {
  const header = req.headers['x-server-timeout'];
  const seconds = typeof header === 'string' ? Number(header) : Number.NaN;
  return seconds > 0 && Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/** Client-identifying headers the upstream may use (docs/wire.md §9.2); the client's key is never forwarded. */
export function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const h = req.headers;
  if (typeof h['user-agent'] === 'string') out['user-agent'] = h['user-agent'];
  if (typeof h['x-goog-api-client'] === 'string') out['x-goog-api-client'] = h['x-goog-api-client'];
  if (typeof h['x-server-timeout'] === 'string') out['x-server-timeout'] = h['x-server-timeout'];
  return out;
}
