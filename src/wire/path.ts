import { type GenerationMethod, isGenerationMethod } from './types.js';

export const API_VERSIONS = ['v1beta', 'v1', 'v1alpha'] as const;

/** A parsed Gemini REST path (docs/wire.md §1, §9.1), or the OpenAI-compatible surface beside it (§11). */
export type GeminiRoute =
  | { kind: 'listModels'; version: string }
  | { kind: 'getModel'; version: string; model: string }
  | { kind: 'method'; version: string; model: string; method: GenerationMethod }
  | { kind: 'unknownMethod'; version: string; model: string; verb: string }
  | { kind: 'openaiChat'; version: string }
  | { kind: 'openaiModels'; version: string }
  | { kind: 'openaiModel'; version: string; model: string }
  | { kind: 'openaiEmbeddings'; version: string }
  | { kind: 'openaiResponses'; version: string }
  /** A path with a broken `%` escape: the client's mistake, never ours. */
  | { kind: 'badPath'; version: string };

/** The one HTTP method each route answers; any other gets 405 with `Allow`. */
export const ROUTE_METHOD: Readonly<Record<GeminiRoute['kind'], 'GET' | 'POST'>> = {
  listModels: 'GET',
  getModel: 'GET',
  method: 'POST',
  unknownMethod: 'POST',
  openaiChat: 'POST',
  openaiModels: 'GET',
  openaiModel: 'GET',
  openaiEmbeddings: 'POST',
  openaiResponses: 'POST',
  badPath: 'GET',
};

const ROUTE = /^\/(v1beta|v1|v1alpha)\/(.*)$/;

/** Parses the path part of a URL (no query). Returns undefined for paths outside the Gemini API. */
export function parseGeminiPath(pathname: string): GeminiRoute | undefined {
  const m = ROUTE.exec(pathname);
  if (!m) return undefined;
  const version = m[1]!;
  const rest = m[2]!;
  try {
    return parseRest(version, rest);
  } catch {
    return { kind: 'badPath', version };
  }
}

function parseRest(version: string, rest: string): GeminiRoute | undefined {
  if (rest === 'models' || rest === 'models/') return { kind: 'listModels', version };
  if (rest === 'openai/chat/completions' || rest === 'chat/completions')
    return { kind: 'openaiChat', version };
  if (rest === 'openai/models') return { kind: 'openaiModels', version };
  if (rest === 'openai/embeddings' || rest === 'embeddings') return { kind: 'openaiEmbeddings', version };
  if (rest === 'openai/responses' || rest === 'responses') return { kind: 'openaiResponses', version };
  if (rest.startsWith('openai/models/')) {
    return { kind: 'openaiModel', version, model: decodeURIComponent(rest.slice('openai/models/'.length)) };
  }
  if (!rest.startsWith('models/')) return undefined;
  const resource = rest.slice('models/'.length);
  const colon = resource.indexOf(':');
  if (colon < 0) return { kind: 'getModel', version, model: decodeURIComponent(resource) };
  const model = decodeURIComponent(resource.slice(0, colon));
  const verb = resource.slice(colon + 1);
  if (isGenerationMethod(verb)) return { kind: 'method', version, model, method: verb };
  return { kind: 'unknownMethod', version, model, verb };
}
