import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { request } from 'undici';
import { ManualClock } from '../../src/clock.js';
import { configFromObject } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { seededRandom } from '../../src/random.js';
import type { ScenarioInput } from '../../src/sim/scenario.js';
import { type SimServer, startSimulator } from '../../src/sim/server.js';
import { createLogger } from '../../src/telemetry/log.js';

/**
 * The fault-matrix fleet: a faulty build A and a healthy build B behind one alias, a fallback sibling on a third
 * build, and A alone behind another alias. Alias names are unlike the upstream model names on purpose, so a test
 * can tell what the gateway named from what the upstream named.
 */
export const BUILD = { a: 'flash-build-a', b: 'flash-build-b', c: 'lite-build-c' } as const;
export const ALIAS = { pair: 'pair', solo: 'solo', backup: 'backup' } as const;

/** Distinctive enough that finding either in a response can only mean it leaked. */
export const UPSTREAM_KEY = 'upstream-key-Zq81xK2mWv0s';
export const CLIENT_KEY = 'client-key-Hn4tB7cR5pLe';

/** Short, so the whole matrix runs in seconds; the gateway's own timers run on a ManualClock. */
export const ROUTING = { perTryTimeoutMs: 150, idleTimeoutMs: 150, deadlineMs: 400 } as const;

const SCENARIO: ScenarioInput = {
  seed: 1,
  // the simulator checks the key, so a request carrying the client's key instead of the gateway's would fail
  apiKeys: [UPSTREAM_KEY],
  models: {
    'gemini-test-flash': { builds: [{ name: BUILD.a }, { name: BUILD.b }] },
    'gemini-test-lite': { builds: [{ name: BUILD.c }] },
  },
};

export interface FaultStack {
  sim: SimServer;
  gateway: Gateway;
  url: string;
  clock: ManualClock;
  close(): Promise<void>;
}

export interface FaultStackOptions {
  /** Put A on a port nothing listens on (connection refused) instead of on the simulator. */
  refused?: boolean;
  routing?: Record<string, unknown>;
}

export async function startFaultStack(opts: FaultStackOptions = {}): Promise<FaultStack> {
  const sim = await startSimulator({ scenario: SCENARIO });
  const closedPort = await freePort();
  const aUpstream = opts.refused ? 'closed' : 'sim';
  const config = configFromObject({
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 200 },
    state: { sqlitePath: ':memory:' },
    logging: { level: 'silent' },
    auth: { clientKeys: [{ name: 'matrix', key: CLIENT_KEY }] },
    upstreams: {
      sim: { baseUrl: sim.url, apiKey: UPSTREAM_KEY },
      closed: { baseUrl: `http://127.0.0.1:${closedPort}`, apiKey: UPSTREAM_KEY },
    },
    aliases: {
      [ALIAS.pair]: {
        // A takes nearly every first pick, so each request meets the fault first
        targets: [
          { upstream: aUpstream, model: BUILD.a, weight: 1000 },
          { upstream: 'sim', model: BUILD.b, weight: 1 },
        ],
        fallback: [ALIAS.backup],
      },
      [ALIAS.solo]: { targets: [{ upstream: aUpstream, model: BUILD.a }] },
      [ALIAS.backup]: { targets: [{ upstream: 'sim', model: BUILD.c }] },
    },
    routing: { ...ROUTING, ...opts.routing },
    health: { maxEjectionJitterMs: 0 },
  });
  const clock = new ManualClock();
  const gateway = createGateway(config, {
    clock,
    random: seededRandom(1),
    log: createLogger('silent'),
    openAdmin: true,
  });
  const { url } = await gateway.listen(0, '127.0.0.1', { port: 0 });
  return {
    sim,
    gateway,
    url,
    clock,
    async close() {
      await gateway.close();
      await sim.close();
    },
  };
}

/** A port that was free a moment ago and that nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type Mode = 'unary' | 'sse';

export function pathFor(alias: string, mode: Mode): string {
  return mode === 'unary'
    ? `/v1beta/models/${alias}:generateContent`
    : `/v1beta/models/${alias}:streamGenerateContent?alt=sse`;
}

export const HI = JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] });

/** What a client saw: the head, everything that arrived, and whether the connection broke before the end. */
export interface Seen {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  broke: boolean;
}

/** How many times the simulator served (or failed) `build` so far. */
export function calls(stack: FaultStack, build: string): number {
  return stack.sim.stats().requests.byBuild[build] ?? 0;
}

/** How long a stuck attempt is watched, with the clock 1 ms short of its timeout, for an early give-up. */
const EARLY_WINDOW_MS = 20;

export interface CallOptions {
  /** A holds its attempts open: move the gateway's clock so that each one times out. */
  timesOut?: boolean;
  /** Also check that no attempt is given up before perTryTimeoutMs (not when the deadline is shorter). */
  notBefore?: boolean;
  body?: string;
}

/**
 * One client request through the gateway, with the client's key. With `timesOut`, every time A receives an
 * attempt that will not answer in time, the gateway's clock is moved by perTryTimeoutMs — exactly what makes
 * that attempt's timer fire — instead of waiting for real time to pass.
 */
export async function call(
  stack: FaultStack,
  alias: string,
  mode: Mode,
  opts: CallOptions = {},
): Promise<Seen> {
  const sent = send(stack.url, pathFor(alias, mode), opts.body ?? HI);
  if (!opts.timesOut) return sent;
  let settled = false;
  const done = sent.finally(() => {
    settled = true;
  });
  let driven = calls(stack, BUILD.a);
  while (!settled) {
    if (calls(stack, BUILD.a) > driven) {
      driven++;
      if (opts.notBefore) {
        stack.clock.advance(ROUTING.perTryTimeoutMs - 1);
        await new Promise((r) => setTimeout(r, EARLY_WINDOW_MS));
        if (settled || calls(stack, BUILD.a) > driven) {
          throw new Error(`the gateway gave up on A before perTryTimeoutMs (${ROUTING.perTryTimeoutMs} ms)`);
        }
        stack.clock.advance(1);
      } else {
        stack.clock.advance(ROUTING.perTryTimeoutMs);
      }
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  return done;
}

async function send(url: string, path: string, body: string): Promise<Seen> {
  const res = await request(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': CLIENT_KEY },
    body,
  });
  const chunks: Buffer[] = [];
  let broke = false;
  try {
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
  } catch {
    broke = true;
  }
  return { status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString(), broke };
}

/** A body as the simulator itself renders it for a build (to serve it later in the wrong place). */
export async function directBody(stack: FaultStack, build: string, verb: string, body = HI): Promise<string> {
  const res = await request(`${stack.sim.url}/v1beta/models/${build}:${verb}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': UPSTREAM_KEY },
    body,
  });
  return res.body.text();
}

/** One SSE event as the SDK reads it: its JSON, or the raw text when it is not JSON. */
export type SseEvent = { json: Record<string, unknown> } | { garbled: string };

/** Splits at blank lines as the SDK does; every event should be `data: <json>`. */
export function sseEvents(text: string): SseEvent[] {
  return text
    .split(/\r\n\r\n|\n\n|\r\r/)
    .filter((e) => e.trim() !== '')
    .map((event) => {
      if (!event.startsWith('data:')) return { garbled: event };
      try {
        return { json: JSON.parse(event.slice(5)) as Record<string, unknown> };
      } catch {
        return { garbled: event };
      }
    });
}
