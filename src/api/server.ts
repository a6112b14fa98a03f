import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, isGatewayError } from '../errors.js';
import { redactUrl } from '../telemetry/log.js';
import { bareModelId } from '../wire/model-names.js';
import { parseGeminiPath } from '../wire/path.js';
import { admin } from './admin.js';
import { readJsonBody } from './body.js';
import { getModel, listModels } from './models.js';
import { chatCompletions, openaiModels } from './openai.js';
import { forwardHeaders, proxy, unknownAlias } from './proxy.js';
import { type Surface, sendError, sendJson } from './respond.js';
import type { Runtime } from './runtime.js';

/**
 * The whole public surface in one table, and the one place errors become responses. Handlers throw GatewayErrors;
 * nothing below here has its own try/catch for rendering.
 */
export function createRequestHandler(rt: Runtime): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const surface: Surface =
      path.includes('/openai/') || path.endsWith('/chat/completions') ? 'openai' : 'gemini';
    handle(rt, req, res, path, query).catch((error: unknown) => {
      if (!isGatewayError(error) || error.httpStatus >= 500) {
        rt.log.error({ err: error, method: req.method, url: redactUrl(url) }, 'request failed');
      }
      sendError(res, error, surface);
    });
  };
}

async function handle(
  rt: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): Promise<void> {
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (path.startsWith('/admin/') || path === '/metrics')
    return admin(rt, req, res, path, new URLSearchParams(query));
  const route = parseGeminiPath(path);
  if (!route) throw new GatewayError('UNKNOWN_ROUTE', `No route for ${req.method} ${path}.`);
  const params = new URLSearchParams(query);
  const isOpenai = route.kind.startsWith('openai');
  rt.auth.check(req.headers, params.get('key') ?? undefined, isOpenai);
  switch (route.kind) {
    case 'listModels':
      expectMethod(req, 'GET');
      return sendJson(res, 200, listModels(rt, params));
    case 'getModel': {
      expectMethod(req, 'GET');
      const alias = rt.catalog.get(route.model);
      if (!alias) throw unknownAlias(rt, route.model);
      return sendJson(res, 200, getModel(rt, alias));
    }
    case 'method': {
      expectMethod(req, 'POST');
      const stream = route.method === 'streamGenerateContent';
      const sse = stream && params.get('alt') === 'sse';
      // forwarded as the client wrote it, less its key (which is never passed on)
      let forwardQuery = query;
      if (params.has('key')) {
        params.delete('key');
        forwardQuery = params.toString();
      }
      const { body, facts } = await readJsonBody(req, rt.bodyLimitBytes);
      return proxy(rt, req, res, {
        surface: 'gemini',
        alias: bareModelId(route.model),
        method: route.method,
        request: {
          endpoint: { surface: 'gemini', method: route.method, version: route.version, query: forwardQuery },
          body,
          modelFields: facts.fields,
          headers: forwardHeaders(req),
        },
        mode: stream ? 'stream' : 'unary',
        framing: stream ? (sse ? 'sse' : 'json-array') : 'none',
      });
    }
    case 'unknownMethod':
      throw new GatewayError('UNKNOWN_ROUTE', `Method ${route.verb} is not served by this gateway.`);
    case 'openaiChat':
      expectMethod(req, 'POST');
      return chatCompletions(rt, req, res);
    case 'openaiModels':
      expectMethod(req, 'GET');
      return openaiModels(rt, res);
    case 'openaiModel':
    case 'openaiEmbeddings':
      throw new GatewayError('UNKNOWN_ROUTE', `${path} is not served by this gateway.`);
  }
}

function expectMethod(req: IncomingMessage, method: 'GET' | 'POST'): void {
  if (req.method !== method)
    throw new GatewayError('UNKNOWN_ROUTE', `${req.method} is not allowed here; use ${method}.`);
}
