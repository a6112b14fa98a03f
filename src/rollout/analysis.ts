/**
 * Judges one step of a progressive build rollout. A new build (the candidate) is given a share of
 * an alias's traffic; over the step's window its failures are compared with those of the alias's
 * other targets (the baseline) over the same window. Pure: counts in, a verdict and its evidence out.
 *
 * The rules, first match wins:
 * 1. Fail, worse than the baseline: the candidate fails significantly more often. One-sided, so a
 *    build that fails less often can never fail this way. The test is the probe's: the pooled
 *    two-proportion z-test, or Fisher's exact test when an expected count is below 5 (Cochran's
 *    rule), both read one-sidedly (src/probe/stats.ts).
 * 2. Fail, above maxFailureRate (when set): the candidate's failure rate is over the operator's
 *    limit, however badly the baseline does too.
 * 3. Inconclusive, too few requests: the candidate has fewer than minRequests. Thin data can fail
 *    a build (rules 1–2) but never pass it; the caller holds the step and looks again.
 * 4. Inconclusive, too few baseline requests: the baseline has fewer than minBaselineRequests
 *    (default minRequests). A new alias, or one whose other targets are all ejected, has nothing to
 *    compare with, and a handful of baseline requests cannot show that a candidate is worse. With
 *    maxFailureRate set, the step is judged on that limit alone instead (and passes under it).
 * 5. Pass.
 *
 * Looking several times. Every look is a fresh chance of a false alarm: testing each of 3 steps at
 * 5% would abort about 14% of rollouts of a build that is just as good. So:
 * - alpha is split evenly over the planned steps (the Bonferroni correction, i.e. alpha spending
 *   with equal shares). The look that decides a step — the first with minRequests candidate
 *   requests — tests at alpha / steps. However the steps' data overlap, the chance that some step
 *   of a good build fails is then at most alpha.
 * - A look before that (a step that ended, or was held, with too few requests) is an interim look.
 *   It fails the candidate only on overwhelming evidence, p < 0.001 (the Haybittle–Peto boundary),
 *   and holds it against maxFailureRate by the exact binomial test at the same level. A dead build is
 *   thus stopped within a handful of requests, while an interim look adds at most about 0.001 per
 *   rule to the false-alarm rate (less in practice: exact tests on few requests are conservative).
 * - A step ends at its first pass or fail; the caller does not look at it again.
 * The seeded simulation in test/unit/rollout/analysis.test.ts measures the outcome: with 3 steps at
 * alpha 0.05 and holds, a build as good as its 5%-failing baseline is aborted in 3.2% of rollouts
 * (10.4% if every look were tested at the full alpha); one failing 20% against 10%, in 99%.
 *
 * A step at 100% has no concurrent baseline: pass the counts of the previous step's baseline window,
 * or count only the analysed steps in `steps` and treat 100% as the promotion.
 */
import {
  binomialUpperTail,
  fisherExactGreater,
  type Interval,
  MIN_EXPECTED_COUNT,
  normalUpperTail,
  smallestExpectedCount,
  twoProportionZTest,
  wilson,
} from '../probe/stats.js';

/** What one arm did over the window. A failure is any answer that counts against a target. */
export interface ArmCounts {
  requests: number;
  failures: number;
}

export interface StepPolicy {
  /** The chance of aborting a rollout of a build as good as the baseline, over all steps, e.g. 0.05. */
  alpha: number;
  /** Candidate requests a step needs before it can pass. */
  minRequests: number;
  /** Baseline requests needed before the comparison can vouch for a candidate; default minRequests. */
  minBaselineRequests?: number;
  /** A candidate failure rate above this (in [0, 1]) fails the step whatever the baseline does. */
  maxFailureRate?: number;
}

/** The p-value an interim look must beat (Haybittle–Peto). */
export const INTERIM_P = 0.001;

export interface ArmEvidence extends ArmCounts {
  /** failures / requests; 0 with no requests (the interval then says nothing is known). */
  rate: number;
  /** Wilson 95% interval of the rate; [0, 1] with no requests. */
  interval: Interval;
}

export interface ComparisonEvidence {
  /** Which test gave `p`: Fisher's exact test when an expected count is below 5, else the z-test. */
  test: 'z' | 'fisher';
  /** Pooled two-proportion z statistic, candidate minus baseline (positive: candidate worse). */
  z: number;
  /** One-sided: the chance of the candidate looking this much worse if it were as good. */
  p: number;
  /** What p had to be below at this look. */
  level: number;
  worse: boolean;
}

export interface MaxRateEvidence {
  limit: number;
  /** The candidate's observed failure rate: held against the limit as it is at a deciding look. */
  rate: number;
  /**
   * Interim looks only: the exact binomial p of "the rate is at most the limit" given the failures
   * seen; the limit counts as exceeded only when p is below the interim level.
   */
  p: number | undefined;
  exceeded: boolean;
}

export interface Evidence {
  /** 0-based. */
  stepIndex: number;
  steps: number;
  /** `final` once the candidate has minRequests: the look that decides the step. */
  look: 'interim' | 'final';
  candidate: ArmEvidence;
  baseline: ArmEvidence;
  /** Absent when either arm has no requests. */
  comparison: ComparisonEvidence | undefined;
  /** Absent without a maxFailureRate. */
  maxRate: MaxRateEvidence | undefined;
  thresholds: {
    alpha: number;
    /** alpha / steps: the level of a deciding look. */
    stepAlpha: number;
    /** The level of an interim look: INTERIM_P, or stepAlpha if that is stricter. */
    interimP: number;
    minRequests: number;
    minBaselineRequests: number;
    maxFailureRate: number | undefined;
  };
}

export type StepVerdict =
  | { kind: 'pass'; evidence: Evidence }
  | { kind: 'fail'; reason: 'worse-than-baseline' | 'above-max-failure-rate'; evidence: Evidence }
  | { kind: 'inconclusive'; reason: 'too-few-requests' | 'too-few-baseline-requests'; evidence: Evidence };

/** Judges step `stepIndex` (0-based) of `steps` planned steps on the counts of its window. */
export function judgeStep(
  candidate: ArmCounts,
  baseline: ArmCounts,
  policy: StepPolicy,
  stepIndex: number,
  steps: number,
): StepVerdict {
  assertValid(candidate, baseline, policy, stepIndex, steps);
  return decide(gatherEvidence(candidate, baseline, policy, stepIndex, steps));
}

function decide(evidence: Evidence): StepVerdict {
  if (evidence.comparison?.worse) return { kind: 'fail', reason: 'worse-than-baseline', evidence };
  if (evidence.maxRate?.exceeded) return { kind: 'fail', reason: 'above-max-failure-rate', evidence };
  if (evidence.look === 'interim') return { kind: 'inconclusive', reason: 'too-few-requests', evidence };
  const baselineTooSmall = evidence.baseline.requests < evidence.thresholds.minBaselineRequests;
  if (baselineTooSmall && evidence.maxRate === undefined) {
    return { kind: 'inconclusive', reason: 'too-few-baseline-requests', evidence };
  }
  return { kind: 'pass', evidence };
}

function gatherEvidence(
  candidate: ArmCounts,
  baseline: ArmCounts,
  policy: StepPolicy,
  stepIndex: number,
  steps: number,
): Evidence {
  const look = candidate.requests >= policy.minRequests ? 'final' : 'interim';
  const stepAlpha = policy.alpha / steps;
  const interimP = Math.min(INTERIM_P, stepAlpha);
  return {
    stepIndex,
    steps,
    look,
    candidate: armEvidence(candidate),
    baseline: armEvidence(baseline),
    comparison: compareArms(candidate, baseline, look === 'final' ? stepAlpha : interimP),
    maxRate:
      policy.maxFailureRate === undefined
        ? undefined
        : holdToMax(candidate, policy.maxFailureRate, look, interimP),
    thresholds: {
      alpha: policy.alpha,
      stepAlpha,
      interimP,
      minRequests: policy.minRequests,
      minBaselineRequests: policy.minBaselineRequests ?? policy.minRequests,
      maxFailureRate: policy.maxFailureRate,
    },
  };
}

function armEvidence(arm: ArmCounts): ArmEvidence {
  return {
    requests: arm.requests,
    failures: arm.failures,
    rate: arm.requests === 0 ? 0 : arm.failures / arm.requests,
    interval: wilson(arm.failures, arm.requests),
  };
}

function compareArms(
  candidate: ArmCounts,
  baseline: ArmCounts,
  level: number,
): ComparisonEvidence | undefined {
  const { requests: n1, failures: x1 } = candidate;
  const { requests: n2, failures: x2 } = baseline;
  if (n1 === 0 || n2 === 0) return undefined;
  const { z } = twoProportionZTest(x1, n1, x2, n2);
  const test = smallestExpectedCount(x1, n1, x2, n2) < MIN_EXPECTED_COUNT ? 'fisher' : 'z';
  const p = test === 'z' ? normalUpperTail(z) : fisherExactGreater(x1, n1 - x1, x2, n2 - x2);
  return { test, z, p, level, worse: p < level };
}

function holdToMax(
  candidate: ArmCounts,
  limit: number,
  look: Evidence['look'],
  interimP: number,
): MaxRateEvidence {
  const rate = candidate.requests === 0 ? 0 : candidate.failures / candidate.requests;
  if (look === 'final') return { limit, rate, p: undefined, exceeded: rate > limit };
  const p = binomialUpperTail(candidate.failures, candidate.requests, limit);
  return { limit, rate, p, exceeded: p < interimP };
}

/** Counts and settings that would make the statistics meaningless are the caller's bug: refuse them. */
function assertValid(
  candidate: ArmCounts,
  baseline: ArmCounts,
  policy: StepPolicy,
  stepIndex: number,
  steps: number,
): void {
  for (const [name, arm] of [
    ['candidate', candidate],
    ['baseline', baseline],
  ] as const) {
    if (!isCount(arm.requests) || !isCount(arm.failures) || arm.failures > arm.requests) {
      throw new RangeError(
        `${name}: expected 0 ≤ failures ≤ requests, whole numbers; got ${JSON.stringify(arm)}`,
      );
    }
  }
  if (!(policy.alpha > 0 && policy.alpha < 1))
    throw new RangeError(`alpha must be in (0, 1), got ${policy.alpha}`);
  if (!isCount(policy.minRequests) || policy.minRequests < 1) {
    throw new RangeError(`minRequests must be a whole number ≥ 1, got ${policy.minRequests}`);
  }
  if (policy.minBaselineRequests !== undefined && !isCount(policy.minBaselineRequests)) {
    throw new RangeError(`minBaselineRequests must be a whole number ≥ 0, got ${policy.minBaselineRequests}`);
  }
  const max = policy.maxFailureRate;
  if (max !== undefined && !(max >= 0 && max < 1))
    throw new RangeError(`maxFailureRate must be in [0, 1), got ${max}`);
  if (!isCount(steps) || steps < 1 || !isCount(stepIndex) || stepIndex >= steps) {
    throw new RangeError(`expected 0 ≤ stepIndex < steps, whole numbers; got step ${stepIndex} of ${steps}`);
  }
}

function isCount(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}
