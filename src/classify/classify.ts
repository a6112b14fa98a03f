import { rejectsKey } from '../wire/auth-errors.js';
import type { ErrorStatus } from '../wire/envelope.js';
import { retryDelayMs } from '../wire/envelope.js';
import { bareModelId, methodRefusedIn, modelsNamed, otherModelNamed } from '../wire/model-names.js';
import { canonicalStatus } from '../wire/status.js';
import { transportCode, transportWords } from '../wire/transport-errors.js';
import type { Verdict } from './verdict.js';
import { OK } from './verdict.js';

/** What classifyResponse needs to know about one upstream answer. */
export interface UpstreamAnswer {
  /** HTTP status of the upstream response. */
  status: number;
  /** The parsed Gemini error envelope (`parseEnvelope` in src/wire/envelope.ts), if the body held one. */
  error?: ErrorStatus;
  /** The raw `Retry-After` header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
  retryAfter?: string;
  /** The target model the gateway asked this upstream for, with or without the `models/` prefix. */
  requestedModel: string;
  /**
   * Names that must never reach an upstream: the aliases of the request's fallback chain (the names clients
   * write). An upstream 400/404 naming one of them, rather than the target's model, means the gateway itself sent
   * a malformed request.
   */
  aliases?: readonly string[];
  /** Epoch ms, needed only to turn an HTTP-date `Retry-After` into a delay; without it a date is ignored. */
  now?: number;
  /** The Gemini method the request used, so a 404 that may only mean the model lacks it is marked as such. */
  method?: string;
}

/**
 * The longest an `overloaded` verdict asks us to stay away, in ms (1 hour). Google signals a
 * per-day quota with an hours-long RetryInfo (`"81400s"`, docs/wire.md §8.1) and says not to sleep on
 * it; one 429 an hour is a cheap way to notice the quota has reset.
 */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * Classifies one upstream HTTP answer (docs/design.md §3). The catalog says each configured
 * target's model exists, so any 404 is the target's fault, never the client's.
 */
export function classifyResponse(answer: UpstreamAnswer): Verdict {
  const { status } = answer;
  if (status >= 200 && status < 300) return OK;
  const described = describe(status, answer.error);
  if (status === 400 || status === 404) {
    const leaked = leakedAlias(answer);
    if (leaked !== undefined) {
      return {
        kind: 'gateway_fault',
        reason: `${described} (the upstream was sent the alias name ${leaked}, not the target's model)`,
      };
    }
  }
  if (status === 404) {
    if (answer.method !== undefined && mayRefuseMethod(answer, answer.method)) {
      return { kind: 'target_fault', reason: described, unlessLacking: answer.method };
    }
    return { kind: 'target_fault', reason: described };
  }
  if (rejectsKey({ code: status, ...(answer.error ?? {}) })) {
    return { kind: 'target_fault', reason: `upstream rejected the gateway's credentials: ${described}` };
  }
  if (status === 429) return overloaded(answer, described);
  if (status === 408) return { kind: 'transient', reason: described, origin: 'external' };
  if (status >= 400 && status < 500) return { kind: 'client_error', reason: described };
  if (status >= 500 && status < 600) return serverError(answer, described);
  // 1xx/3xx (undici follows no redirects) or a non-HTTP code: the target answered something no
  // Gemini API sends; worth another try elsewhere, and a streak of them will eject it.
  return { kind: 'transient', reason: `unexpected HTTP status: ${described}`, origin: 'external' };
}

/**
 * Whether a 404 is Google's one sentence for both "no such model" and "this model has no such method", naming the
 * model asked for and the method the request used (docs/wire.md §0.12). Only the model's own resource can tell
 * which: the router reads it before judging the target (routing/router.ts).
 */
export function mayRefuseMethod(answer: UpstreamAnswer, method: string): boolean {
  if (answer.status !== 404) return false;
  const refused = methodRefusedIn(answer.error?.message);
  if (refused === undefined || refused.toLowerCase() !== method.toLowerCase()) return false;
  return modelsNamed(answer.error?.message).includes(bareModelId(answer.requestedModel));
}

/** `404 NOT_FOUND: Model not found: models/…`, or just `404 NOT_FOUND` when there was no envelope. */
function describe(status: number, error: ErrorStatus | undefined): string {
  const head = `${status} ${error?.status ?? canonicalStatus(status)}`;
  return error?.message ? `${head}: ${error.message}` : head;
}

/** An alias of the chain that the upstream's message names, when that alias is not the target's own model. */
function leakedAlias(answer: UpstreamAnswer): string | undefined {
  if (!answer.aliases || answer.aliases.length === 0) return undefined;
  const requested = bareModelId(answer.requestedModel);
  return modelsNamed(answer.error?.message).find((n) => n !== requested && answer.aliases!.includes(n));
}

/** A 5xx that names a model other than the one asked for exposes a broken backing build. */
function serverError(answer: UpstreamAnswer, described: string): Verdict {
  const other = otherModelNamed(answer.error?.message, answer.requestedModel);
  if (other !== undefined) {
    return { kind: 'target_fault', reason: `${described} (names models/${other}, not the requested model)` };
  }
  return { kind: 'transient', reason: described, origin: 'external' };
}

/**
 * A 429. The wait comes from `Retry-After` or from Google's RetryInfo detail (docs/wire.md §8.1:
 * Google sends RetryInfo, no Retry-After has been seen); when both are present the longer wins,
 * so we never come back earlier than either asked. Capped at MAX_RETRY_AFTER_MS.
 */
function overloaded(answer: UpstreamAnswer, described: string): Verdict {
  const header = parseRetryAfter(answer.retryAfter, answer.now);
  const info = retryDelayMs(answer.error);
  const asked = header === undefined ? info : info === undefined ? header : Math.max(header, info);
  if (asked === undefined) return { kind: 'overloaded', reason: described };
  if (asked > MAX_RETRY_AFTER_MS) {
    return {
      kind: 'overloaded',
      reason: `${described} (asked to wait ${Math.round(asked / 1000)}s: a daily quota; cooling capped at 1h)`,
      retryAfterMs: MAX_RETRY_AFTER_MS,
    };
  }
  return { kind: 'overloaded', reason: described, retryAfterMs: asked };
}

const HTTP_DATE_START = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)/;

/**
 * `Retry-After` in ms: delay-seconds (`"120"`; fractions tolerated) or an HTTP-date, which needs
 * `now`. A date in the past means 0. Anything else is ignored (undefined).
 */
export function parseRetryAfter(value: string | undefined, now?: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // All three HTTP-date forms (RFC 9110 §5.6.7) open with a day name; checking it keeps V8's lenient
  // Date.parse from reading "-1" or "5 minutes" as a date.
  if (now === undefined || !HTTP_DATE_START.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Classifies an attempt that produced no HTTP answer. Every such failure is `transient` with
 * `local` origin: we saw it on our side of the wire, and trying another target may work. The
 * decision keys on the error's stable `code` (searched down the `cause` chain, since undici's
 * fetch wraps the real error in `TypeError: fetch failed`), never on message text; the reason
 * names the code so logs and status pages can group by it. A client abort is not classified here.
 */
export function classifyTransport(err: unknown): Verdict {
  const code = transportCode(err);
  if (code === undefined) {
    return { kind: 'transient', reason: `unknown transport error (${errorName(err)})`, origin: 'local' };
  }
  const words = transportWords(code);
  return { kind: 'transient', reason: words ? `${code}: ${words}` : code, origin: 'local' };
}

function errorName(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as { name?: unknown }).name === 'string') {
    return (err as { name: string }).name;
  }
  return typeof err;
}
