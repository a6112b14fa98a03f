import { describe, expect, it } from 'vitest';
import type { EjectionState } from '../../../src/catalog/target-state.js';
import type { Verdict } from '../../../src/classify/verdict.js';
import { ManualClock } from '../../../src/clock.js';
import { HealthTable } from '../../../src/health/health-table.js';
import type { OutlierPolicy } from '../../../src/health/policy.js';
import { DEFAULT_OUTLIER_POLICY } from '../../support/config.js';

const DEAD_404 = '404 NOT_FOUND: Model not found: models/gemini-v4p1s-rev24-ajax-sentinel';
const fault: Verdict = { kind: 'target_fault', reason: DEAD_404 };

function replica(name: string, policy: OutlierPolicy = DEFAULT_OUTLIER_POLICY, clock = new ManualClock()) {
  return new HealthTable({
    policy,
    clock,
    random: { next: () => 0 },
    groups: [['gemini-3.5-flash', ['healthy', 'sentinel']]],
    replica: name,
  });
}

/** A's ejection of the sentinel after three 404s, as A shares it. */
function ejectedOnA(clock: ManualClock) {
  const a = replica('host-a:1', DEFAULT_OUTLIER_POLICY, clock);
  for (let i = 0; i < 3; i++) a.record('sentinel', fault);
  return { a, state: a.ejectionState('sentinel') };
}

describe('HealthTable.adopt: another replica decided', () => {
  it("takes A's ejection with its until and its name, without a fault of its own", () => {
    const clock = new ManualClock();
    const { state } = ejectedOnA(clock);
    expect(state).toMatchObject({ state: 'ejected', by: 'host-a:1', until: clock.now() + 30_000 });
    const b = replica('host-b:1', DEFAULT_OUTLIER_POLICY, clock);
    expect(b.adopt('sentinel', state, 'host-a:1')).toEqual([
      {
        type: 'ejected',
        targetId: 'sentinel',
        until: clock.now() + 30_000,
        ejections: 1,
        reason: `3 target faults in a row; last: ${DEAD_404}`,
        by: 'host-a:1',
      },
    ]);
    expect(b.available('sentinel', clock.now())).toBe(false);
    expect(b.state('sentinel')).toMatchObject({ state: 'ejected', by: 'host-a:1' });
    expect(b.stats('sentinel').requests).toBe(0);
    // the same decision heard twice (the message, then a snapshot) is applied once
    expect(b.adopt('sentinel', state, 'host-a:1')).toEqual([]);
  });

  it('ends the adopted ejection at the same moment as A, with the event marked as A’s', () => {
    const clock = new ManualClock();
    const { a, state } = ejectedOnA(clock);
    const b = replica('host-b:1', DEFAULT_OUTLIER_POLICY, clock);
    b.adopt('sentinel', state, 'host-a:1');
    clock.advance(30_000);
    expect(a.tick()).toEqual([{ type: 'checking', targetId: 'sentinel' }]);
    expect(b.tick()).toEqual([{ type: 'checking', targetId: 'sentinel', by: 'host-a:1' }]);
  });

  it("re-admits when A's health checks brought the target back, and restarts its own counters", () => {
    const clock = new ManualClock();
    const { state } = ejectedOnA(clock);
    const b = replica('host-b:1', DEFAULT_OUTLIER_POLICY, clock);
    b.record('healthy', fault);
    b.adopt('sentinel', state, 'host-a:1');
    clock.advance(31_000);
    expect(b.tick()).toEqual([{ type: 'checking', targetId: 'sentinel', by: 'host-a:1' }]);
    const back: EjectionState = { state: 'in_rotation', ejections: 1, since: clock.now() };
    expect(b.adopt('sentinel', back, 'host-a:1')).toEqual([
      { type: 'readmitted', targetId: 'sentinel', reason: 're-admitted by host-a:1', by: 'host-a:1' },
    ]);
    expect(b.available('sentinel', clock.now())).toBe(true);
    expect(b.adopt('sentinel', back, 'host-a:1')).toEqual([]);
    // two more faults do not eject: the count restarted with the re-admission
    b.record('sentinel', fault);
    b.record('sentinel', fault);
    expect(b.available('sentinel', clock.now())).toBe(true);
  });

  it('keeps its own failed-check ejections marked with its own name, and never reports them as adopted', () => {
    const clock = new ManualClock();
    const { state } = ejectedOnA(clock);
    const b = replica('host-b:1', DEFAULT_OUTLIER_POLICY, clock);
    b.adopt('sentinel', state, 'host-a:1');
    clock.advance(30_000);
    b.tick();
    expect(b.dueForCheck()).toEqual(['sentinel']);
    const [event] = b.recordCheck('sentinel', false, DEAD_404);
    expect(event).toMatchObject({ type: 'ejected', ejections: 2 });
    expect(event).not.toHaveProperty('by');
    expect(b.state('sentinel')).toMatchObject({ state: 'ejected', by: 'host-b:1' });
  });

  it('still honours maxEjectionPercent: an ejection that would empty the alias is not applied', () => {
    const clock = new ManualClock();
    const policy = { ...DEFAULT_OUTLIER_POLICY, maxEjectionPercent: 50 };
    const b = replica('host-b:1', policy, clock);
    for (let i = 0; i < 3; i++) b.record('healthy', fault);
    expect(b.available('healthy', clock.now())).toBe(false);
    const { state } = ejectedOnA(clock);
    expect(b.adopt('sentinel', state, 'host-a:1')).toMatchObject([
      { type: 'ejection_overflow', targetId: 'sentinel', by: 'host-a:1' },
    ]);
    expect(b.available('sentinel', clock.now())).toBe(true);
  });

  it('leaves pulls alone: a pulled target stays pulled whatever the fleet decides', () => {
    const clock = new ManualClock();
    const { state } = ejectedOnA(clock);
    const b = replica('host-b:1', DEFAULT_OUTLIER_POLICY, clock);
    b.setPulls(new Map([['sentinel', { by: 'ana', at: clock.now(), reason: 'decommissioned' }]]));
    b.adopt('sentinel', state, 'host-a:1');
    b.adopt('sentinel', { state: 'in_rotation', ejections: 1, since: clock.now() }, 'host-a:1');
    expect(b.state('sentinel')).toMatchObject({ state: 'pulled', by: 'ana' });
  });

  it('marks nothing with a name when it runs alone (no replica given)', () => {
    const clock = new ManualClock();
    const alone = new HealthTable({
      policy: DEFAULT_OUTLIER_POLICY,
      clock,
      random: { next: () => 0 },
      groups: [['a', ['sentinel']]],
    });
    for (let i = 0; i < 3; i++) alone.record('sentinel', fault);
    expect(alone.state('sentinel')).not.toHaveProperty('by');
  });
});
