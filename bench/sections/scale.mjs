import { readFileSync } from 'node:fs';
import { Pool, request } from 'undici';
import { HI_REQUEST, inlineDataRequest } from '../lib/canned.mjs';
import { aliasName, gatewayConfig, jsonFile, manyAliases, manyTargets } from '../lib/configs.mjs';
import { latencies, runLoad } from '../lib/load.mjs';
import { measured } from '../lib/measure.mjs';
import { cpuMicros, rssKb } from '../lib/proc.mjs';
import { median, percentile, rotate } from '../lib/stats.mjs';
import { startFloor, startGateway, startSim } from '../lib/upstream.mjs';
import { bodyFile, runWrk } from '../lib/wrk.mjs';

/**
 * Scale (issue §3): how aliasgate's cost grows with the number of aliases, targets per alias, the request body
 * size and the number of open SSE streams. Each gateway under test is its own process; cost is CPU per request
 * from /proc and memory from /proc and from the gateway's own process.memoryUsage() after GC (over IPC).
 */

const PATH = (model) => `/v1beta/models/${model}:generateContent`;
const MB = 1024 * 1024;

/** Interleaved wrk rounds over gateways that differ in one dimension; medians per gateway. */
async function interleaved(cases, opts, log, label) {
  const bodyPath = bodyFile(HI_REQUEST);
  const runs = new Map(cases.map((c) => [c.count, []]));
  for (const c of cases) {
    await runWrk({ url: c.gateway.url, path: PATH(c.alias), bodyPath, connections: 32, seconds: 1 });
  }
  const failures = [];
  for (let round = 0; round < opts.rounds; round++) {
    for (const c of rotate(cases, round)) {
      const m = await measured({ proxy: [c.gateway.pid] }, () =>
        runWrk({
          url: c.gateway.url,
          path: PATH(c.alias),
          bodyPath,
          connections: 32,
          seconds: opts.scaleSeconds,
        }),
      );
      if (m.result.failed > 0) failures.push(`${label} ${c.count}: ${JSON.stringify(m.result.errors)}`);
      runs
        .get(c.count)
        .push({ rps: m.result.rps, cpu: m.proxy.cpuUs / m.result.requests, rss: m.proxy.rssKb / 1024 });
      log(
        `  round ${round + 1} ${label} ${String(c.count).padStart(6)}: ${m.result.rps.toFixed(0)} req/s, ${(m.proxy.cpuUs / m.result.requests).toFixed(1)} µs/req`,
      );
    }
  }
  const rows = cases.map((c) => {
    const r = runs.get(c.count);
    return {
      count: c.count,
      rps: median(r.map((x) => x.rps)),
      cpuUsPerRequest: median(r.map((x) => x.cpu)),
      rssMb: Math.max(...r.map((x) => x.rss)),
      startupMs: c.gateway.info.configMs,
    };
  });
  return { rows, failures };
}

async function aliasCount(env, opts, log) {
  const counts = [1, 100, 1000, 10_000];
  const cases = [];
  try {
    for (const count of counts) {
      const config = gatewayConfig({ static: env.upstream.url }, manyAliases(count));
      const gateway = await startGateway(jsonFile(`aliases-${count}`, config), {
        name: `aliasgate ${count} aliases`,
      });
      // the last alias in config order: a lookup that walked the list would pay the most here
      cases.push({ count, gateway, alias: aliasName(count - 1) });
    }
    return await interleaved(cases, opts, log, 'aliases');
  } finally {
    for (const c of cases) await c.gateway.stop();
  }
}

async function targetCount(env, opts, log) {
  const counts = [1, 10, 100];
  const aliases = Object.assign({}, ...counts.map((n) => manyTargets(`targets-${n}`, n)));
  const gateway = await startGateway(
    jsonFile('targets', gatewayConfig({ static: env.upstream.url }, aliases)),
  );
  try {
    const cases = counts.map((count) => ({ count, gateway, alias: `targets-${count}` }));
    return await interleaved(cases, opts, log, 'targets');
  } finally {
    await gateway.stop();
  }
}

/** RSS, heap and external memory of the gateway after a full GC, MB. */
async function memoryAfterGc(gateway) {
  const { memory } = await gateway.ask({ type: 'memory' });
  return {
    rssMb: rssKb([gateway.pid]) / 1024,
    heapMb: memory.heapUsed / MB,
    externalMb: (memory.external + memory.arrayBuffers) / MB,
  };
}

/**
 * Body sizes through a fresh process each (so retained memory of one size does not hide in the next one's
 * baseline): warm the JIT with small requests, take RSS after GC, then send the large bodies and watch the peak.
 * The floor proxy gets the same treatment as a reference for what reading and resending a body costs in Node.
 */
async function bodySizes(env, _opts, log) {
  const sizes = [
    { label: '1 KB', bytes: 1024 },
    { label: '64 KB', bytes: 64 * 1024 },
    { label: '1 MB', bytes: MB },
    { label: '20 MB', bytes: 20 * 1000 * 1000 },
  ];
  const concurrency = 4;
  const config = gatewayConfig(
    { static: env.upstream.url },
    { 'gemini-bench': { targets: [{ upstream: 'static', model: 'gemini-bench-001' }] } },
  );
  const configPath = jsonFile('bodies', config);
  const proxies = {
    aliasgate: { start: () => startGateway(configPath), model: 'gemini-bench' },
    floor: { start: () => startFloor(env.upstream.url), model: 'gemini-bench-001' },
  };
  const warmBody = bodyFile(HI_REQUEST);
  const rows = [];
  const failures = [];
  for (const size of sizes) {
    const body = inlineDataRequest(size.bytes);
    // ~200 MB through the proxy per size, at least 16 requests, at most 2000
    const total = Math.min(2000, Math.max(16, Math.round((200 * MB) / body.length)));
    for (const [name, proxy] of Object.entries(proxies)) {
      const server = await proxy.start();
      try {
        const path = PATH(proxy.model);
        await runWrk({ url: server.url, path, bodyPath: warmBody, connections: 32, seconds: 2 });
        const before = await memoryAfterGc(server);
        // a forced GC throws away optimised code: re-warm with small bodies, so the run pays for its body only
        await runLoad({ url: server.url, path, body: HI_REQUEST, total: 3000, concurrency });
        before.rssMb = rssKb([server.pid]) / 1024;
        const m = await measured({ proxy: [server.pid] }, () =>
          runLoad({ url: server.url, path, body, total, concurrency }),
        );
        const after = await memoryAfterGc(server);
        const failed = m.result.filter((r) => !r.ok).length;
        if (failed > 0)
          failures.push(
            `body ${size.label} via ${name}: ${failed} of ${total} failed (HTTP ${m.result.find((r) => !r.ok).status})`,
          );
        const peakMb = m.proxy.peakRssKb / 1024;
        const inFlight = concurrency * body.length;
        rows.push({
          label: size.label,
          proxy: name,
          bytes: body.length,
          requests: total,
          concurrency,
          cpuUsPerRequest: m.proxy.cpuUs / total,
          cpuUsPerMb: m.proxy.cpuUs / ((total * body.length) / MB),
          rssBeforeMb: before.rssMb,
          peakRssMb: peakMb,
          rssAfterMb: after.rssMb,
          heapBeforeMb: before.heapMb,
          heapAfterMb: after.heapMb,
          // peak growth over the bytes held at once (one body per request in flight): 1 means each body is held
          // once; only meaningful when the bodies in flight dwarf the noise of a few MB
          bufferFactor: inFlight >= 4 * MB ? ((peakMb - before.rssMb) * MB) / inFlight : Number.NaN,
          p50Ms: percentile(latencies(m.result), 50),
        });
        log(
          `  body ${size.label.padEnd(6)} ${name.padEnd(9)}: ${total} req, ${(m.proxy.cpuUs / total).toFixed(0)} µs/req, rss ${before.rssMb.toFixed(1)} → peak ${peakMb.toFixed(1)} → ${after.rssMb.toFixed(1)} MB`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  return { rows, failures };
}

/** Soft limit on open files of this process: each held stream costs the client one. */
function openFileLimit() {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3]) || 1024;
}

/** Opens `count` SSE streams through the gateway and resolves once each has had its first event. */
async function holdStreams(url, count) {
  const pool = new Pool(url, { connections: count, headersTimeout: 120_000, bodyTimeout: 120_000 });
  const open = Array.from({ length: count }, async () => {
    const res = await pool.request({
      path: '/v1beta/models/gemini-slow:streamGenerateContent?alt=sse',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: HI_REQUEST,
    });
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${await res.body.text()}`);
    await new Promise((resolve, reject) => {
      res.body.once('data', resolve);
      res.body.once('error', reject);
    });
    res.body.on('data', () => {});
    res.body.on('error', () => {});
  });
  return { pool, opened: Promise.all(open) };
}

async function waitUntilIdle(sim, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const stats = await (await request(`${sim.url}/_sim/stats`)).body.json();
    if (stats.openRequests === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function openStreams(_env, opts, log) {
  const limit = openFileLimit();
  const counts = opts.streamCounts.filter((n) => n * 1 + 200 <= limit);
  if (counts.length < opts.streamCounts.length)
    log(`  ulimit -n is ${limit}: stream counts above ${limit - 200} skipped`);
  // 20 events 1.5 s apart: a stream stays open half a minute unless the client leaves first (we do, after measuring)
  const scenario = {
    models: {
      'gemini-slow': { builds: [{ name: 'gemini-slow-001', streamChunks: 20, chunkIntervalMs: 1500 }] },
    },
  };
  const sim = await startSim(jsonFile('slow-streams', scenario));
  const most = Math.max(...counts);
  const gateway = await startGateway(
    jsonFile(
      'streams',
      gatewayConfig(
        { sim: sim.url },
        { 'gemini-slow': { targets: [{ upstream: 'sim', model: 'gemini-slow' }] } },
        { connections: most + 100 },
      ),
    ),
  );
  const rows = [];
  const failures = [];
  try {
    // warm-up: the first streams pay for code and pool growth that later ones reuse
    const warm = await holdStreams(gateway.url, Math.min(100, most));
    await warm.opened.catch(() => {});
    await warm.pool.destroy();
    await waitUntilIdle(sim);
    for (const streams of counts) {
      const before = await memoryAfterGc(gateway);
      const cpuBefore = cpuMicros(gateway.pid);
      const started = performance.now();
      const { pool, opened } = await holdStreams(gateway.url, streams);
      try {
        await opened;
        const openMs = performance.now() - started;
        const cpuUs = cpuMicros(gateway.pid) - cpuBefore;
        const held = await memoryAfterGc(gateway);
        const kb = (mb) => (mb * 1024) / streams;
        rows.push({
          streams,
          openMs,
          heapKbPerStream: kb(held.heapMb - before.heapMb),
          externalKbPerStream: kb(held.externalMb - before.externalMb),
          rssKbPerStream: kb(held.rssMb - before.rssMb),
          heapMb: held.heapMb,
          rssMb: held.rssMb,
          cpuUsPerStream: cpuUs / streams,
        });
        log(
          `  ${String(streams).padStart(5)} streams open in ${openMs.toFixed(0)} ms: heap +${kb(held.heapMb - before.heapMb).toFixed(1)} KB/stream`,
        );
      } catch (error) {
        failures.push(`${streams} streams: ${error.message}`);
      } finally {
        await pool.destroy();
      }
      await waitUntilIdle(sim);
    }
  } finally {
    await gateway.stop();
    await sim.stop();
  }
  return { rows, failures };
}

export async function run(env, opts, log) {
  const out = { failures: [] };
  const parts = [
    ['aliases', aliasCount],
    ['targets', targetCount],
    ['bodies', bodySizes],
    ['streams', openStreams],
  ];
  for (const [name, part] of parts) {
    if (opts.scaleParts && !opts.scaleParts.includes(name)) continue;
    log(` -- ${name}`);
    try {
      const { rows, failures } = await part(env, opts, log);
      out[name] = rows;
      out.failures.push(...failures);
    } catch (error) {
      out.failures.push(`${name}: ${error.stack ?? error.message}`);
    }
  }
  return out;
}
