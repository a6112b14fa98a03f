import { Pool } from 'undici';

/** What the gateway knows of one upstream: where it is and the gateway's own credentials for it. */
export interface UpstreamSettings {
  baseUrl: string;
  apiKey?: string;
  apiVersion?: string | undefined;
  connections: number;
  maxRequestsPerTarget: number;
  maxPending: number;
  connectTimeoutMs: number;
  headers?: Record<string, string>;
}

export interface Upstream {
  name: string;
  pool: Pool;
  /** Path prefix of the base URL, without a trailing slash ('' for an origin). */
  basePath: string;
  /** Version segment to call; undefined keeps the client's (`v1` or `v1beta`). */
  apiVersion: string | undefined;
  /** Headers sent on every request: the upstream key (never `?key=`, which lands in access logs) and extras. */
  headers: Record<string, string>;
  /** Attempts one target of this upstream may have in flight at once; beyond it the target counts as busy. */
  maxRequestsPerTarget: number;
  /** Attempts in flight to this upstream beyond which its targets count as busy (connections + waiting room). */
  maxInFlight: number;
  /** Attempts in flight to this upstream now (kept by the router). */
  inFlight: number;
}

/**
 * One keep-alive pool per upstream (docs/design.md §4; bytes streamed through, docs/wire.md §9.5), with Envoy's
 * circuit-breaker bounds: a cap on attempts per target, so one hung build cannot take every connection from its
 * siblings, and a cap on attempts waiting for a connection, so a pile-up fails fast instead of queueing for ever.
 */
export class Upstreams {
  readonly #byName = new Map<string, Upstream>();
  /** Each upstream's settings as given, to tell on a reload which ones changed. */
  readonly #settings = new Map<string, string>();

  constructor(
    settings: Record<string, UpstreamSettings>,
    keep: ReadonlyMap<string, [string, Upstream]> = new Map(),
  ) {
    for (const [name, s] of Object.entries(settings)) {
      const written = JSON.stringify(s);
      const kept = keep.get(name);
      this.#byName.set(name, kept && kept[0] === written ? kept[1] : open(name, s));
      this.#settings.set(name, written);
    }
  }

  get(name: string): Upstream {
    const upstream = this.#byName.get(name);
    if (!upstream) throw new Error(`unknown upstream ${name}`);
    return upstream;
  }

  /**
   * The upstreams of a reloaded config: an upstream whose settings did not change keeps its pool (its connections
   * and in-flight counts); the others get new ones. `retired` are the pools no longer used: close them gracefully,
   * so requests still in flight on them finish.
   */
  next(settings: Record<string, UpstreamSettings>): { upstreams: Upstreams; retired: Upstream[] } {
    const keep = new Map(
      [...this.#byName].map(([name, u]) => [name, [this.#settings.get(name)!, u] as [string, Upstream]]),
    );
    const upstreams = new Upstreams(settings, keep);
    const used = new Set(upstreams.#byName.values());
    return { upstreams, retired: [...this.#byName.values()].filter((u) => !used.has(u)) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#byName.values()].map((u) => u.pool.destroy()));
  }
}

function open(name: string, s: UpstreamSettings): Upstream {
  const url = new URL(s.baseUrl);
  const headers: Record<string, string> = { ...(s.headers ?? {}) };
  if (s.apiKey) headers['x-goog-api-key'] = s.apiKey;
  return {
    name,
    pool: new Pool(url.origin, {
      connections: s.connections,
      connectTimeout: s.connectTimeoutMs,
      // Streams can be silent for long stretches while a model thinks; the attempt loop owns timeouts.
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 30_000,
    }),
    basePath: url.pathname.replace(/\/+$/, ''),
    apiVersion: s.apiVersion,
    headers,
    maxRequestsPerTarget: s.maxRequestsPerTarget,
    maxInFlight: s.connections + s.maxPending,
    inFlight: 0,
  };
}
