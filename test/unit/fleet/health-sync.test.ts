import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { targetId } from '../../../src/catalog/target.js';
import type { Verdict } from '../../../src/classify/verdict.js';
import { ManualClock } from '../../../src/clock.js';
import { HealthSync } from '../../../src/fleet/health-sync.js';
import { type HealthEvent, HealthTable } from '../../../src/health/health-table.js';
import { HealthHub } from '../../support/health-hub.js';
import { incidentConfig } from '../../support/stack.js';

const config = incidentConfig('http://127.0.0.1:1', { health: { maxEjectionJitterMs: 0 } });
const catalog = new Catalog(config);
const DEAD = targetId('gemini-3.5-flash', 'sim', 'gemini-v4p1s-rev24-ajax-sentinel');
const fault: Verdict = { kind: 'target_fault', reason: '404 NOT_FOUND: Model not found' };

/** One replica: its health table and its sync, wired as the gateway wires them. */
function replica(hub: HealthHub, clock: ManualClock, name: string) {
  const health = new HealthTable({
    policy: config.health,
    clock,
    random: { next: () => 0 },
    groups: catalog.groups(),
    replica: name,
  });
  const events: HealthEvent[] = [];
  const sync: HealthSync = new HealthSync({
    store: hub.open(),
    health,
    catalog: () => catalog,
    clock,
    replica: name,
    onEvents(list) {
      events.push(...list);
      sync.publish(list);
    },
  });
  sync.start();
  const record = (verdict: Verdict) => {
    const list = health.record(DEAD, verdict);
    events.push(...list);
    sync.publish(list);
  };
  return { health, sync, events, record, out: () => !health.available(DEAD, clock.now()) };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('HealthSync: the fleet’s view of a target', () => {
  it("applies A's ejection on B at once, marked as A's, and sends nothing back", async () => {
    const clock = new ManualClock();
    const hub = new HealthHub(clock, { graceMs: 20_000, retainMs: 300_000 });
    const a = replica(hub, clock, 'host-a:1');
    const b = replica(hub, clock, 'host-b:1');
    for (let i = 0; i < 3; i++) a.record(fault);
    expect(a.out()).toBe(true);
    expect(b.out()).toBe(true);
    expect(b.events).toMatchObject([{ type: 'ejected', targetId: DEAD, by: 'host-a:1' }]);
    expect(b.health.state(DEAD)).toMatchObject({ state: 'ejected', by: 'host-a:1' });
    expect(hub.published.map((c) => c.by)).toEqual(['host-a:1']);
  });

  it('brings a replica that starts late, or missed the message, up to date from the stored decisions', async () => {
    const clock = new ManualClock();
    const hub = new HealthHub(clock, { graceMs: 20_000, retainMs: 300_000 });
    const a = replica(hub, clock, 'host-a:1');
    for (let i = 0; i < 3; i++) a.record(fault);
    const late = replica(hub, clock, 'host-c:1');
    await settle();
    expect(late.out()).toBe(true);

    // B is cut off while A re-admits the target; it learns it at its next read once the store is back
    const b = replica(hub, clock, 'host-b:1');
    await settle();
    expect(b.out()).toBe(true);
    hub.down = true;
    clock.advance(30_000);
    a.health.tick();
    a.health.dueForCheck();
    a.sync.publish(a.health.recordCheck(DEAD, true, 'ok'));
    a.sync.publish(a.health.recordCheck(DEAD, true, 'ok'));
    expect(a.out()).toBe(false);
    expect(b.out()).toBe(true);
    hub.down = false;
    clock.advance(1000); // the sync's timer sees the store back and reads
    await settle();
    expect(b.out()).toBe(false);
    expect(b.events.at(-1)).toMatchObject({ type: 'readmitted', by: 'host-a:1' });
  });

  it('ignores a decision older than the one it holds', async () => {
    const clock = new ManualClock();
    const hub = new HealthHub(clock, { graceMs: 20_000, retainMs: 300_000 });
    const b = replica(hub, clock, 'host-b:1');
    const sender = hub.open();
    const at = clock.now();
    sender.publish({
      targetId: DEAD,
      by: 'host-a:1',
      at,
      state: { state: 'in_rotation', ejections: 1, since: at },
    });
    sender.publish({
      targetId: DEAD,
      by: 'host-c:1',
      at: at - 5_000,
      state: {
        state: 'ejected',
        since: at - 5_000,
        until: at + 25_000,
        ejections: 1,
        reason: 'old',
        outSince: at,
      },
    });
    await settle();
    expect(b.out()).toBe(false);
  });

  it('ignores decisions about targets this replica does not have', async () => {
    const clock = new ManualClock();
    const hub = new HealthHub(clock, { graceMs: 20_000, retainMs: 300_000 });
    const b = replica(hub, clock, 'host-b:1');
    const other = targetId('another-alias', 'sim', 'm');
    const now = clock.now();
    hub.open().publish({
      targetId: other,
      by: 'host-a:1',
      at: now,
      state: { state: 'ejected', since: now, until: now + 30_000, ejections: 1, reason: 'x', outSince: now },
    });
    expect(b.events).toEqual([]);
    expect(b.health.available(other, now)).toBe(true);
  });
});
