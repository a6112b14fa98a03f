import { Pool } from 'undici';
import { LIMITED_KEY, MAIN_KEY } from './setup.mjs';

/**
 * The soak's client traffic: a weighted mix of every surface the gateway serves, through aliases named unlike
 * their upstream models, each answer read to its end and judged.
 *
 * Outcomes:
 * - `ok`: 2xx and a complete answer of its kind (a stream's last event carries finishReason, an OpenAI stream
 *   ends with `data: [DONE]`, a JSON body has the fields its method returns);
 * - `rate_limited`, `refused`: the limited key's 429 and an out-of-scope call's 403 — what the gateway must do;
 * - `stream_error`: a stream that failed after its first byte and said so with an error event (a gateway cannot
 *   retry once the answer has begun): expected only while a mid-stream fault is scheduled, judged by the section;
 * - `unexpected`: anything else — a non-2xx the gateway should have absorbed (every alias always has a healthy
 *   target or fallback), a stream that ends without its final chunk and without an error event, a body that is
 *   not a complete answer, a transport error.
 */

const HI = (text) => ({ contents: [{ role: 'user', parts: [{ text }] }] });
const gemini = (alias, verb) => `/v1beta/models/${alias}:${verb}`;

/** Each kind: its share of requests, the aliases it rotates over, and how it is sent and judged. */
export const KINDS = {
  generate: {
    weight: 24,
    aliases: ['chat-fast', 'chat-safe', 'chat-backup'],
    send: (alias) => ({ path: gemini(alias, 'generateContent'), body: HI('soak: say something') }),
    check: (v) => Array.isArray(v?.candidates) && v.candidates[0]?.content !== undefined,
  },
  stream: {
    weight: 18,
    aliases: ['chat-fast', 'chat-safe'],
    stream: 'gemini',
    send: (alias) => ({
      path: `${gemini(alias, 'streamGenerateContent')}?alt=sse`,
      body: HI('soak: stream something'),
    }),
  },
  countTokens: {
    weight: 8,
    aliases: ['chat-fast', 'chat-backup'],
    send: (alias) => ({ path: gemini(alias, 'countTokens'), body: HI('how many tokens is this') }),
    check: (v) => typeof v?.totalTokens === 'number',
  },
  embed: {
    weight: 10,
    aliases: ['embed'],
    send: (alias) => ({
      path: gemini(alias, 'embedContent'),
      body: { content: { parts: [{ text: 'soak: embed this' }] } },
    }),
    check: (v) => Array.isArray(v?.embedding?.values) && v.embedding.values.length > 0,
  },
  batchEmbed: {
    weight: 5,
    aliases: ['embed'],
    send: (alias) => ({
      path: gemini(alias, 'batchEmbedContents'),
      body: {
        requests: ['one', 'two', 'three'].map((text) => ({
          model: `models/${alias}`,
          content: { parts: [{ text }] },
        })),
      },
    }),
    check: (v) => Array.isArray(v?.embeddings) && v.embeddings.length === 3,
  },
  openai: {
    weight: 10,
    aliases: ['chat-fast', 'chat-backup'],
    bearer: true,
    send: (alias) => ({
      path: '/v1beta/openai/chat/completions',
      body: { model: alias, messages: [{ role: 'user', content: 'soak: hello' }] },
    }),
    check: (v) => typeof v?.choices?.[0]?.message?.content === 'string',
  },
  openaiStream: {
    weight: 12,
    aliases: ['chat-fast', 'chat-safe'],
    bearer: true,
    stream: 'openai',
    send: (alias) => ({
      path: '/v1beta/openai/chat/completions',
      body: { model: alias, stream: true, messages: [{ role: 'user', content: 'soak: stream' }] },
    }),
  },
  models: {
    weight: 2,
    aliases: [''],
    method: 'GET',
    send: () => ({ path: '/v1beta/models' }),
    check: (v) => Array.isArray(v?.models) && v.models.length === 5,
  },
  // the limited key, at about three times its rate: 429s are the gateway doing its job
  limited: {
    weight: 7,
    aliases: ['chat-backup'],
    key: LIMITED_KEY,
    expect: [429],
    send: (alias) => ({ path: gemini(alias, 'generateContent'), body: HI('soak: limited key') }),
    check: (v) => Array.isArray(v?.candidates),
  },
  // the limited key on an alias outside its allow-list: must be refused (403), or rate-limited first (429)
  forbidden: {
    weight: 2,
    aliases: ['chat-fast'],
    key: LIMITED_KEY,
    expect: [403, 429],
    refuseOnly: true,
    send: (alias) => ({ path: gemini(alias, 'generateContent'), body: HI('soak: not allowed') }),
  },
};

/** A small seeded generator (mulberry32): the same mix every run. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Judges a finished answer of `kind`: one of the outcomes above, and why when it is not `ok`. */
export function judge(kind, status, text) {
  const spec = KINDS[kind];
  if (spec.expect?.includes(status)) return { outcome: status === 429 ? 'rate_limited' : 'refused' };
  if (status < 200 || status >= 300)
    return { outcome: 'unexpected', why: `HTTP ${status}: ${errorText(text)}` };
  if (spec.refuseOnly)
    return { outcome: 'unexpected', why: `HTTP ${status}: a key outside its scope was served` };
  if (spec.stream === 'gemini' || spec.stream === 'openai') return judgeStream(spec.stream, text);
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return { outcome: 'unexpected', why: `HTTP ${status}: body is not JSON (${text.length} bytes)` };
  }
  return spec.check(value)
    ? { outcome: 'ok' }
    : { outcome: 'unexpected', why: `HTTP ${status}: incomplete answer: ${text.slice(0, 200)}` };
}

function errorText(text) {
  try {
    const v = JSON.parse(text);
    const e = Array.isArray(v) ? v[0]?.error : v.error;
    return e ? `${e.status ?? e.code ?? ''} ${e.message ?? ''}`.trim().slice(0, 300) : text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

/** An SSE stream: complete, ended by an error event, or neither (cut in silence, or garbled). */
function judgeStream(flavour, text) {
  const events = text
    .split(/\r\n\r\n|\n\n/)
    .map((e) => e.trim())
    .filter((e) => e.startsWith('data:'))
    .map((e) => e.slice(5).trim());
  if (events.length === 0) return { outcome: 'unexpected', why: 'stream with no event' };
  const last = events.at(-1);
  if (flavour === 'openai' && last === '[DONE]') return { outcome: 'ok' };
  let value;
  try {
    value = JSON.parse(last);
  } catch {
    return { outcome: 'unexpected', why: `stream ends in a garbled event: ${last.slice(0, 120)}` };
  }
  if (value?.error) return { outcome: 'stream_error', why: errorText(last) };
  if (flavour === 'gemini' && value?.candidates?.[0]?.finishReason) return { outcome: 'ok' };
  return {
    outcome: 'unexpected',
    why: `stream ended without its final ${flavour === 'gemini' ? 'chunk' : '[DONE]'} or an error event`,
  };
}

/**
 * Runs the mix until `stop()`: `concurrency` workers over one keep-alive pool, paced to `rate` requests/s in all.
 * Every finished request is handed to `record`.
 * @param {{ url: string, concurrency: number, rate: number, seed?: number,
 *   record: (r: { kind: string, alias: string, startMs: number, endMs: number, status: number,
 *     outcome: string, why?: string, attempts: number, fallback: boolean }) => void }} opts
 */
export function startTraffic(opts) {
  const pool = new Pool(opts.url, {
    connections: opts.concurrency,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
    keepAliveTimeout: 10_000,
  });
  const random = seeded(opts.seed ?? 7);
  const table = Object.entries(KINDS).flatMap(([kind, spec]) => Array(spec.weight).fill(kind));
  const t0 = performance.now();
  const intervalMs = 1000 / opts.rate;
  let nextSlot = 0;
  let stopping = false;
  let inFlight = 0;

  const pace = async () => {
    const now = performance.now() - t0;
    // a worker that fell behind does not make up for it in a burst
    nextSlot = Math.max(nextSlot + intervalMs, now);
    const wait = nextSlot - now;
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  };

  const once = async () => {
    const kind = table[Math.floor(random() * table.length)];
    const spec = KINDS[kind];
    const alias = spec.aliases[Math.floor(random() * spec.aliases.length)];
    const { path, body } = spec.send(alias);
    const key = spec.key ?? MAIN_KEY;
    const headers = spec.bearer ? { authorization: `Bearer ${key}` } : { 'x-goog-api-key': key };
    if (body) headers['content-type'] = 'application/json';
    const startMs = Date.now();
    inFlight++;
    try {
      const res = await pool.request({
        path,
        method: spec.method ?? 'POST',
        headers,
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.body.text();
      const verdict = judge(kind, res.statusCode, text);
      opts.record({
        kind,
        alias,
        startMs,
        endMs: Date.now(),
        status: res.statusCode,
        ...verdict,
        attempts: Number(res.headers['x-aliasgate-attempts'] ?? 1),
        fallback: res.headers['x-aliasgate-fallback'] !== undefined,
      });
    } catch (error) {
      opts.record({
        kind,
        alias,
        startMs,
        endMs: Date.now(),
        status: 0,
        outcome: 'unexpected',
        why: `transport: ${error.code ?? ''} ${error.message}`.trim(),
        attempts: 0,
        fallback: false,
      });
    } finally {
      inFlight--;
    }
  };

  const workers = Array.from({ length: opts.concurrency }, async () => {
    while (!stopping) {
      await pace();
      if (stopping) break;
      await once();
    }
  });

  return {
    /** Client connections the pool holds open now. */
    connected: () => pool.stats.connected,
    inFlight: () => inFlight,
    /** Lets requests in flight finish, then closes every connection. */
    async stop() {
      stopping = true;
      await Promise.all(workers);
      await pool.close();
    },
  };
}
