import { decideOutcome } from './behaviour.js';
import { isObject, type Json } from './content/request-fields.js';
import type { SimContext } from './context.js';
import { type Answer, deliver, type Framing, sendError } from './delivery.js';
import { type Exchange, readBody } from './exchange.js';
import type { Route } from './fleet.js';
import { invalidApiKey, invalidJson, missingApiKey, payloadTooLarge } from './google-errors.js';
import { MAX_NESTING, nestingDepth } from './json-depth.js';
import { sampleLatencyMs } from './latency.js';

/**
 * The steps every model request goes through, in the real service's order: key, body, then
 * (after the surface resolved the model) the build's behaviour and latency.
 */

/** Checks the key (docs/wire.md §2.1) when the scenario declares keys; answers the error and returns false. */
export function authenticate(
  ctx: SimContext,
  ex: Exchange,
  query: URLSearchParams | undefined,
  framing: Framing,
): boolean {
  if (!ctx.apiKeys) return true;
  const key = presentedKey(ex, query);
  if (key === undefined) sendError(ex, framing, missingApiKey());
  else if (!ctx.apiKeys.has(key)) sendError(ex, framing, invalidApiKey());
  else return true;
  return false;
}

/** `x-goog-api-key`, else `?key=`, else `Authorization: Bearer` (the OpenAI surface's way). */
function presentedKey(ex: Exchange, query: URLSearchParams | undefined): string | undefined {
  const header = ex.req.headers['x-goog-api-key'];
  if (typeof header === 'string' && header) return header;
  const fromQuery = query?.get('key');
  if (fromQuery) return fromQuery;
  const auth = ex.req.headers.authorization;
  const bearer = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return bearer?.[1];
}

/** The JSON object body, or undefined after answering 400 (or when the client left). */
export async function readJson(ctx: SimContext, ex: Exchange, framing: Framing): Promise<Json | undefined> {
  const body = await readBody(ex.req, ctx.maxBodyBytes);
  if (!body || ex.closed) return undefined;
  if (body.tooLarge) {
    sendError(ex, framing, payloadTooLarge(ctx.maxBodyBytes));
    return undefined;
  }
  const text = body.text ?? '';
  if (text.trim() === '') return {}; // proto3: an empty body is the empty message
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    sendError(ex, framing, invalidJson(parseFailure(text)));
    return undefined;
  }
  if (!isObject(value)) {
    sendError(ex, framing, invalidJson('Unknown name "": Root element must be a message.'));
    return undefined;
  }
  if (nestingDepth(text) > MAX_NESTING) {
    sendError(ex, framing, invalidJson(`Message nested deeper than ${MAX_NESTING} levels.`));
    return undefined;
  }
  return value;
}

/** Google points at the bad byte: `Unexpected token.\n<line>\n   ^`. */
function parseFailure(text: string): string {
  const at = firstBadByte(text);
  if (at >= text.length) return 'Unexpected end of string.';
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const from = Math.max(lineStart, at - 40);
  const lineEnd = text.indexOf('\n', at);
  const line = text.slice(from, Math.min(lineEnd < 0 ? text.length : lineEnd, at + 40));
  return `Unexpected token.\n${line}\n${' '.repeat(at - from)}^`;
}

/**
 * Index of the first byte that makes `text` invalid JSON (text.length when it is only cut short).
 * V8's messages do not always carry a position, so this bisects on prefixes: a prefix that is
 * merely incomplete fails only at its end, one holding the bad byte fails before it. Error path only.
 */
function firstBadByte(text: string): number {
  const brokenWithin = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (e) {
      const message = String((e as Error).message);
      if (/end of JSON input/.test(message)) return false;
      const position = /position (\d+)/.exec(message);
      return position ? Number(position[1]) < length : true;
    }
  };
  let low = 0;
  let high = text.length;
  if (!brokenWithin(high)) return text.length;
  while (low + 1 < high) {
    const mid = (low + high) >>> 1;
    if (brokenWithin(mid)) high = mid;
    else low = mid;
  }
  return high - 1;
}

/** Counts the request, then lets the chosen build answer, fail, or hang as its behaviour says. */
export function serveRouted(
  ctx: SimContext,
  ex: Exchange,
  framing: Framing,
  calledAs: string,
  route: Route,
  answer: Answer,
): Promise<void> {
  const { model, build } = route;
  ctx.stats.routed(calledAs, build.name);
  const outcome = decideOutcome(build.behaviour, build.name, model.id, build.behaviourRandom);
  const latencyMs = sampleLatencyMs(build.latency, build.latencyRandom);
  return deliver(ex, framing, outcome, answer, { latencyMs, chunkIntervalMs: build.chunkIntervalMs });
}
