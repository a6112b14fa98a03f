import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HI_REQUEST } from '../lib/canned.mjs';
import { gatewayConfig, jsonFile, singleTarget } from '../lib/configs.mjs';
import { summarizeProfile } from '../lib/cpu-profile.mjs';
import { measured } from '../lib/measure.mjs';
import { launch } from '../lib/processes.mjs';
import { BENCH, SERVERS } from '../lib/upstream.mjs';
import { bodyFile, runWrk } from '../lib/wrk.mjs';

/**
 * Profile (issue §4): one `node --cpu-prof` run of aliasgate in the overhead case (wrk c=32, generateContent),
 * and the same of the floor proxy for reference, so that what aliasgate adds stands out from what any Node proxy
 * pays. Only the samples of the measured run count (not start-up or warm-up): the window is taken with the
 * orchestrator's monotonic clock, which is the profile's clock too.
 */

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function profileOne(name, script, args, path, opts) {
  const dir = mkdtempSync(join(tmpdir(), `aliasgate-bench-prof-${name}-`));
  const server = await launch(script, args, {
    name: `${name} --cpu-prof`,
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250'],
  });
  const bodyPath = bodyFile(HI_REQUEST);
  let m;
  let window;
  try {
    await runWrk({ url: server.url, path, bodyPath, connections: 32, seconds: Math.min(2, opts.seconds) });
    const start = monotonicUs();
    m = await measured({ proxy: [server.pid] }, () =>
      runWrk({ url: server.url, path, bodyPath, connections: 32, seconds: opts.seconds }),
    );
    window = [start, monotonicUs()];
  } finally {
    await server.stop(15_000);
  }
  try {
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`${name}: no .cpuprofile was written`);
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const cpuUsPerRequest = m.proxy.cpuUs / m.result.requests;
    return {
      name,
      failed: m.result.failed,
      requests: m.result.requests,
      rps: m.result.rps,
      totalCpuUsPerRequest: cpuUsPerRequest,
      ...summarizeProfile(profile, { top: 25, cpuUsPerRequest, window }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(env, opts, log) {
  const config = gatewayConfig(
    { static: env.upstream.url },
    singleTarget('gemini-bench', 'static', 'gemini-bench-001'),
  );
  const gateway = await profileOne(
    'aliasgate',
    join(SERVERS, 'gateway.mjs'),
    [jsonFile('profile', config), '1'],
    '/v1beta/models/gemini-bench:generateContent',
    opts,
  );
  const floor = await profileOne(
    'floor',
    join(BENCH, 'floor-proxy.mjs'),
    [env.upstream.url],
    '/v1beta/models/gemini-bench-001:generateContent',
    opts,
  );
  for (const p of [gateway, floor]) {
    log(
      `  ${p.name}: ${p.requests} requests, ${p.rps.toFixed(0)} req/s, ${p.totalCpuUsPerRequest.toFixed(1)} µs/req under the profiler, ${p.busySamples} busy samples`,
    );
  }
  const failures = [gateway, floor]
    .filter((p) => p.failed > 0)
    .map((p) => `${p.name} profile run had errors`);
  return { failures, ...gateway, floor };
}
