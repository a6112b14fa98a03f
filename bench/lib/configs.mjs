import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Gateway configs and simulator scenarios for the benchmarks, written as JSON files the launchers read.
 * Every gateway config is silent, keeps operator state in memory and listens on a free loopback port, its admin
 * listener too (so that two gateways can run at once), with a configured admin token (so none is generated into
 * the working directory).
 */

const dir = mkdtempSync(join(tmpdir(), 'aliasgate-bench-config-'));
let written = 0;

/** Removes the temp files of this run. */
export function removeConfigFiles() {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes `value` as JSON to a temp file and returns its path. */
export function jsonFile(name, value) {
  const path = join(dir, `${written++}-${name}.json`);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** Connections per upstream pool: as many as the largest wrk concurrency, like nginx's keepalive 128. */
export const UPSTREAM_CONNECTIONS = 128;

/** The admin token of every benchmark gateway (loopback only, never a secret). */
export const BENCH_ADMIN_TOKEN = 'bench-admin-token';

/** The common frame: upstreams by name → base URL, aliases as given. */
export function gatewayConfig(upstreams, aliases, over = {}) {
  return {
    server: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    auth: { adminToken: BENCH_ADMIN_TOKEN },
    state: { sqlitePath: ':memory:' },
    logging: { level: 'silent' },
    upstreams: Object.fromEntries(
      Object.entries(upstreams).map(([name, baseUrl]) => [
        name,
        {
          baseUrl,
          connections: over.connections ?? UPSTREAM_CONNECTIONS,
          // one target may use every connection, as the floor proxy and nginx may: the default cap (half the
          // connections, so a hung build leaves the rest to its siblings) would shed c=128 on a 128-connection pool
          maxRequestsPerTarget: over.connections ?? UPSTREAM_CONNECTIONS,
        },
      ]),
    ),
    aliases,
    ...(over.routing ? { routing: over.routing } : {}),
    ...(over.health ? { health: over.health } : {}),
  };
}

/** One alias, one target: the overhead case (the issue: "one alias → one target on the static upstream"). */
export function singleTarget(alias, upstream, model) {
  return { [alias]: { targets: [{ upstream, model }] } };
}

/** `count` aliases `bench-00000…`, each with one target on the static upstream; the scale case. */
export function manyAliases(count) {
  const aliases = {};
  for (let i = 0; i < count; i++) {
    aliases[aliasName(i)] = { targets: [{ upstream: 'static', model: `gemini-bench-${i}` }] };
  }
  return aliases;
}

export function aliasName(i) {
  return `bench-${String(i).padStart(5, '0')}`;
}

/** One alias with `count` equally weighted targets, each a different model on the static upstream. */
export function manyTargets(alias, count) {
  return {
    [alias]: {
      targets: Array.from({ length: count }, (_, i) => ({ upstream: 'static', model: `gemini-bench-t${i}` })),
    },
  };
}

/**
 * `config` as a gateway with client keys runs it: `keys` (`{ name, key, aliases?, rateLimit? }`, clear keys hashed
 * at load) in `auth.clientKeys` and explicit client-listener limits; everything else as in `config`.
 */
export function withClientKeys(config, keys, limits = { maxConnections: 1024, maxInFlight: 512 }) {
  return {
    ...config,
    server: { ...config.server, ...limits },
    auth: { ...config.auth, clientKeys: keys },
  };
}

/** The key wrk and the probes present to a keyed gateway (x-goog-api-key); a wrong one must be refused. */
export const BENCH_KEY = 'bench-client-key-5c1e0a7d';

/**
 * The keyed gateway's client keys: two other teams' (never presented, so each request is compared with three
 * digests) and the bench's, allowed the bench aliases only, with a rate limit far above anything wrk sends at
 * c=128 (its bucket is spent from on every request; a 429 would count as a wrk error and fail the run).
 */
export function benchKeys(aliases) {
  return [
    { name: 'team-a', key: 'team-a-key-d0c5', aliases, rateLimit: { requestsPerSecond: 50, burst: 100 } },
    { name: 'team-b', key: 'team-b-key-9e21' },
    {
      name: 'bench',
      key: BENCH_KEY,
      aliases,
      rateLimit: { requestsPerSecond: 10_000_000, burst: 10_000_000 },
    },
  ];
}
