import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { targetId } from '../../src/catalog/target.js';
import { ManualClock } from '../../src/clock.js';
import type { HealthStore, SharedTargetState } from '../../src/store/health-store.js';

/** How long the stores under test keep decisions (RedisHealthStoreOptions); the suite checks they do. */
export const RETENTION = { graceMs: 5_000, retainMs: 60_000 } as const;

/** What a contract run opens: stores for several replicas over one backend. */
export interface HealthStoreFixture {
  /** The store one replica would open. */
  open(replica: string): HealthStore | Promise<HealthStore>;
  /** Takes the shared backend away and brings it back (empty): shared stores only. */
  outage?: { begin(): Promise<void>; end(): Promise<void> };
  close(): Promise<void>;
}

export interface HealthStoreCapabilities {
  /** Whether replicas share anything: false for a store that serves one process (MemoryHealthStore). */
  shared: boolean;
}

/**
 * What every HealthStore must do (docs/design.md §11). Stores are opened with RETENTION and the suite's clock:
 * `runHealthStoreContract('redis', (clock) => …, { shared: true })`. Messages travel in real time, so the suite
 * waits for them by polling; everything about time in force is driven by the ManualClock.
 */
export function runHealthStoreContract(
  name: string,
  make: (clock: ManualClock) => Promise<HealthStoreFixture>,
  capabilities: HealthStoreCapabilities,
): void {
  describe(`HealthStore contract: ${name}`, () => {
    let clock: ManualClock;
    let fixture: HealthStoreFixture;
    const opened: HealthStore[] = [];
    const open = async (replica: string) => {
      const store = await fixture.open(replica);
      opened.push(store);
      return store;
    };
    const dead = targetId('gemini-3.5-flash', 'builds', 'gemini-v4p1s-rev24-ajax-sentinel');
    const other = targetId('gemini-3.5-flash', 'builds', 'gemini-3.5-flash-001');
    const ejection = (by: string, id = dead, atOffset = 0): SharedTargetState => {
      const at = clock.now() + atOffset;
      return {
        targetId: id,
        by,
        at,
        state: {
          state: 'ejected',
          since: at,
          until: at + 30_000,
          ejections: 1,
          reason: '3 target faults in a row; last: 404 NOT_FOUND',
          outSince: at,
          by,
        },
      };
    };
    const readmission = (by: string, atOffset = 0): SharedTargetState => {
      const at = clock.now() + atOffset;
      return { targetId: dead, by, at, state: { state: 'in_rotation', ejections: 1, since: at } };
    };

    beforeEach(async () => {
      clock = new ManualClock(1_780_000_000_000);
      fixture = await make(clock);
    });
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await fixture.close();
    });

    it('starts healthy with nothing queued', async () => {
      const a = await open('a');
      expect(a.status()).toEqual({ ok: true, queued: 0 });
    });

    it("never echoes a replica's own decisions back to it", async () => {
      const a = await open('a');
      const heard: SharedTargetState[] = [];
      a.subscribe((c) => heard.push(c));
      a.publish(ejection('a'));
      await settle();
      expect(heard).toEqual([]);
    });

    it('publish returns at once and never throws, even after close', async () => {
      const a = await open('a');
      expect(a.publish(ejection('a'))).toBeUndefined();
      await a.close();
      expect(() => a.publish(ejection('a'))).not.toThrow();
      await expect(a.close()).resolves.toBeUndefined();
    });

    if (!capabilities.shared) {
      it('has no one to tell: another instance hears nothing, and every lease is granted', async () => {
        const a = await open('a');
        const b = await open('b');
        const heard: SharedTargetState[] = [];
        b.subscribe((c) => heard.push(c));
        a.publish(ejection('a'));
        await settle();
        expect(heard).toEqual([]);
        expect(await b.snapshot()).toEqual([]);
        expect(await a.lease('check:x', 1000)).toBe(true);
        expect(await b.lease('check:x', 1000)).toBe(true);
      });
      return;
    }

    it('tells every other replica of a decision, as published', async () => {
      const a = await open('a');
      const b = await open('b');
      const c = await open('c');
      const heardB: SharedTargetState[] = [];
      const heardC: SharedTargetState[] = [];
      b.subscribe((x) => heardB.push(x));
      c.subscribe((x) => heardC.push(x));
      const change = ejection('a');
      a.publish(change);
      await eventually(() => heardB.length === 1 && heardC.length === 1);
      expect(heardB).toEqual([change]);
      expect(heardC).toEqual([change]);
      const stop = b.subscribe(() => undefined);
      stop(); // unsubscribing one listener leaves the others
      a.publish(readmission('a', 1));
      await eventually(() => heardB.length === 2);
      expect(heardB[1]?.state.state).toBe('in_rotation');
    });

    it('gives a replica that starts late every decision still in force', async () => {
      const a = await open('a');
      const first = ejection('a');
      const second = ejection('a', other);
      a.publish(first);
      a.publish(second);
      const late = await open('late');
      await eventually(async () => (await late.snapshot()).length === 2);
      const snapshot = await late.snapshot();
      expect(snapshot.sort((x, y) => x.targetId.localeCompare(y.targetId))).toEqual([second, first]);
    });

    it('keeps the newest decision on a target: one published late with an older time does not undo it', async () => {
      const a = await open('a');
      const b = await open('b');
      a.publish(ejection('a'));
      b.publish(readmission('b', 1000));
      await eventually(async () => (await a.snapshot())[0]?.state.state === 'in_rotation');
      a.publish(ejection('a', dead, 500));
      await settle();
      const snapshot = await b.snapshot();
      expect(snapshot).toHaveLength(1);
      expect(snapshot[0]).toMatchObject({ by: 'b', state: { state: 'in_rotation' } });
    });

    it('lets decisions lapse once their time has passed: an ejection after until + grace, others after retention', async () => {
      const a = await open('a');
      const b = await open('b');
      const ejected = ejection('a');
      a.publish(ejected);
      await eventually(async () => (await b.snapshot()).length === 1);
      if (ejected.state.state !== 'ejected') throw new Error('unreachable');
      clock.advance(ejected.state.until - clock.now() + RETENTION.graceMs - 1);
      expect(await b.snapshot()).toHaveLength(1); // ended, but its checks may still be running
      clock.advance(1);
      expect(await b.snapshot()).toEqual([]);

      a.publish(readmission('a'));
      await eventually(async () => (await b.snapshot()).length === 1);
      clock.advance(RETENTION.retainMs);
      expect(await b.snapshot()).toEqual([]);
      a.publish(ejection('a', dead, -40_000)); // already over when published: nothing to tell
      await settle();
      expect(await b.snapshot()).toEqual([]);
    });

    it('grants a lease to one replica at a time, renews it for its holder, and lets it expire', async () => {
      const a = await open('a');
      const b = await open('b');
      expect(await a.lease('check:dead', 10_000)).toBe(true);
      expect(await b.lease('check:dead', 10_000)).toBe(false);
      expect(await b.lease('check:other', 10_000)).toBe(true);
      clock.advance(9_000);
      expect(await a.lease('check:dead', 10_000)).toBe(true); // renewed: now good until 19 s
      clock.advance(9_000);
      expect(await b.lease('check:dead', 10_000)).toBe(false);
      clock.advance(1_001);
      expect(await b.lease('check:dead', 10_000)).toBe(true);
      expect(await a.lease('check:dead', 10_000)).toBe(false);
    });

    it('while the store is away: decisions wait, leases are granted to all, status says so; then it catches up', async () => {
      const outage = fixture.outage;
      if (!outage) throw new Error('a shared store must let the suite take its backend away');
      const a = await open('a');
      const b = await open('b');
      expect(await a.lease('check:dead', 60_000)).toBe(true);
      await outage.begin();
      await eventually(() => !a.status().ok && !b.status().ok);
      expect(a.status().detail).toBeTruthy();
      const change = ejection('a');
      a.publish(change);
      expect(a.status()).toMatchObject({ ok: false, queued: 1 });
      expect(await b.lease('check:dead', 60_000)).toBe(true);
      expect(await a.lease('check:dead', 60_000)).toBe(true);
      await expect(b.snapshot()).rejects.toThrow();

      await outage.end();
      await eventually(() => a.status().ok && b.status().ok, 15_000);
      await eventually(async () => (await b.snapshot()).length === 1);
      expect(await b.snapshot()).toEqual([change]);
      expect(a.status()).toEqual({ ok: true, queued: 0 });
      // and leases are exclusive again
      expect(await a.lease('check:dead', 60_000)).toBe(true);
      expect(await b.lease('check:dead', 60_000)).toBe(false);
    });
  });
}

/** Long enough for a message on loopback to arrive, had one been sent. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}

async function eventually(condition: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
