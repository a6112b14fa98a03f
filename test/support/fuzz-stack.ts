import { configFromObject } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import type { ScenarioInput } from '../../src/sim/scenario.js';
import { type SimServer, startSimulator } from '../../src/sim/server.js';
import { createLogger } from '../../src/telemetry/log.js';
import { startUpstreamTap, type UpstreamTap } from './upstream-tap.js';

/** The one client key the keyed gateway accepts, and its admin token; both distinctive, so a leak is visible. */
export const GOOD_KEY = 'fzgoodkey7Qm2Xc9Lr4Tb8Vw';
export const ADMIN_TOKEN = 'fzadmintok3Hs6Pn1Ke5Jd0Yu';
const UPSTREAM_KEY = 'fzupstream0Gq7Wz2Nc8Rm4Lx';

/** Aliases named unlike their upstream models; `embed` serves the embedding verbs only. */
export const FUZZ_ALIASES = ['chat', 'chat-backup', 'embed'] as const;
export const FUZZ_MODELS = [
  'fuzz-flash-001',
  'fuzz-flash-002',
  'fuzz-lite-001',
  'fuzz-embedding-001',
] as const;

const SCENARIO: ScenarioInput = {
  seed: 1,
  apiKeys: [UPSTREAM_KEY],
  models: {
    'fuzz-flash': { builds: [{ name: 'fuzz-flash-001' }, { name: 'fuzz-flash-002' }] },
    'fuzz-lite': { builds: [{ name: 'fuzz-lite-001' }] },
    'fuzz-embedding-001': {},
  },
};

export type GatewayKind = 'keyed' | 'open';

export interface FuzzStack {
  sim: SimServer;
  /** Between the gateways and the simulator: which client request caused which upstream call. */
  tap: UpstreamTap;
  gateways: Record<GatewayKind, { gateway: Gateway; url: string; adminUrl: string }>;
  /** Every key a response must never echo, besides the ones a request carried. */
  secrets: readonly string[];
  close(): Promise<void>;
}

/**
 * A healthy simulator behind two gateways: one with client keys and an admin token (auth paths run), one open
 * (requests reach routing). Health checks are off, so the simulator sees only what fuzzed requests cause, and
 * the body limit is small enough that a fuzzed body can pass it.
 */
export async function startFuzzStack(): Promise<FuzzStack> {
  const sim = await startSimulator({ scenario: SCENARIO });
  const tap = await startUpstreamTap(sim.url);
  const config = (auth: Record<string, unknown>) =>
    configFromObject({
      server: { host: '127.0.0.1', port: 0, bodyLimitBytes: 4 * 1024 * 1024, shutdownGraceMs: 200 },
      state: { sqlitePath: ':memory:' },
      logging: { level: 'silent' },
      auth,
      upstreams: { sim: { baseUrl: tap.url, apiKey: UPSTREAM_KEY } },
      aliases: {
        chat: {
          targets: [
            { upstream: 'sim', model: 'fuzz-flash-001' },
            { upstream: 'sim', model: 'fuzz-flash-002' },
          ],
          fallback: ['chat-backup'],
        },
        'chat-backup': { targets: [{ upstream: 'sim', model: 'fuzz-lite-001' }] },
        embed: {
          methods: ['embedContent', 'batchEmbedContents', 'countTokens'],
          targets: [{ upstream: 'sim', model: 'fuzz-embedding-001' }],
        },
      },
      routing: { perTryTimeoutMs: 2000, deadlineMs: 5000 },
      health: { healthCheck: { enabled: false } },
    });
  const start = async (auth: Record<string, unknown>) => {
    // the open gateway's admin listener is open too (as in demo mode); the keyed one needs its admin token
    const gateway = createGateway(config(auth), {
      log: createLogger('silent'),
      openAdmin: auth.adminToken === undefined,
    });
    const { url, adminUrl } = await gateway.listen(0, '127.0.0.1', { port: 0 });
    return { gateway, url, adminUrl };
  };
  const keyed = await start({ clientKeys: [{ name: 'fuzz', key: GOOD_KEY }], adminToken: ADMIN_TOKEN });
  const open = await start({});
  return {
    sim,
    tap,
    gateways: { keyed, open },
    secrets: [GOOD_KEY, ADMIN_TOKEN, UPSTREAM_KEY],
    async close() {
      await keyed.gateway.close();
      await open.gateway.close();
      await tap.close();
      await sim.close();
    },
  };
}
