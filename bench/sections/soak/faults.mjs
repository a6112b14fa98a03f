import { request } from 'undici';
import { ADMIN_TOKEN, RELOADED_WEIGHT } from './setup.mjs';

/**
 * The soak's fault schedule, in fractions of the run: each fault breaks one build (through the simulator's
 * `/_sim/builds/<build>` run-time control) while its alias still has a healthy target or fallback, then heals it;
 * an operator pull and restore through the admin API; two SIGHUP reloads. Everything is healed by 74% of the run,
 * so the rest shows the gateway re-admitting what it ejected and settling.
 *
 * `midStream` marks the faults that break streams after their first byte: the only ones a client may see (as an
 * error event that ends the stream), because no gateway can retry an answer that has begun.
 */
export const SCHEDULE = [
  {
    from: 0.04,
    to: 0.14,
    name: 'flash-b1 dead',
    what: 'chat-fast (provider mode): build flash-b1 (2/3 of its traffic) answers 404 Model not found, then heals',
    build: 'flash-b1',
    behaviour: { kind: 'dead' },
  },
  {
    from: 0.06,
    to: 0.16,
    name: 'sf-1 dead',
    what: "chat-safe (client mode): half of the provider alias sim-flash-lb's calls land on dead build sf-1 (the incident)",
    build: 'sf-1',
    behaviour: { kind: 'dead' },
  },
  {
    from: 0.08,
    to: 0.18,
    name: 'emb-a hangs',
    what: "embed: 20% of emb-a's calls never answer (the gateway's per-try timeout, 1 s, ends them)",
    build: 'emb-a',
    behaviour: { kind: 'hang', rate: 0.2 },
  },
  {
    from: 0.2,
    to: 0.28,
    name: 'pro-b1 429 burst',
    what: "chat-backup: 70% of pro-b1's calls get 429 RESOURCE_EXHAUSTED with RetryInfo 1 s",
    build: 'pro-b1',
    behaviour: { kind: 'overloaded', rate: 0.7, retryDelayMs: 1000 },
  },
  {
    from: 0.3,
    to: 0.38,
    name: 'flash-b2 503 burst',
    what: "chat-fast: half of flash-b2's calls get 503 UNAVAILABLE",
    build: 'flash-b2',
    behaviour: { kind: 'transient', rate: 0.5 },
  },
  {
    from: 0.32,
    to: 0.4,
    name: 'emb-b dead',
    what: 'embed: embedding build emb-b answers 404 Model not found, then heals',
    build: 'emb-b',
    behaviour: { kind: 'dead' },
  },
  {
    from: 0.42,
    to: 0.5,
    name: 'flash-b1 stream cuts',
    what: "chat-fast: 30% of flash-b1's answers lose their connection after 2 stream chunks (unary: a reset)",
    build: 'flash-b1',
    behaviour: { kind: 'streamCut', rate: 0.3, afterChunks: 2 },
    midStream: true,
  },
  {
    from: 0.44,
    to: 0.52,
    name: 'pro-b2 resets',
    what: "chat-backup: 30% of pro-b2's calls have their connection reset without an answer",
    build: 'pro-b2',
    behaviour: { kind: 'reset', rate: 0.3 },
  },
  {
    from: 0.54,
    to: 0.62,
    name: 'operator pull',
    what: 'POST /admin/pull chat-fast flash-b2, then POST /admin/restore',
    pull: { alias: 'chat-fast', model: 'flash-b2' },
  },
  {
    from: 0.58,
    name: 'SIGHUP reload',
    what: "config rewritten (pro-b1's weight 1 → 3), SIGHUP",
    reload: 'reloaded',
  },
  {
    from: 0.6,
    to: 0.68,
    name: 'sf-2 500 burst',
    what: "chat-safe: half of sf-2's calls get 500 INTERNAL",
    build: 'sf-2',
    behaviour: { kind: 'transient', rate: 0.5, status: 500 },
  },
  {
    from: 0.64,
    to: 0.72,
    name: 'emb-a malformed',
    what: "embed: 30% of emb-a's answers are 200 with a body that is not JSON",
    build: 'emb-a',
    behaviour: { kind: 'malformed', rate: 0.3 },
  },
  { from: 0.66, name: 'SIGHUP reload back', what: 'the original config again, SIGHUP', reload: 'initial' },
  {
    from: 0.66,
    to: 0.74,
    name: 'flash-b2 stream errors',
    what: "chat-fast: 30% of flash-b2's streams end after 3 chunks with Google's mid-stream 503 error object",
    build: 'flash-b2',
    behaviour: { kind: 'streamError', rate: 0.3, afterChunks: 3 },
    midStream: true,
  },
];

async function post(url, body, headers = {}) {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`POST ${url}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

const asOperator = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function adminStatus(adminUrl) {
  const res = await request(`${adminUrl}/admin/status`, { headers: asOperator });
  if (res.statusCode !== 200) throw new Error(`GET /admin/status: HTTP ${res.statusCode}`);
  return res.body.json();
}

/** pro-b1's weight in force on chat-backup, as /admin/status tells it. */
async function proWeight(adminUrl) {
  const status = await adminStatus(adminUrl);
  const alias = status.aliases.find((a) => a.name === 'chat-backup');
  return alias?.targets.find((t) => t.model === 'pro-b1')?.weight;
}

/**
 * The start and end actions of every fault, in time order.
 * @param {{ simUrl: string, adminUrl: string, gateway: { reload(variant: string): void } }} ctx
 */
function actions(ctx) {
  const out = [];
  const healthy = { kind: 'healthy' };
  for (const f of SCHEDULE) {
    if (f.build) {
      out.push({
        at: f.from,
        fault: f,
        label: `${f.name}: start`,
        run: () => post(`${ctx.simUrl}/_sim/builds/${f.build}`, { behaviour: f.behaviour }),
      });
      out.push({
        at: f.to,
        fault: f,
        label: `${f.name}: healed`,
        run: () => post(`${ctx.simUrl}/_sim/builds/${f.build}`, { behaviour: healthy }),
      });
    } else if (f.pull) {
      const body = (reason) => ({ ...f.pull, reason, by: 'soak' });
      out.push({
        at: f.from,
        fault: f,
        label: `${f.name}: pull`,
        run: async () => {
          const r = await post(`${ctx.adminUrl}/admin/pull`, body('soak: operator pull'), asOperator);
          if (!r.changed) throw new Error('pull changed nothing');
          return r;
        },
      });
      out.push({
        at: f.to,
        fault: f,
        label: `${f.name}: restore`,
        run: async () => {
          const r = await post(`${ctx.adminUrl}/admin/restore`, body('soak: restore'), asOperator);
          if (!r.changed) throw new Error('restore changed nothing');
          return r;
        },
      });
    } else if (f.reload) {
      out.push({
        at: f.from,
        fault: f,
        label: f.name,
        run: async () => {
          const started = Date.now();
          ctx.gateway.reload(f.reload);
          const want = RELOADED_WEIGHT[f.reload];
          while (Date.now() - started < 5000) {
            if ((await proWeight(ctx.adminUrl)) === want)
              return { weight: want, inForceAfterMs: Date.now() - started };
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          throw new Error(`pro-b1's weight did not become ${want} within 5 s of SIGHUP`);
        },
      });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/**
 * Runs the schedule over `seconds` from `t0` (ms since epoch); `finished` settles after its last action. Each action
 * is logged with its time and what it returned or why it failed.
 */
export function runSchedule(ctx, seconds, log, t0 = Date.now()) {
  const done = [];
  let cancelled = false;
  const finished = (async () => {
    for (const action of actions(ctx)) {
      const due = t0 + action.at * seconds * 1000;
      while (!cancelled && Date.now() < due)
        await new Promise((resolve) => setTimeout(resolve, Math.min(250, due - Date.now())));
      if (cancelled) return;
      const at = (Date.now() - t0) / 1000;
      try {
        const result = await action.run();
        done.push({ at, label: action.label, ok: true, ...(result?.inForceAfterMs ? { result } : {}) });
        log(`  ${at.toFixed(1).padStart(6)} s  ${action.label}`);
      } catch (error) {
        done.push({ at, label: action.label, ok: false, error: error.message });
        log(`  ${at.toFixed(1).padStart(6)} s  ${action.label}: FAILED ${error.message}`);
      }
    }
  })();
  return {
    done,
    finished,
    cancel() {
      cancelled = true;
    },
  };
}

/**
 * Time windows (ms since epoch) in which a stream may end with an error event: each mid-stream fault's span,
 * with a second of slack either side for requests already under way and the simulator's switch.
 */
export function midStreamWindows(t0, seconds) {
  return SCHEDULE.filter((f) => f.midStream).map((f) => ({
    name: f.name,
    fromMs: t0 + f.from * seconds * 1000 - 1000,
    toMs: t0 + f.to * seconds * 1000 + 1000,
  }));
}

export { adminStatus };
