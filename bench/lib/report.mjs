import { fleetTables } from './report-fleet.mjs';
import { soakTables } from './report-soak.mjs';
import { delta, fmt, markdown, ratio, render } from './table.mjs';

/**
 * Turns results/latest.json's content into the tables printed on stdout and written to latest.md, and checks
 * the targets against the measured medians.
 */

const ORDER = ['direct', 'nginx', 'floor', 'aliasgate', 'aliasgate+keys'];
const byOrder = (a, b) => ORDER.indexOf(a.target) - ORDER.indexOf(b.target);

function overheadTables(o) {
  const tables = [];
  for (const kase of [...new Set(o.summary.map((s) => s.case))]) {
    const rows = o.summary
      .filter((s) => s.case === kase)
      .sort((a, b) => a.connections - b.connections || byOrder(a, b))
      .map((s) => [
        `c=${s.connections} ${s.target}`,
        fmt(s.rps),
        fmt(s.p50Ms, 3),
        fmt(s.p99Ms, 3),
        s.target === 'direct' ? '' : delta(s.addedP50Ms),
        s.target === 'direct' ? '' : delta(s.addedP99Ms),
        fmt(s.cpuUsPerRequest, 1),
        fmt(s.upstreamCpuUsPerRequest, 1),
        fmt(s.peakRssMb, 1),
        String(s.failed),
      ]);
    tables.push({
      title: `Overhead: ${kase === 'generate' ? 'generateContent' : 'streamGenerateContent?alt=sse (20 events)'} — medians of ${o.summary[0]?.rounds ?? 0} round(s)`,
      header: [
        'target',
        'req/s',
        'p50 ms',
        'p99 ms',
        '+p50 ms',
        '+p99 ms',
        'CPU µs/req',
        'upstream µs/req',
        'peak RSS MB',
        'errors',
      ],
      rows,
    });
    const ratioRows = [];
    for (const c of [...new Set(o.summary.filter((s) => s.case === kase).map((s) => s.connections))]) {
      const get = (t) => o.summary.find((s) => s.case === kase && s.connections === c && s.target === t);
      const gate = get('aliasgate');
      const keyed = get('aliasgate+keys');
      const floor = get('floor');
      const nginx = get('nginx');
      const rounds = (o.keyRatios ?? []).find((r) => r.case === kase && r.connections === c);
      ratioRows.push([
        `c=${c}`,
        ratio(gate?.cpuUsPerRequest, floor?.cpuUsPerRequest),
        ratio(keyed?.cpuUsPerRequest, floor?.cpuUsPerRequest),
        ratio(keyed?.cpuUsPerRequest, gate?.cpuUsPerRequest),
        rounds ? rounds.keyedVsPlain.map((r) => fmt(r, 2)).join(' / ') : '—',
        ratio(gate?.cpuUsPerRequest, nginx?.cpuUsPerRequest),
        ratio(gate?.rps, floor?.rps),
        ratio(gate?.rps, nginx?.rps),
        ratio(floor?.cpuUsPerRequest, nginx?.cpuUsPerRequest),
      ]);
    }
    if (!o.summary.some((s) => ['floor', 'nginx', 'aliasgate+keys'].includes(s.target))) continue;
    tables.push({
      title: `Ratios (${kase}): aliasgate and aliasgate+keys (client keys, rate limit, allow-list, per-key metrics, listener limits) to the floor and to nginx`,
      header: [
        '',
        'CPU/req ÷ floor',
        '+keys CPU/req ÷ floor',
        '+keys ÷ aliasgate',
        '+keys ÷ aliasgate per round',
        'CPU/req ÷ nginx',
        'req/s ÷ floor',
        'req/s ÷ nginx',
        'floor CPU ÷ nginx',
      ],
      rows: ratioRows,
    });
  }
  if (o.keyedMetrics) {
    tables.push({
      title:
        'aliasgate+keys: requests its /metrics counted under the bench key (aliasgate_client_requests_total{key="bench"}) against those wrk completed',
      header: ['wrk requests', ...Object.keys(o.keyedMetrics.byResult)],
      rows: [[fmt(o.keyedMetrics.wrkRequests), ...Object.values(o.keyedMetrics.byResult).map((n) => fmt(n))]],
    });
  }
  if (o.probeSummary?.length) {
    tables.push({
      title:
        'Stream latency, sequential (c=1): time to first byte / last byte, ms (static: 20 events in one write; paced: simulator, 20 events 1 ms apart)',
      header: [
        'stream / target',
        'TTFB p50',
        'TTFB p99',
        'TTLB p50',
        'TTLB p99',
        '+TTFB p50',
        '+TTLB p50',
        '+TTLB p99',
      ],
      rows: o.probeSummary.map((p) => [
        `${p.kind} ${p.target}`,
        fmt(p.ttfbP50, 3),
        fmt(p.ttfbP99, 3),
        fmt(p.ttlbP50, 3),
        fmt(p.ttlbP99, 3),
        p.target === 'direct' ? '' : delta(p.addedTtfbP50),
        p.target === 'direct' ? '' : delta(p.addedTtlbP50),
        p.target === 'direct' ? '' : delta(p.addedTtlbP99),
      ]),
    });
  }
  return tables;
}

/** Each issue target: what was measured against what was asked, and the margin. */
export function checkTargets(results) {
  const checks = [];
  const add = (name, value, limit, unit, digits = 2) => {
    if (!Number.isFinite(value)) return;
    checks.push({
      name,
      measured: `${fmt(value, digits)}${unit}`,
      goal: `≤ ${fmt(limit, digits)}${unit}`,
      met: value <= limit,
      margin:
        limit === 0
          ? value <= 0
            ? 'met'
            : 'missed'
          : value <= limit
            ? value >= 0
              ? `${fmt(((limit - value) / limit) * 100, 0)}% under`
              : 'met'
            : `missed by ${fmt(((value - limit) / limit) * 100, 0)}%`,
    });
  };
  const o = results.overhead?.summary ?? [];
  const get = (kase, c, t) => o.find((s) => s.case === kase && s.connections === c && s.target === t);
  const gate32 = get('generate', 32, 'aliasgate');
  const floor32 = get('generate', 32, 'floor');
  const nginx32 = get('generate', 32, 'nginx');
  if (gate32 && floor32)
    add('CPU/req aliasgate ÷ floor (c=32)', gate32.cpuUsPerRequest / floor32.cpuUsPerRequest, 1.1, '×');
  const keyed32 = get('generate', 32, 'aliasgate+keys');
  if (keyed32 && floor32)
    add('CPU/req aliasgate+keys ÷ floor (c=32)', keyed32.cpuUsPerRequest / floor32.cpuUsPerRequest, 1.1, '×');
  if (gate32 && floor32)
    add('stretch: beat the floor (c=32)', gate32.cpuUsPerRequest / floor32.cpuUsPerRequest, 1.0, '×');
  if (gate32 && nginx32)
    add(
      'stretch: CPU/req aliasgate ÷ nginx (c=32)',
      gate32.cpuUsPerRequest / nginx32.cpuUsPerRequest,
      2.5,
      '×',
    );
  const gate1 = get('generate', 1, 'aliasgate');
  if (gate1) add('added p50 at c=1', gate1.addedP50Ms, 0.3, ' ms', 3);
  if (gate1) add('added p99 at c=1', gate1.addedP99Ms, 1, ' ms', 3);
  const gate128 = get('generate', 128, 'aliasgate');
  if (gate128) add('gateway peak RSS at c=128', gate128.peakRssMb, 150, ' MB', 1);
  for (const mode of results.incident?.modes ?? []) {
    if (mode.kind !== 'aliasgate') continue;
    add(`incident ${mode.name}: p50 after ejection ÷ direct healthy`, mode.afterVsHealthyP50, 1.1, '×');
    add(`incident ${mode.name}: p99 after ejection ÷ direct healthy`, mode.afterVsHealthyP99, 1.1, '×');
    add(
      `incident ${mode.name}: upstream attempts/request after ejection`,
      mode.after.attemptsPerRequest,
      1.005,
      '',
      3,
    );
  }
  const aliases = results.scale?.aliases ?? [];
  const one = aliases.find((a) => a.count === 1);
  const most = aliases.at(-1);
  if (one && most && most !== one)
    add(
      `CPU/req ${fmt(most.count)} aliases ÷ 1 alias`,
      most.cpuUsPerRequest / one.cpuUsPerRequest,
      1.05,
      '×',
    );
  for (const s of results.fleet?.cpu?.summary ?? [])
    add(`fleet: CPU/req state.redis ÷ memory state (c=${s.connections})`, s.ratioOfMedians, 1.05, '×');
  const soak = results.soak;
  if (soak?.kinds) {
    add('soak: unexpected client errors', soak.unexpected, 0, '', 0);
    if (soak.rss.judged)
      add(`soak: RSS last ÷ first ${fmt(soak.rss.windowS)} s (medians)`, soak.rss.ratio, soak.rss.bound, '×');
    if (soak.heap?.judged)
      add('soak: heap + external after full GC, end ÷ first window', soak.heap.ratio, soak.heap.bound, '×');
    if (soak.end) {
      add(
        'soak: file descriptors after draining − at start',
        soak.end.fds - soak.baseline.fds,
        soak.fdSlack,
        '',
        0,
      );
      add(
        'soak: sockets after draining − at start',
        soak.end.sockets - soak.baseline.sockets,
        soak.fdSlack,
        '',
        0,
      );
    }
  }
  const bodies = (results.scale?.bodies ?? []).filter((b) => b.proxy === 'aliasgate');
  for (const b of bodies)
    add(`body ${b.label}: heap after GC − before`, b.heapAfterMb - b.heapBeforeMb, 2, ' MB', 1);
  const largest = bodies.at(-1);
  // "no double buffering": the peak may grow by the bodies in flight, held once, plus GC slack, not twice
  if (largest)
    add(`body ${largest.label}: peak extra RSS ÷ bodies in flight`, largest.bufferFactor, 1.5, '×');
  for (const s of results.scale?.streams ?? [])
    add(`heap per open stream (${fmt(s.streams)} streams)`, s.heapKbPerStream, 50, ' KB', 1);
  return checks;
}

function incidentTables(inc) {
  const row = (m) => [
    m.name,
    fmt(m.requests),
    `${fmt(m.failureRate * 100, 1)}%`,
    fmt(m.attemptsPerRequest, 3),
    fmt(m.p50Ms, 1),
    fmt(m.p99Ms, 1),
    m.ejectedAfter === undefined ? '' : `${fmt(m.ejectedAfter)} req / ${fmt(m.ejectedAtMs)} ms`,
    m.before
      ? `${fmt(m.before.attemptsPerRequest, 3)} / ${fmt(m.before.p50Ms, 1)} / ${fmt(m.before.p99Ms, 1)}`
      : '',
    m.after
      ? `${fmt(m.after.attemptsPerRequest, 3)} / ${fmt(m.after.p50Ms, 1)} / ${fmt(m.after.p99Ms, 1)}`
      : '',
  ];
  return [
    {
      title: `Incident: ${fmt(inc.requests)} requests at c=${inc.concurrency}, builds answer in ${inc.latencyMs} ms (68% of the alias's calls land on the dead build)`,
      header: [
        'traffic',
        'requests',
        'client failures',
        'upstream calls/req',
        'p50 ms',
        'p99 ms',
        'ejection',
        'before: calls/req / p50 / p99',
        'after: calls/req / p50 / p99',
      ],
      rows: inc.modes.map(row),
    },
  ];
}

function scaleTables(s) {
  const tables = [];
  if (s.aliases?.length) {
    tables.push({
      title: 'Scale: alias count (wrk c=32, generateContent, one alias requested)',
      header: ['aliases', 'req/s', 'CPU µs/req', '÷ 1 alias', 'RSS MB', 'config + start ms'],
      rows: s.aliases.map((a) => [
        fmt(a.count),
        fmt(a.rps),
        fmt(a.cpuUsPerRequest, 1),
        ratio(a.cpuUsPerRequest, s.aliases[0].cpuUsPerRequest),
        fmt(a.rssMb, 1),
        fmt(a.startupMs),
      ]),
    });
  }
  if (s.targets?.length) {
    tables.push({
      title: 'Scale: targets per alias (wrk c=32, generateContent)',
      header: ['targets', 'req/s', 'CPU µs/req', '÷ 1 target', 'RSS MB'],
      rows: s.targets.map((a) => [
        fmt(a.count),
        fmt(a.rps),
        fmt(a.cpuUsPerRequest, 1),
        ratio(a.cpuUsPerRequest, s.targets[0].cpuUsPerRequest),
        fmt(a.rssMb, 1),
      ]),
    });
  }
  if (s.bodies?.length) {
    tables.push({
      title: 'Scale: request body size (inline data, through aliasgate)',
      header: [
        'body / proxy',
        'requests',
        'c',
        'CPU µs/req',
        'CPU µs/MB',
        'RSS before MB',
        'peak RSS MB',
        'RSS after MB',
        'heap before→after MB',
        'peak extra ÷ in flight',
        'p50 ms',
      ],
      rows: s.bodies.map((b) => [
        `${b.label} ${b.proxy}`,
        fmt(b.requests),
        fmt(b.concurrency),
        fmt(b.cpuUsPerRequest, 0),
        fmt(b.cpuUsPerMb, 0),
        fmt(b.rssBeforeMb, 1),
        fmt(b.peakRssMb, 1),
        fmt(b.rssAfterMb, 1),
        `${fmt(b.heapBeforeMb, 1)}→${fmt(b.heapAfterMb, 1)}`,
        Number.isFinite(b.bufferFactor) ? `${fmt(b.bufferFactor, 2)}×` : '—',
        fmt(b.p50Ms, 1),
      ]),
    });
  }
  if (s.streams?.length) {
    tables.push({
      title: 'Scale: open SSE streams held through aliasgate (memory after GC, per stream)',
      header: [
        'streams',
        'opened in ms',
        'heap KB/stream',
        'external KB/stream',
        'RSS KB/stream',
        'heap MB',
        'RSS MB',
        'CPU µs/stream open',
      ],
      rows: s.streams.map((t) => [
        fmt(t.streams),
        fmt(t.openMs),
        fmt(t.heapKbPerStream, 1),
        fmt(t.externalKbPerStream, 1),
        fmt(t.rssKbPerStream, 1),
        fmt(t.heapMb, 1),
        fmt(t.rssMb, 1),
        fmt(t.cpuUsPerStream, 0),
      ]),
    });
  }
  return tables;
}

function profileTables(p) {
  return [
    {
      title: `Profile: aliasgate, wrk c=32 generateContent, ${fmt(p.requests)} requests; top self time (${fmt(p.totalCpuUsPerRequest, 1)} µs of sampled CPU per request)`,
      header: ['function', 'where', 'self %', 'µs/req'],
      rows: p.top.map((f) => [f.name, f.where, fmt(f.percent, 1), fmt(f.usPerRequest, 2)]),
    },
    {
      title: `Profile by area (self time), aliasgate vs the floor proxy (${fmt(p.floor?.totalCpuUsPerRequest, 1)} µs/req under the profiler)`,
      header: ['area', 'aliasgate %', 'aliasgate µs/req', 'floor %', 'floor µs/req'],
      rows: [...new Set([...p.areas.map((a) => a.area), ...(p.floor?.areas ?? []).map((a) => a.area)])].map(
        (name) => {
          const mine = p.areas.find((a) => a.area === name);
          const floor = p.floor?.areas.find((a) => a.area === name);
          return [
            name,
            fmt(mine?.percent, 1),
            fmt(mine?.usPerRequest, 2),
            fmt(floor?.percent, 1),
            fmt(floor?.usPerRequest, 2),
          ];
        },
      ),
    },
    ...(p.floor
      ? [
          {
            title: 'Profile: floor proxy, top self time',
            header: ['function', 'where', 'self %', 'µs/req'],
            rows: p.floor.top
              .slice(0, 12)
              .map((f) => [f.name, f.where, fmt(f.percent, 1), fmt(f.usPerRequest, 2)]),
          },
        ]
      : []),
  ];
}

function clusterTables(c) {
  return [
    {
      title: `Scaling over cores: aliasgate serve --workers 1 vs N (node:cluster; wrk, generateContent, medians of ${c.rounds} round(s))`,
      header: ['setup', 'c', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req (all processes)', 'req/s ÷ 1 worker'],
      rows: c.summary.map((s) => [
        s.setup,
        fmt(s.connections),
        fmt(s.rps),
        fmt(s.p50Ms, 3),
        fmt(s.p99Ms, 3),
        fmt(s.cpuUsPerRequest, 1),
        ratio(s.rps, c.summary.find((b) => b.connections === s.connections && b.workers === 1)?.rps),
      ]),
    },
  ];
}

export function renderAll(results) {
  const tables = [];
  if (results.overhead?.summary) tables.push(...overheadTables(results.overhead));
  if (results.incident?.modes) tables.push(...incidentTables(results.incident));
  if (results.scale) tables.push(...scaleTables(results.scale));
  if (results.profile?.top) tables.push(...profileTables(results.profile));
  if (results.cluster?.summary) tables.push(...clusterTables(results.cluster));
  if (results.fleet) tables.push(...fleetTables(results.fleet));
  if (results.soak) tables.push(...soakTables(results.soak));
  const checks = checkTargets(results);
  results.targets = checks;
  if (checks.length > 0) {
    tables.push({
      title: 'Targets (issue 5)',
      header: ['target', 'measured', 'goal', 'met', 'margin'],
      rows: checks.map((c) => [c.name, c.measured, c.goal, c.met ? 'yes' : 'NO', c.margin]),
    });
  }
  const m = results.meta;
  const head = `aliasgate bench — ${m.date} — ${m.nproc} cores (${m.cpu}) — node ${m.node} — ${m.nginx ?? 'nginx not installed'} — static upstream: ${m.upstream} — commit ${m.commit}${m.dirty ? ' + uncommitted src changes' : ''}\ncommand: ${m.command}`;
  return {
    text: [head, ...tables.map((t) => render(t.title, t.header, t.rows))].join('\n'),
    md: [head, ...tables.map((t) => `\n### ${t.title}\n\n${markdown(t.header, t.rows)}`)].join('\n'),
  };
}
