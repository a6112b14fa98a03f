import type { AliasEntry, Target } from '../catalog/alias-entry.js';
import type { Verdict } from '../classify/verdict.js';
import type { Clock } from '../clock.js';
import type { HealthTable } from '../health/health-table.js';
import type { Random } from '../random.js';
import { ATTEMPT_TIMEOUT, type AttemptOutcome } from '../upstream/attempt.js';
import { type Candidate, pickTarget } from './balancer.js';
import type { RetryBudget } from './retry-budget.js';

/** The retry policy, as data (STYLE 7). Defaults live in the config schema. */
export interface RoutingPolicy {
  /** Upstream attempts per client request, fallbacks included. */
  maxAttempts: number;
  /** Attempts on one alias before moving down the fallback chain. */
  maxAttemptsPerAlias: number;
  /** Time to the decision of one attempt, ms. */
  perTryTimeoutMs: number;
  /** Whole request until its first byte reaches the client, ms. */
  deadlineMs: number;
  /**
   * Least time worth starting an attempt with, ms: with less left before the deadline the request ends as
   * `deadline` instead of sending an attempt that cannot finish (no upstream answers in 1 ms).
   */
  minAttemptMs: number;
}

/** One attempt in flight, as the loop sees it: the upstream side is injected so the loop is testable without I/O. */
export interface SentAttempt {
  outcome: Promise<AttemptOutcome>;
  abort(reason: Error): void;
}

export type Send = (target: Target, timeoutMs: number) => SentAttempt;
export type Judge = (outcome: AttemptOutcome, target: Target) => Verdict;

export interface TriedTarget {
  target: Target;
  verdict: Verdict;
}

export type LoopResult =
  | {
      kind: 'answered';
      /** ok, or client_error (passed through unchanged). */
      verdict: Verdict;
      alias: AliasEntry;
      target: Target;
      attempt: SentAttempt;
      outcome: Extract<AttemptOutcome, { kind: 'answer' }>;
      attempts: number;
      tried: TriedTarget[];
    }
  | {
      kind: 'exhausted';
      why: 'no_target' | 'attempts' | 'budget' | 'deadline' | 'cancelled' | 'gateway_fault';
      attempts: number;
      tried: TriedTarget[];
    };

export interface LoopDeps {
  policy: RoutingPolicy;
  health: HealthTable;
  budget: RetryBudget;
  clock: Clock;
  random: Random;
  isPulled(target: Target): boolean;
  onVerdict(target: Target, verdict: Verdict): void;
}

/**
 * The one orchestrator of a client request: pick a target of the alias (weighted, least in-flight, in rotation,
 * not pulled, not cooling after a 429), send, judge; on a retryable verdict try another target, then the same
 * alias again (client mode: the provider's alias itself balances over builds), then the fallback chain — within
 * maxAttempts, the deadline and the retry budget. When nothing in the whole chain is in rotation it still tries
 * the least-bad target once rather than fail without trying.
 */
export async function runAttempts(
  chain: readonly AliasEntry[],
  send: Send,
  judge: Judge,
  deps: LoopDeps,
  cancelled: () => boolean,
  /** This request's own deadline, when the client declared a shorter one (X-Server-Timeout), ms. */
  deadlineMs = deps.policy.deadlineMs,
): Promise<LoopResult> {
  const { policy, clock } = deps;
  const deadline = clock.now() + Math.min(deadlineMs, policy.deadlineMs);
  const tried: TriedTarget[] = [];
  let attempts = 0;
  deps.budget.recordRequest();

  const attempt = async (alias: AliasEntry, target: Target): Promise<LoopResult | undefined> => {
    const remaining = deadline - clock.now();
    if (remaining < policy.minAttemptMs) return { kind: 'exhausted', why: 'deadline', attempts, tried };
    if (attempts > 0 && !deps.budget.tryRetry()) return { kind: 'exhausted', why: 'budget', attempts, tried };
    attempts++;
    // the request's deadline, not the per-try timeout, bounds this attempt: if it times out, time is up
    const lastChance = remaining <= policy.perTryTimeoutMs;
    deps.health.begin(target.id);
    const sent = send(target, lastChance ? remaining : policy.perTryTimeoutMs);
    const outcome = await sent.outcome;
    if (cancelled()) {
      deps.health.end(target.id);
      return { kind: 'exhausted', why: 'cancelled', attempts, tried };
    }
    const verdict = judge(outcome, target);
    deps.onVerdict(target, verdict);
    if (outcome.kind === 'answer' && (verdict.kind === 'ok' || verdict.kind === 'client_error')) {
      // in-flight ends when the body has been forwarded (the caller calls health.end)
      return { kind: 'answered', verdict, alias, target, attempt: sent, outcome, attempts, tried };
    }
    deps.health.end(target.id);
    tried.push({ target, verdict });
    // our own malformed request would be malformed on every target: stop, and let the caller say so
    if (verdict.kind === 'gateway_fault') return { kind: 'exhausted', why: 'gateway_fault', attempts, tried };
    // decided by what ended the attempt, never by reading the clock again: a timer that fires a hair early by the
    // wall clock must not leave room for one more doomed attempt (and a 503 where the client's deadline passed)
    if (lastChance && timedOut(outcome)) return { kind: 'exhausted', why: 'deadline', attempts, tried };
    return undefined;
  };

  for (const alias of chain) {
    const triedHere = new Set<string>();
    for (let here = 0; here < policy.maxAttemptsPerAlias && attempts < policy.maxAttempts; here++) {
      const target = chooseTarget(alias, triedHere, deps);
      if (!target) break;
      triedHere.add(target.id);
      const result = await attempt(alias, target);
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
    if (attempts === 0) return { kind: 'exhausted', why: 'no_target', attempts, tried };
  }
  return { kind: 'exhausted', why: 'attempts', attempts, tried };
}

/** The attempt's own timer ended it (upstream/attempt.ts gives that error the code ATTEMPT_TIMEOUT). */
function timedOut(outcome: AttemptOutcome): boolean {
  return outcome.kind === 'transport' && outcome.error.code === ATTEMPT_TIMEOUT;
}

/*
 * Scratch space for chooseTarget: it runs synchronously, so one set of arrays serves every request and a pick
 * over an alias of 100 targets allocates nothing.
 */
const fresh: Target[] = [];
const again: Target[] = [];
const candidates: Candidate[] = [];
const candidateObjects: Candidate[] = [];

/** Untried targets first; when every usable target was tried, the same ones again (a provider alias may succeed on retry). */
function chooseTarget(alias: AliasEntry, triedHere: ReadonlySet<string>, deps: LoopDeps): Target | undefined {
  const now = deps.clock.now();
  fresh.length = 0;
  again.length = 0;
  for (const t of alias.targets) {
    if (!deps.health.available(t.id, now) || deps.isPulled(t)) continue;
    (triedHere.has(t.id) ? again : fresh).push(t);
  }
  const pool = fresh.length > 0 ? fresh : again;
  if (pool.length <= 1) return pool[0];
  candidates.length = 0;
  for (let i = 0; i < pool.length; i++) {
    if (!candidateObjects[i]) candidateObjects[i] = { weight: 0, inFlight: 0 };
    const c = candidateObjects[i]!;
    c.weight = pool[i]!.weight;
    c.inFlight = deps.health.inFlight(pool[i]!.id);
    candidates.push(c);
  }
  return pool[pickTarget(candidates, deps.random)];
}

/** Nothing in rotation anywhere: the target with the best recent success rate, cooling ones included. */
function leastBadTarget(
  chain: readonly AliasEntry[],
  deps: LoopDeps,
): { alias: AliasEntry; target: Target } | undefined {
  let best: { alias: AliasEntry; target: Target; score: number } | undefined;
  for (const alias of chain) {
    for (const target of alias.targets) {
      if (deps.isPulled(target)) continue;
      const score = deps.health.stats(target.id).successRate ?? 0.5;
      if (!best || score > best.score) best = { alias, target, score };
    }
  }
  return best;
}
