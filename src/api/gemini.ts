import type { IncomingMessage, ServerResponse } from 'node:http';
import { bareModelId } from '../wire/model-names.js';
import type { GeminiRoute } from '../wire/path.js';
import type { ClientKey } from './auth.js';
import { readJsonBody } from './body.js';
import type { ApiDeps } from './deps.js';
import { forwardedHeaders, serve } from './serve.js';

/**
 * `POST /{version}/models/{alias}:{verb}` (docs/wire.md §1): the body is read once (bounded, kept so any attempt can
 * resend it) and scanned for the fields that name the model; the client's query is forwarded less its key.
 */
export async function geminiMethod(
  deps: ApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  route: Extract<GeminiRoute, { kind: 'method' }>,
  rawQuery: string,
  params: URLSearchParams,
  key: ClientKey | undefined,
): Promise<void> {
  const stream = route.method === 'streamGenerateContent';
  const sse = stream && params.get('alt') === 'sse';
  const { body, facts } = await readJsonBody(req, deps.limits().bodyLimitBytes);
  await serve(deps, req, res, {
    key,
    method: route.method,
    request: {
      framing: stream ? (sse ? 'sse' : 'json-array') : 'none',
      alias: bareModelId(route.model),
      outgoing: {
        endpoint: {
          surface: 'gemini',
          method: route.method,
          version: route.version,
          query: withoutKey(rawQuery, params),
        },
        body,
        modelFields: facts.fields,
        headers: forwardedHeaders(req),
      },
      mode: stream ? 'stream' : 'unary',
    },
  });
}

/** The query as the client wrote it, re-encoded only when its `key` has to go (the client's key is never passed on). */
function withoutKey(raw: string, params: URLSearchParams): string {
  if (!params.has('key')) return raw;
  const kept = new URLSearchParams(params);
  kept.delete('key');
  return kept.toString();
}
