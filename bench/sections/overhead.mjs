import { request } from 'undici';
import { GENERATE_BODY, HI_REQUEST, STREAM_BODY } from '../lib/canned.mjs';
import {
  BENCH_ADMIN_TOKEN,
  BENCH_KEY,
  benchKeys,
  gatewayConfig,
  jsonFile,
  withClientKeys,
} from '../lib/configs.mjs';
import { runLoad } from '../lib/load.mjs';
import { measured } from '../lib/measure.mjs';
import { startNginxProxy } from '../lib/nginx.mjs';
import { checkAnswer } from '../lib/sanity.mjs';
import { median, percentile, rotate } from '../lib/stats.mjs';
import { startFloor, startGateway, startSim } from '../lib/upstream.mjs';
import { bodyFile, runWrk } from '../lib/wrk.mjs';

/**
 * Overhead (issue §1): the same wrk load sent direct to the static upstream, through nginx, through the floor
 * proxy, through aliasgate and through aliasgate with client keys ("aliasgate+keys": the same config plus keys, a
 * rate limit that is checked on every request but never bites, an alias allow-list, per-key metrics and explicit
 * listener limits; wrk presents the key), interleaved and rotated round by round; CPU per request of the proxy
 * process from /proc. Then a sequential TTFB / time-to-last-byte probe of the 20-event stream, from the static
 * upstream (all 20 events in one write) and from a simulator build that paces them (one write per event).
 */

/** Where each target sends a request for the bench model. */
const PATHS = {
  generate: (model) => `/v1beta/models/${model}:generateContent`,
  stream: (model) => `/v1beta/models/${model}:streamGenerateContent?alt=sse`,
};
const EXPECTED = { generate: GENERATE_BODY, stream: STREAM_BODY };

/** The model the static upstream is called with, and the alias clients use at aliasgate. */
const BENCH_MODEL = 'gemini-bench-001';
const BENCH_ALIAS = 'gemini-bench';
/** The simulator build that paces its 20 events; same name direct and as an alias at the gateway. */
const PACED_MODEL = 'gemini-paced';

/** The keyed gateway's target name in every table. */
export const KEYED = 'aliasgate+keys';
const WRONG_KEY = 'bench-client-key-00000000';

/** The paced stream: 20 events 1 ms apart, from the simulator (its cost is the same for every target). */
function pacedScenario() {
  return {
    models: {
      [PACED_MODEL]: { builds: [{ name: `${PACED_MODEL}-001`, streamChunks: 20, chunkIntervalMs: 1 }] },
    },
  };
}

/**
 * Starts the proxies under test in front of the static upstream (and the paced simulator when asked).
 * @returns {Promise<{ targets: object[], paced: object[], stop(): Promise<void> }>}
 */
async function startTargets(env, opts, log) {
  const started = [];
  const keep = async (promise) => {
    const server = await promise;
    started.push(server);
    return server;
  };
  try {
    const sim = opts.paced ? await keep(startSim(jsonFile('paced-scenario', pacedScenario()))) : undefined;
    const upstreams = { static: env.upstream.url, ...(sim ? { sim: sim.url } : {}) };
    const aliases = {
      [BENCH_ALIAS]: { targets: [{ upstream: 'static', model: BENCH_MODEL }] },
      ...(sim ? { [PACED_MODEL]: { targets: [{ upstream: 'sim', model: PACED_MODEL }] } } : {}),
    };
    const config = gatewayConfig(upstreams, aliases);
    const gateway = await keep(startGateway(jsonFile('overhead', config)));
    const want = new Set(opts.targets);
    const keyed = want.has(KEYED)
      ? await keep(
          startGateway(jsonFile('overhead-keys', withClientKeys(config, benchKeys(Object.keys(aliases)))), {
            name: `aliasgate (${KEYED})`,
          }),
        )
      : undefined;
    const nginx =
      env.nginx && want.has('nginx')
        ? await keep(startNginxProxy(env.nginx, [env.upstream.url, ...(sim ? [sim.url] : [])]))
        : undefined;
    const floor = want.has('floor') ? await keep(startFloor(env.upstream.url)) : undefined;
    const floorPaced = want.has('floor') && sim ? await keep(startFloor(sim.url)) : undefined;
    const target = (name, url, model, pids, apiKey) => ({ name, url, model, pids, apiKey });
    const targets = [
      target('direct', env.upstream.url, BENCH_MODEL, []),
      ...(nginx ? [target('nginx', nginx.urls[0], BENCH_MODEL, [nginx.pid])] : []),
      ...(floor ? [target('floor', floor.url, BENCH_MODEL, [floor.pid])] : []),
      target('aliasgate', gateway.url, BENCH_ALIAS, [gateway.pid]),
      ...(keyed ? [target(KEYED, keyed.url, BENCH_ALIAS, [keyed.pid], BENCH_KEY)] : []),
    ];
    const paced = sim
      ? [
          target('direct', sim.url, PACED_MODEL, []),
          ...(nginx ? [target('nginx', nginx.urls[1], PACED_MODEL, [nginx.pid])] : []),
          ...(floorPaced ? [target('floor', floorPaced.url, PACED_MODEL, [floorPaced.pid])] : []),
          target('aliasgate', gateway.url, PACED_MODEL, [gateway.pid]),
          ...(keyed ? [target(KEYED, keyed.url, PACED_MODEL, [keyed.pid], BENCH_KEY)] : []),
        ]
      : [];
    log(`  targets: ${targets.map((t) => `${t.name} ${t.url}`).join(', ')}`);
    return { targets, paced, gateway, keyed, stop: () => stopAll(started) };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/**
 * The keyed gateway's own per-key count (`aliasgate_client_requests_total{key="bench"}` on its admin /metrics):
 * proof that every measured request was admitted under the key, counted, and never rate-limited (the only other
 * result allowed is `cancelled`: wrk closes its connections with requests in flight when a cell ends).
 */
async function keyedCounts(keyed, cells, failures) {
  const res = await request(`${keyed.info.adminUrl}/metrics`, {
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` },
  });
  const text = await res.body.text();
  const byResult = {};
  for (const m of text.matchAll(/^aliasgate_client_requests_total\{([^}]*)\} (\d+)$/gm)) {
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (labels.key === 'bench') byResult[labels.result] = (byResult[labels.result] ?? 0) + Number(m[2]);
  }
  const wrkRequests = cells.filter((c) => c.target === KEYED).reduce((sum, c) => sum + c.requests, 0);
  if ((byResult.ok ?? 0) < wrkRequests)
    failures.push(
      `${KEYED}: the gateway counted ${byResult.ok ?? 0} ok requests for the bench key, wrk completed ${wrkRequests}`,
    );
  // `cancelled`: the requests in flight when wrk stops, whose clients went away; anything else would be a refusal
  const other = Object.entries(byResult).filter(
    ([result, n]) => result !== 'ok' && result !== 'cancelled' && n > 0,
  );
  if (other.length > 0)
    failures.push(`${KEYED}: requests under the bench key not ok: ${JSON.stringify(byResult)}`);
  return { byResult, wrkRequests };
}

function keyHeader(apiKey) {
  return apiKey ? { 'x-goog-api-key': apiKey } : {};
}

async function stopAll(servers) {
  for (const server of servers.reverse()) await server.stop().catch(() => {});
}

/** One wrk cell with the proxy's and the upstream's CPU around it. */
async function cell(env, target, kase, connections, seconds, bodyPath) {
  const m = await measured({ proxy: target.pids, upstream: [env.upstream.pid] }, () =>
    runWrk({
      url: target.url,
      path: PATHS[kase](target.model),
      bodyPath,
      connections,
      seconds,
      apiKey: target.apiKey,
    }),
  );
  const w = m.result;
  return {
    case: kase,
    connections,
    target: target.name,
    requests: w.requests,
    rps: w.rps,
    p50Ms: w.p50Us / 1000,
    p99Ms: w.p99Us / 1000,
    failed: w.failed,
    errors: w.errors,
    cpuUsPerRequest: target.pids.length > 0 ? m.proxy.cpuUs / w.requests : Number.NaN,
    upstreamCpuUsPerRequest: m.upstream.cpuUs / w.requests,
    upstreamCpuShare: m.upstream.cpuUs / w.durationUs,
    peakRssMb: target.pids.length > 0 ? m.proxy.peakRssKb / 1024 : Number.NaN,
  };
}

/** Sequential requests (concurrency 1): time to the first body byte and to the last, ms. */
async function probe(target, total) {
  const records = await runLoad({
    url: target.url,
    path: PATHS.stream(target.model),
    body: HI_REQUEST,
    total,
    concurrency: 1,
    headers: keyHeader(target.apiKey),
    accept: (status, text) => status === 200 && text.includes('"finishReason"'),
  });
  const ttfb = records.map((r) => r.firstByteMs - r.startMs);
  const ttlb = records.map((r) => r.endMs - r.startMs);
  return {
    target: target.name,
    failed: records.filter((r) => !r.ok).length,
    ttfbP50: percentile(ttfb, 50),
    ttfbP99: percentile(ttfb, 99),
    ttlbP50: percentile(ttlb, 50),
    ttlbP99: percentile(ttlb, 99),
  };
}

/**
 * @param {{ upstream: object, nginx?: string }} env
 * @param {{ seconds: number, warmupSeconds: number, rounds: number, concurrency: Record<string, number[]>,
 *   targets: string[], probeRequests: number, pacedRequests: number, paced: boolean }} opts
 */
export async function run(env, opts, log) {
  const failures = [];
  const servers = await startTargets(env, opts, log);
  try {
    const bodyPath = bodyFile(HI_REQUEST);
    for (const target of [...servers.targets, ...servers.paced]) {
      for (const kase of target.model === PACED_MODEL ? ['stream'] : Object.keys(opts.concurrency)) {
        const expected = target.model === PACED_MODEL ? undefined : EXPECTED[kase];
        const path = PATHS[kase](target.model);
        const wrong =
          expected && (await checkAnswer(target.url, path, HI_REQUEST, expected, keyHeader(target.apiKey)));
        if (wrong) failures.push(`sanity (${target.name}, ${kase}): ${wrong}`);
        // the keyed gateway's answers must really be authorised: without the key, or with a wrong one, the same
        // check must fail (a 403/400 that wrk counted as a success would measure the cost of refusing)
        if (target.apiKey && expected) {
          for (const [what, headers] of [
            ['no key', {}],
            ['a wrong key', keyHeader(WRONG_KEY)],
          ]) {
            if (!(await checkAnswer(target.url, path, HI_REQUEST, expected, headers)))
              failures.push(`sanity (${target.name}, ${kase}): answered with ${what}`);
          }
        }
      }
    }
    if (failures.length > 0) return { failures, cells: [], probes: [] };

    if (opts.warmupSeconds > 0) log(`  warm-up ${opts.warmupSeconds} s per target and case`);
    for (const target of opts.warmupSeconds > 0 ? servers.targets : []) {
      for (const kase of Object.keys(opts.concurrency)) {
        await runWrk({
          url: target.url,
          path: PATHS[kase](target.model),
          bodyPath,
          connections: 32,
          seconds: opts.warmupSeconds,
          apiKey: target.apiKey,
        });
      }
    }

    const cells = [];
    const probes = [];
    for (let round = 0; round < opts.rounds; round++) {
      const order = rotate(servers.targets, round);
      for (const [kase, levels] of Object.entries(opts.concurrency)) {
        for (const connections of levels) {
          for (const target of order) {
            const result = await cell(env, target, kase, connections, opts.seconds, bodyPath);
            result.round = round;
            cells.push(result);
            if (result.failed > 0) {
              failures.push(`${target.name} ${kase} c=${connections}: ${JSON.stringify(result.errors)}`);
            }
            log(
              `  round ${round + 1} ${kase.padEnd(8)} c=${String(connections).padEnd(3)} ${target.name.padEnd(14)} ` +
                `${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50Ms.toFixed(3)} ms  ` +
                `cpu ${Number.isFinite(result.cpuUsPerRequest) ? result.cpuUsPerRequest.toFixed(1) : '—'} µs/req`,
            );
          }
        }
      }
      if (opts.probeRequests > 0) {
        for (const target of order)
          probes.push({ ...(await probe(target, opts.probeRequests)), kind: 'static', round });
        for (const target of rotate(servers.paced, round)) {
          probes.push({ ...(await probe(target, opts.pacedRequests)), kind: 'paced', round });
        }
      }
    }
    for (const p of probes)
      if (p.failed > 0) failures.push(`probe ${p.kind} ${p.target}: ${p.failed} failed`);
    const keyedMetrics = servers.keyed ? await keyedCounts(servers.keyed, cells, failures) : undefined;
    return {
      failures,
      cells,
      summary: summarize(cells),
      keyRatios: keyRatios(cells),
      ...(keyedMetrics ? { keyedMetrics } : {}),
      probes,
      probeSummary: summarizeProbes(probes),
      gatewayPid: servers.gateway.pid,
    };
  } finally {
    await servers.stop();
  }
}

/** Medians over rounds per (case, concurrency, target); added latency against direct in the same round. */
export function summarize(cells) {
  const groups = new Map();
  for (const c of cells) {
    const key = `${c.case}|${c.connections}|${c.target}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  const directOf = (c) =>
    cells.find(
      (d) =>
        d.target === 'direct' && d.case === c.case && d.connections === c.connections && d.round === c.round,
    );
  return [...groups.values()].map((runs) => {
    const first = runs[0];
    const pick = (f) => median(runs.map(f));
    return {
      case: first.case,
      connections: first.connections,
      target: first.target,
      rounds: runs.length,
      rps: pick((r) => r.rps),
      p50Ms: pick((r) => r.p50Ms),
      p99Ms: pick((r) => r.p99Ms),
      addedP50Ms: pick((r) => r.p50Ms - (directOf(r)?.p50Ms ?? Number.NaN)),
      addedP99Ms: pick((r) => r.p99Ms - (directOf(r)?.p99Ms ?? Number.NaN)),
      cpuUsPerRequest: pick((r) => r.cpuUsPerRequest),
      upstreamCpuUsPerRequest: pick((r) => r.upstreamCpuUsPerRequest),
      upstreamCpuShare: pick((r) => r.upstreamCpuShare),
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
      failed: runs.reduce((sum, r) => sum + r.failed, 0),
    };
  });
}

/**
 * CPU per request of aliasgate+keys over plain aliasgate, round by round (both measured in the same round, so a
 * round's ratio is a paired comparison), per (case, concurrency), and their median.
 */
export function keyRatios(cells) {
  const out = [];
  for (const c of cells.filter((x) => x.target === KEYED)) {
    const plain = cells.find(
      (p) =>
        p.target === 'aliasgate' &&
        p.case === c.case &&
        p.connections === c.connections &&
        p.round === c.round,
    );
    if (!plain) continue;
    let row = out.find((r) => r.case === c.case && r.connections === c.connections);
    if (!row) {
      row = { case: c.case, connections: c.connections, keyedVsPlain: [] };
      out.push(row);
    }
    row.keyedVsPlain.push(c.cpuUsPerRequest / plain.cpuUsPerRequest);
  }
  for (const row of out) row.median = median(row.keyedVsPlain);
  return out;
}

function summarizeProbes(probes) {
  const out = [];
  for (const kind of ['static', 'paced']) {
    const mine = probes.filter((p) => p.kind === kind);
    for (const target of [...new Set(mine.map((p) => p.target))]) {
      const runs = mine.filter((p) => p.target === target);
      const directOf = (p) => mine.find((d) => d.target === 'direct' && d.round === p.round);
      const pick = (f) => median(runs.map(f));
      out.push({
        kind,
        target,
        ttfbP50: pick((p) => p.ttfbP50),
        ttfbP99: pick((p) => p.ttfbP99),
        ttlbP50: pick((p) => p.ttlbP50),
        ttlbP99: pick((p) => p.ttlbP99),
        addedTtfbP50: pick((p) => p.ttfbP50 - (directOf(p)?.ttfbP50 ?? Number.NaN)),
        addedTtlbP50: pick((p) => p.ttlbP50 - (directOf(p)?.ttlbP50 ?? Number.NaN)),
        addedTtlbP99: pick((p) => p.ttlbP99 - (directOf(p)?.ttlbP99 ?? Number.NaN)),
      });
    }
  }
  return out;
}
