/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and names where the time went: self time per function
 * (summed over every node of the call tree with the same function, file and line) and per area of the code.
 * Shares are of the non-idle samples, i.e. of the CPU the process used, not of wall time.
 */

const HIDDEN = new Set(['(idle)', '(root)']);

/** Where a function lives, short: `dist/api/proxy.js:41`, `undici/lib/dispatcher/client-h1.js:612`, `node:_http_server`. */
function where(frame) {
  const url = frame.url ?? '';
  if (!url) return '';
  const line = frame.lineNumber >= 0 ? `:${frame.lineNumber + 1}` : '';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return `${url.slice(modules + '/node_modules/'.length)}${line}`;
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return `${url.slice(dist + 1)}${line}`;
  if (url.startsWith('node:')) return `${url}${line}`;
  return `${url.replace(/^file:\/\//, '')}${line}`;
}

/** The part of the system a function belongs to, for the per-area table. */
export function area(frame) {
  const name = frame.functionName;
  const url = frame.url ?? '';
  if (name === '(garbage collector)') return 'V8 garbage collector';
  if (name === '(program)') return 'V8/native, unattributed (program)';
  if (url.includes('/node_modules/undici/')) return 'undici (upstream client)';
  if (url.includes('/node_modules/'))
    return `node_modules: ${url.split('/node_modules/').pop().split('/')[0]}`;
  if (url.includes('/dist/')) return `aliasgate: dist/${url.split('/dist/').pop().split('/')[0]}`;
  if (url.startsWith('node:')) return 'Node core (http, net, streams, events)';
  if (!url) return 'native builtins (syscalls, JSON, Buffer)';
  return 'other';
}

/**
 * @param {{ nodes: { id: number, callFrame: object, hitCount?: number }[], samples: number[] }} profile
 * @param {{ top?: number, cpuUsPerRequest?: number, window?: [number, number] }} [opts] cpuUsPerRequest turns shares
 *   into µs per request; window keeps only the samples taken between two monotonic times, µs
 */
export function summarizeProfile(profile, opts = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map();
  // sample i was taken at startTime + timeDeltas[0..i] (µs, CLOCK_MONOTONIC: the same clock as another process's
  // process.hrtime, so a window measured by the orchestrator selects the samples of the measured run)
  let at = profile.startTime;
  let windowed = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas?.[i] ?? 0;
    if (opts.window && (at < opts.window[0] || at > opts.window[1])) return;
    windowed++;
    hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  const functions = new Map();
  const areas = new Map();
  let busy = 0;
  for (const [id, count] of hits) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || HIDDEN.has(frame.functionName)) continue;
    busy += count;
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}`;
    const f = functions.get(key) ?? {
      name: frame.functionName || '(anonymous)',
      where: where(frame),
      samples: 0,
    };
    f.samples += count;
    functions.set(key, f);
    const a = area(frame);
    areas.set(a, (areas.get(a) ?? 0) + count);
  }
  const perRequest = (samples) =>
    opts.cpuUsPerRequest ? (samples / busy) * opts.cpuUsPerRequest : Number.NaN;
  const top = [...functions.values()]
    .sort((a, b) => b.samples - a.samples)
    .slice(0, opts.top ?? 20)
    .map((f) => ({ ...f, percent: (f.samples / busy) * 100, usPerRequest: perRequest(f.samples) }));
  const byArea = [...areas.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, samples]) => ({
      area: name,
      samples,
      percent: (samples / busy) * 100,
      usPerRequest: perRequest(samples),
    }));
  return { busySamples: busy, totalSamples: windowed, top, areas: byArea };
}
