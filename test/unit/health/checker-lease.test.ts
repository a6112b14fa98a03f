import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { targetId } from '../../../src/catalog/target.js';
import { ManualClock } from '../../../src/clock.js';
import { HealthChecker } from '../../../src/health/checker.js';
import { HealthTable } from '../../../src/health/health-table.js';
import { Upstreams } from '../../../src/upstream/pools.js';
import { INCIDENT, useSim } from '../../support/sim.js';
import { incidentConfig } from '../../support/stack.js';

const sim = useSim();
const DEAD = targetId(INCIDENT.alias, 'sim', INCIDENT.deadBuild);
let upstreams: Upstreams | undefined;
afterEach(() => upstreams?.close());

/** A replica whose dead build's ejection has just ended: its health checks are due. */
function replicaWithCheckDue(lease: () => Promise<boolean>) {
  const config = incidentConfig(sim().url, { health: { maxEjectionJitterMs: 0 } });
  const catalog = new Catalog(config);
  const clock = new ManualClock();
  const health = new HealthTable({
    policy: config.health,
    clock,
    random: { next: () => 0 },
    groups: catalog.groups(),
  });
  for (let i = 0; i < 3; i++) health.record(DEAD, { kind: 'target_fault', reason: '404' });
  clock.advance(config.health.baseEjectionMs);
  upstreams = new Upstreams(config.upstreams);
  const checks: boolean[] = [];
  const checker = new HealthChecker({
    health,
    live: () => ({ catalog, upstreams: upstreams! }),
    clock,
    request: config.health.healthCheck.request,
    timeoutMs: config.health.healthCheck.timeoutMs,
    tickMs: 100,
    onEvents: () => undefined,
    onCheck: (_t, ok) => checks.push(ok),
    lease,
  });
  return { checker, health, clock, checks, intervalMs: config.health.healthCheck.intervalMs };
}

describe('HealthChecker with a lease (fleet mode)', () => {
  it('sends no check while another replica holds the lease, and checks once it is granted', async () => {
    let granted = false;
    const r = replicaWithCheckDue(async () => granted);
    sim().resetStats();
    await r.checker.tick();
    expect(sim().stats().requests.byBuild[INCIDENT.deadBuild] ?? 0).toBe(0);
    expect(r.health.state(DEAD).state).toBe('checking'); // still out: the holder's outcome will come

    granted = true;
    r.clock.advance(r.intervalMs);
    await r.checker.tick();
    expect(sim().stats().requests.byBuild[INCIDENT.deadBuild]).toBe(1);
    expect(r.checks).toEqual([false]);
    expect(r.health.state(DEAD).state).toBe('ejected');
  });

  it('checks on its own when asking for the lease fails', async () => {
    const r = replicaWithCheckDue(() => Promise.reject(new Error('redis away')));
    sim().resetStats();
    await r.checker.tick();
    expect(sim().stats().requests.byBuild[INCIDENT.deadBuild]).toBe(1);
  });
});
