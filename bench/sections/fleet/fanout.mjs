import { Pool, request } from 'undici';
import { HI_REQUEST } from '../../lib/canned.mjs';
import { jsonFile } from '../../lib/configs.mjs';
import { deadBuildAlias, fleetState, replicaConfig } from '../../lib/fleet-configs.mjs';
import { startReplicas, stopReplicas } from '../../lib/replicas.mjs';
import { percentile } from '../../lib/stats.mjs';

/**
 * How long an ejection takes to reach the rest of a fleet: from the moment the first replica ejects a dead build
 * (its `ejected` log line) to the moment the last other replica applies it (its `ejected_adopted` line), after which
 * it skips that build. N `aliasgate serve` replicas over one redis-server and the incident's simulator, all on this
 * machine (one clock). Each ejection is of its own alias's dead build, so one does not disturb the next; ejections
 * last 10 minutes, so no health check runs meanwhile. Twice: with the fleet otherwise idle, and with the other
 * replicas serving client traffic (2 connections each) throughout.
 */

const DEAD = 'gemini-v4p1s-rev24-ajax-sentinel';
const HEALTHY = 'gemini-3.5-flash-001';
/** An ejection not applied everywhere within this long counts as missed. */
const HEARD_WITHIN_MS = 2000;
/** Requests that may be sent to the first replica before its ejection must have happened. */
const MAX_REQUESTS = 40;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const generatePath = (alias) => `/v1beta/models/${alias}:generateContent`;

function config(name, redis, simUrl, ejections) {
  const aliases = { 'fanout-background': { targets: [{ upstream: 'sim', model: HEALTHY }] } };
  for (const row of ['idle', 'load']) {
    for (let i = 0; i < ejections; i++) aliases[`fanout-${row}-${i}`] = deadBuildAlias(HEALTHY, DEAD);
  }
  return replicaConfig({
    name,
    simUrl,
    state: fleetState(redis, 'bench-fanout:'),
    aliases,
    health: { baseEjectionMs: 600_000, maxEjectionMs: 600_000 },
  });
}

async function post(url, alias) {
  const res = await request(`${url}${generatePath(alias)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: HI_REQUEST,
  });
  await res.body.text();
}

/** One ejection on `first`: ms until every other replica applied it, or undefined when one did not within 2 s. */
async function oneFanout(first, others, alias) {
  for (let n = 0; n < MAX_REQUESTS && first.firstAt('ejected', alias) === undefined; n++) {
    await post(first.url, alias);
  }
  const ejectedAt = first.firstAt('ejected', alias);
  if (ejectedAt === undefined) return undefined;
  const giveUp = Date.now() + HEARD_WITHIN_MS;
  for (;;) {
    const heard = others.map((r) => r.firstAt('ejected_adopted', alias));
    if (heard.every((t) => t !== undefined)) return Math.max(...heard) - ejectedAt;
    if (Date.now() > giveUp) return undefined;
    await sleep(5);
  }
}

/** Client traffic on the others until `stop()`: 2 connections per replica, a healthy alias. */
function background(replicas) {
  let going = true;
  let sent = 0;
  const pools = replicas.map((r) => new Pool(r.url, { connections: 2 }));
  const loops = pools.flatMap((pool) =>
    [0, 1].map(async () => {
      while (going) {
        const res = await pool.request({
          path: generatePath('fanout-background'),
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: HI_REQUEST,
        });
        await res.body.text();
        sent++;
      }
    }),
  );
  return async () => {
    going = false;
    await Promise.allSettled(loops);
    await Promise.all(pools.map((p) => p.close()));
    return sent;
  };
}

async function row(label, replicas, ejections, log) {
  const [first, ...others] = replicas;
  const stopLoad = label === 'load' ? background(others) : undefined;
  const started = Date.now();
  const times = [];
  let missed = 0;
  try {
    for (let i = 0; i < ejections; i++) {
      const ms = await oneFanout(first, others, `fanout-${label}-${i}`);
      if (ms === undefined) missed++;
      else times.push(ms);
    }
  } finally {
    const sent = await stopLoad?.();
    if (sent !== undefined) log(`  fan-out (load): ${sent} background requests on the other replicas`);
  }
  const result = {
    label: label === 'load' ? 'others serving traffic' : 'idle',
    replicas: replicas.length,
    ejections,
    measured: times.length,
    missed,
    p50Ms: percentile(times, 50),
    p90Ms: percentile(times, 90),
    p99Ms: percentile(times, 99),
    maxMs: times.length > 0 ? Math.max(...times) : Number.NaN,
    seconds: (Date.now() - started) / 1000,
  };
  log(
    `  fan-out ${result.label}: ${result.measured}/${ejections} ejections, p50 ${result.p50Ms} ms, ` +
      `p90 ${result.p90Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms`,
  );
  return result;
}

/**
 * @param {{ url: string }} redis
 * @param {{ url: string }} sim the incident's simulator
 * @param {{ replicas: number, ejections: number }} fleet
 */
export async function measureFanout(redis, sim, fleet, log) {
  const replicas = await startReplicas(
    Array.from({ length: fleet.replicas }, (_, i) => ({
      name: `fanout r${i}`,
      configPath: jsonFile(`fleet-fanout-r${i}`, config(`r${i}`, redis, sim.url, fleet.ejections)),
    })),
  );
  try {
    // heartbeats: let every replica hear of the others before the first ejection
    await sleep(1500);
    const rows = [];
    for (const label of ['idle', 'load']) rows.push(await row(label, replicas, fleet.ejections, log));
    const failures = rows
      .filter((r) => r.missed > 0)
      .map(
        (r) =>
          `fan-out ${r.label}: ${r.missed} of ${r.ejections} ejections not applied everywhere within 2 s`,
      );
    return { failures, rows };
  } finally {
    await stopReplicas(replicas);
  }
}
