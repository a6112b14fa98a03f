import { gatewayConfig, singleTarget } from './configs.mjs';

/**
 * Configs of the fleet section. Every process gets its own admin port (0) and a configured admin token, so that
 * several gateways can run at once and none writes a token file into the working directory.
 */

const ADMIN = { admin: { host: '127.0.0.1', port: 0 }, auth: { adminToken: 'bench-fleet' } };

/** `state` with the fleet's Redis under `keyPrefix`, or memory alone (one replica on its own) when `redis` is unset. */
export function fleetState(redis, keyPrefix) {
  return redis
    ? { sqlitePath: ':memory:', redis: { url: redis.url, keyPrefix } }
    : { sqlitePath: ':memory:' };
}

/**
 * The overhead section's gateway (one alias, one target on the static upstream, logging silent) with its state in
 * memory or in Redis: the only difference between the two is `state`.
 */
export function cpuConfig(upstreamUrl, state) {
  return {
    ...gatewayConfig({ static: upstreamUrl }, singleTarget('gemini-bench', 'static', 'gemini-bench-001')),
    ...ADMIN,
    state,
  };
}

/**
 * A replica started with `aliasgate serve`: named, logging at info (its decisions are read from its log lines),
 * every alias on the simulator.
 */
export function replicaConfig({ name, simUrl, state, aliases, health }) {
  return {
    server: { host: '127.0.0.1', port: 0, instanceName: name },
    ...ADMIN,
    state,
    logging: { level: 'info' },
    upstreams: { sim: { baseUrl: simUrl } },
    aliases,
    ...(health ? { health } : {}),
  };
}

/** An alias whose dead build takes most of its traffic, like the incident's (68 to 32). */
export function deadBuildAlias(healthyModel, deadModel) {
  return {
    targets: [
      { upstream: 'sim', model: healthyModel, weight: 32 },
      { upstream: 'sim', model: deadModel, weight: 68 },
    ],
  };
}
