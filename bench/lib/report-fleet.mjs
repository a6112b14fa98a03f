import { fmt, ratio } from './table.mjs';

/** The fleet section's tables (bench/sections/fleet.mjs), for report.mjs. */

function cpuTable(cpu) {
  const rows = [];
  for (const s of cpu.summary) {
    for (const [name, side] of [
      ['memory', s.memory],
      ['redis', s.redis],
    ]) {
      rows.push([
        `c=${s.connections} ${name === 'redis' ? 'state.redis' : 'memory state'}`,
        fmt(side.rps),
        fmt(side.p50Ms, 3),
        fmt(side.p99Ms, 3),
        fmt(side.cpuUsPerRequest, 1),
        name === 'redis' ? ratio(side.cpuUsPerRequest, s.memory.cpuUsPerRequest) : '',
        name === 'redis' ? `${fmt(s.medianRoundRatio, 2)}×` : '',
        name === 'redis' ? s.perRoundRatios.map((r) => fmt(r, 2)).join(' / ') : '',
        fmt(side.redisCpuUsPerRequest, 2),
        fmt(side.redisCommandsPerSecond, 1),
        String(side.failed),
      ]);
    }
  }
  return {
    title: `Fleet: CPU per request, state.redis vs memory state (same config otherwise; wrk generateContent, medians of ${cpu.summary[0]?.rounds ?? 0} interleaved round(s))`,
    header: [
      'setup',
      'req/s',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      '÷ memory',
      'median of round ratios',
      '÷ memory per round',
      'redis-server µs/req',
      'Redis commands/s',
      'errors',
    ],
    rows,
  };
}

function fanoutTable(fanout, replicas) {
  return {
    title: `Fleet: ejection fan-out, ${replicas} replicas on one Redis (ms from the first replica's ejection to the last other replica applying it)`,
    header: ['fleet', 'ejections', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'missed'],
    rows: fanout.rows.map((r) => [
      r.label,
      fmt(r.measured),
      fmt(r.p50Ms),
      fmt(r.p90Ms),
      fmt(r.p99Ms),
      fmt(r.maxMs),
      String(r.missed),
    ]),
  };
}

function checksTable(checks) {
  const one = checks.rows.find((r) => r.key === 'one');
  const h = checks.health;
  return {
    title:
      `Fleet: health checks of one dead build, no client traffic, ${fmt(checks.windowSeconds, 1)} s ` +
      `(ejection ${h.baseEjectionMs} ms, no jitter; healthCheck.intervalMs ${h.healthCheck.intervalMs}, timeoutMs ${h.healthCheck.timeoutMs})`,
    header: ['setup', 'checks', 'per minute', '÷ 1 replica', 'logged per replica'],
    rows: checks.rows.map((r) => [
      r.label,
      fmt(r.checks),
      fmt(r.perMinute, 1),
      ratio(r.perMinute, one?.perMinute),
      r.perReplicaLogged.join(' / '),
    ]),
  };
}

export function fleetTables(fleet) {
  if (fleet.skipped) {
    return [{ title: 'Fleet: skipped', header: ['reason'], rows: [[fleet.skipped]] }];
  }
  return [
    ...(fleet.cpu?.summary?.length ? [cpuTable(fleet.cpu)] : []),
    ...(fleet.fanout?.rows ? [fanoutTable(fleet.fanout, fleet.replicas)] : []),
    ...(fleet.checks?.rows ? [checksTable(fleet.checks)] : []),
  ];
}
