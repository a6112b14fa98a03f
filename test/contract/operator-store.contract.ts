import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../src/clock.js';
import type { Drain } from '../../src/rollout/drain.js';
import type { Rollout } from '../../src/rollout/plan.js';
import { HEALTH_ACTOR, type OperatorStore } from '../../src/store/operator-store.js';

/**
 * What every OperatorStore must do, whatever keeps the state (docs/design.md §11). Run it from each implementation's
 * test: `runOperatorStoreContract('sqlite', (clock) => openSqliteOperatorStore(':memory:', clock))`.
 */
export function runOperatorStoreContract(
  name: string,
  open: (clock: Clock) => OperatorStore | Promise<OperatorStore>,
): void {
  describe(`OperatorStore contract: ${name}`, () => {
    let clock: ManualClock;
    let store: OperatorStore;
    const sentinel = {
      alias: 'gemini-3.5-flash',
      upstream: 'builds',
      model: 'gemini-v4p1s-rev24-ajax-sentinel',
    };

    beforeEach(async () => {
      clock = new ManualClock(1_780_000_000_000);
      store = await open(clock);
    });
    afterEach(() => store.close());

    it('starts with nothing pulled and an empty log', async () => {
      expect(store.state()).toEqual({ pulls: [], stages: [], rollouts: [], drains: [], retired: [] });
      expect(await store.incidents()).toEqual([]);
      expect(await store.audit()).toEqual([]);
      expect(store.status()).toEqual({ ok: true, queued: 0 });
    });

    it('pulls a target and lists it with who, when and why', async () => {
      expect(await store.pull({ ...sentinel, by: 'oncall', reason: 'decommissioned build' })).toEqual({
        changed: true,
      });
      expect(store.state().pulls).toEqual([
        { ...sentinel, by: 'oncall', at: clock.now(), reason: 'decommissioned build' },
      ]);
    });

    it('pulls idempotently: a second pull changes nothing and logs nothing', async () => {
      await store.pull({ ...sentinel, by: 'alice', reason: 'first' });
      clock.advance(1000);
      expect(await store.pull({ ...sentinel, by: 'bob', reason: 'second' })).toEqual({ changed: false });
      expect(store.state().pulls).toEqual([
        { ...sentinel, by: 'alice', at: clock.now() - 1000, reason: 'first' },
      ]);
      expect((await store.audit()).map((e) => e.action)).toEqual(['pull']);
    });

    it('keeps targets apart: the same model on another upstream or alias is another pull', async () => {
      await store.pull({ ...sentinel, by: 'a', reason: '' });
      expect(await store.pull({ ...sentinel, upstream: 'google', by: 'a', reason: '' })).toEqual({
        changed: true,
      });
      expect(await store.pull({ ...sentinel, alias: 'other', by: 'a', reason: '' })).toEqual({
        changed: true,
      });
      expect(store.state().pulls).toHaveLength(3);
    });

    it('restores idempotently', async () => {
      expect(await store.restore({ ...sentinel, by: 'alice', reason: 'never pulled' })).toEqual({
        changed: false,
      });
      await store.pull({ ...sentinel, by: 'alice', reason: 'dead' });
      expect(await store.restore({ ...sentinel, by: 'bob', reason: 'fixed' })).toEqual({ changed: true });
      expect(await store.restore({ ...sentinel, by: 'bob', reason: 'again' })).toEqual({ changed: false });
      expect(store.state().pulls).toEqual([]);
      expect((await store.audit()).map((e) => [e.action, e.actor, e.reason])).toEqual([
        ['restore', 'bob', 'fixed'],
        ['pull', 'alice', 'dead'],
      ]);
    });

    it('moves version and tells listeners when, and only when, the pulls change', async () => {
      let heard = 0;
      const stop = store.onChange(() => heard++);
      const v0 = store.version;
      await store.pull({ ...sentinel, by: 'a', reason: '' });
      const v1 = store.version;
      expect(v1).not.toBe(v0);
      await store.pull({ ...sentinel, by: 'a', reason: 'again' });
      store.append({ actor: HEALTH_ACTOR, action: 'eject', alias: 'x', model: 'y', reason: 'z' });
      await store.flush();
      expect(store.version).toBe(v1);
      expect(heard).toBe(1);
      stop();
      await store.restore({ ...sentinel, by: 'a', reason: '' });
      expect(heard).toBe(1);
    });

    it('logs newest first by order of writing, even if the wall clock steps back', async () => {
      let now = 1_780_000_000_000;
      const steppingClock: Clock = {
        now: () => now,
        setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
        clearTimeout: (timer) => clock.clearTimeout(timer),
      };
      const own = await open(steppingClock);
      try {
        await own.pull({ ...sentinel, by: 'a', reason: '1' });
        now -= 60_000; // NTP correction
        own.append({ actor: HEALTH_ACTOR, action: 'eject', ...sentinel, reason: '404', until: now + 30_000 });
        await own.flush();
        now -= 60_000;
        await own.restore({ ...sentinel, by: 'a', reason: '2' });
        const log = await own.audit();
        expect(log.map((e) => e.action)).toEqual(['restore', 'eject', 'pull']);
        expect(log.map((e) => e.at)).toEqual([now, now + 60_000, now + 120_000]);
        expect(log.map((e) => e.id)).toEqual([...log.map((e) => e.id)].sort((x, y) => y - x));
        expect(new Set(log.map((e) => e.id)).size).toBe(3);
      } finally {
        await own.close();
      }
    });

    it('records ejections and re-admissions as incident history', async () => {
      const until = clock.now() + 30_000;
      const reason =
        '3 target faults in a row; last: 404 NOT_FOUND: Model not found: models/gemini-v4p1s-rev24-ajax-sentinel';
      store.append({
        actor: HEALTH_ACTOR,
        action: 'eject',
        alias: sentinel.alias,
        model: sentinel.model,
        reason,
        until,
      });
      clock.advance(30_000);
      store.append({
        actor: HEALTH_ACTOR,
        action: 'readmit',
        alias: sentinel.alias,
        model: sentinel.model,
        reason: '2 health checks passed',
      });
      await store.flush();
      expect(await store.audit()).toEqual([
        {
          id: expect.any(Number),
          at: clock.now(),
          actor: HEALTH_ACTOR,
          action: 'readmit',
          alias: sentinel.alias,
          model: sentinel.model,
          reason: '2 health checks passed',
        },
        {
          id: expect.any(Number),
          at: clock.now() - 30_000,
          actor: HEALTH_ACTOR,
          action: 'eject',
          alias: sentinel.alias,
          model: sentinel.model,
          reason,
          until,
        },
      ]);
      // health events do not pull anything
      expect(store.state().pulls).toEqual([]);
    });

    it('filters the log by alias and action, and limits it', async () => {
      for (let i = 0; i < 5; i++) {
        store.append({ actor: HEALTH_ACTOR, action: 'eject', alias: 'a', model: `m${i}`, reason: 'x' });
        store.append({ actor: HEALTH_ACTOR, action: 'readmit', alias: 'b', model: `m${i}`, reason: 'y' });
      }
      await store.flush();
      await store.pull({ alias: 'a', upstream: 'u', model: 'm0', by: 'op', reason: 'z' });
      expect((await store.audit({ alias: 'a' })).map((e) => e.alias)).toEqual(Array(6).fill('a'));
      expect((await store.audit({ actions: ['pull', 'restore'] })).map((e) => e.action)).toEqual(['pull']);
      expect(await store.audit({ alias: 'b', actions: ['eject'] })).toEqual([]);
      expect((await store.audit({ limit: 2 })).map((e) => [e.action, e.model])).toEqual([
        ['pull', 'm0'],
        ['readmit', 'm4'],
      ]);
      expect(await store.audit({ limit: 0 })).toEqual([]);
      expect(await store.audit()).toHaveLength(11);
    });

    it('caps a long reason', async () => {
      store.append({ actor: HEALTH_ACTOR, action: 'eject', ...sentinel, reason: 'x'.repeat(100_000) });
      await store.flush();
      expect((await store.audit())[0]?.reason.length).toBeLessThanOrEqual(4096);
    });

    it('rejects a pull that names no alias, upstream, model or operator', async () => {
      await expect(store.pull({ ...sentinel, alias: '', by: 'op', reason: '' })).rejects.toThrow(/alias/);
      await expect(store.pull({ ...sentinel, upstream: '', by: 'op', reason: '' })).rejects.toThrow(
        /upstream/,
      );
      await expect(store.pull({ ...sentinel, model: '', by: 'op', reason: '' })).rejects.toThrow(/model/);
      await expect(store.restore({ ...sentinel, by: '', reason: '' })).rejects.toThrow(/by/);
      expect(await store.audit()).toEqual([]);
    });

    it('sets an alias’s stage on top of the config, idempotently, and clears it; every change is audited', async () => {
      const deprecate = {
        alias: 'gemini-2.0-flash',
        stage: 'deprecated' as const,
        replacement: 'gemini-2.5-flash',
        shutdown: '2026-12-31',
        by: 'release',
        reason: 'EOL',
      };
      expect(await store.setStage(deprecate)).toEqual({ changed: true });
      expect(store.state().stages).toEqual([
        {
          alias: 'gemini-2.0-flash',
          stage: 'deprecated',
          replacement: 'gemini-2.5-flash',
          shutdown: '2026-12-31',
          by: 'release',
          at: clock.now(),
          reason: 'EOL',
        },
      ]);
      expect(await store.setStage({ ...deprecate, reason: 'again' })).toEqual({ changed: false });
      expect(
        await store.setStage({ alias: 'gemini-2.0-flash', stage: 'ga', by: 'release', reason: 'undo' }),
      ).toEqual({
        changed: true,
      });
      expect(store.state().stages.map((st) => [st.stage, st.replacement])).toEqual([['ga', undefined]]);
      expect(
        await store.setStage({ alias: 'gemini-2.0-flash', by: 'release', reason: 'config again' }),
      ).toEqual({
        changed: true,
      });
      expect(store.state().stages).toEqual([]);
      expect(
        await store.setStage({ alias: 'gemini-2.0-flash', by: 'release', reason: 'nothing to clear' }),
      ).toEqual({
        changed: false,
      });
      const log = await store.audit({ actions: ['stage'] });
      expect(log.map((e) => e.reason)).toEqual([
        'back to the configured stage; config again',
        'stage ga; undo',
        'stage deprecated (replacement gemini-2.5-flash, shutdown 2026-12-31); EOL',
      ]);
    });

    it('keeps the incident history: an episode is saved when it opens and updated when it closes', async () => {
      const open = {
        id: `${sentinel.alias}/${sentinel.upstream}/${sentinel.model}@${clock.now()}`,
        ...sentinel,
        startedAt: clock.now(),
        endedAt: null,
        requests: 3,
        retries: 3,
        ejections: 1,
        messages: [
          { message: '404 NOT_FOUND: Model not found: models/gemini-v4p1s-rev24-ajax-sentinel', count: 3 },
        ],
      };
      store.saveIncident(open);
      store.saveIncident({ ...open, id: 'other@1', alias: 'other', startedAt: open.startedAt - 1000 });
      await store.flush();
      expect((await store.incidents()).map((i) => i.id)).toEqual([open.id, 'other@1']);
      store.saveIncident({ ...open, endedAt: open.startedAt + 60_000, requests: 5, ejections: 2 });
      await store.flush();
      expect(await store.incidents({ alias: sentinel.alias })).toEqual([
        { ...open, endedAt: open.startedAt + 60_000, requests: 5, ejections: 2 },
      ]);
      expect(await store.incidents({ limit: 1 })).toHaveLength(1);
    });

    it('close() may be called twice, and flushes what was appended', async () => {
      store.append({ actor: HEALTH_ACTOR, action: 'eject', ...sentinel, reason: 'last words' });
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    });

    describe('the build lifecycle', () => {
      const rollout = (over: Partial<Rollout> = {}): Rollout => ({
        id: `gemini-3.5-flash@${clock.now()}`,
        alias: 'gemini-3.5-flash',
        upstream: 'builds',
        model: 'gemini-3.5-flash-002',
        steps: [0.1, 0.5, 1],
        intervalMs: 30_000,
        minRequests: 100,
        alpha: 0.05,
        state: 'running',
        step: 0,
        stepStartedAt: clock.now(),
        lookAt: clock.now() + 30_000,
        added: true,
        startedAt: clock.now(),
        by: 'ana',
        reason: 'new build',
        history: [],
        rev: 1,
        ...over,
      });

      it('writes a rollout only over the revision it was derived from; one active rollout per alias', async () => {
        const first = rollout();
        expect(
          await store.saveRollout(first, { actor: 'ana', action: 'rollout', reason: 'started' }),
        ).toEqual({
          changed: true,
        });
        expect(store.state().rollouts).toEqual([first]);
        // a second one on the alias while the first runs: refused, whoever asks
        clock.advance(1);
        expect((await store.saveRollout(rollout({ model: 'other' }))).changed).toBe(false);
        // two replicas decide the same step: the first write wins, the second changes nothing
        const advanced = { ...first, step: 1, rev: 2 };
        expect((await store.saveRollout(advanced)).changed).toBe(true);
        expect((await store.saveRollout({ ...first, state: 'failed' as const, rev: 2 })).changed).toBe(false);
        expect(store.state().rollouts).toEqual([advanced]);
        // once it ended, a new one may start; the mirror keeps the active one and each alias's latest
        const done = { ...advanced, state: 'succeeded' as const, rev: 3 };
        expect((await store.saveRollout(done)).changed).toBe(true);
        clock.advance(1000);
        const next = rollout({ model: 'gemini-3.5-flash-003' });
        expect((await store.saveRollout(next)).changed).toBe(true);
        expect(store.state().rollouts.map((r) => r.id)).toEqual([next.id]);
        expect((await store.rollouts({ alias: 'gemini-3.5-flash' })).map((r) => r.id)).toEqual([
          next.id,
          first.id,
        ]);
        const audit = await store.audit({ actions: ['rollout'] });
        expect(audit).toHaveLength(1);
        expect(audit[0]).toMatchObject({
          actor: 'ana',
          alias: 'gemini-3.5-flash',
          model: 'gemini-3.5-flash-002',
        });
      });

      it('keeps drains by revision too, one under way per target', async () => {
        const drain: Drain = {
          id: `gemini-3.5-flash/builds/old@${clock.now()}`,
          alias: 'gemini-3.5-flash',
          upstream: 'builds',
          model: 'old',
          from: 0.5,
          startedAt: clock.now(),
          overMs: 60_000,
          state: 'draining',
          by: 'ana',
          reason: 'replaced',
          rev: 1,
        };
        expect((await store.saveDrain(drain)).changed).toBe(true);
        clock.advance(1);
        expect((await store.saveDrain({ ...drain, id: `${drain.id}-again` })).changed).toBe(false);
        expect((await store.saveDrain({ ...drain, state: 'drained', rev: 2 })).changed).toBe(true);
        expect(store.state().drains).toEqual([{ ...drain, state: 'drained', rev: 2 }]);
      });

      it('retires and un-retires a build, idempotently and audited', async () => {
        const r = { upstream: 'builds', model: 'old', by: 'ana', at: 0, reason: 'decommissioned' };
        expect((await store.setRetired(r, true)).changed).toBe(true);
        expect((await store.setRetired(r, true)).changed).toBe(false);
        expect(store.state().retired).toMatchObject([{ upstream: 'builds', model: 'old', by: 'ana' }]);
        expect((await store.setRetired(r, false)).changed).toBe(true);
        expect(store.state().retired).toEqual([]);
        expect((await store.audit({ actions: ['retire', 'unretire'] })).map((e) => e.action)).toEqual([
          'unretire',
          'retire',
        ]);
      });

      it('grants a lease to one holder at a time, and lets it renew', async () => {
        expect(await store.lease('lifecycle', 'a', 5000)).toBe(true);
        expect(await store.lease('lifecycle', 'b', 5000)).toBe(false);
        expect(await store.lease('lifecycle', 'a', 5000)).toBe(true);
      });

      it('keeps each replica’s latest step counts: a repeated report replaces, never adds', async () => {
        store.reportCounts('r#0', 'a', { candidate: { requests: 5, failures: 1 } });
        store.reportCounts('r#0', 'a', { candidate: { requests: 7, failures: 1 } });
        store.reportCounts('r#0', 'b', { candidate: { requests: 3, failures: 0 } });
        await store.flush();
        const counts = (await store.counts('r#0')) as { candidate: { requests: number } }[];
        expect(counts.map((c) => c.candidate.requests).sort()).toEqual([3, 7]);
        expect(await store.counts('r#1')).toEqual([]);
      });
    });
  });
}
