import type { AliasEntry } from '../catalog/alias.js';
import { targetLabel } from '../catalog/target.js';
import { GatewayError } from '../errors.js';
import { retryInfo } from '../wire/envelope.js';
import type { LoopResult, TriedTarget } from './attempt-loop.js';

type Exhausted = Extract<LoopResult<unknown>, { kind: 'exhausted' }>;

const WHY: Record<Exhausted['why'], (attempts: number) => string> = {
  no_target: () => 'no target is in rotation (all pulled or ejected)',
  busy: () => 'every target is at its concurrency limit',
  attempts: (n) => `all ${n} attempts failed`,
  budget: () => 'the retry budget is spent (upstream failures are widespread)',
  deadline: () => 'the request deadline passed',
  cancelled: () => 'the client went away',
  gateway_fault: () =>
    'the upstream refused a request the gateway malformed (a bug in aliasgate; the target was not charged for it)',
};

/** How long a client is asked to wait when every target is busy: load sheds in a second or two. */
const BUSY_RETRY_MS = 1000;

/**
 * What the client is told when no target could serve: which were tried and what each said, with the right status.
 * A target of an alias that hides its builds is told only by its alias and verdict: the upstream's message may name
 * the build.
 */
export function failureError(
  alias: AliasEntry,
  result: Exhausted,
  hidesBuilds: (alias: string) => boolean = () => false,
): GatewayError {
  const tried = result.tried
    .map((t) =>
      hidesBuilds(t.target.alias) ? `a target of ${t.target.alias} (${t.verdict.kind})` : describeTry(t),
    )
    .join('; ');
  const message = `${alias.name}: no target could serve the request: ${WHY[result.why](result.attempts)}.${tried ? ` Tried: ${tried}.` : ''}`;
  if (result.why === 'deadline') return new GatewayError('DEADLINE_EXCEEDED', message);
  if (result.why === 'gateway_fault') return new GatewayError('INTERNAL', message);
  if (result.why === 'busy') {
    return new GatewayError('NO_TARGET_AVAILABLE', message, [retryInfo(BUSY_RETRY_MS)], {
      retryAfterMs: BUSY_RETRY_MS,
    });
  }
  const overloaded = result.tried.length > 0 && result.tried.every((t) => t.verdict.kind === 'overloaded');
  if (overloaded) {
    const wait = Math.min(
      ...result.tried.map((t) => (t.verdict.kind === 'overloaded' ? (t.verdict.retryAfterMs ?? 1000) : 1000)),
    );
    return new GatewayError('RESOURCE_EXHAUSTED', message, [retryInfo(wait)], { retryAfterMs: wait });
  }
  return new GatewayError('NO_TARGET_AVAILABLE', message);
}

/** `sim/build (target_fault: 404 NOT_FOUND: Model not found: models/build)`. */
export function describeTry(t: TriedTarget): string {
  return `${targetLabel(t.target)} (${t.verdict.kind}: ${t.verdict.kind === 'ok' ? 'ok' : t.verdict.reason})`;
}
