// The client side of test/integration/overload.test.ts, in its own process so the load it makes is not limited by
// (and does not slow) the test's event loop. Plain Node, no dependencies. The test forks it and sends commands over
// the IPC channel: { id, cmd, args } → { id, result } or { id, error }. It exits when the channel closes.
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const handlers = {
  slowOpen,
  slowStatus,
  slowEnd,
  connect,
  run,
  streamsOpen,
  streamsDone,
  hammerStart,
  hammerStatus,
  hammerStop,
};

process.on('message', async ({ id, cmd, args }) => {
  try {
    process.send({ id, result: await handlers[cmd](args ?? {}) });
  } catch (e) {
    process.send({ id, error: String(e?.stack ?? e) });
  }
});
process.on('disconnect', () => process.exit(0));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

const countOf = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);

/** Calls `startOne` `count` times, at most `window` unsettled at once (a sliding window, not batches). */
async function windowed(count, window, startOne) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      await startOne();
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
}

// ---- slow clients: connections that send a request's headers a byte at a time and never finish them ----

/** @type {{ socket: net.Socket; openedAt: number; closedAt?: number; answer: string; timer?: NodeJS.Timeout }[]} */
let slow = [];

async function slowOpen({ url, count, path, trickleMs, window = 250 }) {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  const head = `POST ${path} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\nx-slow: `;
  let failed = 0;
  await windowed(
    count,
    window,
    () =>
      new Promise((resolve) => {
        const socket = net.connect(Number(port), hostname);
        const client = { socket, openedAt: 0, answer: '' };
        socket.setNoDelay(true);
        socket.on('connect', () => {
          client.openedAt = performance.now();
          socket.write(head);
          // spread over the interval, so the bytes do not all arrive in one burst
          client.timer = setTimeout(() => {
            client.timer = setInterval(() => socket.writable && socket.write('a'), trickleMs);
          }, Math.random() * trickleMs);
          slow.push(client);
          resolve();
        });
        socket.on('data', (b) => {
          if (client.answer.length < 512) client.answer += b.toString('latin1');
        });
        socket.on('error', () => {});
        socket.on('close', () => {
          client.closedAt = performance.now();
          clearTimeout(client.timer);
          clearInterval(client.timer);
          if (!client.openedAt) {
            failed++;
            resolve();
          }
        });
      }),
  );
  return { opened: slow.length, failed, openMs: Math.round(performance.now() - started) };
}

/** How the slow clients stand: still open, or closed — how long after opening, and with what answer. */
function slowStatus() {
  const now = performance.now();
  const closed = slow.filter((c) => c.closedAt !== undefined);
  const lives = closed.map((c) => c.closedAt - c.openedAt).sort((a, b) => a - b);
  const answers = new Map();
  for (const c of closed) countOf(answers, c.answer.split('\r\n')[0] || '(closed without an answer)');
  return {
    open: slow.length - closed.length,
    closed: closed.length,
    answers: Object.fromEntries(answers),
    lifeMs: { min: Math.round(lives[0] ?? 0), max: Math.round(lives.at(-1) ?? 0) },
    oldestOpenMs: Math.round(
      Math.max(0, ...slow.filter((c) => c.closedAt === undefined).map((c) => now - c.openedAt)),
    ),
  };
}

function slowEnd() {
  for (const c of slow) {
    clearTimeout(c.timer);
    clearInterval(c.timer);
    c.socket.destroy();
  }
  slow = [];
  return {};
}

/**
 * Opens `count` more connections at once and sends nothing on them: says how many the gateway kept open for
 * `holdMs` and how many it closed at once (past server.maxConnections it drops them), then closes them.
 */
async function connect({ url, count, holdMs }) {
  const { hostname, port } = new URL(url);
  const sockets = Array.from({ length: count }, () => {
    const socket = net.connect(Number(port), hostname);
    const s = { socket, closed: false };
    socket.on('error', () => {});
    socket.on('close', () => (s.closed = true));
    return s;
  });
  await sleep(holdMs);
  const kept = sockets.filter((s) => !s.closed).length;
  for (const s of sockets) s.socket.destroy();
  return { kept, closed: count - kept };
}

// ---- ordinary requests: a fixed number, or for a while, at a concurrency, with their latencies ----

/** A JSON POST through `agent`, as every client here sends one. */
function post(agent, url, path, body, onResponse) {
  return http.request(
    `${url}${path}`,
    {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    },
    onResponse,
  );
}

function request(agent, url, path, body, extra = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = post(agent, url, path, body, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          ms: performance.now() - started,
          retryAfter: res.headers['retry-after'],
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', () => resolve({ status: 'cut', ms: performance.now() - started }));
    });
    extra.onRequest?.(req);
    req.on('error', (e) => resolve({ status: e.code ?? 'error', ms: performance.now() - started }));
    req.end(body);
  });
}

async function run({ url, path, body, concurrency, total, durationMs }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map();
  const latencies = [];
  const latencies503 = [];
  let retryAfter = 0;
  let sample;
  let sent = 0;
  const until = durationMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + durationMs;
  const worker = async () => {
    while ((total === undefined || sent < total) && performance.now() < until) {
      sent++;
      const r = await request(agent, url, path, body);
      countOf(statuses, r.status);
      (r.status === 503 ? latencies503 : latencies).push(r.ms);
      if (r.retryAfter !== undefined) retryAfter++;
      if (r.status !== 200 && !sample) sample = r.body?.slice(0, 300);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return {
    statuses: Object.fromEntries(statuses),
    retryAfter,
    // answers other than 503 (the ones that were served), and the 503s
    latency: summary(latencies),
    latency503: summary(latencies503),
    sample,
  };
}

// ---- SSE streams held open at once ----

/** @type {{ status?: number; text: string; done?: 'completed' | 'errored' | 'cut' }[]} */
let streams = [];
let streamsEnded;

async function streamsOpen({ url, path, body, count, window = 250 }) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const started = performance.now();
  let ended = 0;
  let allEnded;
  streamsEnded = new Promise((resolve) => {
    allEnded = resolve;
  });
  streams = [];
  const finish = (s, how) => {
    if (s.done) return;
    s.done = how;
    s.text = s.text.slice(-200);
    if (++ended === count) allEnded();
  };
  // the next stream starts when one before it has its first byte (or failed)
  await windowed(
    count,
    window,
    () =>
      new Promise((firstByte) => {
        const s = { text: '' };
        streams.push(s);
        const req = post(agent, url, path, body, (res) => {
          s.status = res.statusCode;
          res.setEncoding('utf8');
          res.once('data', firstByte);
          res.on('data', (t) => (s.text += t));
          res.on('end', () => {
            firstByte();
            if (s.status !== 200 || /data: \{"error"/.test(s.text)) finish(s, 'errored');
            else if (s.text.includes('"finishReason"') && s.text.endsWith('\r\n\r\n')) finish(s, 'completed');
            else finish(s, 'cut');
          });
          res.on('aborted', () => finish(s, 'cut'));
          res.on('error', () => finish(s, 'cut'));
        });
        req.on('error', () => {
          firstByte();
          finish(s, 'cut');
        });
        req.end(body);
      }),
  );
  const statuses = new Map();
  for (const s of streams) countOf(statuses, s.status ?? 'none');
  return {
    started: streams.length,
    open: streams.filter((s) => !s.done).length,
    statuses: Object.fromEntries(statuses),
    openMs: Math.round(performance.now() - started),
  };
}

async function streamsDone({ timeoutMs }) {
  await Promise.race([streamsEnded, sleep(timeoutMs)]);
  const how = new Map();
  for (const s of streams) countOf(how, s.done ?? 'still open');
  const notCompleted = streams.filter((s) => s.done !== 'completed').slice(0, 3);
  const result = {
    ...Object.fromEntries(how),
    samples: notCompleted.map((s) => ({ status: s.status, done: s.done, tail: s.text })),
  };
  streams = [];
  return result;
}

// ---- a crowd of clients on one alias, each asking again (after Retry-After) as soon as it is answered ----

let hammer;

function hammerStart({ url, path, body, concurrency, rampMs = 500 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const h = {
    agent,
    running: true,
    requests: new Set(),
    statuses: new Map(),
    byStatus: new Map(),
    retryAfterOn503: 0,
    outstanding: 0,
  };
  const worker = async () => {
    // the crowd arrives over rampMs, not in one instant
    await sleep(Math.random() * rampMs);
    let first = true;
    while (h.running) {
      h.outstanding++;
      const r = await request(agent, url, path, body, {
        onRequest: (req) => {
          h.requests.add(req);
          req.on('close', () => h.requests.delete(req));
        },
      });
      h.outstanding--;
      if (!h.running) break;
      countOf(h.statuses, r.status);
      // a client's first answer comes while the crowd arrives; the later ones do not
      const key = `${r.status}${first ? ' first' : ' again'}`;
      first = false;
      if (!h.byStatus.has(key)) h.byStatus.set(key, []);
      h.byStatus.get(key).push(r.ms);
      if (r.status === 503 && r.retryAfter !== undefined) h.retryAfterOn503++;
      // a well-behaved client: waits what it was told (else a second), with jitter so the crowd does not come back
      // in step
      const wait = r.retryAfter === undefined ? 1 : Number(r.retryAfter);
      if (r.status !== 200) await sleep(wait * 1000 * (1 + Math.random()));
    }
  };
  for (let i = 0; i < concurrency; i++) void worker();
  hammer = h;
  return {};
}

function hammerStatus() {
  const h = hammer;
  const latency = {};
  const counts = {};
  for (const [key, ms] of h.byStatus) {
    latency[key] = summary(ms);
    counts[key] = ms.length;
  }
  return {
    statuses: Object.fromEntries(h.statuses),
    counts,
    retryAfterOn503: h.retryAfterOn503,
    outstanding: h.outstanding,
    latency,
  };
}

function hammerStop() {
  const h = hammer;
  const status = hammerStatus();
  h.running = false;
  for (const req of h.requests) req.destroy();
  h.agent.destroy();
  // workers waiting out a Retry-After stop when they wake; the ones on a request end with it now
  hammer = undefined;
  return status;
}
