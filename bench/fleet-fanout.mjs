#!/usr/bin/env node
/**
 * How long an ejection takes to reach the rest of a fleet: from the moment replica A ejects a dead build (its
 * `ejected` log line) to the moment the last other replica applies it (its `ejected_adopted` line), i.e. stops
 * sending to that build. Three `aliasgate serve` processes over one redis-server and the simulator, all on this
 * machine (one clock); each run ejects the dead build of its own alias, so runs do not interfere.
 *
 *   npm run build && node bench/fleet-fanout.mjs [--runs 60] [--replicas 3] [--load]
 *
 * `--load` keeps the other replicas busy with client traffic (2 connections each) while the runs go on.
 * Needs redis-server on the PATH (or ALIASGATE_REDIS_SERVER). Prints p50, p90, p99 and max in ms.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../dist/sim/server.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(HERE, '..', 'bin', 'aliasgate.js');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = option('runs', 60);
const REPLICAS = option('replicas', 3);
const LOAD = args.includes('--load');
const DEAD = 'gemini-v4p1s-rev24-ajax-sentinel';
const BODY = JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] });

const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port === 6379 ? freePort() : port;
}

function launch(file, argv, env, ready) {
  const child = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s) => (out += s));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited ${code}: ${out}`)));
    const check = () => {
      const m = ready.exec(out);
      if (m) resolve({ child, match: m, out: () => out });
      else setTimeout(check, 20);
    };
    check();
  });
}

function config(redisUrl, simUrl) {
  const aliases = Array.from(
    { length: RUNS },
    (_, i) => `  fanout-${i}:
    targets:
      - { upstream: sim, model: gemini-3.5-flash-001, weight: 32 }
      - { upstream: sim, model: ${DEAD}, weight: 68 }`,
  ).join('\n');
  return `server: { host: 127.0.0.1, port: 0, instanceName: "\${REPLICA}" }
admin: { host: 127.0.0.1, port: 0 }
auth: { adminToken: bench }
state: { redis: { url: "${redisUrl}", keyPrefix: "fanout:" } }
logging: { level: info }
upstreams: { sim: { baseUrl: "${simUrl}" } }
aliases:
${aliases}
health: { baseEjectionMs: 600000, maxEjectionMs: 600000 }
`;
}

/** pino `time` of the first line with all of `parts`, or undefined. */
function loggedAt(text, ...parts) {
  const line = text.split('\n').find((l) => parts.every((p) => l.includes(p)));
  return line ? JSON.parse(line).time : undefined;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const redisPort = await freePort();
  const redisBinary = process.env.ALIASGATE_REDIS_SERVER ?? 'redis-server';
  spawn(
    redisBinary,
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  ).on('spawn', function () {
    children.push(this);
  });
  await sleep(300);
  const sim = await startSimulator({});
  const dir = mkdtempSync(join(tmpdir(), 'aliasgate-fanout-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, config(`redis://127.0.0.1:${redisPort}`, sim.url));
  const replicas = await Promise.all(
    Array.from({ length: REPLICAS }, (_, i) =>
      launch(process.execPath, [BIN, 'serve', '--config', file], { REPLICA: `r${i}` }, /listening on (\S+);/),
    ),
  );
  await sleep(1500); // heartbeats: every replica knows the others
  const url = (r) => r.match[1].replace(/;$/, '');
  let loading = LOAD;
  const background = LOAD
    ? replicas.slice(1).flatMap((r) =>
        [0, 1].map(async () => {
          while (loading) {
            const res = await fetch(`${url(r)}/v1beta/models/fanout-${RUNS - 1}:generateContent`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: BODY,
            });
            await res.text();
          }
        }),
      )
    : [];

  const fanout = [];
  const [a, ...others] = replicas;
  for (let i = 0; i < RUNS - (LOAD ? 1 : 0); i++) {
    const alias = `"alias":"fanout-${i}"`;
    for (let n = 0; n < 40 && !loggedAt(a.out(), '"event":"ejected"', alias); n++) {
      const res = await fetch(`${url(a)}/v1beta/models/fanout-${i}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      });
      await res.text();
    }
    const ejected = loggedAt(a.out(), '"event":"ejected"', alias);
    let heard;
    for (let wait = 0; wait < 100; wait++) {
      heard = others.map((r) => loggedAt(r.out(), '"event":"ejected_adopted"', alias));
      if (heard.every((t) => t !== undefined)) break;
      await sleep(10);
    }
    if (ejected === undefined || heard.some((t) => t === undefined)) throw new Error(`run ${i}: not heard`);
    fanout.push(Math.max(...heard) - ejected);
  }
  loading = false;
  await Promise.all(background);
  fanout.sort((x, y) => x - y);
  console.log(
    `fan-out over ${fanout.length} ejections, ${REPLICAS} replicas${LOAD ? ', others under load' : ''} (ms, A's ejection → last replica applied it): ` +
      `p50 ${percentile(fanout, 50)}, p90 ${percentile(fanout, 90)}, p99 ${percentile(fanout, 99)}, max ${fanout.at(-1)}`,
  );
  for (const r of replicas) r.child.kill('SIGTERM');
  await Promise.all(replicas.map((r) => once(r.child, 'exit')));
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });
