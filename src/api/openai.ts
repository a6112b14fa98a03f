import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import { bareModelId } from '../wire/path.js';
import { readBody } from './body.js';
import { proxy } from './proxy.js';
import { sendJson } from './respond.js';
import type { Runtime } from './runtime.js';

/**
 * `POST /v1beta/openai/chat/completions` (and `/v1/chat/completions`): the same alias → target → verdict →
 * health path as the native surface. The upstream's own OpenAI-compatible endpoint does the translation, so the
 * body passes through with only `model` rewritten.
 */
export async function chatCompletions(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, rt.bodyLimitBytes);
  let parsed: { model?: unknown; stream?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new GatewayError('INVALID_REQUEST', 'Invalid JSON payload received.');
  }
  if (typeof parsed?.model !== 'string' || parsed.model === '') {
    throw new GatewayError('INVALID_REQUEST', 'model is required.');
  }
  const stream = parsed.stream === true;
  await proxy(rt, req, res, {
    surface: 'openai',
    alias: bareModelId(parsed.model),
    method: 'chat/completions',
    version: 'v1beta',
    query: '',
    body,
    mode: stream ? 'stream' : 'unary',
    framing: stream ? 'openai-sse' : 'none',
    bodyNamesModel: true,
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
