import type { AliasEntry } from '../catalog/alias.js';
import type { Target, TargetId } from '../catalog/target.js';
import type { Verdict } from '../classify/verdict.js';
import type { Clock } from '../clock.js';
import type { RoutingConfig } from '../config/schema.js';
import type { Random } from '../random.js';
import { type Candidate, pickTarget } from './balancer.js';
import type { RetryBudget } from './retry-budget.js';

/**
 * The retry policy, as data (docs/design.md §4): the config's `routing` section, whose schema documents every field,
 * its unit and its default.
 */
export type RoutingPolicy = Pick<
  RoutingConfig,
  'maxAttempts' | 'maxAttemptsPerAlias' | 'perTryTimeoutMs' | 'deadlineMs' | 'minAttemptMs'
>;

/**
 * What trying one target came to. `answer` is there when the target's answer is the request's (ok, or a
 * client_error passed through); `timedOut` when the attempt's own timer ended it.
 */
export interface Tried<A> {
  verdict: Verdict;
  answer?: A;
  timedOut: boolean;
}

/**
 * Sends one attempt to a target within `timeoutMs`, judges and records it (router.ts); 'cancelled' when the client
 * left. `byDeadline` says the timeout is the request's own remaining deadline, not the per-try timeout: if it fires,
 * the client ran out of patience, and the target is not to blame.
 */
export type TryTarget<A> = (
  target: Target,
  timeoutMs: number,
  byDeadline: boolean,
) => Promise<Tried<A> | 'cancelled'>;

/** What the loop reads of the targets' state (HealthTable answers it). */
export interface TargetView {
  available(targetId: TargetId, now: number): boolean;
  pulled(targetId: TargetId): boolean;
  inFlight(targetId: TargetId): number;
  stats(targetId: TargetId): { successRate: number | null };
}

export interface TriedTarget {
  target: Target;
  verdict: Verdict;
}

export type ExhaustedWhy =
  | 'no_target'
  | 'busy'
  | 'attempts'
  | 'budget'
  | 'deadline'
  | 'cancelled'
  | 'gateway_fault';

export type LoopResult<A> =
  | {
      kind: 'answered';
      /** ok, or client_error (passed through unchanged). */
      verdict: Verdict;
      alias: AliasEntry;
      target: Target;
      answer: A;
      attempts: number;
      tried: TriedTarget[];
    }
  | { kind: 'exhausted'; why: ExhaustedWhy; attempts: number; tried: TriedTarget[] };

export interface LoopDeps {
  policy: RoutingPolicy;
  targets: TargetView;
  budget: RetryBudget;
  clock: Clock;
  random: Random;
  /** Attempts a target may have in flight at once (its upstream's maxRequestsPerTarget); a target at it is busy. */
  capacity(target: Target): number;
}

/**
 * The order of attempts for one client request: pick a target of the alias (weighted, least in-flight, available,
 * not busy), try it; on a retryable verdict try another target, then the same alias again (client mode: the
 * provider's alias itself balances over builds), then the fallback chain — within maxAttempts, the deadline and
 * the retry budget. When nothing in the whole chain is available it still tries the least-bad target once rather
 * than fail without trying.
 */
export async function runAttempts<A>(
  chain: readonly AliasEntry[],
  tryTarget: TryTarget<A>,
  deps: LoopDeps,
  /** This request's own deadline, when the client declared a shorter one (X-Server-Timeout), ms. */
  deadlineMs = deps.policy.deadlineMs,
): Promise<LoopResult<A>> {
  const { policy, clock } = deps;
  const deadline = clock.now() + Math.min(deadlineMs, policy.deadlineMs);
  const tried: TriedTarget[] = [];
  let attempts = 0;
  let busy = false;
  deps.budget.recordRequest();

  const attempt = async (alias: AliasEntry, target: Target): Promise<LoopResult<A> | undefined> => {
    const remaining = deadline - clock.now();
    if (remaining < policy.minAttemptMs) return { kind: 'exhausted', why: 'deadline', attempts, tried };
    if (attempts > 0 && !deps.budget.tryRetry()) return { kind: 'exhausted', why: 'budget', attempts, tried };
    attempts++;
    // the request's deadline, not the per-try timeout, bounds this attempt: if it times out, time is up
    const lastChance = remaining <= policy.perTryTimeoutMs;
    const result = await tryTarget(target, lastChance ? remaining : policy.perTryTimeoutMs, lastChance);
    if (result === 'cancelled') return { kind: 'exhausted', why: 'cancelled', attempts, tried };
    const { verdict } = result;
    if (result.answer !== undefined && (verdict.kind === 'ok' || verdict.kind === 'client_error')) {
      return { kind: 'answered', verdict, alias, target, answer: result.answer, attempts, tried };
    }
    tried.push({ target, verdict });
    // our own malformed request would be malformed on every target: stop, and let the caller say so
    if (verdict.kind === 'gateway_fault') return { kind: 'exhausted', why: 'gateway_fault', attempts, tried };
    // decided by what ended the attempt, never by reading the clock again: a timer that fires a hair early by the
    // wall clock must not leave room for one more doomed attempt (and a 503 where the client's deadline passed)
    if (lastChance && result.timedOut) return { kind: 'exhausted', why: 'deadline', attempts, tried };
    return undefined;
  };

  for (const alias of chain) {
    const triedHere = new Set<string>();
    for (let here = 0; here < policy.maxAttemptsPerAlias && attempts < policy.maxAttempts; here++) {
      const pick = chooseTarget(alias, triedHere, deps);
      if (pick === BUSY) busy = true;
      if (pick === undefined || pick === BUSY) break;
      triedHere.add(pick.id);
      const result = await attempt(alias, pick);
      if (result) return result;
    }
    if (attempts >= policy.maxAttempts) return { kind: 'exhausted', why: 'attempts', attempts, tried };
  }
  if (attempts === 0) {
    const least = leastBadTarget(chain, deps);
    if (least) {
      const result = await attempt(least.alias, least.target);
      if (result) return result;
    }
    if (attempts === 0) return { kind: 'exhausted', why: busy ? 'busy' : 'no_target', attempts, tried };
  }
  return { kind: 'exhausted', why: 'attempts', attempts, tried };
}

/** chooseTarget's answer when the alias has available targets but every one of them is at its capacity. */
const BUSY = Symbol('busy');

/*
 * Scratch space for chooseTarget: it runs synchronously, so one set of arrays serves every request and a pick
 * over an alias of 100 targets allocates nothing.
 */
const fresh: Target[] = [];
const again: Target[] = [];
const candidates: Candidate[] = [];
const candidateObjects: Candidate[] = [];

/** Untried targets first; when every usable target was tried, the same ones again (a provider alias may succeed on retry). */
function chooseTarget(
  alias: AliasEntry,
  triedHere: ReadonlySet<string>,
  deps: LoopDeps,
): Target | typeof BUSY | undefined {
  const now = deps.clock.now();
  fresh.length = 0;
  again.length = 0;
  let full = 0;
  for (const t of alias.targets) {
    if (!deps.targets.available(t.id, now)) continue;
    if (deps.targets.inFlight(t.id) >= deps.capacity(t)) {
      full++;
      continue;
    }
    (triedHere.has(t.id) ? again : fresh).push(t);
  }
  const pool = fresh.length > 0 ? fresh : again;
  if (pool.length === 0) return full > 0 ? BUSY : undefined;
  if (pool.length === 1) return pool[0];
  candidates.length = 0;
  for (let i = 0; i < pool.length; i++) {
    if (!candidateObjects[i]) candidateObjects[i] = { weight: 0, inFlight: 0 };
    const c = candidateObjects[i]!;
    c.weight = pool[i]!.weight;
    c.inFlight = deps.targets.inFlight(pool[i]!.id);
    candidates.push(c);
  }
  const picked = pickTarget(candidates, deps.random);
  // every usable target is on standby (weight 0: a rollout or a drain gave the traffic to targets not available
  // now): the one with the fewest attempts in flight serves rather than none
  return pool[picked >= 0 ? picked : leastLoaded(candidates)];
}

function leastLoaded(list: readonly Candidate[]): number {
  let best = 0;
  for (let i = 1; i < list.length; i++) if (list[i]!.inFlight < list[best]!.inFlight) best = i;
  return best;
}

/** Nothing available anywhere: the target with the best recent success rate, cooling ones included (not pulled, not busy). */
function leastBadTarget(
  chain: readonly AliasEntry[],
  deps: LoopDeps,
): { alias: AliasEntry; target: Target } | undefined {
  let best: { alias: AliasEntry; target: Target; score: number } | undefined;
  for (const alias of chain) {
    for (const target of alias.targets) {
      if (deps.targets.pulled(target.id) || deps.targets.inFlight(target.id) >= deps.capacity(target))
        continue;
      const score = deps.targets.stats(target.id).successRate ?? 0.5;
      if (!best || score > best.score) best = { alias, target, score };
    }
  }
  return best;
}
