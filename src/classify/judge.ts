import type { IncomingHttpHeaders } from 'node:http';
import { type ErrorStatus, parseEnvelope } from '../wire/envelope.js';
import { classifyResponse, classifyTransport } from './classify.js';
import { OK, type Verdict } from './verdict.js';

/**
 * What one attempt showed by the time it was decided (upstream/attempt.ts produces it): an HTTP answer with the body
 * bytes read so far, or a transport failure.
 */
export type Observed =
  | {
      kind: 'answer';
      status: number;
      headers: IncomingHttpHeaders;
      chunks: readonly Buffer[];
      /** Set on a 2xx whose body is not what the method promises. */
      malformed?: boolean;
    }
  | { kind: 'transport'; error: Error & { code?: string } };

/** How a body that was already being forwarded ended, when it did not end well. */
export type CutShort =
  | { kind: 'upstream_error'; error: ErrorStatus }
  | { kind: 'transport'; error: Error & { code?: string } }
  | { kind: 'truncated' };

export interface JudgeContext {
  /** The model the gateway asked the upstream for. */
  model: string;
  /** Epoch ms, so a Retry-After given as an HTTP date counts. */
  now?: number;
  /** The request chain's alias names, which no upstream should ever be sent (classify.ts: gateway_fault). */
  aliases?: readonly string[];
  /** The Gemini method the request used (classify.ts: a 404 that may only mean the model lacks it). */
  method?: string;
}

/** An attempt's decision → its verdict. Error bodies (small, already held) are parsed only here. */
export function judge(observed: Observed, context: JudgeContext): Verdict {
  if (observed.kind === 'transport') return classifyTransport(observed.error);
  if (observed.status >= 200 && observed.status < 300) {
    if (!observed.malformed) return OK;
    return classifyTransport(Object.assign(new Error('malformed upstream body'), { code: 'MALFORMED_BODY' }));
  }
  const text = Buffer.concat(observed.chunks).toString('utf8');
  const retryAfter = observed.headers['retry-after'];
  return classifyResponse({
    status: observed.status,
    error: parseEnvelope(text),
    ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
    requestedModel: context.model,
    ...(context.now === undefined ? {} : { now: context.now }),
    ...(context.aliases === undefined ? {} : { aliases: context.aliases }),
    ...(context.method === undefined ? {} : { method: context.method }),
  });
}

/** A forwarded body that ended badly → the verdict it earns its target. */
export function judgeCut(cut: CutShort, context: JudgeContext): Verdict {
  switch (cut.kind) {
    case 'upstream_error':
      return classifyResponse({ status: cut.error.code, error: cut.error, requestedModel: context.model });
    case 'transport':
      return classifyTransport(cut.error);
    case 'truncated':
      return { kind: 'transient', origin: 'external', reason: 'upstream stream ended before completion' };
  }
}
