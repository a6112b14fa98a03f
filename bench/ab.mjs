import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HI_REQUEST } from './lib/canned.mjs';
import {
  BENCH_KEY,
  benchKeys,
  jsonFile,
  singleTarget,
  UPSTREAM_CONNECTIONS,
  withClientKeys,
} from './lib/configs.mjs';
import { measured } from './lib/measure.mjs';
import { findNginx } from './lib/nginx.mjs';
import { launch } from './lib/processes.mjs';
import { median } from './lib/stats.mjs';
import { SERVERS, startFloor, startStaticUpstream } from './lib/upstream.mjs';
import { bodyFile, runWrk } from './lib/wrk.mjs';

/**
 * This build against an earlier one, in one run: both gateways and the floor proxy in front of the same static
 * upstream, wrk on each in turn (the order reversed every other round), CPU per request of each process from /proc.
 * What the overhead section cannot say — "did this commit make the request path dearer than that one" — read off
 * per-round ratios, so the machine's drift between rounds cancels out.
 *
 *   git worktree add /tmp/base <commit> && (cd /tmp/base && ln -s "$PWD/node_modules" . && npm run build)
 *   npm run build && node bench/ab.mjs /tmp/base          # AB_ROUNDS=8 AB_SECONDS=3 AB_CONNECTIONS=32
 *
 * The earlier build is started with its own bench/servers/gateway.mjs and a config any version accepts (no admin
 * section: builds before the admin listener reject it; later ones take their defaults).
 *
 *   node bench/ab.mjs --keys      # "base" is this build with the overhead section's client keys, rate limit,
 *                                 # allow-list and listener limits (wrk presents the key): what keys cost, paired
 */

const keys = process.argv[2] === '--keys';
const baseDir = keys ? undefined : process.argv[2];
/** The second gateway's name in the output: the earlier build, or this one with keys. */
const BASE = keys ? 'keyed' : 'base';
if (!keys && (!baseDir || !existsSync(join(baseDir, 'bench/servers/gateway.mjs')))) {
  console.error(
    'usage: node bench/ab.mjs <checkout of the earlier build, built> | --keys (see the comment at the top)',
  );
  process.exit(2);
}
const rounds = Number(process.env.AB_ROUNDS ?? 8);
const seconds = Number(process.env.AB_SECONDS ?? 3);
const connections = Number(process.env.AB_CONNECTIONS ?? 32);

const upstream = await startStaticUpstream(findNginx());
const config = {
  server: { host: '127.0.0.1', port: 0 },
  state: { sqlitePath: ':memory:' },
  logging: { level: 'silent' },
  upstreams: { static: { baseUrl: upstream.url, connections: UPSTREAM_CONNECTIONS } },
  aliases: singleTarget('gemini-bench', 'static', 'gemini-bench-001'),
};
// each gateway gets its own admin port: the earlier build's default (8081) and this one's must not collide
const started = [upstream];
try {
  const path = '/v1beta/models/gemini-bench:generateContent';
  const targets = [
    ['this', await keep(launch(join(SERVERS, 'gateway.mjs'), [jsonFile('ab-this', withFreeAdmin(config))]))],
    [
      BASE,
      await keep(
        keys
          ? launchKeyed()
          : launch(join(baseDir, 'bench/servers/gateway.mjs'), [jsonFile('ab-base', config)]),
      ),
    ],
    ['floor', await keep(startFloor(upstream.url))],
  ];
  const bodyPath = bodyFile(HI_REQUEST);
  const keyOf = (name) => (keys && name === BASE ? { apiKey: BENCH_KEY } : {});
  const pathOf = (name) => (name === 'floor' ? '/v1beta/models/gemini-bench-001:generateContent' : path);
  for (const [name, s] of targets)
    await runWrk({ url: s.url, path: pathOf(name), bodyPath, connections, seconds: 2, ...keyOf(name) });
  const cpu = { this: [], [BASE]: [], floor: [] };
  for (let r = 0; r < rounds; r++) {
    for (const [name, s] of r % 2 ? [...targets].reverse() : targets) {
      const m = await measured({ p: [s.pid] }, () =>
        runWrk({ url: s.url, path: pathOf(name), bodyPath, connections, seconds, ...keyOf(name) }),
      );
      if (m.result.failed > 0) throw new Error(`${name}: ${m.result.failed} requests failed`);
      cpu[name].push(m.p.cpuUs / m.result.requests);
    }
    console.log(
      `round ${r + 1}: ${Object.entries(cpu)
        .map(([k, v]) => `${k} ${v.at(-1).toFixed(1)} µs/req`)
        .join('  ')}`,
    );
  }
  const perRound = (a, b) => cpu[a].map((x, i) => x / cpu[b][i]);
  const line = (a, b) =>
    `${a} ÷ ${b}: ${median(perRound(a, b)).toFixed(2)}× (per round ${perRound(a, b)
      .map((x) => x.toFixed(2))
      .join(' ')})`;
  console.log(line('this', BASE));
  console.log(line('this', 'floor'));
  console.log(line(BASE, 'floor'));
} finally {
  for (const s of started.reverse()) await s.stop();
}

async function keep(promise) {
  const server = await promise;
  started.push(server);
  return server;
}

function launchKeyed() {
  const keyed = withClientKeys(withFreeAdmin(config), benchKeys(['gemini-bench']));
  return launch(join(SERVERS, 'gateway.mjs'), [jsonFile('ab-keyed', keyed)]);
}

function withFreeAdmin(c) {
  return { ...c, admin: { host: '127.0.0.1', port: 0 }, auth: { adminToken: 'bench-ab-token' } };
}
