import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../../src/clock.js';
import { HEALTH_ACTOR, type OperatorStore } from '../../../src/store/operator-store.js';

/**
 * What every OperatorStore must do, whatever keeps the state (STYLE "contract tests"). Run it from each
 * implementation's test: `runOperatorStoreContract('sqlite', (clock) => openSqliteOperatorStore(':memory:', clock))`.
 */
export function runOperatorStoreContract(name: string, open: (clock: Clock) => OperatorStore): void {
  describe(`OperatorStore contract: ${name}`, () => {
    let clock: ManualClock;
    let store: OperatorStore;
    const sentinel = { alias: 'gemini-3.5-flash', model: 'gemini-v4p1s-rev24-ajax-sentinel' };

    beforeEach(() => {
      clock = new ManualClock(1_780_000_000_000);
      store = open(clock);
    });
    afterEach(() => store.close());

    it('starts with nothing pulled and an empty log', () => {
      expect(store.listPulls()).toEqual([]);
      expect(store.isPulled(sentinel.alias, sentinel.model)).toBe(false);
      expect(store.audit()).toEqual([]);
    });

    it('pulls a target and lists it with who, when and why', () => {
      expect(store.pull({ ...sentinel, by: 'oncall', reason: 'decommissioned build' })).toEqual({
        changed: true,
      });
      expect(store.isPulled(sentinel.alias, sentinel.model)).toBe(true);
      expect(store.isPulled(sentinel.alias, 'gemini-3.5-flash-001')).toBe(false);
      expect(store.isPulled('gemini-flash-latest', sentinel.model)).toBe(false);
      expect(store.listPulls()).toEqual([
        { ...sentinel, by: 'oncall', at: clock.now(), reason: 'decommissioned build' },
      ]);
    });

    it('pulls idempotently: a second pull changes nothing and logs nothing', () => {
      store.pull({ ...sentinel, by: 'alice', reason: 'first' });
      clock.advance(1000);
      expect(store.pull({ ...sentinel, by: 'bob', reason: 'second' })).toEqual({ changed: false });
      expect(store.listPulls()).toEqual([
        { ...sentinel, by: 'alice', at: clock.now() - 1000, reason: 'first' },
      ]);
      expect(store.audit().map((e) => e.action)).toEqual(['pull']);
    });

    it('restores idempotently', () => {
      expect(store.restore({ ...sentinel, by: 'alice', reason: 'never pulled' })).toEqual({ changed: false });
      store.pull({ ...sentinel, by: 'alice', reason: 'dead' });
      expect(store.restore({ ...sentinel, by: 'bob', reason: 'fixed' })).toEqual({ changed: true });
      expect(store.restore({ ...sentinel, by: 'bob', reason: 'again' })).toEqual({ changed: false });
      expect(store.isPulled(sentinel.alias, sentinel.model)).toBe(false);
      expect(store.listPulls()).toEqual([]);
      expect(store.audit().map((e) => [e.action, e.actor, e.reason])).toEqual([
        ['restore', 'bob', 'fixed'],
        ['pull', 'alice', 'dead'],
      ]);
    });

    it('logs newest first by order of writing, even if the wall clock steps back', () => {
      let now = 1_780_000_000_000;
      const steppingClock: Clock = {
        now: () => now,
        setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
        clearTimeout: (timer) => clock.clearTimeout(timer),
      };
      const own = open(steppingClock);
      try {
        own.pull({ ...sentinel, by: 'a', reason: '1' });
        now -= 60_000; // NTP correction
        own.recordHealthEvent({
          action: 'eject',
          ...sentinel,
          reason: '404 Model not found',
          until: now + 30_000,
        });
        now -= 60_000;
        own.restore({ ...sentinel, by: 'a', reason: '2' });
        const log = own.audit();
        expect(log.map((e) => e.action)).toEqual(['restore', 'eject', 'pull']);
        expect(log.map((e) => e.at)).toEqual([now, now + 60_000, now + 120_000]);
        expect(log.map((e) => e.id)).toEqual([...log.map((e) => e.id)].sort((x, y) => y - x));
        expect(new Set(log.map((e) => e.id)).size).toBe(3);
      } finally {
        own.close();
      }
    });

    it('records ejections and re-admissions as incident history', () => {
      const until = clock.now() + 30_000;
      store.recordHealthEvent({
        action: 'eject',
        ...sentinel,
        reason: '3 consecutive target faults: 404 Model not found: models/gemini-v4p1s-rev24-ajax-sentinel',
        until,
      });
      clock.advance(30_000);
      store.recordHealthEvent({ action: 'readmit', ...sentinel, reason: '2 health checks passed' });
      expect(store.audit()).toEqual([
        {
          id: expect.any(Number),
          at: clock.now(),
          actor: HEALTH_ACTOR,
          action: 'readmit',
          ...sentinel,
          reason: '2 health checks passed',
        },
        {
          id: expect.any(Number),
          at: clock.now() - 30_000,
          actor: HEALTH_ACTOR,
          action: 'eject',
          ...sentinel,
          reason: '3 consecutive target faults: 404 Model not found: models/gemini-v4p1s-rev24-ajax-sentinel',
          until,
        },
      ]);
      // health events do not pull anything
      expect(store.isPulled(sentinel.alias, sentinel.model)).toBe(false);
    });

    it('filters the log by alias and action, and limits it', () => {
      for (let i = 0; i < 5; i++) {
        store.recordHealthEvent({ action: 'eject', alias: 'a', model: `m${i}`, reason: 'x' });
        store.recordHealthEvent({ action: 'readmit', alias: 'b', model: `m${i}`, reason: 'y' });
      }
      store.pull({ alias: 'a', model: 'm0', by: 'op', reason: 'z' });
      expect(store.audit({ alias: 'a' }).map((e) => e.alias)).toEqual(Array(6).fill('a'));
      expect(store.audit({ actions: ['pull', 'restore'] }).map((e) => e.action)).toEqual(['pull']);
      expect(store.audit({ alias: 'b', actions: ['eject'] })).toEqual([]);
      expect(store.audit({ limit: 2 }).map((e) => [e.action, e.model])).toEqual([
        ['pull', 'm0'],
        ['readmit', 'm4'],
      ]);
      expect(store.audit({ limit: 0 })).toEqual([]);
      expect(store.audit()).toHaveLength(11);
    });

    it('caps a long reason', () => {
      store.recordHealthEvent({ action: 'eject', ...sentinel, reason: 'x'.repeat(100_000) });
      expect(store.audit()[0]?.reason.length).toBeLessThanOrEqual(4096);
    });

    it('rejects a pull that names no alias, model or operator', () => {
      expect(() => store.pull({ alias: '', model: 'm', by: 'op', reason: '' })).toThrow(/alias/);
      expect(() => store.pull({ alias: 'a', model: '', by: 'op', reason: '' })).toThrow(/model/);
      expect(() => store.restore({ alias: 'a', model: 'm', by: '', reason: '' })).toThrow(/by/);
      expect(store.audit()).toEqual([]);
    });

    it('reload() reports no change when nothing else wrote', () => {
      store.pull({ ...sentinel, by: 'a', reason: '' });
      expect(store.reload()).toBe(false);
      expect(store.isPulled(sentinel.alias, sentinel.model)).toBe(true);
    });

    it('close() may be called twice', () => {
      store.close();
      expect(() => store.close()).not.toThrow();
    });
  });
}
