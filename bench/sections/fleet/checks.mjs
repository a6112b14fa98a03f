import { request } from 'undici';
import { HI_REQUEST } from '../../lib/canned.mjs';
import { jsonFile } from '../../lib/configs.mjs';
import { deadBuildAlias, fleetState, replicaConfig } from '../../lib/fleet-configs.mjs';
import { startReplicas, stopReplicas } from '../../lib/replicas.mjs';
import { startSim } from '../../lib/upstream.mjs';

/**
 * What an ejected build costs in health checks, fleet-wide: once a dead build is out and no client traffic flows,
 * how many requests the simulator receives for it per minute from one replica, from N replicas sharing one Redis
 * (checks are leased: one replica checks, the others adopt its outcome), and from N replicas each on its own (no
 * Redis: each checks for itself). Every setup has its own dead model on one simulator, so all three run in the same
 * window and the count is the simulator's, per model. Short ejections make the checks frequent enough to count.
 */

/** Every failed check ejects again for 1 s (base = max, no jitter); checks are looked for every 500 ms. */
export const CHECK_HEALTH = {
  baseEjectionMs: 1000,
  maxEjectionMs: 1000,
  maxEjectionJitterMs: 0,
  healthCheck: { intervalMs: 500, timeoutMs: 2000, healthyThreshold: 2 },
};
const HEALTHY = 'bench-healthy';
const ALIAS = 'checked';
const MAX_REQUESTS = 40;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function scenario(setups) {
  const models = { [HEALTHY]: {} };
  for (const s of setups)
    models[s.dead] = { builds: [{ name: `${s.dead}-build`, behaviour: { kind: 'dead' } }] };
  return { models };
}

function plan(n) {
  return [
    { key: 'one', label: '1 replica, Redis', replicas: 1, redis: true, dead: 'bench-dead-one' },
    { key: 'fleet', label: `${n} replicas, one Redis`, replicas: n, redis: true, dead: 'bench-dead-fleet' },
    { key: 'alone', label: `${n} replicas, no Redis`, replicas: n, redis: false, dead: 'bench-dead-alone' },
  ];
}

async function startSetup(setup, redis, simUrl) {
  const state = fleetState(setup.redis ? redis : undefined, `bench-checks-${setup.key}:`);
  const replicas = await startReplicas(
    Array.from({ length: setup.replicas }, (_, i) => ({
      name: `checks ${setup.key} r${i}`,
      configPath: jsonFile(
        `fleet-checks-${setup.key}-r${i}`,
        replicaConfig({
          name: `${setup.key}-r${i}`,
          simUrl,
          state,
          aliases: { [ALIAS]: deadBuildAlias(HEALTHY, setup.dead) },
          health: CHECK_HEALTH,
        }),
      ),
    })),
  );
  return { ...setup, processes: replicas };
}

const out = (replica) =>
  replica.firstAt('ejected', ALIAS) !== undefined || replica.firstAt('ejected_adopted', ALIAS) !== undefined;

/**
 * Client traffic until the dead build is out everywhere: on the first replica only when they share Redis (the others
 * adopt its ejection), on each when each is on its own. Then no more traffic.
 */
async function ejectEverywhere(setup) {
  const senders = setup.redis ? setup.processes.slice(0, 1) : setup.processes;
  for (const replica of senders) {
    for (let n = 0; n < MAX_REQUESTS && replica.firstAt('ejected', ALIAS) === undefined; n++) {
      const res = await request(`${replica.url}/v1beta/models/${ALIAS}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: HI_REQUEST,
      });
      await res.body.text();
    }
  }
  for (let wait = 0; wait < 200 && !setup.processes.every(out); wait++) await sleep(10);
  if (!setup.processes.every(out))
    throw new Error(`${setup.label}: the dead build is not out on every replica`);
}

async function requestsByModel(sim) {
  const res = await request(`${sim.url}/_sim/stats`);
  return (await res.body.json()).requests.byModel;
}

/** Health-check lines each replica logged about `model` within [from, to]. */
function checksLogged(setup, from, to) {
  return setup.processes.map(
    (r) =>
      r.events.filter(
        (e) => e.event === 'health_check' && e.model === setup.dead && e.time >= from && e.time <= to,
      ).length,
  );
}

/**
 * @param {{ url: string }} redis
 * @param {{ replicas: number, checkSeconds: number }} fleet
 */
export async function measureChecks(redis, fleet, log) {
  const setups = plan(fleet.replicas);
  const sim = await startSim(jsonFile('fleet-checks-scenario', scenario(setups)));
  const running = [];
  try {
    for (const s of setups) running.push(await startSetup(s, redis, sim.url));
    await sleep(1500); // heartbeats
    await Promise.all(running.map(ejectEverywhere));
    log(`  checks: the dead builds are out; ${fleet.checkSeconds} s without client traffic`);
    const before = await requestsByModel(sim);
    const from = Date.now();
    await sleep(fleet.checkSeconds * 1000);
    const after = await requestsByModel(sim);
    const to = Date.now();
    const minutes = (to - from) / 60_000;
    const rows = running.map((s) => {
      const checks = (after[s.dead] ?? 0) - (before[s.dead] ?? 0);
      return {
        key: s.key,
        label: s.label,
        replicas: s.replicas,
        checks,
        perMinute: checks / minutes,
        perReplicaLogged: checksLogged(s, from, to),
      };
    });
    for (const r of rows) {
      log(
        `  checks ${r.label}: ${r.checks} in ${(minutes * 60).toFixed(1)} s = ${r.perMinute.toFixed(1)}/min`,
      );
    }
    return { failures: [], windowSeconds: minutes * 60, health: CHECK_HEALTH, rows };
  } finally {
    for (const s of running) await stopReplicas(s.processes);
    await sim.stop();
  }
}
