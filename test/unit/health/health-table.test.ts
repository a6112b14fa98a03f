import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../../src/classify/verdict.js';
import { ManualClock } from '../../../src/clock.js';
import { HealthTable } from '../../../src/health/health-table.js';
import type { OutlierPolicy } from '../../../src/health/policy.js';
import type { Random } from '../../../src/random.js';
import { DEFAULT_OUTLIER_POLICY } from '../../support/config.js';

const DEAD_404 = '404 NOT_FOUND: Model not found: models/gemini-v4p1s-rev24-ajax-sentinel';
const ok: Verdict = { kind: 'ok' };
const fault: Verdict = { kind: 'target_fault', reason: DEAD_404 };
const transient: Verdict = { kind: 'transient', reason: 'ECONNREFUSED: connection refused', origin: 'local' };
const noJitter: Random = { next: () => 0 };
const passive: OutlierPolicy = {
  ...DEFAULT_OUTLIER_POLICY,
  maxEjectionPercent: 50,
  healthCheck: { ...DEFAULT_OUTLIER_POLICY.healthCheck, enabled: false },
};
const capped: OutlierPolicy = { ...DEFAULT_OUTLIER_POLICY, maxEjectionPercent: 50 };

function setup(opts: { policy?: OutlierPolicy; groups?: [string, string[]][] } = {}) {
  const clock = new ManualClock();
  const table = new HealthTable({
    policy: opts.policy ?? DEFAULT_OUTLIER_POLICY,
    clock,
    random: noJitter,
    groups: opts.groups ?? [['gemini-3.5-flash', ['build-a', 'build-b', 'sentinel']]],
  });
  const t0 = clock.now();
  const recordMany = (id: string, verdict: Verdict, n: number) => {
    const events = [];
    for (let i = 0; i < n; i++) events.push(...table.record(id, verdict));
    return events;
  };
  return { clock, table, t0, recordMany };
}

describe('HealthTable: passive ejection', () => {
  it('ejects the dead build after 3 target faults and keeps its siblings in rotation', () => {
    const { table, t0, recordMany } = setup();
    expect(recordMany('sentinel', fault, 2)).toEqual([]);
    expect(table.inRotation('sentinel')).toBe(true);
    expect(table.record('sentinel', fault)).toEqual([
      {
        type: 'ejected',
        targetId: 'sentinel',
        until: t0 + 30_000,
        ejections: 1,
        reason: `3 target faults in a row; last: ${DEAD_404}`,
      },
    ]);
    expect(table.inRotation('sentinel')).toBe(false);
    expect(table.inRotation('build-a')).toBe(true);
    expect(table.state('sentinel')).toMatchObject({ state: 'ejected', since: t0, until: t0 + 30_000 });
  });

  it('ejects after 5 transient faults in a row', () => {
    const { table, recordMany } = setup();
    expect(recordMany('build-a', transient, 4)).toEqual([]);
    expect(table.record('build-a', transient)).toMatchObject([{ type: 'ejected', targetId: 'build-a' }]);
  });

  it('ignores answers that arrive after the ejection (requests that were already in flight)', () => {
    const { table, clock, recordMany } = setup();
    recordMany('sentinel', fault, 3);
    expect(recordMany('sentinel', fault, 10)).toEqual([]);
    expect(table.state('sentinel')).toMatchObject({ ejections: 1 });
    clock.advance(30_000);
    expect(table.tick()).toEqual([{ type: 'checking', targetId: 'sentinel' }]);
  });

  it.each([
    ['3 targets at 50% → 1 out', 3, 50, 1],
    ['4 targets at 50% → 2 out', 4, 50, 2],
    ['1 target at 50% → still 1 (at least one may go)', 1, 50, 1],
    ['10 targets at 10% → 1 out', 10, 10, 1],
    ['5 targets at 0% → 1 out', 5, 0, 1],
    ['4 targets at 100% → all out', 4, 100, 4],
  ])('maxEjectionPercent: %s', (_name, size, percent, allowed) => {
    const ids = Array.from({ length: size }, (_, i) => `t${i}`);
    const { table, recordMany } = setup({
      policy: { ...DEFAULT_OUTLIER_POLICY, maxEjectionPercent: percent },
      groups: [['alias', ids]],
    });
    const events = ids.flatMap((id) => recordMany(id, fault, 3));
    expect(events.filter((e) => e.type === 'ejected')).toHaveLength(allowed);
    expect(events.filter((e) => e.type === 'ejection_overflow')).toHaveLength(size - allowed);
    expect(ids.filter((id) => table.inRotation(id))).toHaveLength(size - allowed);
  });

  it('an overflowed target needs fresh evidence, and is ejected once the cap frees', () => {
    const { table, clock, recordMany } = setup({ policy: passive });
    recordMany('sentinel', fault, 3);
    expect(recordMany('build-b', fault, 3)).toMatchObject([
      { type: 'ejection_overflow', targetId: 'build-b' },
    ]);
    expect(recordMany('build-b', fault, 2)).toEqual([]); // the evidence was used up
    clock.advance(30_000); // sentinel comes back (passive mode)
    expect(table.record('build-b', fault)).toMatchObject([
      { type: 'readmitted', targetId: 'sentinel' },
      { type: 'ejected', targetId: 'build-b' },
    ]);
  });

  it('applies the cap in every alias a shared target belongs to', () => {
    const { recordMany } = setup({
      policy: capped,
      groups: [
        ['big', ['shared', 'b1', 'b2', 'b3']],
        ['small', ['shared', 's1']],
      ],
    });
    recordMany('s1', fault, 3); // 'small' now has its one ejection
    expect(recordMany('shared', fault, 3)).toMatchObject([{ type: 'ejection_overflow', targetId: 'shared' }]);
    expect(recordMany('b1', fault, 3)).toMatchObject([{ type: 'ejected', targetId: 'b1' }]);
  });

  it('a 429 cools the target for its Retry-After and never ejects it', () => {
    const { table, clock, t0, recordMany } = setup();
    const overloaded: Verdict = {
      kind: 'overloaded',
      reason: '429 RESOURCE_EXHAUSTED',
      retryAfterMs: 26_000,
    };
    expect(recordMany('build-a', overloaded, 50)).toEqual([]);
    expect(table.inRotation('build-a')).toBe(true);
    expect(table.state('build-a')).toEqual({
      state: 'cooling',
      until: t0 + 26_000,
      reason: '429 RESOURCE_EXHAUSTED',
    });
    expect(table.state('build-b').state).toBe('in_rotation');
    clock.advance(26_000);
    expect(table.state('build-a').state).toBe('in_rotation');
    table.record('build-a', { kind: 'overloaded', reason: '429' });
    expect(table.state('build-a')).toMatchObject({ state: 'cooling', until: clock.now() + 1_000 }); // default when no hint
  });
});

describe('HealthTable: health checks (enabled)', () => {
  it('walks ejected → checking → healthy with 2 passing checks 5 s apart', () => {
    const { table, clock, t0, recordMany } = setup();
    recordMany('sentinel', fault, 3);
    clock.advance(29_999);
    expect(table.tick()).toEqual([]);
    expect(table.dueForCheck()).toEqual([]);
    clock.advance(1);
    expect(table.inRotation('sentinel')).toBe(false); // checking is still out of rotation
    expect(table.tick()).toEqual([{ type: 'checking', targetId: 'sentinel' }]);
    expect(table.dueForCheck()).toEqual(['sentinel']);
    expect(table.dueForCheck()).toEqual([]); // handed out once while the check runs
    expect(table.recordCheck('sentinel', true, '200 OK')).toEqual([]);
    expect(table.state('sentinel')).toMatchObject({
      state: 'checking',
      successes: 1,
      nextCheckAt: t0 + 35_000,
    });
    clock.advance(4_999);
    expect(table.dueForCheck()).toEqual([]);
    clock.advance(1);
    expect(table.dueForCheck()).toEqual(['sentinel']);
    expect(table.recordCheck('sentinel', true, '200 OK')).toEqual([
      { type: 'readmitted', targetId: 'sentinel', reason: '2 health checks passed in a row; last: 200 OK' },
    ]);
    expect(table.inRotation('sentinel')).toBe(true);
    expect(table.state('sentinel')).toEqual({ state: 'in_rotation', ejections: 1, since: t0 + 35_000 });
  });

  it('a failing check re-ejects for longer each time, so checks of a dead build back off', () => {
    const { table, clock, recordMany } = setup();
    recordMany('sentinel', fault, 3);
    const gaps: number[] = [];
    for (let round = 0; round < 12; round++) {
      const start = clock.now();
      // As the checker does: tick (delivers 'checking'), then ask what is due.
      while (table.tick().length === 0 || table.dueForCheck().length === 0) clock.advance(1_000);
      gaps.push(clock.now() - start);
      const events = table.recordCheck('sentinel', false, DEAD_404);
      expect(events).toMatchObject([
        { type: 'ejected', ejections: round + 2, reason: `health check failed: ${DEAD_404}` },
      ]);
    }
    expect(gaps.map((g) => g / 1000)).toEqual([30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 300, 300]);
  });

  it('a failure between passes starts the count of passes again', () => {
    const { table, clock, recordMany } = setup();
    recordMany('sentinel', fault, 3);
    clock.advance(30_000);
    table.dueForCheck();
    table.recordCheck('sentinel', true, '200 OK');
    clock.advance(5_000);
    table.dueForCheck();
    expect(table.recordCheck('sentinel', false, DEAD_404)).toMatchObject([{ type: 'ejected', ejections: 2 }]);
    expect(table.state('sentinel')).toMatchObject({ state: 'ejected' });
  });

  it('a check that never reports is handed out again after intervalMs', () => {
    const { table, clock, recordMany } = setup();
    recordMany('sentinel', fault, 3);
    clock.advance(30_000);
    expect(table.dueForCheck()).toEqual(['sentinel']);
    clock.advance(5_000);
    expect(table.dueForCheck()).toEqual(['sentinel']);
  });

  it('ignores check results for targets that are not being checked', () => {
    const { table, recordMany } = setup();
    expect(table.recordCheck('build-a', false, 'x')).toEqual([]);
    expect(table.recordCheck('nobody', false, 'x')).toEqual([]);
    recordMany('sentinel', fault, 3);
    expect(table.recordCheck('sentinel', true, 'x')).toEqual([]); // still ejected, not checking
    expect(table.state('build-a')).toEqual({ state: 'in_rotation', ejections: 0 });
  });

  it('a re-admitted target starts with a clean window', () => {
    const { table, clock, recordMany } = setup();
    recordMany('sentinel', fault, 3);
    clock.advance(30_000);
    for (let i = 0; i < 2; i++) {
      table.dueForCheck();
      table.recordCheck('sentinel', true, '200 OK');
      clock.advance(5_000);
    }
    expect(table.stats('sentinel')).toEqual({ requests: 0, failures: 0, successRate: null });
    expect(recordMany('sentinel', fault, 2)).toEqual([]);
  });
});

describe('HealthTable: passive only (health checks disabled)', () => {
  it('returns the target at until; its next fault re-ejects it with n + 1', () => {
    const { table, clock, t0, recordMany } = setup({ policy: passive });
    recordMany('sentinel', fault, 3);
    clock.advance(30_000);
    expect(table.inRotation('sentinel')).toBe(true); // lazily back
    expect(table.dueForCheck()).toEqual([]);
    const events = table.record('sentinel', fault);
    expect(events).toEqual([
      { type: 'readmitted', targetId: 'sentinel', reason: 'ejection ended (no health checks)' },
      {
        type: 'ejected',
        targetId: 'sentinel',
        until: t0 + 30_000 + 60_000,
        ejections: 2,
        reason: `failed again right after its ejection ended; last: ${DEAD_404}`,
      },
    ]);
  });

  it('a success after coming back ends probation', () => {
    const { table, clock, recordMany } = setup({ policy: passive });
    recordMany('sentinel', fault, 3);
    clock.advance(30_000);
    expect(table.tick()).toMatchObject([{ type: 'readmitted' }]);
    table.record('sentinel', ok);
    expect(recordMany('sentinel', fault, 2)).toEqual([]);
  });

  it.each([
    ['back for less than maxEjectionMs → the count grows', 299_000, 2, 60_000],
    ['clean for maxEjectionMs → the count starts again', 300_000, 1, 30_000],
  ])('%s', (_name, cleanMs, ejections, duration) => {
    const { table, clock, recordMany } = setup({ policy: passive });
    recordMany('sentinel', fault, 3);
    clock.advance(30_000);
    table.record('sentinel', ok);
    clock.advance(cleanMs);
    const [event] = recordMany('sentinel', fault, 3);
    expect(event).toEqual(
      expect.objectContaining({ type: 'ejected', ejections, until: clock.now() + duration }),
    );
  });
});

describe('HealthTable: in-flight, stats, unknown targets', () => {
  it('counts attempts in flight and never below zero', () => {
    const { table } = setup();
    table.begin('build-a');
    table.begin('build-a');
    table.begin('elsewhere');
    expect([table.inFlight('build-a'), table.inFlight('elsewhere'), table.inFlight('build-b')]).toEqual([
      2, 1, 0,
    ]);
    table.end('build-a');
    table.end('build-a');
    table.end('build-a');
    table.end('never-seen');
    expect(table.inFlight('build-a')).toBe(0);
  });

  it('reports window stats for status pages', () => {
    const { table, recordMany } = setup();
    recordMany('build-a', ok, 6);
    recordMany('build-a', fault, 2);
    table.record('build-a', { kind: 'client_error', reason: '400' });
    expect(table.stats('build-a')).toEqual({ requests: 9, failures: 2, successRate: 7 / 9 });
    expect(table.stats('nobody')).toEqual({ requests: 0, failures: 0, successRate: null });
  });

  it('treats a target outside every alias as in rotation and uncapped', () => {
    const { table, recordMany } = setup();
    expect(table.inRotation('stray')).toBe(true);
    expect(recordMany('stray', fault, 3)).toMatchObject([{ type: 'ejected', targetId: 'stray' }]);
  });
});

describe('HealthTable.available', () => {
  it('is in rotation and not cooling, judged at the given time', () => {
    const { table, clock, recordMany } = setup();
    expect(table.available('build-a', clock.now())).toBe(true);
    table.record('build-a', { kind: 'overloaded', reason: '429', retryAfterMs: 5000 });
    expect(table.available('build-a', clock.now())).toBe(false);
    expect(table.available('build-a', clock.now() + 5001)).toBe(true);
    recordMany('sentinel', fault, 3);
    expect(table.available('sentinel', clock.now())).toBe(false);
    expect(table.available('unknown-target', clock.now())).toBe(true);
  });

  it('a pulled target is never available, keeps its ejection state underneath, and is not health-checked', () => {
    const { table, clock, recordMany } = setup();
    recordMany('sentinel', fault, 3);
    table.setPulls(
      new Map([
        ['sentinel', { by: 'alice', at: clock.now(), reason: 'dead build' }],
        ['build-a', { by: 'bob', at: 1, reason: 'x' }],
      ]),
    );
    expect(table.available('build-a', clock.now())).toBe(false);
    expect(table.state('sentinel')).toEqual({
      state: 'pulled',
      by: 'alice',
      at: clock.now(),
      reason: 'dead build',
    });
    clock.advance(30_000);
    table.tick();
    expect(table.dueForCheck()).toEqual([]);
    table.setPulls(new Map());
    expect(table.available('build-a', clock.now())).toBe(true);
    expect(table.state('sentinel').state).toBe('checking');
    expect(table.dueForCheck()).toEqual(['sentinel']);
  });
});
