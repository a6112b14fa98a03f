import { describe, expect, it } from 'vitest';
import {
  analysedSteps,
  candidateShare,
  decideStep,
  parseDuration,
  parseSteps,
  type Rollout,
  type StepCounts,
  withHistory,
} from '../../../src/rollout/plan.js';

/** The rollout's pure decisions (src/rollout/plan.ts); the statistics themselves are pinned in analysis.test.ts. */

const T0 = Date.parse('2026-12-01T10:00:00Z');

function rollout(over: Partial<Rollout> = {}): Rollout {
  return {
    id: `a@${T0}`,
    alias: 'a',
    upstream: 'u',
    model: 'new',
    steps: [0.1, 0.5, 1],
    intervalMs: 30_000,
    minRequests: 100,
    alpha: 0.05,
    state: 'running',
    step: 0,
    stepStartedAt: T0,
    lookAt: T0 + 30_000,
    added: true,
    startedAt: T0,
    by: 'ana',
    reason: '',
    history: [],
    rev: 1,
    ...over,
  };
}

const counts = (cr: number, cf: number, br: number, bf: number): StepCounts => ({
  candidate: { requests: cr, failures: cf },
  baseline: { requests: br, failures: bf },
});

describe('decideStep', () => {
  it.each([
    ['before the look is due', rollout(), counts(500, 0, 4500, 0), T0 + 29_999, 'wait'],
    ['a good build with enough data', rollout(), counts(500, 1, 4500, 9), T0 + 30_000, 'advance'],
    ['too few requests to the new build', rollout(), counts(20, 0, 180, 0), T0 + 30_000, 'hold'],
    ['20% failing against 1%, at an interim look', rollout(), counts(40, 8, 360, 4), T0 + 30_000, 'fail'],
    ['10 points worse with enough data', rollout(), counts(200, 20, 1800, 0), T0 + 30_000, 'fail'],
    [
      'the last analysed step passing promotes when it is the last step',
      rollout({ steps: [0.1, 0.5], step: 1 }),
      counts(500, 0, 500, 0),
      T0 + 30_000,
      'promote',
    ],
    ['the 100% step promotes', rollout({ step: 2 }), counts(300, 0, 0, 0), T0 + 30_000, 'promote'],
    [
      'the 100% step above the maximum failure rate fails',
      rollout({ step: 2, maxFailureRate: 0.05 }),
      counts(300, 30, 0, 0),
      T0 + 30_000,
      'fail',
    ],
    [
      'above the maximum failure rate at a deciding look',
      rollout({ maxFailureRate: 0.01 }),
      counts(500, 10, 4500, 45),
      T0 + 30_000,
      'fail',
    ],
  ])('%s → %s', (_name, r, c, now, kind) => {
    expect(decideStep(r, c, now).kind).toBe(kind);
  });

  it('says why with the numbers, naming the step as the rollout numbers it (3 steps, 2 of them judged)', () => {
    const d = decideStep(rollout(), counts(200, 20, 1800, 0), T0 + 30_000);
    expect(d.kind === 'fail' && d.why).toMatch(
      /^step 1\/3: fail, worse than the baseline; candidate 20\/200 failed/,
    );
    expect(d.kind === 'fail' && d.why).toContain('(alpha 0.05 over 2 judged steps)');
    const second = decideStep(rollout({ step: 1 }), counts(200, 20, 1800, 0), T0 + 30_000);
    expect(second.kind === 'fail' && second.why).toMatch(/^step 2\/3: fail/);
  });

  it('tests each analysed step at alpha split over the steps below 100%', () => {
    expect(analysedSteps([0.1, 0.5, 1])).toBe(2);
    expect(analysedSteps([0.25, 0.5, 0.75])).toBe(3);
    expect(analysedSteps([1])).toBe(1);
  });
});

describe('candidateShare', () => {
  it.each([
    ['running', 1, 0.5],
    ['paused', 0, 0.1],
    ['draining', 2, 1],
    ['succeeded', 2, 1],
    ['failed', 1, 0],
    ['aborted', 0, 0],
  ] as const)('%s at step %i → %f', (state, step, share) => {
    expect(candidateShare(rollout({ state, step }))).toBe(share);
  });
});

describe('parsing', () => {
  it.each([
    ['10,50,100', [0.1, 0.5, 1]],
    ['5%, 25%, 100%', [0.05, 0.25, 1]],
    ['100', [1]],
  ])('steps %s', (text, steps) => {
    expect(parseSteps(text)).toEqual(steps);
  });
  it.each(['', '0,50', '10,5', '10,10', '50,150', 'ten'])('refuses steps %j', (text) => {
    expect(() => parseSteps(text)).toThrow(/--steps/);
  });
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['250ms', 250],
    ['45', 45_000],
    ['1.5m', 90_000],
  ])('duration %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(['', '5 minutes', '-3s', '0s', 'm'])('refuses duration %j', (text) => {
    expect(() => parseDuration(text, '--interval')).toThrow(/--interval/);
  });
});

describe('history', () => {
  it('keeps the last 50 decisions', () => {
    let r = rollout();
    for (let i = 0; i < 60; i++) r = withHistory(r, `line ${i}`);
    expect(r.history).toHaveLength(50);
    expect(r.history[0]).toBe('line 10');
  });
});
