import { Pool } from 'undici';
import type { Clock } from '../../src/clock.js';
import { configFromObject } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { aliasHealth } from '../../src/health/alias-status.js';
import { seededRandom } from '../../src/random.js';
import { type SimulatorOptions, startSimulator } from '../../src/sim/server.js';
import type { OperatorStore } from '../../src/store/operator-store.js';
import { createLogger } from '../../src/telemetry/log.js';

export type Sim = Awaited<ReturnType<typeof startSimulator>>;

export interface Stack {
  sim: Sim;
  gateway: Gateway;
  url: string;
  /** The admin listener (status, pull, restore, audit, /metrics); open without a token unless the test asks. */
  adminUrl: string;
  config: Config;
  close(): Promise<void>;
}

/** Deep-merges plain objects (arrays and scalars replace). */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** The incident fleet behind the gateway, in provider mode and client mode side by side. */
export function incidentConfig(simUrl: string, over: Record<string, unknown> = {}): Config {
  const base = {
    server: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    state: { sqlitePath: ':memory:' },
    logging: { level: 'silent' },
    upstreams: { sim: { baseUrl: simUrl } },
    aliases: {
      'gemini-3.5-flash': {
        stage: 'ga',
        targets: [
          { upstream: 'sim', model: 'gemini-3.5-flash-001', weight: 32 },
          { upstream: 'sim', model: 'gemini-v4p1s-rev24-ajax-sentinel', weight: 68 },
        ],
        fallback: ['gemini-flash-latest'],
      },
      'gemini-3.5-flash-client': {
        targets: [{ upstream: 'sim', model: 'gemini-3.5-flash' }],
        fallback: ['gemini-flash-latest'],
      },
      'gemini-flash-latest': { stage: 'ga', targets: [{ upstream: 'sim', model: 'gemini-flash-latest' }] },
      'gemini-2.5-flash': { stage: 'ga', targets: [{ upstream: 'sim', model: 'gemini-2.5-flash' }] },
      'gemini-2.0-flash': {
        stage: 'deprecated',
        replacement: 'gemini-2.5-flash',
        shutdown: '2026-12-31',
        targets: [{ upstream: 'sim', model: 'gemini-2.5-flash' }],
      },
    },
  };
  return configFromObject(merge(base, over));
}

export async function startStack(
  opts: {
    seed?: number;
    scenario?: SimulatorOptions['scenario'];
    config?: (simUrl: string) => Config;
    clock?: Clock;
    healthTickMs?: number;
    /** The admin listener answers without a token (as in demo mode). Default true. */
    openAdmin?: boolean;
    /** Operator state the test holds (to break it, or read it); by default the config's SQLite file. */
    operator?: OperatorStore;
  } = {},
): Promise<Stack> {
  const sim = await startSimulator({
    seed: opts.seed ?? 1,
    ...(opts.scenario ? { scenario: opts.scenario } : {}),
  });
  const config = (opts.config ?? incidentConfig)(sim.url);
  const gateway = createGateway(config, {
    random: seededRandom(opts.seed ?? 1),
    log: createLogger('silent'),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.healthTickMs ? { healthTickMs: opts.healthTickMs } : {}),
    openAdmin: opts.openAdmin ?? true,
    ...(opts.operator ? { operator: opts.operator } : {}),
  });
  const { url, adminUrl } = await gateway.listen(0, '127.0.0.1', { port: 0 });
  // the Model resources read at start are the gateway's, not the test's: counts start after them
  await gateway.modelsLearned();
  sim.resetStats();
  return {
    sim,
    gateway,
    url,
    adminUrl,
    config,
    async close() {
      await gateway.close();
      await sim.close();
    },
  };
}

export const HI = JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] });

export interface LoadResult {
  statuses: Map<number, number>;
  failures: { status: number; body: string }[];
  headers: Record<string, string | string[] | undefined>[];
  bodies: string[];
}

/**
 * Sends `total` requests at `concurrency` over a keep-alive pool and collects what a client would notice.
 * A request counts as failed when its status is not 2xx, or — for SSE — when the stream carries an error event
 * or no finishReason.
 */
export async function load(
  url: string,
  path: string,
  opts: { total: number; concurrency: number; body?: string; keepBodies?: boolean; sse?: boolean },
): Promise<LoadResult> {
  const pool = new Pool(url, { connections: opts.concurrency });
  const result: LoadResult = { statuses: new Map(), failures: [], headers: [], bodies: [] };
  let next = 0;
  const worker = async () => {
    while (next < opts.total) {
      next++;
      const res = await pool.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: opts.body ?? HI,
      });
      const text = await res.body.text();
      result.statuses.set(res.statusCode, (result.statuses.get(res.statusCode) ?? 0) + 1);
      const broken = opts.sse && (text.includes('"error"') || !text.includes('finishReason'));
      if (res.statusCode >= 300 || broken) result.failures.push({ status: res.statusCode, body: text });
      if (opts.keepBodies) {
        result.headers.push(res.headers);
        result.bodies.push(text);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  await pool.close();
  return result;
}

/** A target's state now, as status pages show it. */
export function targetState(stack: Stack, alias: string, model: string): string {
  const entry = stack.gateway.catalog().get(alias)!;
  return aliasHealth(entry, stack.gateway.health).targets.find((t) => t.model === model)!.state;
}
