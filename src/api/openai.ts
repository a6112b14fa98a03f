import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import { bareModelId } from '../wire/model-names.js';
import { readJsonBody } from './body.js';
import { forwardHeaders, proxy } from './proxy.js';
import { sendJson } from './respond.js';
import type { Runtime } from './runtime.js';

/**
 * `POST /v1beta/openai/chat/completions` (and `/v1/chat/completions`): the same alias → target → verdict →
 * health path as the native surface. The upstream's own OpenAI-compatible endpoint does the translation, so the
 * body passes through with only `model` rewritten.
 */
export async function chatCompletions(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { body, facts } = await readJsonBody(req, rt.bodyLimitBytes);
  const named = new Set(facts.fields.filter((f) => f.path === 'model').map((f) => bareModelId(f.value)));
  if (named.size === 0) throw new GatewayError('INVALID_REQUEST', 'model is required.');
  if (named.size > 1)
    throw new GatewayError('INVALID_REQUEST', 'model is given more than once, with different values.');
  const stream = facts.stream === true;
  await proxy(rt, req, res, {
    surface: 'openai',
    alias: [...named][0]!,
    method: 'chat/completions',
    request: {
      endpoint: { surface: 'openai', path: 'chat/completions' },
      body,
      modelFields: facts.fields,
      headers: forwardHeaders(req),
    },
    mode: stream ? 'stream' : 'unary',
    framing: stream ? 'openai-sse' : 'none',
  });
}

/** `GET /v1beta/openai/models` in OpenAI's list shape. */
export function openaiModels(rt: Runtime, res: ServerResponse): void {
  sendJson(res, 200, {
    object: 'list',
    data: rt.catalog
      .aliases()
      .map((a) => ({ id: a.name, object: 'model', created: 0, owned_by: 'aliasgate' })),
  });
}
