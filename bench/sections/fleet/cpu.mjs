import { GENERATE_BODY, HI_REQUEST } from '../../lib/canned.mjs';
import { jsonFile } from '../../lib/configs.mjs';
import { cpuConfig, fleetState } from '../../lib/fleet-configs.mjs';
import { measured } from '../../lib/measure.mjs';
import { checkAnswer } from '../../lib/sanity.mjs';
import { median, rotate } from '../../lib/stats.mjs';
import { startGateway } from '../../lib/upstream.mjs';
import { bodyFile, runWrk } from '../../lib/wrk.mjs';

/**
 * The hot path's cost of fleet mode: the overhead section's aliasgate (one alias, one target on the static upstream)
 * twice, the same config with `state.redis` and with its state in memory, under the same wrk load, interleaved and
 * rotated round by round; CPU per request of each gateway process from /proc. Routing never waits on Redis, so the
 * two should cost the same; redis-server's CPU and command count during each cell show whether a request touched it.
 */

const PATH = '/v1beta/models/gemini-bench:generateContent';

/** One wrk cell against one setup, with the gateway's and redis-server's CPU and Redis's commands around it. */
async function cell(setup, redis, connections, seconds, bodyPath) {
  const commandsBefore = await redis.commandsProcessed();
  const m = await measured({ gateway: [setup.gateway.pid], redis: [redis.pid] }, () =>
    runWrk({ url: setup.gateway.url, path: PATH, bodyPath, connections, seconds }),
  );
  const commands = (await redis.commandsProcessed()) - commandsBefore;
  const w = m.result;
  return {
    setup: setup.name,
    connections,
    requests: w.requests,
    rps: w.rps,
    p50Ms: w.p50Us / 1000,
    p99Ms: w.p99Us / 1000,
    failed: w.failed,
    errors: w.errors,
    cpuUsPerRequest: m.gateway.cpuUs / w.requests,
    redisCpuUsPerRequest: m.redis.cpuUs / w.requests,
    redisCommandsPerSecond: commands / (w.durationUs / 1e6),
    redisCommandsPerRequest: commands / w.requests,
  };
}

async function startSetups(env, redis) {
  const setups = [];
  try {
    for (const [name, state] of [
      ['memory', fleetState(undefined)],
      ['redis', fleetState(redis, 'bench-cpu:')],
    ]) {
      const gateway = await startGateway(jsonFile(`fleet-cpu-${name}`, cpuConfig(env.upstream.url, state)), {
        name: `aliasgate (${name} state)`,
      });
      setups.push({ name, gateway });
    }
    return setups;
  } catch (error) {
    await stopSetups(setups);
    throw error;
  }
}

async function stopSetups(setups) {
  for (const s of setups) await s.gateway.stop().catch(() => {});
}

/**
 * @param {{ upstream: { url: string } }} env
 * @param {{ seconds: number, warmupSeconds: number, rounds: number, fleet: { concurrency: number[] } }} opts
 */
export async function measureCpu(env, opts, redis, log) {
  const failures = [];
  const setups = await startSetups(env, redis);
  try {
    for (const s of setups) {
      const wrong = await checkAnswer(s.gateway.url, PATH, HI_REQUEST, GENERATE_BODY);
      if (wrong) failures.push(`cpu sanity (${s.name}): ${wrong}`);
    }
    if (failures.length > 0) return { failures, cells: [], summary: [] };
    const bodyPath = bodyFile(HI_REQUEST);
    for (const s of opts.warmupSeconds > 0 ? setups : []) {
      await runWrk({
        url: s.gateway.url,
        path: PATH,
        bodyPath,
        connections: 32,
        seconds: opts.warmupSeconds,
      });
    }
    const cells = [];
    for (let round = 0; round < opts.rounds; round++) {
      for (const connections of opts.fleet.concurrency) {
        for (const s of rotate(setups, round)) {
          const c = { ...(await cell(s, redis, connections, opts.seconds, bodyPath)), round };
          cells.push(c);
          if (c.failed > 0) failures.push(`cpu ${s.name} c=${connections}: ${JSON.stringify(c.errors)}`);
          log(
            `  cpu round ${round + 1} c=${connections} ${s.name.padEnd(6)} ${c.rps.toFixed(0).padStart(6)} req/s  ` +
              `${c.cpuUsPerRequest.toFixed(1)} µs/req  redis ${c.redisCommandsPerSecond.toFixed(1)} commands/s`,
          );
        }
      }
    }
    return { failures, cells, summary: summarize(cells, opts.fleet.concurrency) };
  } finally {
    await stopSetups(setups);
  }
}

/** Medians per (concurrency, setup), and redis ÷ memory: of the medians, and the median of each round's ratio. */
function summarize(cells, levels) {
  return levels.map((connections) => {
    const of = (setup) => cells.filter((c) => c.connections === connections && c.setup === setup);
    const mid = (setup, f) => median(of(setup).map(f));
    const rounds = [...new Set(of('redis').map((c) => c.round))];
    const perRound = rounds.map((round) => {
      const pick = (setup) => of(setup).find((c) => c.round === round)?.cpuUsPerRequest ?? Number.NaN;
      return pick('redis') / pick('memory');
    });
    const side = (setup) => ({
      rps: mid(setup, (c) => c.rps),
      p50Ms: mid(setup, (c) => c.p50Ms),
      p99Ms: mid(setup, (c) => c.p99Ms),
      cpuUsPerRequest: mid(setup, (c) => c.cpuUsPerRequest),
      redisCpuUsPerRequest: mid(setup, (c) => c.redisCpuUsPerRequest),
      redisCommandsPerSecond: mid(setup, (c) => c.redisCommandsPerSecond),
      failed: of(setup).reduce((sum, c) => sum + c.failed, 0),
    });
    const memory = side('memory');
    const redis = side('redis');
    return {
      connections,
      rounds: rounds.length,
      memory,
      redis,
      ratioOfMedians: redis.cpuUsPerRequest / memory.cpuUsPerRequest,
      perRoundRatios: perRound,
      medianRoundRatio: median(perRound),
    };
  });
}
