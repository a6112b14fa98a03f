import { fmt } from './table.mjs';

/** The soak section's tables (bench/sections/soak.mjs), for report.mjs. */

function kindsTable(s) {
  const sum = (f) => s.kinds.reduce((a, k) => a + f(k), 0);
  const row = (name, k) => [
    name,
    fmt(k.requests),
    fmt(k.ok),
    fmt(k.rateLimited),
    fmt(k.refused),
    fmt(k.streamErrors),
    fmt(k.unexpected),
    fmt(k.fallbacks),
    fmt(k.retried),
    fmt(k.p50Ms),
    fmt(k.p99Ms),
  ];
  return {
    title: `Soak: ${fmt(s.seconds)} s of mixed traffic through \`aliasgate serve\` (${s.concurrency} workers paced to ${fmt(s.rate)} req/s), ${s.schedule.length} faults on a schedule — answers by kind`,
    header: [
      'kind',
      'requests',
      'ok',
      '429 (limited key)',
      '403 (out of scope)',
      'stream error event (mid-stream fault)',
      'unexpected',
      'served by fallback',
      'retried',
      'p50 ms (ok)',
      'p99 ms (ok)',
    ],
    rows: [
      ...s.kinds.map((k) => row(k.kind, k)),
      row('all', {
        requests: sum((k) => k.requests),
        ok: sum((k) => k.ok),
        rateLimited: sum((k) => k.rateLimited),
        refused: sum((k) => k.refused),
        streamErrors: sum((k) => k.streamErrors),
        unexpected: sum((k) => k.unexpected),
        fallbacks: sum((k) => k.fallbacks),
        retried: sum((k) => k.retried),
        p50Ms: Number.NaN,
        p99Ms: Number.NaN,
      }),
    ],
  };
}

function scheduleTable(s) {
  return {
    title: 'Soak: fault schedule (s from the start of the traffic) and what each action did',
    header: ['at s', 'action', 'result'],
    rows: s.actions.map((a) => [
      fmt(a.at, 1),
      a.label,
      a.ok
        ? a.result
          ? `ok, in force after ${fmt(a.result.inForceAfterMs)} ms`
          : 'ok'
        : `FAILED: ${a.error}`,
    ]),
  };
}

/** At most ~12 rows: the start, samples spread over the run, the end after draining. */
function processTable(s) {
  const pick = [];
  const step = Math.max(1, Math.round(s.samples.length / 10));
  for (let i = step - 1; i < s.samples.length; i += step) pick.push(s.samples[i]);
  const last = s.samples.at(-1);
  if (last && pick.at(-1) !== last) pick.push(last);
  const roles = (r) => `${r.client} / ${r.upstream} / ${r.admin} / ${r.listen} / ${r.other}`;
  const rows = [
    [
      'start (before traffic)',
      fmt(s.baseline.rssKb / 1024, 1),
      '',
      fmt(s.baseline.fds),
      fmt(s.baseline.sockets),
      roles(s.baseline.roles),
      '0',
      '',
    ],
    ...pick.map((x) => [
      `${fmt(x.t)} s`,
      fmt(x.rssMb, 1),
      `${fmt(x.heapUsedMb, 1)} / ${fmt(x.heapTotalMb, 1)}`,
      fmt(x.fds),
      fmt(x.sockets),
      roles(x.roles),
      fmt(x.clientConnections),
      fmt(x.rps),
    ]),
  ];
  if (s.end)
    rows.push([
      `end (traffic stopped, drained ${fmt(s.end.waitedMs / 1000, 1)} s)`,
      fmt(s.end.rssKb / 1024, 1),
      '',
      fmt(s.end.fds),
      fmt(s.end.sockets),
      roles(s.end.roles),
      '0',
      '',
    ]);
  return {
    title:
      'Soak: the gateway process from /proc/<pid> (RSS from status; fds from fd/; sockets by role from net/tcp by inode)',
    header: [
      'when',
      'RSS MB',
      'heap used / total MB',
      'fds',
      'sockets',
      'client / upstream / admin / listen / other',
      'client conns (load generator)',
      'req/s',
    ],
    rows,
  };
}

function verdictTable(s) {
  const yes = (ok) => (ok ? 'yes' : 'NO');
  const rows = [
    ['unexpected client errors', fmt(s.unexpected), '0', yes(s.unexpected === 0)],
    [
      `RSS median, last ${fmt(s.rss.windowS)} s ÷ first ${fmt(s.rss.windowS)} s`,
      `${fmt(s.rss.lastMb, 1)} ÷ ${fmt(s.rss.firstMb, 1)} MB = ${fmt(s.rss.ratio, 2)}×`,
      s.rss.judged ? `≤ ${fmt(s.rss.bound, 2)}×` : 'not judged: run < 60 s',
      s.rss.judged ? yes(s.rss.ratio <= s.rss.bound) : '',
    ],
    [
      `heap used + external after a full GC, end ÷ at ${fmt(s.heap.firstAtS)} s`,
      `${fmt(s.heap.lastMb, 1)} ÷ ${fmt(s.heap.firstMb, 1)} MB = ${fmt(s.heap.ratio, 2)}×`,
      s.heap.judged ? `≤ ${fmt(s.heap.bound, 2)}×` : 'not judged: run < 60 s',
      s.heap.judged ? yes(s.heap.ratio <= s.heap.bound) : '',
    ],
  ];
  if (s.end) {
    rows.push(
      [
        'file descriptors, end − start',
        `${fmt(s.end.fds)} − ${fmt(s.baseline.fds)} = ${fmt(s.end.fds - s.baseline.fds)}`,
        `≤ ${s.fdSlack}`,
        yes(s.end.fds - s.baseline.fds <= s.fdSlack),
      ],
      [
        'sockets, end − start',
        `${fmt(s.end.sockets)} − ${fmt(s.baseline.sockets)} = ${fmt(s.end.sockets - s.baseline.sockets)}`,
        `≤ ${s.fdSlack}`,
        yes(s.end.sockets - s.baseline.sockets <= s.fdSlack),
      ],
      ['client connections left at the gateway', fmt(s.end.roles.client), '0', yes(s.end.roles.client === 0)],
    );
  }
  rows.push(
    [
      'targets out of rotation when the traffic stopped → after waiting',
      `${s.outAtEnd.length === 0 ? '0' : s.outAtEnd.join(', ')} → ${s.stillOut.length === 0 ? `0 (after ${fmt(s.recoveredAfterS, 1)} s)` : s.stillOut.join(', ')}`,
      '0 within 15 s',
      yes(s.stillOut.length === 0),
    ],
    ['gateway log lines at error or fatal', fmt(s.logs.errors.length), '0', yes(s.logs.errors.length === 0)],
    ['exit on SIGTERM', JSON.stringify(s.exit), '{"code":0}', yes(s.exit?.code === 0)],
    [
      'timeline seen on /admin/events',
      Object.entries(s.timeline)
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
      '',
      '',
    ],
  );
  return { title: 'Soak: verdict', header: ['check', 'measured', 'bound', 'met'], rows };
}

export function soakTables(s) {
  if (!s?.kinds) return [];
  return [kindsTable(s), scheduleTable(s), processTable(s), verdictTable(s)];
}
