import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, isGatewayError } from '../errors.js';
import { unknownAlias } from '../routing/router.js';
import { LogThrottle, redactUrl } from '../telemetry/log.js';
import { bareModelId } from '../wire/model-names.js';
import { parseGeminiPath, ROUTE_METHOD } from '../wire/path.js';
import { type ClientKey, checkScope } from './auth.js';
import type { ApiDeps } from './deps.js';
import { geminiMethod } from './gemini.js';
import { getModel, listModels } from './models.js';
import { openaiModel, openaiModels, openaiPassThrough } from './openai.js';
import { type Surface, sendError, sendJson } from './respond.js';
import { responses } from './responses.js';

/**
 * The client-facing surface in one table, and the one place errors become responses: handlers throw
 * GatewayErrors; nothing below here has its own try/catch for rendering. Admission control comes first: beyond
 * `maxInFlight` a request is refused at once with 503 and Retry-After, before its body is read.
 */
export function createApiHandler(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  let inFlight = 0;
  const throttle = new LogThrottle(() => deps.clock.now());
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const surface: Surface = path.includes('/openai/') || isOpenaiPath(path) ? 'openai' : 'gemini';
    // before admission: a preflight costs nothing, and every answer — refusals included — needs the headers
    if (deps.cors(req, res)) return;
    if (inFlight >= deps.limits().maxInFlight && path !== '/healthz') {
      deps.metrics.count(deps.metrics.overloadRejections, 'max_in_flight');
      refuse(
        res,
        surface,
        new GatewayError('OVERLOADED', OVERLOADED_MESSAGE, undefined, { retryAfterMs: 1000 }),
      );
      return;
    }
    inFlight++;
    res.once('close', () => inFlight--);
    handle(deps, req, res, path, query).catch((error: unknown) => {
      logFailure(deps, throttle, error, req.method, url);
      // a body left unread (refused before or while reading it) must not be read at all
      if (!req.complete) refuse(res, surface, error);
      else sendError(res, error, surface);
    });
  };
}

const OVERLOADED_MESSAGE = 'The gateway is at its limit of requests in flight; retry shortly.';

async function handle(
  deps: ApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): Promise<void> {
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  const route = parseGeminiPath(path);
  if (!route) throw new GatewayError('UNKNOWN_ROUTE', `No route for ${req.method} ${path}.`);
  if (route.kind === 'badPath')
    throw new GatewayError('INVALID_REQUEST', 'The request path has a malformed % escape.');
  const allowed = ROUTE_METHOD[route.kind];
  if (req.method !== allowed) {
    res.setHeader('allow', allowed);
    throw new GatewayError(
      'HTTP_METHOD_NOT_ALLOWED',
      `${req.method} is not allowed on ${path}; use ${allowed}.`,
    );
  }
  const params = new URLSearchParams(query);
  const key = deps.auth().check(req.headers, params.get('key') ?? undefined, route.kind.startsWith('openai'));
  admit(deps, key);
  switch (route.kind) {
    case 'listModels':
      return sendJson(res, 200, listModels(deps, params, key));
    case 'getModel': {
      const name = bareModelId(route.model);
      const alias = deps.catalog().get(name);
      if (!alias) throw unknownAlias(deps.catalog(), name);
      checkScope(key, alias.name);
      return sendJson(res, 200, getModel(deps, alias));
    }
    case 'method':
      return geminiMethod(deps, req, res, route, query, params, key);
    case 'unknownMethod':
      throw new GatewayError('UNKNOWN_ROUTE', `Method ${route.verb} is not served by this gateway.`);
    case 'openaiChat':
      return openaiPassThrough(deps, req, res, key, 'chat/completions');
    case 'openaiEmbeddings':
      return openaiPassThrough(deps, req, res, key, 'embeddings');
    case 'openaiModels':
      return openaiModels(deps, res, key);
    case 'openaiModel':
      return openaiModel(deps, res, key, route.model);
    case 'openaiResponses':
      return responses(deps, req, res, key);
  }
}

/** A client key's rate limit, counted per key when it bites. */
function admit(deps: ApiDeps, key: ClientKey | undefined): void {
  try {
    deps.auth().admit(key);
  } catch (e) {
    if (key) {
      deps.metrics.count(deps.metrics.clientRateLimited, key.name);
      deps.metrics.client(key.name, 'rate_limited');
    }
    throw e;
  }
}

function isOpenaiPath(path: string): boolean {
  return path.endsWith('/chat/completions') || path.endsWith('/embeddings') || path.endsWith('/responses');
}

/**
 * Answers and closes the connection: the rest of a body the gateway will not read must not be read at all (a
 * client could otherwise stream gigabytes into a keep-alive connection after its 413).
 */
function refuse(res: ServerResponse, surface: Surface, error: unknown): void {
  sendError(res, error, surface, { connection: 'close' });
  res.once('finish', () => res.socket?.destroySoon());
}

/** Bugs (not GatewayErrors) and the gateway's own 5xx are logged, a few per minute per kind at most. */
function logFailure(
  deps: ApiDeps,
  throttle: LogThrottle,
  error: unknown,
  method: string | undefined,
  url: string,
): void {
  const bug = !isGatewayError(error);
  if (!bug && error.httpStatus < 500) return;
  const kind = bug ? `bug:${(error as Error)?.message}` : error.code;
  const suppressed = throttle.admit(kind);
  if (suppressed === undefined) return;
  const fields = { method, url: redactUrl(url), ...(suppressed > 0 ? { suppressed } : {}) };
  if (bug) deps.log.error({ ...fields, err: error }, 'request failed: a bug in aliasgate');
  else deps.log.warn({ ...fields, code: error.code, message: error.message }, 'request failed');
}
