import { HI_REQUEST } from '../lib/canned.mjs';
import { gatewayConfig, jsonFile, singleTarget } from '../lib/configs.mjs';
import { measured } from '../lib/measure.mjs';
import { median, rotate } from '../lib/stats.mjs';
import { startServe } from '../lib/upstream.mjs';
import { bodyFile, runWrk } from '../lib/wrk.mjs';

/**
 * Scaling over cores (the issue: "say how it scales over cores … and measure that too"): `aliasgate serve
 * --workers 1` against `--workers N` (node:cluster, N processes on one port; default N = 2, one per core here),
 * same wrk load, interleaved. CPU per request is summed over the primary and its workers. On a machine where wrk and the upstream share
 * the same cores, more workers cannot mean proportionally more throughput; the table says what it does mean here.
 */
export async function run(env, opts, log) {
  const config = jsonFile(
    'cluster',
    gatewayConfig({ static: env.upstream.url }, singleTarget('gemini-bench', 'static', 'gemini-bench-001')),
  );
  const workers = [1, Math.max(2, Number(process.env.BENCH_WORKERS ?? 2))];
  const setups = [];
  const failures = [];
  try {
    for (const n of workers) {
      const gateway = await startServe(config, n);
      setups.push({ workers: n, setup: `serve --workers ${n}`, gateway });
    }
    const bodyPath = bodyFile(HI_REQUEST);
    const path = '/v1beta/models/gemini-bench:generateContent';
    for (const s of setups)
      await runWrk({ url: s.gateway.url, path, bodyPath, connections: 128, seconds: 2 });
    const cells = [];
    for (let round = 0; round < opts.rounds; round++) {
      for (const connections of [32, 128]) {
        for (const s of rotate(setups, round)) {
          const m = await measured({ proxy: [s.gateway.pid] }, () =>
            runWrk({ url: s.gateway.url, path, bodyPath, connections, seconds: opts.scaleSeconds }),
          );
          if (m.result.failed > 0)
            failures.push(`${s.setup} c=${connections}: ${JSON.stringify(m.result.errors)}`);
          cells.push({
            workers: s.workers,
            setup: s.setup,
            connections,
            rps: m.result.rps,
            p50Ms: m.result.p50Us / 1000,
            p99Ms: m.result.p99Us / 1000,
            cpu: m.proxy.cpuUs / m.result.requests,
          });
          log(
            `  round ${round + 1} c=${connections} ${s.setup}: ${m.result.rps.toFixed(0)} req/s, ${(m.proxy.cpuUs / m.result.requests).toFixed(1)} µs/req`,
          );
        }
      }
    }
    const summary = [];
    for (const connections of [32, 128]) {
      for (const s of setups) {
        const mine = cells.filter((c) => c.workers === s.workers && c.connections === connections);
        summary.push({
          workers: s.workers,
          setup: s.setup,
          connections,
          rps: median(mine.map((c) => c.rps)),
          p50Ms: median(mine.map((c) => c.p50Ms)),
          p99Ms: median(mine.map((c) => c.p99Ms)),
          cpuUsPerRequest: median(mine.map((c) => c.cpu)),
        });
      }
    }
    return { failures, rounds: opts.rounds, cells, summary };
  } finally {
    for (const s of setups) await s.gateway.stop();
  }
}
