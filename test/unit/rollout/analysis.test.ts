import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/random.js';
import { type ArmCounts, judgeStep, type StepPolicy } from '../../../src/rollout/analysis.js';
import { describeVerdict } from '../../../src/rollout/describe.js';
import { simulateRollout, type Traffic } from './simulated-rollout.js';

// Three judged steps at alpha 0.05: a deciding look tests at 0.05 / 3 = 0.0167, an interim look
// (fewer than 50 candidate requests) at 0.001. Reference p-values: SciPy 1.17 (fisher_exact with
// alternative='greater', norm.sf of the pooled z).
const POLICY: StepPolicy = { alpha: 0.05, minRequests: 50 };
const STEPS = 3;
const TEN_PERCENT = 0; // step index of the 10% step: the baseline gets 9× the candidate's traffic
const HALF = 1; // step index of the 50% step: both arms get the same traffic

function arm(failures: number, requests: number): ArmCounts {
  return { requests, failures };
}

function verdict(candidate: ArmCounts, baseline: ArmCounts, stepIndex = TEN_PERCENT, policy = POLICY) {
  const v = judgeStep(candidate, baseline, policy, stepIndex, STEPS);
  return v.kind === 'pass' ? 'pass' : `${v.kind}: ${v.reason}`;
}

describe('judgeStep: where a bad build starts to fail', () => {
  it.each([
    // A dead build fails on an interim look, long before minRequests.
    // 10% step, baseline at 1%: 2 of 2 gives p = 0.0053, 3 of 3 gives p = 2.5e-4 < 0.001
    ['dead, 10% step', arm(2, 2), arm(0, 18), TEN_PERCENT, 'inconclusive: too-few-requests'],
    ['dead, 10% step', arm(3, 3), arm(0, 27), TEN_PERCENT, 'fail: worse-than-baseline'],
    // 50% step: 6 of 6 vs 0 of 6 gives p = 1/924 = 0.00108, 7 of 7 vs 0 of 7 gives 1/3432
    ['dead, 50% step', arm(6, 6), arm(0, 6), HALF, 'inconclusive: too-few-requests'],
    ['dead, 50% step', arm(7, 7), arm(0, 7), HALF, 'fail: worse-than-baseline'],
    // 11% vs 1% (counts rounded): at the 10% step the big baseline makes it fail on an interim
    // look from 41 requests on (p = 4.5e-3 at 40, 7.4e-4 at 41)
    ['11% vs 1%, 10% step', arm(4, 40), arm(4, 360), TEN_PERCENT, 'inconclusive: too-few-requests'],
    ['11% vs 1%, 10% step', arm(5, 41), arm(4, 369), TEN_PERCENT, 'fail: worse-than-baseline'],
    // at the 50% step it needs 78 requests on each side (Fisher p = 0.01684 at 77, z-test 0.0045 at 78)
    ['11% vs 1%, 50% step', arm(8, 77), arm(1, 77), HALF, 'pass'],
    ['11% vs 1%, 50% step', arm(9, 78), arm(1, 78), HALF, 'fail: worse-than-baseline'],
    // 20% vs 10% at the 10% step: 50 requests, just at minRequests (z-test p = 0.0160 < 0.0167)
    ['20% vs 10%, 10% step', arm(8, 40), arm(36, 360), TEN_PERCENT, 'inconclusive: too-few-requests'],
    ['20% vs 10%, 10% step', arm(10, 50), arm(45, 450), TEN_PERCENT, 'fail: worse-than-baseline'],
    // at the 50% step, 120 on each side (p = 0.0189 at 110, 0.0150 at 120)
    ['20% vs 10%, 50% step', arm(22, 110), arm(11, 110), HALF, 'pass'],
    ['20% vs 10%, 50% step', arm(24, 120), arm(12, 120), HALF, 'fail: worse-than-baseline'],
  ])('%s: %j vs %j (step index %i) → %s', (_name, candidate, baseline, stepIndex, expected) => {
    expect(verdict(candidate, baseline, stepIndex)).toBe(expected);
  });

  it('splits alpha over the planned steps: p = 0.024 fails a one-step rollout but not one of three', () => {
    const candidate = arm(20, 100);
    const baseline = arm(10, 100);
    expect(judgeStep(candidate, baseline, POLICY, 0, 1).kind).toBe('fail');
    expect(judgeStep(candidate, baseline, POLICY, 0, 3).kind).toBe('pass');
  });

  it('holds an interim look to 0.001: the same counts fail once they reach minRequests', () => {
    // 4 of 40 vs 4 of 360: p = 0.0045, between 0.001 and 0.0167
    expect(verdict(arm(4, 40), arm(4, 360))).toBe('inconclusive: too-few-requests');
    expect(verdict(arm(4, 40), arm(4, 360), TEN_PERCENT, { ...POLICY, minRequests: 40 })).toBe(
      'fail: worse-than-baseline',
    );
  });
});

describe('judgeStep: good builds and thin data', () => {
  it.each([
    ['equal, low rate', arm(5, 500), arm(45, 4500), 'pass'],
    ['equal, high rate', arm(25, 500), arm(25, 500), 'pass'],
    ['equal, at minRequests', arm(1, 50), arm(9, 450), 'pass'],
    // no failures against a baseline with some: passes as soon as it has minRequests
    ['better: no failures', arm(0, 50), arm(10, 450), 'pass'],
    ['better: 1% vs 10%', arm(1, 100), arm(10, 100), 'pass'],
    ['no failures, one request short', arm(0, 49), arm(10, 450), 'inconclusive: too-few-requests'],
    ['no requests at all', arm(0, 0), arm(0, 0), 'inconclusive: too-few-requests'],
    ['no candidate requests', arm(0, 0), arm(3, 300), 'inconclusive: too-few-requests'],
  ])('%s: %j vs %j → %s', (_name, candidate, baseline, expected) => {
    expect(verdict(candidate, baseline)).toBe(expected);
  });

  it('never passes below minRequests, whatever the counts', () => {
    for (let requests = 0; requests < POLICY.minRequests; requests++) {
      expect(judgeStep(arm(0, requests), arm(50, 5000), POLICY, 0, STEPS).kind).toBe('inconclusive');
    }
  });
});

describe('judgeStep: maxFailureRate', () => {
  const LIMITED: StepPolicy = { ...POLICY, maxFailureRate: 0.1 };

  it('fails a build above the limit even when the baseline is as bad', () => {
    expect(verdict(arm(30, 100), arm(300, 1000), TEN_PERCENT, LIMITED)).toBe('fail: above-max-failure-rate');
    expect(verdict(arm(30, 100), arm(300, 1000), TEN_PERCENT, POLICY)).toBe('pass');
  });

  it('reads the limit as a plain threshold at a deciding look', () => {
    expect(verdict(arm(10, 100), arm(10, 100), TEN_PERCENT, LIMITED)).toBe('pass');
    expect(verdict(arm(11, 100), arm(10, 100), TEN_PERCENT, LIMITED)).toBe('fail: above-max-failure-rate');
  });

  it('fails an interim look only on overwhelming evidence (exact binomial p < 0.001)', () => {
    const five = { ...POLICY, maxFailureRate: 0.05 };
    // 2 of 3 against 5%: p = 0.00725; 3 of 3: p = 1.25e-4
    expect(verdict(arm(2, 3), arm(0, 0), TEN_PERCENT, five)).toBe('inconclusive: too-few-requests');
    expect(verdict(arm(3, 3), arm(0, 0), TEN_PERCENT, five)).toBe('fail: above-max-failure-rate');
  });

  it('names the comparison first when both rules fail', () => {
    expect(verdict(arm(50, 100), arm(10, 900), TEN_PERCENT, LIMITED)).toBe('fail: worse-than-baseline');
  });
});

describe('judgeStep: a small or empty baseline (new alias, or every other target ejected)', () => {
  it('cannot vouch for a candidate: inconclusive without a maxFailureRate', () => {
    expect(verdict(arm(0, 100), arm(0, 0))).toBe('inconclusive: too-few-baseline-requests');
    // 10% vs 0 of 5 is far from significant (p = 0.60): the comparison shows nothing either way
    expect(verdict(arm(10, 100), arm(0, 5))).toBe('inconclusive: too-few-baseline-requests');
    expect(verdict(arm(0, 100), arm(0, 49))).toBe('inconclusive: too-few-baseline-requests');
    expect(verdict(arm(0, 100), arm(0, 10), TEN_PERCENT, { ...POLICY, minBaselineRequests: 10 })).toBe(
      'pass',
    );
  });

  it('judges on maxFailureRate alone when one is set', () => {
    const limited = { ...POLICY, maxFailureRate: 0.05 };
    expect(verdict(arm(2, 100), arm(0, 0), TEN_PERCENT, limited)).toBe('pass');
    expect(verdict(arm(10, 100), arm(0, 0), TEN_PERCENT, limited)).toBe('fail: above-max-failure-rate');
  });

  it('still fails a build the small baseline already shows to be worse', () => {
    // 20 of 20 vs 0 of 5: p = 1/C(25, 5) = 1.9e-5
    expect(verdict(arm(20, 20), arm(0, 5))).toBe('fail: worse-than-baseline');
  });
});

describe('judgeStep: evidence', () => {
  it('carries counts, Wilson 95% intervals, the test, z, p and the thresholds', () => {
    const v = judgeStep(arm(11, 100), arm(9, 900), { ...POLICY, maxFailureRate: 0.2 }, 0, STEPS);
    expect(v).toMatchObject({ kind: 'fail', reason: 'worse-than-baseline' });
    const e = v.evidence;
    expect(e).toMatchObject({ stepIndex: 0, steps: 3, look: 'final' });
    expect(e.candidate).toMatchObject({ requests: 100, failures: 11, rate: 0.11 });
    expect(e.candidate.interval.lower).toBeCloseTo(0.06254196357064568, 10);
    expect(e.candidate.interval.upper).toBeCloseTo(0.18631296503080313, 10);
    expect(e.baseline).toMatchObject({ requests: 900, failures: 9, rate: 0.01 });
    expect(e.baseline.interval.lower).toBeCloseTo(0.0052698222078629555, 10);
    expect(e.baseline.interval.upper).toBeCloseTo(0.018895321587590087, 10);
    // expected failures in the candidate row: 100 × 20 / 1000 = 2 < 5, so Fisher's p is quoted
    expect(e.comparison).toMatchObject({ test: 'fisher', worse: true });
    expect(e.comparison!.z).toBeCloseTo(6.776309271789384, 9);
    expect(e.comparison!.p / 4.619471810698881e-7).toBeCloseTo(1, 6);
    expect(e.comparison!.level).toBeCloseTo(0.05 / 3, 12);
    expect(e.maxRate).toEqual({ limit: 0.2, rate: 0.11, p: undefined, exceeded: false });
    expect(e.thresholds).toEqual({
      alpha: 0.05,
      stepAlpha: 0.05 / 3,
      interimP: 0.001,
      minRequests: 50,
      minBaselineRequests: 50,
      maxFailureRate: 0.2,
    });
  });

  it('quotes the one-sided z-test when every expected count is 5 or more', () => {
    const { comparison } = judgeStep(arm(24, 120), arm(12, 120), POLICY, 1, STEPS).evidence;
    expect(comparison).toMatchObject({ test: 'z', worse: true });
    expect(comparison!.z).toBeCloseTo(2.1693045781865616, 9);
    expect(comparison!.p / 0.015029783946206212).toBeCloseTo(1, 5);
  });

  it('has no comparison when an arm has no requests', () => {
    expect(judgeStep(arm(0, 100), arm(0, 0), POLICY, 0, STEPS).evidence.comparison).toBeUndefined();
  });

  it('refuses counts and settings that make no sense', () => {
    expect(() => judgeStep(arm(5, 4), arm(0, 10), POLICY, 0, STEPS)).toThrow(RangeError);
    expect(() => judgeStep(arm(1.5, 4), arm(0, 10), POLICY, 0, STEPS)).toThrow(RangeError);
    expect(() => judgeStep(arm(0, 4), arm(0, 10), { ...POLICY, alpha: 0 }, 0, STEPS)).toThrow(RangeError);
    expect(() => judgeStep(arm(0, 4), arm(0, 10), { ...POLICY, minRequests: 0 }, 0, STEPS)).toThrow(
      RangeError,
    );
    expect(() => judgeStep(arm(0, 4), arm(0, 10), { ...POLICY, maxFailureRate: 1 }, 0, STEPS)).toThrow(
      RangeError,
    );
    expect(() => judgeStep(arm(0, 4), arm(0, 10), POLICY, 3, STEPS)).toThrow(RangeError);
  });
});

describe('describeVerdict', () => {
  it('says in one line why a step failed, with the numbers', () => {
    const v = judgeStep(arm(11, 100), arm(9, 900), POLICY, 0, STEPS);
    expect(describeVerdict(v)).toBe(
      "step 1/3: fail, worse than the baseline; candidate 11/100 failed (11.0%, 95% CI 6.3–18.6%) vs baseline 9/900 failed (1.0%, 95% CI 0.5–1.9%); one-sided Fisher's exact test z = 6.78, p = 4.6e-7 < 0.0167 (alpha 0.05 over 3 judged steps)",
    );
  });

  it('says what is missing when a step is inconclusive', () => {
    const v = judgeStep(arm(0, 12), arm(0, 0), POLICY, 1, STEPS);
    expect(describeVerdict(v)).toBe(
      'step 2/3: inconclusive, too few requests (12 of the 50 needed); candidate 0/12 failed (0.0%, 95% CI 0.0–24.2%) vs baseline no requests; no comparison (an arm has no requests)',
    );
  });

  it('shows the limit it was held to', () => {
    const limited = { ...POLICY, maxFailureRate: 0.05 };
    expect(describeVerdict(judgeStep(arm(30, 100), arm(300, 1000), limited, 2, STEPS))).toContain(
      'step 3/3: fail, above the maximum failure rate;',
    );
    expect(describeVerdict(judgeStep(arm(30, 100), arm(300, 1000), limited, 2, STEPS))).toContain(
      'failure rate 30.0% > max 5.0%',
    );
    expect(describeVerdict(judgeStep(arm(3, 3), arm(0, 0), limited, 0, STEPS))).toContain(
      'failure rate 100.0% against max 5.0%: exact binomial p = 1.3e-4 < 0.001',
    );
    expect(describeVerdict(judgeStep(arm(2, 100), arm(0, 0), limited, 0, STEPS))).toContain(
      'pass on the maximum failure rate alone (too few baseline requests to compare)',
    );
  });
});

describe('false alarms over the planned looks (seeded simulation)', () => {
  // 10%, 50%, 100% of 600 requests per window, a step held up to 3 more windows while
  // inconclusive; the 100% step is judged against the 50% step's baseline window. With this seed:
  // 64 of 2000 good-build rollouts aborted (3.2%), 207 (10.4%) if every look used the full alpha,
  // and 1985 of 2000 (99.25%) rollouts of a 20%-vs-10% build.
  const TRAFFIC: Traffic = {
    perWindow: 600,
    shares: [0.1, 0.5, 1],
    maxHolds: 3,
    candidateFailureRate: 0.05,
    baselineFailureRate: 0.05,
  };
  const ROLLOUTS = 2000;

  function abortRate(traffic: Traffic, judgedSteps?: number): number {
    const random = seededRandom(20_240_601);
    let aborted = 0;
    for (let i = 0; i < ROLLOUTS; i++) {
      if (simulateRollout(random, traffic, POLICY, judgedSteps) === 'aborted') aborted++;
    }
    return aborted / ROLLOUTS;
  }

  it('aborts a build as good as the baseline in about alpha of rollouts, not more', () => {
    const rate = abortRate(TRAFFIC);
    // binomial standard error at 2000 rollouts is 0.005
    expect(rate).toBeLessThan(POLICY.alpha + 0.01);
    expect(rate).toBeGreaterThan(POLICY.alpha / 2);
  });

  it('would abort far more often if every look were tested at the full alpha', () => {
    expect(abortRate(TRAFFIC, 1)).toBeGreaterThan(POLICY.alpha + 0.03);
  });

  it('still aborts nearly every rollout of a build 10 points worse (20% vs 10%)', () => {
    const bad = { ...TRAFFIC, candidateFailureRate: 0.2, baselineFailureRate: 0.1 };
    expect(abortRate(bad)).toBeGreaterThan(0.95);
  });
});
