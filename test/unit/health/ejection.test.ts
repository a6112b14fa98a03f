import { describe, expect, it } from 'vitest';
import type { EjectionState as TargetHealth } from '../../../src/catalog/target-state.js';
import {
  checkResult,
  eject,
  ejectionDuration,
  ejectionEnded,
  INITIAL_HEALTH,
  nextEjectionCount,
} from '../../../src/health/ejection.js';
import type { OutlierPolicy } from '../../../src/health/policy.js';
import type { Random } from '../../../src/random.js';
import { DEFAULT_OUTLIER_POLICY } from '../../support/config.js';

const policy = DEFAULT_OUTLIER_POLICY;
const fixed = (u: number): Random => ({ next: () => u });
const passive: OutlierPolicy = { ...policy, healthCheck: { ...policy.healthCheck, enabled: false } };

describe('ejectionDuration = min(base × n, max) + U[0, jitter)', () => {
  it.each([
    [1, 0, 30_000],
    [2, 0, 60_000],
    [3, 0, 90_000],
    [10, 0, 300_000],
    [50, 0, 300_000],
    [1, 0.5, 30_500],
    [10, 0.999, 300_999],
    [0, 0, 30_000], // treated as the first ejection
  ])('n=%i, u=%f → %i ms', (n, u, expected) => {
    expect(ejectionDuration(n, policy, fixed(u))).toBe(expected);
  });

  it('jitter stays inside [0, maxEjectionJitterMs)', () => {
    let u = 0;
    const sweep: Random = { next: () => (u = (u + 0.137) % 1) };
    for (let i = 0; i < 100; i++) {
      const extra = ejectionDuration(1, policy, sweep) - 30_000;
      expect(extra).toBeGreaterThanOrEqual(0);
      expect(extra).toBeLessThan(1_000);
    }
  });

  it('no jitter when maxEjectionJitterMs is 0', () => {
    expect(ejectionDuration(2, { ...policy, maxEjectionJitterMs: 0 }, fixed(0.9))).toBe(60_000);
  });
});

describe('nextEjectionCount (growth and decay)', () => {
  const now = 1_000_000;
  it.each<[string, TargetHealth, number]>([
    ['never ejected', INITIAL_HEALTH, 1],
    ['back 10 s after its 2nd ejection', { state: 'in_rotation', ejections: 2, since: now - 10_000 }, 3],
    ['clean for exactly maxEjectionMs', { state: 'in_rotation', ejections: 4, since: now - 300_000 }, 1],
    [
      'checking after its 3rd',
      { state: 'checking', since: 0, outSince: 0, ejections: 3, reason: 'r', successes: 1, nextCheckAt: 0 },
      4,
    ],
    ['restored without since', { state: 'in_rotation', ejections: 2 }, 3],
  ])('%s → %i', (_name, health, expected) => {
    expect(nextEjectionCount(health, now, policy)).toBe(expected);
  });
});

describe('transitions', () => {
  const ejected = eject(INITIAL_HEALTH, 1_000, '3 target faults in a row', policy, fixed(0));

  it('eject stamps since/until/ejections/reason', () => {
    expect(ejected).toEqual({
      state: 'ejected',
      since: 1_000,
      until: 31_000,
      ejections: 1,
      reason: '3 target faults in a row',
      outSince: 1_000,
    });
  });

  it.each<[string, OutlierPolicy, TargetHealth]>([
    [
      'health checks on → checking, first check due at once',
      policy,
      {
        state: 'checking',
        since: 31_000,
        outSince: 1_000,
        ejections: 1,
        reason: '3 target faults in a row',
        successes: 0,
        nextCheckAt: 31_000,
      },
    ],
    ['health checks off → healthy at until', passive, { state: 'in_rotation', ejections: 1, since: 31_000 }],
  ])('ejection ends: %s', (_name, p, expected) => {
    expect(ejectionEnded(ejected, p)).toEqual(expected);
  });

  const checking = ejectionEnded(ejected, policy) as Extract<TargetHealth, { state: 'checking' }>;

  it.each<[string, boolean, number, TargetHealth]>([
    [
      'a pass schedules the next check intervalMs later',
      true,
      32_000,
      { ...checking, successes: 1, nextCheckAt: 37_000 },
    ],
    [
      'a failure re-ejects with n + 1 (the next check waits the longer ejection)',
      false,
      32_000,
      { state: 'ejected', since: 32_000, until: 92_000, ejections: 2, reason: 'still 404', outSince: 1_000 },
    ],
  ])('check: %s', (_name, ok, now, expected) => {
    expect(checkResult(checking, ok, now, 'still 404', policy, fixed(0))).toEqual(expected);
  });

  it('healthyThreshold passes in a row re-admit', () => {
    const once = checkResult(checking, true, 32_000, '', policy, fixed(0));
    expect(once.state).toBe('checking');
    const twice = checkResult(once as typeof checking, true, 37_000, '', policy, fixed(0));
    expect(twice).toEqual({ state: 'in_rotation', ejections: 1, since: 37_000 });
  });

  it('the states survive a JSON round trip (store format)', () => {
    for (const health of [INITIAL_HEALTH, ejected, checking]) {
      expect(JSON.parse(JSON.stringify(health))).toEqual(health);
    }
  });
});
