/**
 * Run options: `node bench/run.mjs [--smoke] [--only overhead,incident,scale,profile,cluster,fleet,soak]`, with the
 * lengths from the environment so that CI and a developer on a shared machine can shorten everything at once.
 */

/** `fleet` skips itself when redis-server is missing, as the nginx rows do without nginx. */
export const SECTIONS = ['overhead', 'incident', 'scale', 'profile', 'cluster', 'fleet', 'soak'];

function envNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function list(raw) {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
}

export function parseOptions(argv) {
  const smoke = argv.includes('--smoke');
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '').split(',').filter(Boolean) : undefined;
  for (const name of only ?? []) {
    if (!SECTIONS.includes(name))
      throw new Error(`--only: unknown section "${name}" (${SECTIONS.join(', ')})`);
  }
  const unknown = argv.filter(
    (a, i) => a.startsWith('--') && a !== '--smoke' && a !== '--only' && argv[i - 1] !== '--only',
  );
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')}`);

  /** wrk duration of one overhead cell, whole s (default 10; smoke 1). */
  const seconds = envNumber('BENCH_SECONDS', smoke ? 1 : 10);
  return {
    smoke,
    // smoke proves the bench works: overhead alone, or the sections named (each then in its smoke size)
    sections: only ?? (smoke ? ['overhead'] : SECTIONS),
    seconds,
    /** Interleaved rounds whose medians are reported (default 3; smoke 1). */
    rounds: envNumber('BENCH_ROUNDS', smoke ? 1 : 3),
    /** wrk warm-up per target and case before round 1, s (none in the smoke run: it proves it works, no more). */
    warmupSeconds: smoke ? 0 : Math.min(2, seconds),
    concurrency: smoke
      ? { generate: [32], stream: [32] }
      : {
          /** wrk connections for generateContent (default 1,32,128). */
          generate: list(process.env.BENCH_CONCURRENCY ?? '1,32,128'),
          /** wrk connections for the 20-event SSE stream (default 1,32). */
          stream: list(process.env.BENCH_STREAM_CONCURRENCY ?? '1,32'),
        },
    targets: smoke
      ? ['direct', 'aliasgate', 'aliasgate+keys']
      : ['direct', 'nginx', 'floor', 'aliasgate', 'aliasgate+keys'],
    /** Sequential stream requests per target per round for TTFB / time to last byte. */
    probeRequests: smoke ? 0 : envNumber('BENCH_PROBE_REQUESTS', 300),
    pacedRequests: smoke ? 0 : envNumber('BENCH_PACED_REQUESTS', 60),
    paced: !smoke,
    /** Scale cells (aliases, targets) are shorter than overhead cells: half, at least 2 s. */
    scaleSeconds: Math.max(2, seconds / 2),
    /** Client requests per incident run (default 2000) and the build latency the simulator adds, ms. */
    incidentRequests: envNumber('BENCH_INCIDENT_REQUESTS', 2000),
    incidentLatencyMs: envNumber('BENCH_INCIDENT_LATENCY_MS', 20),
    /** Parts of the scale section to run (default all: aliases,targets,bodies,streams). */
    scaleParts: process.env.BENCH_SCALE ? process.env.BENCH_SCALE.split(',') : undefined,
    /** Open SSE streams to hold at once (default 10,100,1000,5000). */
    streamCounts: list(process.env.BENCH_STREAMS ?? '10,100,1000,5000'),
    fleet: {
      /** wrk connections of the fleet CPU cells (default 32). */
      concurrency: smoke ? [32] : list(process.env.BENCH_FLEET_CONCURRENCY ?? '32'),
      /** Replicas in the fan-out and in the N-replica health-check setups (default 3, at least 2). */
      replicas: Math.max(2, Math.round(envNumber('BENCH_FLEET_REPLICAS', 3))),
      /** Ejections per fan-out row (default 100; smoke 5). */
      ejections: envNumber('BENCH_FLEET_EJECTIONS', smoke ? 5 : 100),
      /** Health-check counting window without client traffic, s (default 60; smoke 5). */
      checkSeconds: envNumber('BENCH_FLEET_CHECK_SECONDS', smoke ? 5 : 60),
    },
    soak: {
      /** Length of the soak, s (default 600; smoke 15). */
      seconds: envNumber('BENCH_SOAK_SECONDS', smoke ? 15 : 600),
      /** Client workers (default 24). */
      concurrency: Math.round(envNumber('BENCH_SOAK_CONCURRENCY', 24)),
      /** Requests per second the workers are paced to, in all (default 300). */
      rate: envNumber('BENCH_SOAK_RPS', 300),
      /** Most the gateway's RSS may grow, last window's median ÷ the first's (default 1.1). */
      rssBound: envNumber('BENCH_SOAK_RSS_BOUND', 1.1),
      /** Descriptors (and sockets) above the start's allowed after the traffic drained (default 5). */
      fdSlack: 5,
    },
  };
}
