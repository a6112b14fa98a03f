import type { Checking, Ejected, EjectionState } from '../catalog/target-state.js';
import type { Random } from '../random.js';
import type { OutlierPolicy } from './policy.js';

/**
 * The ejection machine over a target's health (docs/design.md §6), as pure functions of the state, the time and the
 * policy (the state union is in target-state.ts):
 *
 *   in_rotation ──(outlier detected, cap allows)──▶ ejected{until = now + ejectionDuration(n)}
 *
 *   With health checks enabled:
 *     ejected ──(until passes)──▶ checking (still out of rotation; first check due at once)
 *     checking ──(check ok)──▶ checking{successes + 1, nextCheckAt = now + intervalMs}
 *     checking ──(healthyThreshold successes in a row)──▶ in_rotation
 *     checking ──(check fails)──▶ ejected with n + 1
 *   So checks run only for targets that are out, and while they fail the gap between checks is the
 *   ejection time, which grows with every repeat (30 s, 60 s, 90 s … capped at maxEjectionMs).
 *
 *   With health checks disabled (Envoy's passive-only behaviour):
 *     ejected ──(until passes)──▶ in_rotation; its next fault re-ejects it with n + 1
 *     (the detector's probation, see outlier.ts).
 *
 * `ejections` counts ejections in a row and sets how long the next one lasts. It decays lazily:
 * a target that has served for maxEjectionMs since it last came back (`in_rotation.since`) without
 * being ejected starts again from 1 on its next ejection.
 */
/** A target never ejected. */
export const INITIAL_HEALTH: EjectionState = Object.freeze({ state: 'in_rotation', ejections: 0 });

/**
 * How long the `ejections`-th ejection in a row lasts, in ms: min(base × n, max) + U[0, jitter),
 * as Envoy computes `base_ejection_time` × multiplier capped by `max_ejection_time`, plus jitter.
 */
export function ejectionDuration(ejections: number, policy: OutlierPolicy, random: Random): number {
  const n = Math.max(1, ejections);
  const base = Math.min(policy.baseEjectionMs * n, policy.maxEjectionMs);
  return base + Math.floor(random.next() * Math.max(0, policy.maxEjectionJitterMs));
}

/** The number this ejection will carry: one more than before, or 1 after a long clean stretch. */
export function nextEjectionCount(health: EjectionState, now: number, policy: OutlierPolicy): number {
  if (
    health.state === 'in_rotation' &&
    health.since !== undefined &&
    now - health.since >= policy.maxEjectionMs
  ) {
    return 1;
  }
  return health.ejections + 1;
}

/** Takes a target out of rotation now. */
export function eject(
  health: EjectionState,
  now: number,
  reason: string,
  policy: OutlierPolicy,
  random: Random,
): Ejected {
  const ejections = nextEjectionCount(health, now, policy);
  return {
    state: 'ejected',
    since: now,
    until: now + ejectionDuration(ejections, policy, random),
    ejections,
    reason,
    outSince: health.state === 'in_rotation' ? now : health.outSince,
  };
}

/**
 * What an ejection turns into once `until` has passed: `checking` (first check due at once) when
 * health checks are on, otherwise straight back to `healthy`. Time-stamped at `until`, not at the
 * moment someone noticed, so lazy evaluation gives the same answer as a timer would.
 */
export function ejectionEnded(health: Ejected, policy: OutlierPolicy): EjectionState {
  if (!policy.healthCheck.enabled)
    return { state: 'in_rotation', ejections: health.ejections, since: health.until };
  return {
    state: 'checking',
    since: health.until,
    outSince: health.outSince,
    ejections: health.ejections,
    reason: health.reason,
    successes: 0,
    nextCheckAt: health.until,
  };
}

/** The outcome of one health check of a target in `checking`. */
export function checkResult(
  health: Checking,
  ok: boolean,
  now: number,
  reason: string,
  policy: OutlierPolicy,
  random: Random,
): EjectionState {
  if (!ok) return eject(health, now, reason, policy, random);
  const successes = health.successes + 1;
  if (successes >= policy.healthCheck.healthyThreshold) {
    return { state: 'in_rotation', ejections: health.ejections, since: now };
  }
  return { ...health, successes, nextCheckAt: now + policy.healthCheck.intervalMs };
}

/** True while the target must get no real traffic. */
export function isOut(health: EjectionState): boolean {
  return health.state !== 'in_rotation';
}
