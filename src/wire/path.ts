import { type GenerationMethod, isGenerationMethod } from './types.js';

export const API_VERSIONS = ['v1beta', 'v1', 'v1alpha'] as const;

/** A parsed Gemini REST path (wire spec §1, §9.1). */
export type GeminiRoute =
  | { kind: 'listModels'; version: string }
  | { kind: 'getModel'; version: string; model: string }
  | { kind: 'method'; version: string; model: string; method: GenerationMethod }
  | { kind: 'unknownMethod'; version: string; model: string; verb: string }
  | { kind: 'openaiChat'; version: string }
  | { kind: 'openaiModels'; version: string }
  | { kind: 'openaiModel'; version: string; model: string }
  | { kind: 'openaiEmbeddings'; version: string };

const ROUTE = /^\/(v1beta|v1|v1alpha)\/(.*)$/;

/** Parses the path part of a URL (no query). Returns undefined for paths outside the Gemini API. */
export function parseGeminiPath(pathname: string): GeminiRoute | undefined {
  const m = ROUTE.exec(pathname);
  if (!m) return undefined;
  const version = m[1]!;
  const rest = m[2]!;
  if (rest === 'models' || rest === 'models/') return { kind: 'listModels', version };
  if (rest === 'openai/chat/completions' || rest === 'chat/completions')
    return { kind: 'openaiChat', version };
  if (rest === 'openai/models') return { kind: 'openaiModels', version };
  if (rest === 'openai/embeddings') return { kind: 'openaiEmbeddings', version };
  if (rest.startsWith('openai/models/')) {
    return { kind: 'openaiModel', version, model: decodeSegment(rest.slice('openai/models/'.length)) };
  }
  if (!rest.startsWith('models/')) return undefined;
  const resource = rest.slice('models/'.length);
  const colon = resource.indexOf(':');
  if (colon < 0) return { kind: 'getModel', version, model: decodeSegment(resource) };
  const model = decodeSegment(resource.slice(0, colon));
  const verb = resource.slice(colon + 1);
  if (isGenerationMethod(verb)) return { kind: 'method', version, model, method: verb };
  return { kind: 'unknownMethod', version, model, verb };
}

/**
 * A path segment with its escapes decoded. A malformed escape (`%zz`, a cut-off UTF-8 sequence) leaves the segment
 * as the client wrote it: no model has such a name, so the request ends in a plain "not found" instead of an
 * exception deep in request handling.
 */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `models/x` → `x`; ids arrive both ways in bodies. */
export function bareModelId(name: string): string {
  return name.startsWith('models/') ? name.slice('models/'.length) : name;
}
