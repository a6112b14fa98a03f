import { type ModelField, rewriteModelFields } from '../wire/model-fields.js';
import type { GenerationMethod } from '../wire/types.js';
import type { Upstream } from './pools.js';

/** Which upstream endpoint a request goes to, apart from the model. */
export type Endpoint =
  | {
      surface: 'gemini';
      method: GenerationMethod;
      /** The version the client called (`v1`, `v1beta`); kept unless the upstream pins one. */
      version: string;
      /** Query string to forward, without the client's `key`. */
      query: string;
    }
  | { surface: 'openai'; path: 'chat/completions' | 'embeddings' };

/** What a request carries to every attempt: the body read once, where it names the model, the client's headers. */
export interface OutgoingRequest {
  endpoint: Endpoint;
  body: Buffer;
  /** Where the body names the model (wire/model-fields.ts); each is rewritten to the target's model. */
  modelFields: readonly ModelField[];
  /** Client headers the upstream may see (never the client's key). */
  headers: Record<string, string>;
}

export interface UpstreamRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The one place a request is addressed to a model on an upstream: the URL path, every model field of the body
 * (docs/wire.md §9.3), and the headers (the upstream's own key, never the client's). Attempts, fallbacks and health
 * checks all build their requests here, so a fallback can never carry the first alias's name.
 */
export function upstreamRequest(
  upstream: Upstream,
  model: string,
  request: OutgoingRequest,
): UpstreamRequest {
  const { endpoint } = request;
  const path =
    endpoint.surface === 'openai'
      ? `${upstream.basePath}/v1beta/openai/${endpoint.path}`
      : `${upstream.basePath}/${upstream.apiVersion ?? endpoint.version}/models/${model}:${endpoint.method}${endpoint.query ? `?${endpoint.query}` : ''}`;
  return {
    path,
    headers: { ...request.headers, ...upstream.headers, 'content-type': 'application/json' },
    body: rewriteModelFields(request.body, request.modelFields, model),
  };
}
