import { afterEach, describe, expect, it } from 'vitest';
import type { BehaviourInput } from '../../src/sim/scenario.js';
import {
  expectEnvelopeError,
  expectGatewayError,
  expectNoKeys,
  expectServedByB,
  targetA,
} from '../support/fault-expect.js';
import {
  ALIAS,
  BUILD,
  CLIENT_KEY,
  call,
  calls,
  directBody,
  type FaultStack,
  type FaultStackOptions,
  type Mode,
  pathFor,
  type Seen,
  sseEvents,
  startFaultStack,
} from '../support/fault-stack.js';
import { sendRaw } from '../support/fuzz-http.js';

/**
 * The fault matrix: for each way an upstream build can fail, what a client of the gateway sees, how many upstream
 * attempts it cost, and what it did to the build's health. A is the faulty build and takes nearly every first
 * pick of `pair`; B is healthy; `backup` (the fallback sibling) must never be needed while B can serve; `solo`
 * has only A and shows the bare outcome. The gateway runs on a ManualClock: per-try timeouts fire because the
 * test moves the clock when A holds an attempt, never because real time passed.
 */

let stack: FaultStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(opts: FaultStackOptions = {}): Promise<FaultStack> {
  stack = await startFaultStack(opts);
  return stack;
}

/** A gateway that never gives up on a stuck attempt fails the row here instead of at vitest's minute. */
const STUCK_MS = 15_000;

const breakA = (behaviour: BehaviourInput) => (s: FaultStack) => s.sim.setBehaviour(BUILD.a, behaviour);

const GOOGLE_404_WORDING =
  `models/${BUILD.a} is not found for API version v1beta, or is not supported for generateContent. ` +
  'Call ListModels to see the list of available models and their supported methods.';

const CAPTIVE_PORTAL =
  '<!DOCTYPE html><html><head><title>Sign in to continue</title></head>' +
  '<body><form action="/login"><input name="user"></form></body></html>\n';

/** A healthy answer of another framing, from B itself, served by A where it does not belong. */
const servedInWrongPlace =
  (verb: string, contentType: string) =>
  async (s: FaultStack): Promise<void> => {
    const body = (await directBody(s, BUILD.b, verb)).replaceAll(BUILD.b, BUILD.a);
    s.sim.setBehaviour(BUILD.a, { kind: 'raw', status: 200, contentType, body });
  };

interface FailoverRow {
  fault: string;
  modes: readonly Mode[];
  apply(s: FaultStack): void | Promise<void>;
  /** Faults in a row that eject A: 3 for target faults, 5 for transients. */
  ejectAfter: 3 | 5;
  /** A holds the attempt open: the per-try timeout has to fire. */
  timesOut?: boolean;
  refused?: boolean;
}

const BOTH: readonly Mode[] = ['unary', 'sse'];

const FAILOVER: FailoverRow[] = [
  {
    fault: '404 "Model not found: models/<build>"',
    modes: BOTH,
    ejectAfter: 3,
    apply: breakA({ kind: 'dead' }),
  },
  {
    fault: '404 "models/<x> is not found for API version v1beta…"',
    modes: BOTH,
    ejectAfter: 3,
    apply: breakA({ kind: 'dead', message: GOOGLE_404_WORDING }),
  },
  {
    fault: '404 with an empty body',
    modes: BOTH,
    ejectAfter: 3,
    apply: breakA({ kind: 'raw', status: 404, contentType: 'application/json; charset=UTF-8' }),
  },
  { fault: '404 Google’s HTML page', modes: BOTH, ejectAfter: 3, apply: breakA({ kind: 'notFoundPage' }) },
  ...[500, 502, 503, 504].map(
    (status): FailoverRow => ({
      fault: `${status} burst`,
      modes: BOTH,
      ejectAfter: 5,
      apply: breakA({ kind: 'transient', status }),
    }),
  ),
  { fault: 'connection refused (closed port)', modes: BOTH, ejectAfter: 5, refused: true, apply: () => {} },
  { fault: 'reset before headers', modes: BOTH, ejectAfter: 5, apply: breakA({ kind: 'reset' }) },
  {
    fault: 'reset mid-body on a unary answer (headers, 64 bytes, destroy)',
    modes: ['unary'],
    ejectAfter: 5,
    apply: breakA({ kind: 'bodyCut', afterBytes: 64 }),
  },
  {
    fault: 'slow first byte beyond perTryTimeoutMs',
    modes: BOTH,
    ejectAfter: 5,
    timesOut: true,
    apply: (s) => void s.sim.configureBuild(BUILD.a, { latency: 60_000 }),
  },
  { fault: 'hang', modes: BOTH, ejectAfter: 5, timesOut: true, apply: breakA({ kind: 'hang' }) },
  { fault: 'malformed JSON with 200', modes: BOTH, ejectAfter: 5, apply: breakA({ kind: 'malformed' }) },
  {
    fault: 'HTML body with 200 (text/html)',
    modes: BOTH,
    ejectAfter: 5,
    apply: breakA({
      kind: 'raw',
      status: 200,
      contentType: 'text/html; charset=UTF-8',
      body: CAPTIVE_PORTAL,
    }),
  },
  {
    fault: 'SSE request answered 200 application/json with the JSON-array stream',
    modes: ['sse'],
    ejectAfter: 5,
    apply: servedInWrongPlace('streamGenerateContent', 'application/json; charset=UTF-8'),
  },
  {
    fault: 'SSE request answered 200 application/json with one object',
    modes: ['sse'],
    ejectAfter: 5,
    apply: servedInWrongPlace('generateContent', 'application/json; charset=UTF-8'),
  },
  {
    fault: 'unary request answered 200 text/html (a JSON body under the wrong type)',
    modes: ['unary'],
    ejectAfter: 5,
    apply: servedInWrongPlace('generateContent', 'text/html; charset=UTF-8'),
  },
  {
    fault: 'oversized error body (> 64 KiB 500)',
    modes: BOTH,
    ejectAfter: 5,
    apply: breakA({ kind: 'transient', status: 500, message: `Internal error. ${'at frame '.repeat(8000)}` }),
  },
];

const cases = <R extends { fault: string; modes: readonly Mode[] }>(rows: R[]) =>
  rows.flatMap((row) => row.modes.map((mode) => [row.fault, mode, row] as const));

describe('via pair: B serves, A is ejected after its streak, then costs nothing', () => {
  it.each(cases(FAILOVER))(
    '%s (%s)',
    async (_fault, mode, row) => {
      const s = await start({ refused: row.refused });
      await row.apply(s);
      s.sim.resetStats();
      // a refused connection never reaches the simulator: the gateway's own count of A's failures stands in
      const faultsAtA = () => (row.refused ? targetA(s).failures : calls(s, BUILD.a));

      let faults = 0;
      for (let i = 0; faults < row.ejectAfter && i < 3 * row.ejectAfter; i++) {
        expect(targetA(s).state, `A still in rotation after ${faults} faults`).toBe('in_rotation');
        const before = { a: faultsAtA(), b: calls(s, BUILD.b), c: calls(s, BUILD.c) };
        const seen = await call(s, ALIAS.pair, mode, { timesOut: row.timesOut, notBefore: row.timesOut });
        expectServedByB(seen, mode);
        const hit = faultsAtA() - before.a;
        expect(hit).toBeLessThanOrEqual(1);
        expect({ b: calls(s, BUILD.b) - before.b, fallback: calls(s, BUILD.c) - before.c }).toEqual({
          b: 1,
          fallback: 0,
        });
        expect(seen.headers['x-aliasgate-attempts']).toBe(String(1 + hit));
        faults += hit;
      }
      expect(faults).toBe(row.ejectAfter);
      expect(targetA(s).state).toBe('ejected');

      const ejectedAt = faultsAtA();
      for (let i = 0; i < 3; i++) {
        const seen = await call(s, ALIAS.pair, mode);
        expectServedByB(seen, mode);
        expect(seen.headers['x-aliasgate-attempts']).toBe('1');
      }
      expect(faultsAtA(), 'an ejected A gets no traffic').toBe(ejectedAt);
    },
    STUCK_MS,
  );
});

interface CoolingRow {
  fault: string;
  modes: readonly Mode[];
  behaviour: BehaviourInput;
  /** The 429 said how long to wait: until then A gets nothing. */
  skippedWhileCooling: boolean;
}

const COOLING: CoolingRow[] = [
  {
    fault: '429 with RetryInfo 5s',
    modes: BOTH,
    behaviour: { kind: 'overloaded', retryDelayMs: 5000 },
    skippedWhileCooling: true,
  },
  {
    fault: '429 without RetryInfo',
    modes: BOTH,
    behaviour: { kind: 'overloaded', retryInfo: false },
    skippedWhileCooling: false,
  },
];

describe('via pair: a 429 shifts traffic to B and never ejects A', () => {
  it.each(cases(COOLING))('%s (%s)', async (_fault, mode, row) => {
    const s = await start();
    s.sim.setBehaviour(BUILD.a, row.behaviour);
    s.sim.resetStats();

    const first = await call(s, ALIAS.pair, mode);
    expectServedByB(first, mode);
    expect(first.headers['x-aliasgate-attempts']).toBe('2');
    expect(calls(s, BUILD.a)).toBe(1);

    if (row.skippedWhileCooling) {
      for (let i = 0; i < 3; i++) {
        const seen = await call(s, ALIAS.pair, mode);
        expectServedByB(seen, mode);
        expect(seen.headers['x-aliasgate-attempts']).toBe('1');
      }
      expect(calls(s, BUILD.a), 'A is skipped while it cools').toBe(1);
    }

    // more 429s in a row than any ejection streak: each time the cooling is over, A is asked again
    for (let round = 0; round < 8 && calls(s, BUILD.a) < 7; round++) {
      s.clock.advance(5001);
      const seen = await call(s, ALIAS.pair, mode);
      expectServedByB(seen, mode);
      // asked to pause, never ejected: cooling is a state of a target still in rotation
      expect(targetA(s).state).toBe('cooling');
    }
    expect(calls(s, BUILD.a)).toBe(7);
    expect(targetA(s).state).toBe('cooling');
    s.clock.advance(5001);
    expect(targetA(s).state).toBe('in_rotation');
  });
});

interface MidStreamRow {
  fault: string;
  apply(s: FaultStack): void | Promise<void>;
  /** Quick enough to repeat five times (the slow drip waits out real idle time). */
  repeatable: boolean;
}

const MID_STREAM: MidStreamRow[] = [
  {
    fault: 'reset mid-stream after 1 SSE event',
    repeatable: true,
    apply: breakA({ kind: 'streamCut', afterChunks: 1 }),
  },
  {
    fault: 'reset inside the second SSE event',
    repeatable: true,
    async apply(s) {
      const firstEvent =
        (await directBody(s, BUILD.b, 'streamGenerateContent?alt=sse')).indexOf('\r\n\r\n') + 4;
      s.sim.setBehaviour(BUILD.a, { kind: 'bodyCut', afterBytes: firstEvent + 20 });
    },
  },
  {
    fault: 'slow drip: the gap between events exceeds idleTimeoutMs',
    repeatable: false,
    apply: (s) => void s.sim.configureBuild(BUILD.a, { streamChunks: 3, chunkIntervalMs: 60_000 }),
  },
];

/** A's events, then one error event in Google's envelope: every event parses, the stream ends cleanly. */
function expectEndsWithErrorEvent(seen: Seen): void {
  expect(seen.status).toBe(200);
  expect(seen.headers['x-aliasgate-target']).toBe(`sim/${BUILD.a}`);
  expect(seen.headers['x-aliasgate-attempts']).toBe('1');
  expect(seen.broke, 'the stream ends cleanly, with its error event').toBe(false);
  expectNoKeys(seen);
  const events = sseEvents(seen.text);
  for (const event of events) {
    expect(event, 'every event the client reads is data: <json>').toHaveProperty('json');
  }
  expect(events.length).toBeGreaterThanOrEqual(2);
  expect(events[0]).toMatchObject({ json: { modelVersion: BUILD.a } });
  const last = events.at(-1) as { json: { error?: { code?: number } } };
  expect(Object.keys(last.json)).toEqual(['error']);
  const code = last.json.error?.code ?? 0;
  expect(code).toBeGreaterThanOrEqual(500);
  expectEnvelopeError(last.json.error, code);
  expect(seen.text).not.toContain('"finishReason"');
}

const midStreamCases = (rows: MidStreamRow[]) => rows.map((row) => [row.fault, row] as const);

describe('via pair, after the first SSE event: the stream ends with an error event, never a silent cut', () => {
  it.each(midStreamCases(MID_STREAM))('%s: what the client reads', async (_fault, row) => {
    const s = await start();
    await row.apply(s);
    s.sim.resetStats();
    expectEndsWithErrorEvent(await call(s, ALIAS.pair, 'sse'));
    expect({ a: calls(s, BUILD.a), b: calls(s, BUILD.b), fallback: calls(s, BUILD.c) }).toEqual({
      a: 1,
      b: 0,
      fallback: 0,
    });
  });

  it.each(midStreamCases(MID_STREAM))('%s: counted once, as a failure of A', async (_fault, row) => {
    const s = await start();
    await row.apply(s);
    await call(s, ALIAS.pair, 'sse');
    const a = targetA(s);
    expect({ state: a.state, requests: a.requests, failures: a.failures }).toEqual({
      state: 'in_rotation',
      requests: 1,
      failures: 1,
    });
  });

  it.each(midStreamCases(MID_STREAM.filter((r) => r.repeatable)))(
    '%s: five in a row eject A, like any other transient streak',
    async (_fault, row) => {
      const s = await start();
      await row.apply(s);
      for (let i = 0; i < 5; i++) {
        expect(targetA(s).state, `A still in rotation after ${i} broken streams`).toBe('in_rotation');
        expect((await call(s, ALIAS.pair, 'sse')).headers['x-aliasgate-target']).toBe(`sim/${BUILD.a}`);
      }
      expect(targetA(s).state).toBe('ejected');
    },
  );
});

describe('via pair: an answer larger than the gateway holds', () => {
  it('a valid unary answer over 1 MiB passes through byte for byte from A, in one attempt', async () => {
    const s = await start();
    s.sim.configureBuild(BUILD.a, { responseTokens: 300_000 });
    const direct = await directBody(s, BUILD.a, 'generateContent');
    s.sim.resetStats();

    const seen = await call(s, ALIAS.pair, 'unary');
    expect(seen.status).toBe(200);
    expect(seen.headers['x-aliasgate-target']).toBe(`sim/${BUILD.a}`);
    expect(seen.headers['x-aliasgate-attempts']).toBe('1');
    expect(seen.broke).toBe(false);
    expect(Buffer.byteLength(seen.text)).toBeGreaterThan(1024 * 1024);
    // the same request gets the same answer but for its random responseId
    const withoutId = (text: string) => text.replace(/"responseId": "[^"]+"/, '"responseId": ""');
    expect(Buffer.byteLength(seen.text)).toBe(Buffer.byteLength(direct));
    expect(withoutId(seen.text) === withoutId(direct), 'body byte-identical').toBe(true);
    expect({ a: calls(s, BUILD.a), b: calls(s, BUILD.b) }).toEqual({ a: 1, b: 0 });
    expect(targetA(s)).toMatchObject({ state: 'in_rotation', failures: 0 });
  });
});

describe('via pair: a client error is the client’s, not A’s', () => {
  it.each(BOTH.map((mode) => [mode] as const))(
    'a 400 for a request without contents passes through unchanged and ends at its length (%s)',
    async (mode) => {
      const s = await start();
      const verb = mode === 'unary' ? 'generateContent' : 'streamGenerateContent?alt=sse';
      const direct = await directBody(s, BUILD.a, verb, '{}');
      s.sim.resetStats();

      const seen = await call(s, ALIAS.pair, mode, { body: '{}' });
      expect(seen.status).toBe(400);
      expect(seen.headers['x-aliasgate-target']).toBe(`sim/${BUILD.a}`);
      expect(seen.headers['x-aliasgate-attempts']).toBe('1');
      expect(seen.text, 'exactly the upstream’s error, nothing after it').toBe(direct);
      expect(Number(seen.headers['content-length'])).toBe(Buffer.byteLength(direct));
      expectNoKeys(seen);
      // the simulator refuses the body before it picks a build, so only its total counts this call
      expect(s.sim.stats().requests.total, 'upstream calls').toBe(1);
      expect(targetA(s)).toMatchObject({ state: 'in_rotation', requests: 1, failures: 0 });
    },
  );

  it.each(BOTH.map((mode) => [mode] as const))(
    'nothing follows the passed-through 400 on the connection (%s)',
    async (mode) => {
      const s = await start();
      // node:http, unlike undici, reports bytes past the answer's length as the protocol error they are
      const wire = await sendRaw(
        s.url,
        {
          method: 'POST',
          path: pathFor(ALIAS.pair, mode),
          headers: { 'content-type': 'application/json', 'x-goog-api-key': CLIENT_KEY },
          body: Buffer.from('{}'),
        },
        5000,
      );
      expect(wire.kind === 'answer' ? `a well-framed ${wire.status}` : wire.reason).toBe('a well-framed 400');
    },
  );

  it.each(BOTH.map((mode) => [mode] as const))(
    'a client sending ten bad requests does not take A out of rotation (%s)',
    async (mode) => {
      const s = await start();
      for (let i = 0; i < 10; i++) expect((await call(s, ALIAS.pair, mode, { body: '{}' })).status).toBe(400);
      expect(targetA(s)).toMatchObject({ state: 'in_rotation', failures: 0 });
    },
  );
});

interface SoloRow {
  fault: string;
  apply(s: FaultStack): void;
  code: number;
  routing?: Record<string, unknown>;
  timesOut?: boolean;
  check?(error: { message: string; details?: unknown[] }): void;
}

const SOLO: SoloRow[] = [
  {
    fault: '404 → 503 UNAVAILABLE naming the target tried',
    apply: breakA({ kind: 'dead' }),
    code: 503,
    check: (e) => expect(e.message).toContain(`sim/${BUILD.a}`),
  },
  {
    fault: '429 → 429 RESOURCE_EXHAUSTED with RetryInfo',
    apply: breakA({ kind: 'overloaded', retryDelayMs: 5000 }),
    code: 429,
    check: (e) =>
      expect(e.details).toContainEqual({
        '@type': 'type.googleapis.com/google.rpc.RetryInfo',
        retryDelay: '5s',
      }),
  },
  { fault: '503 → 503 UNAVAILABLE', apply: breakA({ kind: 'transient', status: 503 }), code: 503 },
  {
    fault: 'hang, deadlineMs shorter than one try → 504 DEADLINE_EXCEEDED',
    apply: breakA({ kind: 'hang' }),
    code: 504,
    routing: { deadlineMs: 100 },
    timesOut: true,
  },
  {
    fault: 'hang, deadlineMs passes during the second try → 504 DEADLINE_EXCEEDED',
    apply: breakA({ kind: 'hang' }),
    code: 504,
    routing: { deadlineMs: 250 },
    timesOut: true,
  },
];

describe('via solo: the bare outcome is a clear Gemini error', () => {
  it.each(cases(SOLO.map((row) => ({ ...row, modes: BOTH }))))(
    '%s (%s)',
    async (_fault, mode, row) => {
      const s = await start({ ...(row.routing ? { routing: row.routing } : {}) });
      row.apply(s);
      s.sim.resetStats();

      const seen = await call(s, ALIAS.solo, mode, { timesOut: row.timesOut });
      const error = expectGatewayError(seen, row.code);
      row.check?.(error);
      expect(calls(s, BUILD.a)).toBeGreaterThanOrEqual(1);
      expect(calls(s, BUILD.a)).toBeLessThanOrEqual(2);
      expect(calls(s, BUILD.b) + calls(s, BUILD.c)).toBe(0);
    },
    STUCK_MS,
  );
});
