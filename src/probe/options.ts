/** The real Gemini Developer API (docs/wire.md §1). */
export const DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';
export const DEFAULT_API_VERSION = 'v1beta';
/** The incident's prompt: a minimal body is enough to trigger the dead build. */
export const DEFAULT_PROMPT = 'hi';
/** The incident's loop ran 25 calls. */
export const DEFAULT_CALLS = 25;
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Everything the probe engine needs to run. */
export interface ProbeOptions {
  /** Base URL of a Gemini-wire API, no trailing slash; may carry a path prefix. Default {@link DEFAULT_BASE_URL}. */
  baseUrl: string;
  /** API version path segment. Default `v1beta`. */
  apiVersion: string;
  /** Bare model ids (no `models/`) to probe; at least one, no duplicates. */
  models: string[];
  /** Calls per model, ≥ 1. Default 25. */
  calls: number;
  /** Calls in flight at once, over all models together, ≥ 1. Default 4. */
  concurrency: number;
  /** Call `streamGenerateContent?alt=sse` and read the whole stream, instead of `generateContent`. */
  stream: boolean;
  /** The JSON request body sent on every call. */
  body: unknown;
  /** Where the body came from, for the report's reproduction. */
  bodySource: { prompt: string } | { file: string };
  /** Budget for one whole call (connect, headers, complete body), ms, > 0. Default 30 000. */
  timeoutMs: number;
  /** Sent as `x-goog-api-key` (docs/wire.md §2.1); never kept in the result, never printed. */
  apiKey?: string;
}

/** What a result keeps of the options: everything but the key. */
export type ProbeSettings = Omit<ProbeOptions, 'apiKey'> & { authenticated: boolean };

/** The minimal generateContent body of the incident's curl loop. */
export function promptBody(prompt: string): unknown {
  return { contents: [{ parts: [{ text: prompt }] }] };
}

/** The Gemini method a probe calls (docs/wire.md §1): SSE streaming or one JSON answer. */
export function methodName(stream: boolean): 'streamGenerateContent' | 'generateContent' {
  return stream ? 'streamGenerateContent' : 'generateContent';
}

/** `{base}/{version}/models/{model}:generateContent`, or `:streamGenerateContent?alt=sse`. */
export function callUrl(
  settings: Pick<ProbeSettings, 'baseUrl' | 'apiVersion' | 'stream'>,
  model: string,
): string {
  const method = settings.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return `${settings.baseUrl}/${settings.apiVersion}/models/${encodeURIComponent(model)}:${method}`;
}
