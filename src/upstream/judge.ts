import type { Target } from '../catalog/alias-entry.js';
import { classifyResponse, classifyTransport } from '../classify/classify.js';
import { OK, type Verdict } from '../classify/verdict.js';
import { parseEnvelope } from '../wire/envelope.js';
import type { AttemptOutcome } from './attempt.js';

/**
 * An attempt's outcome → its verdict. Error bodies (small, already held) are parsed only here. `now` (epoch ms)
 * lets a Retry-After given as an HTTP date count; `aliases` are the request chain's alias names, which no upstream
 * should ever be sent (classify.ts: gateway_fault).
 */
export function judge(
  outcome: AttemptOutcome,
  target: Target,
  now?: number,
  aliases?: readonly string[],
): Verdict {
  if (outcome.kind === 'transport') return classifyTransport(outcome.error);
  if (outcome.status >= 200 && outcome.status < 300) {
    if (!outcome.malformed) return OK;
    return classifyTransport(Object.assign(new Error('malformed upstream body'), { code: 'MALFORMED_BODY' }));
  }
  const text = Buffer.concat(outcome.chunks).toString('utf8');
  const retryAfter = outcome.headers['retry-after'];
  return classifyResponse({
    status: outcome.status,
    error: parseEnvelope(text),
    ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
    requestedModel: target.model,
    ...(now === undefined ? {} : { now }),
    ...(aliases === undefined ? {} : { aliases }),
  });
}
