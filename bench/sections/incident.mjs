import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { parse } from 'yaml';
import { HI_REQUEST } from '../lib/canned.mjs';
import { gatewayConfig, jsonFile } from '../lib/configs.mjs';
import { latencies, runLoad } from '../lib/load.mjs';
import { percentile } from '../lib/stats.mjs';
import { startGateway, startSim } from '../lib/upstream.mjs';

/**
 * Incident (issue §2): the simulator's incident scenario (scenarios/incident.yaml: 68% of gemini-3.5-flash's
 * calls land on a dead build) with a fixed build latency, and the same traffic sent four ways: direct to the
 * alias (what clients suffer today), direct to a healthy build (the best case), through aliasgate in provider
 * mode (targets are the builds) and in client mode (the one target is the provider's alias; fallback
 * gemini-flash-latest). Every answer is classified; each gateway run is split at the moment of ejection (the
 * end of the last request that needed more than one upstream attempt).
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const ALIAS = 'gemini-3.5-flash';
const HEALTHY = 'gemini-3.5-flash-001';
const DEAD = 'gemini-v4p1s-rev24-ajax-sentinel';
const FALLBACK = 'gemini-flash-latest';
const CONCURRENCY = 8;

/** The incident as the simulator ships it, with every build answering after `latencyMs`. */
function incidentScenario(latencyMs) {
  const scenario = parse(readFileSync(join(HERE, '..', '..', 'scenarios', 'incident.yaml'), 'utf8'));
  return { ...scenario, defaults: { ...(scenario.defaults ?? {}), latency: { ms: latencyMs } } };
}

const MODES = {
  provider: {
    [ALIAS]: {
      targets: [
        { upstream: 'sim', model: HEALTHY, weight: 32 },
        { upstream: 'sim', model: DEAD, weight: 68 },
      ],
      fallback: [FALLBACK],
    },
    [FALLBACK]: { targets: [{ upstream: 'sim', model: FALLBACK }] },
  },
  client: {
    [ALIAS]: { targets: [{ upstream: 'sim', model: ALIAS }], fallback: [FALLBACK] },
    [FALLBACK]: { targets: [{ upstream: 'sim', model: FALLBACK }] },
  },
};

async function simCall(sim, method, path) {
  const res = await request(`${sim.url}${path}`, { method });
  return res.body.json();
}

function phase(records) {
  const lat = latencies(records);
  return {
    requests: records.length,
    failureRate: records.filter((r) => !r.ok).length / Math.max(1, records.length),
    attemptsPerRequest: records.reduce((sum, r) => sum + r.attempts, 0) / Math.max(1, records.length),
    p50Ms: percentile(lat, 50),
    p99Ms: percentile(lat, 99),
  };
}

/** Splits a gateway run where the last multi-attempt request ended: from then on, no retry was needed. */
function splitAtEjection(records) {
  let last = -1;
  records.forEach((r, i) => {
    if (r.attempts > 1) last = i;
  });
  if (last < 0) return { ejectedAfter: 0, ejectedAtMs: 0, before: [], after: records };
  const at = records[last].endMs;
  return {
    ejectedAfter: last + 1,
    ejectedAtMs: at,
    before: records.filter((r) => r.startMs <= at),
    after: records.filter((r) => r.startMs > at),
  };
}

async function measure(sim, name, kind, url, model, total) {
  await simCall(sim, 'POST', '/_sim/reset-stats');
  const records = await runLoad({
    url,
    path: `/v1beta/models/${model}:generateContent`,
    body: HI_REQUEST,
    total,
    concurrency: CONCURRENCY,
  });
  const stats = await simCall(sim, 'GET', '/_sim/stats');
  const all = phase(records);
  const result = {
    name,
    kind,
    ...all,
    // the simulator's own count: every upstream call, retries and fallbacks included
    attemptsPerRequest: stats.requests.total / records.length,
    headerAttemptsPerRequest: all.attemptsPerRequest,
    byBuild: stats.requests.byBuild,
  };
  if (kind !== 'aliasgate') return result;
  const split = splitAtEjection(records);
  return {
    ...result,
    ejectedAfter: split.ejectedAfter,
    ejectedAtMs: split.ejectedAtMs,
    before: phase(split.before),
    after: phase(split.after),
    servedByFallback: records.filter((r) => r.fallback).length,
  };
}

export async function run(_env, opts, log) {
  const total = opts.incidentRequests;
  const sim = await startSim(jsonFile('incident-scenario', incidentScenario(opts.incidentLatencyMs)));
  const failures = [];
  const modes = [];
  try {
    modes.push(await measure(sim, `direct → ${ALIAS} (the alias)`, 'direct', sim.url, ALIAS, total));
    modes.push(
      await measure(sim, `direct → ${HEALTHY} (a healthy build)`, 'direct', sim.url, HEALTHY, total),
    );
    for (const [mode, aliases] of Object.entries(MODES)) {
      const gateway = await startGateway(
        jsonFile(`incident-${mode}`, gatewayConfig({ sim: sim.url }, aliases)),
      );
      try {
        modes.push(await measure(sim, `aliasgate ${mode} mode`, 'aliasgate', gateway.url, ALIAS, total));
      } finally {
        await gateway.stop();
      }
    }
  } finally {
    await sim.stop();
  }
  const healthy = modes[1];
  for (const m of modes) {
    if (m.kind === 'aliasgate') {
      m.afterVsHealthyP50 = m.after.p50Ms / healthy.p50Ms;
      m.afterVsHealthyP99 = m.after.p99Ms / healthy.p99Ms;
      if (m.failureRate > 0)
        failures.push(`${m.name}: ${(m.failureRate * 100).toFixed(2)}% of requests failed`);
    }
    log(
      `  ${m.name.padEnd(40)} failures ${(m.failureRate * 100).toFixed(1).padStart(5)}%  calls/req ${m.attemptsPerRequest.toFixed(3)}  ` +
        `p50 ${m.p50Ms.toFixed(1)} ms  p99 ${m.p99Ms.toFixed(1)} ms${m.ejectedAfter !== undefined ? `  ejected after ${m.ejectedAfter} req` : ''}`,
    );
  }
  if (healthy.failureRate > 0) failures.push('direct to a healthy build failed: the simulator is broken');
  return { failures, requests: total, concurrency: CONCURRENCY, latencyMs: opts.incidentLatencyMs, modes };
}
