import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AliasEntry } from '../catalog/alias.js';
import { GatewayError } from '../errors.js';
import { unknownAlias } from '../routing/router.js';
import { bareModelId } from '../wire/model-names.js';
import { type ClientKey, checkScope, inScope } from './auth.js';
import { readJsonBody } from './body.js';
import type { ApiDeps } from './deps.js';
import { sendJson } from './respond.js';
import { forwardedHeaders, serve } from './serve.js';

/**
 * `POST /v1beta/openai/chat/completions` and `…/embeddings` (also `/v1/…`): the same alias → target → verdict →
 * health path as the native surface. The upstream's own OpenAI-compatible endpoint does the translation, so the body
 * passes through with only `model` rewritten; the alias must serve generateContent (chat) or embedContent
 * (embeddings), as Google's own endpoint requires of the model.
 */
export async function openaiPassThrough(
  deps: ApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  key: ClientKey | undefined,
  path: 'chat/completions' | 'embeddings',
): Promise<void> {
  const { body, facts } = await readJsonBody(req, deps.limits().bodyLimitBytes);
  const named = new Set(facts.fields.filter((f) => f.path === 'model').map((f) => bareModelId(f.value)));
  if (named.size === 0) throw new GatewayError('INVALID_REQUEST', 'model is required.');
  if (named.size > 1) {
    throw new GatewayError('INVALID_REQUEST', 'model is given more than once, with different values.');
  }
  const stream = path === 'chat/completions' && facts.stream === true;
  await serve(deps, req, res, {
    key,
    method: path,
    request: {
      framing: stream ? 'openai-sse' : 'none',
      alias: [...named][0]!,
      outgoing: {
        endpoint: { surface: 'openai', path },
        body,
        modelFields: facts.fields,
        headers: forwardedHeaders(req),
      },
      mode: stream ? 'stream' : 'unary',
    },
  });
}

/** `GET /v1beta/openai/models` in OpenAI's list shape. */
export function openaiModels(deps: ApiDeps, res: ServerResponse, key: ClientKey | undefined): void {
  sendJson(res, 200, {
    object: 'list',
    data: deps
      .catalog()
      .aliases()
      .filter((a) => inScope(key, a.name))
      .map(openaiModelOf),
  });
}

/** `GET /v1beta/openai/models/{id}`: an alias in OpenAI's model shape; anything else is OpenAI's 404. */
export function openaiModel(
  deps: ApiDeps,
  res: ServerResponse,
  key: ClientKey | undefined,
  id: string,
): void {
  const name = bareModelId(id);
  const alias = deps.catalog().get(name);
  if (!alias) throw unknownAlias(deps.catalog(), name);
  checkScope(key, alias.name);
  sendJson(res, 200, openaiModelOf(alias));
}

/**
 * An alias in OpenAI's model shape, with its lifecycle as extra fields (the SDK keeps unknown fields), so an
 * OpenAI-library user sees a deprecation as a Gemini-library user does.
 */
function openaiModelOf(alias: AliasEntry): Record<string, unknown> {
  return {
    id: alias.name,
    object: 'model',
    created: 0,
    owned_by: 'aliasgate',
    ...(alias.stage ? { stage: alias.stage } : {}),
    ...(alias.replacement ? { replacement: alias.replacement } : {}),
    ...(alias.shutdown ? { shutdown: alias.shutdown } : {}),
  };
}
