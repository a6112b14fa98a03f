import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { followOutput } from '../../lib/processes.mjs';
import { BENCH } from '../../lib/upstream.mjs';

/**
 * What the soak runs against: a simulated fleet whose builds the fault schedule breaks and heals at run time, and
 * `aliasgate serve --config FILE` over it as an operator runs it (its own process, so /proc/<pid> is the gateway's;
 * SIGHUP reloads; the state in a SQLite file), with client keys and aliases named unlike their upstream models.
 */

/** Keys the traffic presents: the main one (a rate limit far above the load) and one that is limited and scoped. */
export const MAIN_KEY = 'soak-main-key-4b1d';
export const LIMITED_KEY = 'soak-limited-key-93ce';
export const ADMIN_TOKEN = 'soak-admin-token';
/** The limited key's rate: the traffic sends it about three times this, so about two thirds get 429. */
export const LIMITED_RATE = 5;

/**
 * The simulated fleet. Every public model is backed by builds the gateway calls by their own names (provider mode),
 * except `sim-flash-lb`, which the gateway calls as the provider's load-balanced alias (client mode).
 */
export function soakScenario() {
  return {
    seed: 9,
    defaults: { latency: { p50Ms: 8, p99Ms: 40 }, streamChunks: 8, chunkIntervalMs: 2, responseTokens: 60 },
    models: {
      'sim-flash': {
        builds: [
          { name: 'flash-b1', weight: 2 },
          { name: 'flash-b2', weight: 1 },
        ],
      },
      'sim-flash-lb': {
        builds: [
          { name: 'sf-1', weight: 1 },
          { name: 'sf-2', weight: 1 },
        ],
      },
      'sim-pro': {
        builds: [
          { name: 'pro-b1', weight: 1 },
          { name: 'pro-b2', weight: 1 },
        ],
      },
      'sim-embedding': {
        builds: [
          { name: 'emb-a', weight: 1 },
          { name: 'emb-b', weight: 1 },
        ],
      },
      'sim-embedding-alt': { builds: [{ name: 'emb-c', weight: 1 }] },
    },
  };
}

/**
 * The gateway's config. `variant` 'reloaded' is what the schedule's SIGHUP loads: pro-b1's weight 1 → 3 (seen in
 * /admin/status), everything else the same.
 */
export function soakConfig({ simUrl, stateDir, variant = 'initial' }) {
  return {
    server: {
      host: '127.0.0.1',
      port: 0,
      maxConnections: 1024,
      maxInFlight: 512,
      shutdownGraceMs: 5000,
      instanceName: 'soak',
    },
    admin: { host: '127.0.0.1', port: 0 },
    auth: {
      adminToken: ADMIN_TOKEN,
      clientKeys: [
        { name: 'soak-main', key: MAIN_KEY, rateLimit: { requestsPerSecond: 1_000_000, burst: 1_000_000 } },
        {
          name: 'soak-limited',
          key: LIMITED_KEY,
          aliases: ['chat-backup'],
          rateLimit: { requestsPerSecond: LIMITED_RATE, burst: LIMITED_RATE },
        },
      ],
    },
    state: { sqlitePath: join(stateDir, 'state.db') },
    logging: { level: 'warn' },
    upstreams: { sim: { baseUrl: simUrl } },
    aliases: {
      // provider mode: the targets are the builds
      'chat-fast': {
        targets: [
          { upstream: 'sim', model: 'flash-b1', weight: 2 },
          { upstream: 'sim', model: 'flash-b2', weight: 1 },
        ],
        fallback: ['chat-backup'],
      },
      // client mode: the one target is the provider's own load-balanced alias
      'chat-safe': { targets: [{ upstream: 'sim', model: 'sim-flash-lb' }], fallback: ['chat-backup'] },
      'chat-backup': {
        targets: [
          { upstream: 'sim', model: 'pro-b1', weight: variant === 'reloaded' ? 3 : 1 },
          { upstream: 'sim', model: 'pro-b2', weight: 1 },
        ],
      },
      embed: {
        targets: [
          { upstream: 'sim', model: 'emb-a' },
          { upstream: 'sim', model: 'emb-b' },
        ],
        fallback: ['embed-backup'],
      },
      'embed-backup': { targets: [{ upstream: 'sim', model: 'emb-c' }] },
    },
    routing: { perTryTimeoutMs: 1000, deadlineMs: 10_000 },
    health: {
      baseEjectionMs: 2000,
      maxEjectionMs: 10_000,
      maxEjectionJitterMs: 200,
      healthCheck: { intervalMs: 500, timeoutMs: 1000, healthyThreshold: 2 },
    },
  };
}

/** The schedule's reload: pro-b1's weight in each config variant. */
export const RELOADED_WEIGHT = { initial: 1, reloaded: 3 };

const BIN = join(BENCH, '..', 'bin', 'aliasgate.js');
const PROBE = join(BENCH, 'sections', 'soak', 'memory-probe.cjs');
const START_TIMEOUT_MS = 30_000;

/**
 * `aliasgate serve --config FILE`: resolves once it prints where it listens. Its stdout (JSON log lines at warn
 * and above) is kept: lines at error or fatal are bugs by the gateway's own definition.
 */
export async function startSoakGateway(simUrl) {
  const stateDir = mkdtempSync(join(tmpdir(), 'aliasgate-soak-'));
  const configPath = join(stateDir, 'gateway.yaml');
  const writeConfig = (variant) =>
    writeFileSync(configPath, stringify(soakConfig({ simUrl, stateDir, variant })));
  writeConfig('initial');
  // the product's own entry point; the probe only answers memory questions over IPC (memory-probe.cjs)
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--require', PROBE, BIN, 'serve', '--config', configPath],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  let nextId = 1;
  const waiting = new Map();
  child.on('message', (msg) => {
    waiting.get(msg?.id)?.(msg);
    waiting.delete(msg?.id);
  });
  const logs = { byLevel: {}, errors: [], warnEvents: {} };
  let said = () => {};
  const onLine = (line) => {
    if (!line.startsWith('{')) {
      const m = /listening on (\S+?);.* on (\S+)$/.exec(line);
      if (m) said({ url: m[1], adminUrl: m[2] });
      return;
    }
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    logs.byLevel[entry.level] = (logs.byLevel[entry.level] ?? 0) + 1;
    if (entry.level === 40) {
      const key = entry.event ?? entry.msg;
      logs.warnEvents[key] = (logs.warnEvents[key] ?? 0) + 1;
    }
    if (entry.level >= 50 && logs.errors.length < 20) logs.errors.push(line.slice(0, 2000));
  };
  const output = followOutput(child, onLine, 8000);
  let exited;
  const exit = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }),
  );
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aliasgate serve did not listen within ${START_TIMEOUT_MS} ms: ${output.stderr}`));
    }, START_TIMEOUT_MS);
    said = (urls) => {
      clearTimeout(timer);
      resolve(urls);
    };
    exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`aliasgate serve exited (${code ?? signal}) before it listened: ${output.stderr}`));
    });
  });
  let urls;
  try {
    urls = await listening;
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  return {
    pid: child.pid,
    ...urls,
    port: Number(new URL(urls.url).port),
    adminPort: Number(new URL(urls.adminUrl).port),
    logs,
    get stderr() {
      return output.stderr;
    },
    /** undefined while it runs; `{ code, signal }` once it has exited. */
    get exited() {
      return exited;
    },
    /**
     * process.memoryUsage() and V8's new and old space sizes, after a full GC when `gc`; undefined if it does not
     * answer within 5 s.
     */
    memory(gc = false) {
      if (exited || !child.connected) return Promise.resolve(undefined);
      const id = nextId++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve(undefined);
        }, 5000);
        waiting.set(id, (msg) => {
          clearTimeout(timer);
          resolve(msg);
        });
        child.send({ type: 'soak-memory', id, gc });
      });
    },
    /** Rewrites the config file as `variant` and sends SIGHUP, as an operator reloads. */
    reload(variant) {
      writeConfig(variant);
      child.kill('SIGHUP');
    },
    /** SIGTERM (in-flight requests finish), SIGKILL after 15 s; resolves with how it exited. */
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(stateDir, { recursive: true, force: true });
      return exited;
    },
  };
}
