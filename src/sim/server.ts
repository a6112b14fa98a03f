import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../clock.js';
import { seededRandom } from '../random.js';
import { errorStatus } from '../wire/envelope.js';
import { parseGeminiPath, ROUTE_METHOD } from '../wire/path.js';
import { handleAdmin, patchBuild } from './admin.js';
import { newResponseId } from './content/response.js';
import type { SimContext } from './context.js';
import { sendError } from './delivery.js';
import { Exchange } from './exchange.js';
import { type BuildView, DEFAULT_SEED, Fleet } from './fleet.js';
import { handleGemini } from './gemini-surface.js';
import { NOT_FOUND_PAGE_CONTENT_TYPE, notFoundPageHtml } from './not-found-page.js';
import { handleOpenai } from './openai-surface.js';
import type { BehaviourInput, BuildPatch, Scenario, ScenarioInput } from './scenario.js';
import { loadDefaultScenario, loadScenarioFile, validateScenario } from './scenario-load.js';
import { deriveSeed } from './seeds.js';
import { type SimStats, StatsRecorder } from './stats.js';

export interface SimulatorOptions {
  /** A scenario file (path or file URL), an inline scenario object, or nothing for the incident. */
  scenario?: string | URL | ScenarioInput;
  /** Overrides the scenario's seed (default: the scenario's, else 1). */
  seed?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** TCP port (default 0: any free port). */
  port?: number;
  /** Drives latency and chunk pacing (default the system clock). */
  clock?: Clock;
  /** Largest request body read, bytes (default 20 MiB, the real inline limit). */
  maxBodyBytes?: number;
  /**
   * Called with a bug of the simulator's own (the client gets Google's 500). Default: printed to
   * stderr, because a fixture that fails quietly makes other tests lie.
   */
  onError?: (error: unknown) => void;
}

/** A running simulator. */
export interface SimServer {
  /** `http://127.0.0.1:PORT`, no trailing slash: the SDK's `httpOptions.baseUrl`. */
  readonly url: string;
  readonly port: number;
  readonly scenario: Scenario;
  readonly seed: number;
  /** Stops listening and ends every open connection, hung ones included. */
  close(): Promise<void>;
  /** Replaces a build's behaviour (heal the dead build, break a healthy one). Throws on bad input. */
  setBehaviour(build: string, behaviour: BehaviourInput): void;
  /** Changes any run-time knob of a build; returns its new state. Throws on bad input. */
  configureBuild(build: string, patch: BuildPatch): BuildView;
  stats(): SimStats;
  resetStats(): void;
}

const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;

let defaultScenario: Promise<Scenario> | undefined;

async function resolveScenario(input: SimulatorOptions['scenario']): Promise<Scenario> {
  if (input === undefined) {
    defaultScenario ??= loadDefaultScenario();
    return defaultScenario;
  }
  if (typeof input === 'string' || input instanceof URL) return loadScenarioFile(input);
  return validateScenario(input);
}

/** Starts a simulated Gemini fleet over HTTP (docs/wire.md §12). Resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimServer> {
  const scenario = await resolveScenario(options.scenario);
  const seed = options.seed ?? scenario.seed ?? DEFAULT_SEED;
  const ids = seededRandom(deriveSeed(seed, 'ids'));
  const ctx: SimContext = {
    fleet: new Fleet(scenario, seed),
    stats: new StatsRecorder(),
    clock: options.clock ?? systemClock,
    apiKeys: scenario.apiKeys ? new Set(scenario.apiKeys) : undefined,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    newResponseId: () => newResponseId(ids),
  };
  const onError = options.onError ?? ((e: unknown) => console.error('aliasgate sim: internal error:', e));
  const server = createServer((req, res) => onRequest(ctx, req, res, onError));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const configureBuild = (build: string, patch: BuildPatch): BuildView => {
    const result = patchBuild(ctx, build, patch);
    if ('view' in result) return result.view;
    throw new Error(`${build}: ${result.message}`);
  };
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    scenario,
    seed,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
    setBehaviour(build, behaviour) {
      configureBuild(build, { behaviour });
    },
    configureBuild,
    stats: () => ctx.stats.snapshot(),
    resetStats: () => ctx.stats.reset(),
  };
}

function onRequest(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  onError: (error: unknown) => void,
): void {
  const ex = new Exchange(req, res, ctx.clock);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  let handled: Promise<void> | void;
  try {
    if (pathname.startsWith('/_sim/')) {
      handled = handleAdmin(ctx, ex, pathname);
    } else {
      ctx.stats.opened();
      res.once('close', () => ctx.stats.closed());
      const query = q < 0 ? undefined : new URLSearchParams(url.slice(q + 1));
      handled = dispatch(ctx, ex, pathname, query);
    }
  } catch (e) {
    handled = Promise.reject(e);
  }
  if (handled instanceof Promise) {
    handled.catch((e: unknown) => {
      onError(e);
      internalError(ex);
    });
  }
}

function dispatch(
  ctx: SimContext,
  ex: Exchange,
  pathname: string,
  query: URLSearchParams | undefined,
): Promise<void> | void {
  const route = parseGeminiPath(pathname);
  if (!route || ex.req.method !== ROUTE_METHOD[route.kind]) return notFoundPage(ex, pathname);
  switch (route.kind) {
    case 'listModels':
    case 'getModel':
    case 'method':
      return handleGemini(ctx, ex, route, query);
    case 'unknownMethod':
    case 'badPath':
    case 'openaiResponses':
      // Google serves no Responses API (docs/wire.md §11)
      return notFoundPage(ex, pathname);
    default:
      // the OpenAI-compatible surface exists only under v1beta (docs/wire.md §1)
      if (route.version !== 'v1beta') return notFoundPage(ex, pathname);
      return handleOpenai(ctx, ex, route, query);
  }
}

/** Google's frontend answers unknown URLs with its HTML 404 page, not a JSON envelope. */
function notFoundPage(ex: Exchange, pathname: string): void {
  ex.send(404, NOT_FOUND_PAGE_CONTENT_TYPE, notFoundPageHtml(pathname));
}

/** A bug in the simulator surfaces as Google's 500, or a cut stream once bytes went out. */
function internalError(ex: Exchange): void {
  if (ex.closed) return;
  if (ex.res.headersSent) ex.cut();
  else sendError(ex, 'unary', errorStatus(500, 'An internal error has occurred.'));
}
