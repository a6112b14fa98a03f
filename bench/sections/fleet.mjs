import { findRedisServer, startRedisServer } from '../lib/redis.mjs';
import { startSim } from '../lib/upstream.mjs';
import { measureChecks } from './fleet/checks.mjs';
import { measureCpu } from './fleet/cpu.mjs';
import { measureFanout } from './fleet/fanout.mjs';

/**
 * Fleet mode (README "Fleet mode"), three figures over one redis-server of the benchmark's own:
 * 1. CPU per request of one gateway with `state.redis` against the same config with its state in memory
 *    (interleaved wrk cells; nothing on the hot path should wait on, or even talk to, Redis);
 * 2. ejection fan-out: the first replica's ejection to the last replica's skip, p50/p90/p99, idle and under load;
 * 3. health checks per ejected build per minute: 1 replica, N replicas on one Redis, N replicas each on its own.
 * Needs redis-server (PATH or ALIASGATE_REDIS_SERVER); without it the section is skipped, as nginx rows are.
 */
export async function run(env, opts, log) {
  const binary = findRedisServer();
  if (!binary) {
    const skipped =
      process.env.BENCH_REDIS === 'off'
        ? 'BENCH_REDIS=off'
        : 'redis-server not found (install it, or set ALIASGATE_REDIS_SERVER)';
    log(`  skipped: ${skipped}`);
    return { failures: [], skipped };
  }
  const redis = await startRedisServer(binary);
  log(`  redis-server ${binary} at ${redis.url}`);
  try {
    const cpu = await measureCpu(env, opts, redis, log);
    const sim = await startSim();
    let fanout;
    try {
      fanout = await measureFanout(redis, sim, opts.fleet, log);
    } finally {
      await sim.stop();
    }
    const checks = await measureChecks(redis, opts.fleet, log);
    return {
      failures: [...cpu.failures, ...fanout.failures, ...checks.failures],
      replicas: opts.fleet.replicas,
      cpu,
      fanout,
      checks,
    };
  } finally {
    await redis.stop();
  }
}
