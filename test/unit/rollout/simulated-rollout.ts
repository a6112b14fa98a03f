import type { Random } from '../../../src/random.js';
import { type ArmCounts, judgeStep, type StepPolicy } from '../../../src/rollout/analysis.js';

/** How traffic reaches an alias during a simulated rollout. */
export interface Traffic {
  /** Requests to the alias per step window (a hold adds one more window). */
  perWindow: number;
  /** The candidate's share of the alias's traffic at each step, e.g. [0.1, 0.5, 1]. */
  shares: readonly number[];
  /** Extra windows a step may be held for when it is inconclusive. */
  maxHolds: number;
  candidateFailureRate: number;
  baselineFailureRate: number;
}

export type RolloutOutcome = 'promoted' | 'aborted' | 'not-enough-traffic';

/**
 * Plays one rollout the way the caller is meant to: each step is judged at the end of its window,
 * held (window extended, counts kept) while inconclusive, and ends at its first pass or fail. A step
 * at 100% has no baseline traffic and is judged against the previous step's baseline window.
 * `judgedSteps` is what the caller passes as `steps`: the planned number of looks.
 */
export function simulateRollout(
  random: Random,
  traffic: Traffic,
  policy: StepPolicy,
  judgedSteps = traffic.shares.length,
): RolloutOutcome {
  let previousBaseline: ArmCounts | undefined;
  for (const [stepIndex, share] of traffic.shares.entries()) {
    const candidate = { requests: 0, failures: 0 };
    const baseline = { requests: 0, failures: 0 };
    let kind = 'inconclusive';
    for (let look = 0; look <= traffic.maxHolds && kind === 'inconclusive'; look++) {
      addWindow(random, traffic, share, candidate, baseline);
      const against = baseline.requests > 0 ? baseline : (previousBaseline ?? baseline);
      kind = judgeStep(candidate, against, policy, Math.min(stepIndex, judgedSteps - 1), judgedSteps).kind;
    }
    if (kind === 'fail') return 'aborted';
    if (kind === 'inconclusive') return 'not-enough-traffic';
    if (baseline.requests > 0) previousBaseline = baseline;
  }
  return 'promoted';
}

function addWindow(
  random: Random,
  traffic: Traffic,
  share: number,
  candidate: ArmCounts,
  baseline: ArmCounts,
) {
  for (let i = 0; i < traffic.perWindow; i++) {
    const toCandidate = random.next() < share;
    const arm = toCandidate ? candidate : baseline;
    const failureRate = toCandidate ? traffic.candidateFailureRate : traffic.baselineFailureRate;
    arm.requests++;
    if (random.next() < failureRate) arm.failures++;
  }
}
