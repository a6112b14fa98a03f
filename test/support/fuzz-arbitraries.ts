import fc from 'fast-check';
import type { FuzzRequest } from './fuzz-http.js';
import { ADMIN_TOKEN, FUZZ_ALIASES, FUZZ_MODELS, GOOD_KEY } from './fuzz-stack.js';

/**
 * Generators of hostile and careless requests: each piece (path, query, headers, body) mixes well-formed values,
 * near misses and garbage, so most requests get past some checks and fail at a later one.
 */

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A client key no response could contain by accident: a find means an echo. */
export const KEY_PATTERN = /fzkey[A-Za-z0-9]{20}/g;
const randomKey = fc
  .string({ unit: fc.constantFrom(...ALNUM), minLength: 20, maxLength: 20 })
  .map((s) => `fzkey${s}`);
const anyKey = fc.oneof({ weight: 3, arbitrary: fc.constant(GOOD_KEY) }, { weight: 1, arbitrary: randomKey });

const printable = fc.string({
  unit: fc.mapToConstant({ num: 95, build: (v) => String.fromCharCode(0x20 + v) }),
  maxLength: 40,
});

/** Percent-encodes what a request line cannot carry raw; `%` stays as it is, so broken escapes reach the server. */
export function onTheWire(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code > 0x20 && code < 0x7f) out += ch;
    // byte by byte, as UTF-8 (a lone surrogate becomes U+FFFD, as any client would send it)
    else
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const weirdSegment = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '',
    '%',
    '%zz',
    '%E0%A4%A',
    '%00',
    '%2F',
    '%2e%2e',
    '%C0%AF',
    '%ff',
    '~',
    ':',
    '::',
  ),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('a', '%', '.', ':', '-', '_', '2', 'F'), maxLength: 20 }),
  fc.integer({ min: 1000, max: 4000 }).map((n) => 'x'.repeat(n)),
);

const VERBS = [
  'generateContent',
  'streamGenerateContent',
  'countTokens',
  'embedContent',
  'batchEmbedContents',
];
const modelInPath = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FUZZ_ALIASES) },
  fc.constantFrom(...FUZZ_MODELS, 'models/chat', 'CHAT', 'chat%20', 'ch%61t', 'gemini-2.5-flash'),
  weirdSegment,
);

export const geminiPath = fc
  .tuple(
    fc.oneof({ weight: 8, arbitrary: fc.constantFrom('v1beta', 'v1', 'v1alpha') }, weirdSegment),
    modelInPath,
    fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...VERBS) }, weirdSegment),
    fc.oneof({ weight: 8, arbitrary: fc.constant(':') }, fc.constantFrom('', '::', '/')),
  )
  .map(([version, model, verb, sep]) => `/${version}/models/${model}${sep === '' ? '' : `${sep}${verb}`}`);

export const openaiPath = fc.constantFrom(
  '/v1beta/openai/chat/completions',
  '/v1/chat/completions',
  '/v1beta/chat/completions',
  '/v1alpha/openai/chat/completions',
  '/v1beta/openai/models',
  '/v1beta/openai/models/chat',
  '/v1beta/openai/embeddings',
  '/v1/embeddings',
  '/v1beta/openai/responses',
  '/v1/responses',
  '/v1beta/openai/models/nope',
  '/v1beta/openai/chat/completions/',
);

export const adminPath = fc.constantFrom(
  '/admin/status',
  '/admin/pull',
  '/admin/restore',
  '/admin/audit',
  '/admin/',
  '/admin/status/..',
  '/metrics',
  '/healthz',
);

export const randomPath = fc
  .array(weirdSegment, { maxLength: 6 })
  .map((segments) => `/${segments.join('/')}`);

const queryPart = fc.oneof(
  anyKey.map((k) => `key=${k}`),
  anyKey.map((k) => `%6Bey=${k}`),
  anyKey.map((k) => `KEY=${k}`),
  fc.constantFrom('alt=sse', 'alt=json', 'alt=', 'alt=%zz', '$alt=sse', 'key=', 'key', '&&', '=', '%'),
  fc.constantFrom(
    'pageSize=-1',
    'pageSize=1e309',
    'pageSize=abc',
    'pageSize=2',
    'pageToken=%%%',
    'pageToken=LTE',
  ),
  fc.constantFrom('limit=-5', 'limit=1e12', 'alias=%zz'),
  fc.tuple(weirdSegment, weirdSegment).map(([a, b]) => `${a}=${b}`),
);
export const query = fc
  .array(queryPart, { maxLength: 4 })
  .map((parts) => (parts.length === 0 ? '' : `?${parts.join('&')}`));

export const method = fc.oneof(
  { weight: 10, arbitrary: fc.constant('POST') },
  { weight: 3, arbitrary: fc.constant('GET') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PURGE', 'SEARCH'),
  },
);

/**
 * Garbage where the gateway reads a number of seconds: anything but a short positive deadline, which is a real
 * client request with its own expected outcome (transport.test.ts).
 */
export const serverTimeoutGarbage = fc
  .oneof(
    fc.constantFrom('abc', '-1', '0', '1e309', 'Infinity', 'NaN', '0x10', '5s', '', '60', '-0.5', '1e400'),
    printable,
  )
  .filter((s) => {
    const seconds = Number(s.trim());
    return !(seconds > 0 && seconds < 5);
  });

/** Deadlines shorter than an answer takes, or about as long. */
export const shortDeadline = fc.constantFrom('0.001', '1e-9', '0.0005', '0.01', '0.05', '0.5');

export const headers = fc.record(
  {
    'x-goog-api-key': fc.oneof(anyKey, fc.constant('')),
    authorization: fc.oneof(
      anyKey.map((k) => `Bearer ${k}`),
      anyKey.map((k) => `bearer ${k}`),
      fc.constant(`Bearer ${ADMIN_TOKEN}`),
      fc.constantFrom('Bearer', 'Bearer ', 'Basic Zm9vOmJhcg=='),
      printable,
    ),
    'content-type': fc.oneof(
      fc.constantFrom(
        'application/json',
        'application/json; charset=UTF-8',
        'text/plain',
        'multipart/form-data',
      ),
      printable,
    ),
    'x-server-timeout': serverTimeoutGarbage,
    'x-goog-api-client': printable,
    'accept-encoding': fc.constantFrom('gzip', 'br', 'identity', '*'),
  },
  { requiredKeys: [] },
);

/** Values of the wrong type where a field is expected. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, 0, -1, 1e308, '', 'chat', [], {}, ['chat'], { model: 'chat' }),
);
const modelInBody = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FUZZ_ALIASES, 'models/chat', 'models/embed') },
  fc.constantFrom('fuzz-flash-001', 'unknown-model', ''),
  anyValue,
);

const HI = { contents: [{ parts: [{ text: 'hi' }] }] };

/** JSON nested far deeper than any schema: arrays, objects, inside contents, inside a response schema. */
const deeplyNested = fc.tuple(fc.integer({ min: 50, max: 100_000 }), fc.nat(6)).map(([depth, shape]) => {
  const arrays = '['.repeat(depth) + ']'.repeat(depth);
  const schema = `${'{"type":"object","properties":{"a":'.repeat(depth)}{"type":"string"}${'}}'.repeat(depth)}`;
  const user = '{"role":"user","content":"hi"}';
  switch (shape) {
    case 0:
      return arrays;
    case 1:
      return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    case 2:
      return `{"contents":[{"parts":[{"text":"hi","x":${arrays}}]}]}`;
    case 3:
      return `{"model":"chat","messages":[{"role":"user","content":${arrays}}]}`;
    case 4:
      return `{"model":"chat","messages":[${user},{"role":"tool","tool_call_id":"c","content":${arrays}}]}`;
    case 5:
      return `{"model":"chat","messages":[${user}],"tools":[{"type":"function","function":{"name":"f","parameters":${schema}}}]}`;
    default:
      return `{"contents":[{"parts":[{"text":"hi"}]}],"generationConfig":{"responseMimeType":"application/json","responseSchema":${schema}}}`;
  }
});

/** A valid request whose one text is huge; some go past the 4 MiB body limit. */
const hugeText = fc
  .integer({ min: 100_000, max: 5_000_000 })
  .map((n) => JSON.stringify({ contents: [{ parts: [{ text: 'y'.repeat(n) }] }] }));

const geminiShaped = fc
  .record(
    {
      contents: fc.oneof(fc.constant(HI.contents), anyValue),
      generationConfig: anyValue,
      model: modelInBody,
      generateContentRequest: fc.record({ model: modelInBody, contents: anyValue }, { requiredKeys: [] }),
      requests: fc.array(fc.record({ model: modelInBody, content: anyValue }, { requiredKeys: [] }), {
        maxLength: 3,
      }),
      content: anyValue,
    },
    { requiredKeys: [] },
  )
  .map((v) => JSON.stringify(v));

const messages = fc.oneof(
  { weight: 4, arbitrary: fc.constant([{ role: 'user', content: 'hi' }]) },
  fc.array(
    fc.record({
      role: fc.oneof(fc.constantFrom('user', 'system', 'assistant', 'tool'), anyValue),
      content: anyValue,
    }),
    {
      maxLength: 3,
    },
  ),
  anyValue,
);

/** Chat bodies; sometimes `model` is spelled with JSON escapes, which parse to the same alias. */
const openaiShaped = fc
  .tuple(
    fc.record(
      {
        model: modelInBody,
        stream: fc.oneof(fc.boolean(), anyValue),
        messages,
        tools: anyValue,
        response_format: anyValue,
        max_tokens: anyValue,
      },
      { requiredKeys: [] },
    ),
    fc.boolean(),
  )
  .map(([body, escaped]) => {
    const text = JSON.stringify(body);
    return escaped ? text.replace(/"model":"chat"/, '"model":"\\u0063hat"') : text;
  });

/** Responses API bodies (`/v1/responses`): the fields the translation reads, each well-formed or not. */
const responsesShaped = fc
  .record(
    {
      model: modelInBody,
      input: fc.oneof(
        fc.constant('hi'),
        fc.constant([{ role: 'user', content: [{ type: 'input_text', text: 'hi' }] }]),
        fc.array(fc.record({ type: anyValue, role: anyValue, content: anyValue }, { requiredKeys: [] }), {
          maxLength: 3,
        }),
        anyValue,
      ),
      stream: fc.oneof(fc.boolean(), anyValue),
      instructions: anyValue,
      tools: anyValue,
      tool_choice: anyValue,
      text: anyValue,
      reasoning: anyValue,
      max_output_tokens: anyValue,
    },
    { requiredKeys: [] },
  )
  .map((v) => JSON.stringify(v));

const adminShaped = fc
  .record(
    {
      alias: fc.oneof(fc.constantFrom(...FUZZ_ALIASES), anyValue),
      // never a configured target: a fuzzed pull that succeeded would take real targets out of rotation
      model: fc.oneof(fc.constantFrom('not-a-target', ''), anyValue),
      reason: fc.oneof(fc.string({ maxLength: 3000 }), anyValue),
      by: fc.oneof(fc.string({ maxLength: 300 }), anyValue),
    },
    { requiredKeys: [] },
  )
  .map((v) => JSON.stringify(v));

const text = (arb: fc.Arbitrary<string>) => arb.map((s) => Buffer.from(s, 'utf8'));

export const body = fc.oneof(
  { weight: 3, arbitrary: text(fc.constant(JSON.stringify(HI))) },
  { weight: 1, arbitrary: text(fc.constant('')) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)) },
  { weight: 2, arbitrary: text(fc.json({ maxDepth: 4 })) },
  { weight: 1, arbitrary: text(deeplyNested) },
  { weight: 1, arbitrary: text(hugeText) },
  { weight: 4, arbitrary: text(geminiShaped) },
  { weight: 4, arbitrary: text(openaiShaped) },
  { weight: 3, arbitrary: text(responsesShaped) },
  { weight: 2, arbitrary: text(adminShaped) },
);

export type Target = 'keyed' | 'open';
export const target = fc.constantFrom<Target>('keyed', 'open');

/**
 * Node refuses a head over 16 KiB itself (431, before any gateway code runs); requests here stay under it, so
 * what answers them is the gateway. protocol-errors.test.ts covers what is past it.
 */
export const HEAD_LIMIT_BYTES = 12_000;

export function headBytes(req: FuzzRequest): number {
  let n = req.method.length + req.path.length + 12;
  for (const [k, v] of Object.entries(req.headers)) n += k.length + v.length + 4;
  return n;
}

/** A request built from parts, none of them lying about the body length, with a head Node accepts. */
export function requestOf(path: fc.Arbitrary<string>): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({ method, path, query, headers, body })
    .map(({ method: m, path: p, query: q, headers: h, body: b }) =>
      withReadableBody({
        method: m,
        path: onTheWire(p) + onTheWire(q),
        headers: h as Record<string, string>,
        body: b,
      }),
    )
    .filter((req) => headBytes(req) < HEAD_LIMIT_BYTES);
}

/** How a counterexample is printed: the body as text (clipped), not as a list of byte values. */
export function withReadableBody(req: FuzzRequest): FuzzRequest {
  const clip = (s: string) => (s.length > 600 ? `${s.slice(0, 600)}…(${s.length} chars)` : s);
  return Object.assign(req, {
    [fc.toStringMethod]: () =>
      `${req.method} ${clip(req.path)} ${JSON.stringify(req.headers)}` +
      `${req.declaredLength === undefined ? '' : ` content-length: ${req.declaredLength}`}` +
      ` body(${req.body.length} bytes): ${JSON.stringify(clip(req.body.toString('utf8')))}`,
  });
}
