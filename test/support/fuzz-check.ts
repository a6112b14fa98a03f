import fc from 'fast-check';
import { expect } from 'vitest';
import { expectEnvelopeError } from './fault-expect.js';
import { KEY_PATTERN, type Target } from './fuzz-arbitraries.js';
import { type FuzzAnswer, type FuzzRequest, sendRaw } from './fuzz-http.js';
import { type FuzzStack, GOOD_KEY } from './fuzz-stack.js';

/**
 * Runs one property within the time budget (8 s). The seed is printed by fast-check on failure; FUZZ_SEED (and
 * FUZZ_PATH, from the same report) replays a failure. FUZZ_RUNS and FUZZ_TIME_MS allow a longer hunt by hand.
 */
export function fuzzParams(numRuns: number): fc.Parameters<unknown> {
  const { FUZZ_SEED: seed, FUZZ_PATH: path, FUZZ_RUNS: runs, FUZZ_TIME_MS: timeMs } = process.env;
  return {
    numRuns: runs ? Number(runs) : numRuns,
    plugins: [fc.interruptAfterTimeLimit(timeMs ? Number(timeMs) : 8000)],
    ...(seed ? { seed: Number(seed) } : {}),
    ...(path ? { path } : {}),
  };
}

/** A client that declares more body than it sends is left waiting by design: no answer is then fine. */
const WAIT_FOR_LIAR_MS = 150;
const WAIT_MS = 10_000;

let exchanges = 0;

/** A fuzzed request's answer, checked against every property that holds whatever the request was. */
export async function exchange(
  stack: FuzzStack,
  target: Target,
  req: FuzzRequest,
  /** The client listener, or the admin listener (status, pull, /metrics). */
  listener: 'api' | 'admin' = 'api',
): Promise<FuzzAnswer> {
  const lyingLong = req.declaredLength !== undefined && req.declaredLength > req.body.length;
  const lyingShort = req.declaredLength !== undefined && req.declaredLength < req.body.length;
  // the gateway passes the User-Agent upstream: the tap then tells which upstream calls this request caused
  const marker = `fuzz-exchange-${++exchanges}`;
  const marked = { ...req, headers: { ...req.headers, 'user-agent': marker } };
  const gateway = stack.gateways[target];
  const answer = await sendRaw(
    listener === 'api' ? gateway.url : gateway.adminUrl,
    marked,
    lyingLong ? WAIT_FOR_LIAR_MS : WAIT_MS,
  );
  const upstreamCalls = stack.tap.calls(marker);
  if (answer.kind === 'none') {
    expect(lyingLong, `no well-formed answer: ${answer.reason}`).toBe(true);
    return answer;
  }
  // the bytes past a short Content-Length read as a next request that is not HTTP: Node's parser answers that
  // itself, before any gateway code runs, with a bare 400, and closes the connection
  if (lyingShort && isNodeParserRejection(answer)) return answer;
  const gatewayMade = answer.headers['x-aliasgate-target'] === undefined;
  const described = `${answer.status} ${answer.body.toString('utf8', 0, 400)}`;
  // keeps (c) honest: if the User-Agent stopped reaching upstream, (c) would pass for the wrong reason
  if (!gatewayMade)
    expect(upstreamCalls, `upstream calls behind the proxied ${described}`).toBeGreaterThan(0);
  if (gatewayMade) {
    // (a) no 5xx of its own, but for the 504 a client asks for with a short X-Server-Timeout
    if (answer.status >= 500) {
      expect(answer.status === 504 && clientSetDeadline(req), `gateway-made ${described}`).toBe(true);
    }
    // (c) a local refusal costs no upstream call
    if (answer.status >= 400 && answer.status < 500) {
      expect(upstreamCalls, `upstream calls for the local refusal ${described}`).toBe(0);
    }
    // (d) its errors are Google's envelope, as JSON
    if (answer.status >= 400) expectErrorEnvelope(answer, req.method === 'HEAD', isOpenaiPath(req.path));
  }
  // (e) no key is echoed: not one the client sent, not one the gateway holds
  const seen = JSON.stringify(answer.headers) + answer.body.toString('latin1');
  for (const key of sentKeys(req, stack))
    expect(seen.includes(key), `response echoes the key ${key}`).toBe(false);
  return answer;
}

/** The OpenAI-compatible surface's paths, whose own errors are OpenAI-shaped (api/respond.ts). */
function isOpenaiPath(path: string): boolean {
  const p = path.split('?', 1)[0]!;
  return (
    /^\/v1(beta|alpha)?\//.test(p) &&
    (p.includes('/openai/') || /\/(chat\/completions|embeddings|responses)$/.test(p))
  );
}

function expectErrorEnvelope(
  answer: Extract<FuzzAnswer, { kind: 'answer' }>,
  head: boolean,
  openai: boolean,
): void {
  expect(answer.headers['content-type'], `content type of a gateway-made ${answer.status}`).toBe(
    'application/json; charset=UTF-8',
  );
  if (head) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body.toString('utf8'));
  } catch {
    throw new Error(`gateway-made ${answer.status} is not JSON: ${answer.body.toString('utf8', 0, 200)}`);
  }
  expect(Object.keys(parsed as object)).toEqual(['error']);
  const error = (parsed as { error: unknown }).error;
  if (!openai) {
    expectEnvelopeError(error, answer.status);
    return;
  }
  // OpenAI's own shape, the only one the openai SDK and LangChain read
  expect(Object.keys(error as object).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect((error as { message: unknown }).message).toBeTypeOf('string');
}

/** The gateway's answer to bytes that are not HTTP (api/client-errors.ts): a 400 envelope, then the connection closes. */
function isNodeParserRejection(answer: Extract<FuzzAnswer, { kind: 'answer' }>): boolean {
  return (
    answer.status === 400 &&
    answer.headers.connection === 'close' &&
    answer.body.toString('utf8').includes('The request is not valid HTTP.')
  );
}

function clientSetDeadline(req: FuzzRequest): boolean {
  const header = req.headers['x-server-timeout'];
  const seconds = header === undefined ? Number.NaN : Number(header.trim());
  return Number.isFinite(seconds) && seconds > 0;
}

function sentKeys(req: FuzzRequest, stack: FuzzStack): Set<string> {
  const carried = `${req.path} ${JSON.stringify(req.headers)}`;
  return new Set([...(carried.match(KEY_PATTERN) ?? []), ...stack.secrets, GOOD_KEY]);
}

const HI = JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] });

/** (b) After a run the gateways are alive and serving: /healthz answers, and so does a valid request. */
export async function expectStillServing(stack: FuzzStack): Promise<void> {
  for (const target of ['keyed', 'open'] as const) {
    const { url } = stack.gateways[target];
    expect((await fetch(`${url}/healthz`)).status, `${target} /healthz`).toBe(200);
    const res = await fetch(`${url}/v1beta/models/chat:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': GOOD_KEY },
      body: HI,
    });
    expect(res.status, `${target}: a valid request after the fuzz: ${await res.text()}`).toBe(200);
  }
}
