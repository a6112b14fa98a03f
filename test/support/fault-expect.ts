import { expect } from 'vitest';
import { aliasHealth } from '../../src/health/alias-status.js';
import {
  ALIAS,
  BUILD,
  CLIENT_KEY,
  type FaultStack,
  type Mode,
  type Seen,
  sseEvents,
  UPSTREAM_KEY,
} from './fault-stack.js';

/** google.rpc canonical status of each HTTP code the gateway may make (docs/wire.md §8.2). */
const CANONICAL: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  408: 'DEADLINE_EXCEEDED',
  413: 'INVALID_ARGUMENT',
  431: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export interface ErrorBody {
  code: number;
  message: string;
  status: string;
  details?: { '@type': string; [k: string]: unknown }[];
}

/** No response may carry a key: not the client's, not the gateway's own upstream key. */
export function expectNoKeys(seen: Seen): void {
  const all = JSON.stringify(seen.headers) + seen.text;
  expect(all, 'the client key leaked into the response').not.toContain(CLIENT_KEY);
  expect(all, 'the upstream key leaked into the response').not.toContain(UPSTREAM_KEY);
}

/** The error object is exactly Google's: code, message, the canonical status, optionally details. */
export function expectEnvelopeError(error: unknown, code: number): ErrorBody {
  expect(error, 'an error object').toBeTypeOf('object');
  const e = error as ErrorBody;
  expect(Object.keys(e).sort()).toEqual(
    e.details === undefined ? ['code', 'message', 'status'] : ['code', 'details', 'message', 'status'],
  );
  expect(e.code).toBe(code);
  expect(e.status).toBe(CANONICAL[code]);
  expect(e.message).toBeTypeOf('string');
  expect(e.message.length).toBeGreaterThan(0);
  return e;
}

/** An answer the gateway made itself: no target header, JSON content type, the Gemini envelope and nothing else. */
export function expectGatewayError(seen: Seen, code: number): ErrorBody {
  expect(seen.status, seen.text).toBe(code);
  expect(seen.headers['x-aliasgate-target']).toBeUndefined();
  expect(seen.headers['content-type']).toBe('application/json; charset=UTF-8');
  const body = JSON.parse(seen.text) as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(['error']);
  expectNoKeys(seen);
  return expectEnvelopeError(body.error, code);
}

/** A whole, healthy answer from B: 200, B named as the target, a complete body in the requested framing. */
export function expectServedByB(seen: Seen, mode: Mode): void {
  expect(
    { status: seen.status, target: seen.headers['x-aliasgate-target'], broke: seen.broke },
    seen.text.slice(0, 300),
  ).toEqual({ status: 200, target: `sim/${BUILD.b}`, broke: false });
  expectNoKeys(seen);
  if (mode === 'unary') {
    expect(seen.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(seen.text) as { modelVersion?: string; candidates?: unknown[] };
    expect(body.modelVersion).toBe(BUILD.b);
    expect(body.candidates).toHaveLength(1);
    return;
  }
  expect(seen.headers['content-type']).toMatch(/^text\/event-stream/);
  const events = sseEvents(seen.text);
  expect(events.length).toBeGreaterThan(0);
  for (const event of events) {
    expect(event, 'every event is data: <json> from B').toMatchObject({ json: { modelVersion: BUILD.b } });
  }
  expect(seen.text).toContain('"finishReason"');
}

/** Attempts the gateway says it made, checked against the calls the simulator saw during the request. */
export function expectAttempts(seen: Seen, simCalls: number, max: number): number {
  const attempts = Number(seen.headers['x-aliasgate-attempts']);
  expect(attempts).toBe(simCalls);
  expect(attempts).toBeLessThanOrEqual(max);
  return attempts;
}

/** A's health as the gateway reports it (the first target of `pair`, or `solo`'s only one). */
export function targetA(stack: FaultStack, alias: string = ALIAS.pair) {
  const { gateway } = stack;
  const target = aliasHealth(gateway.catalog().get(alias)!, gateway.health).targets.find(
    (t) => t.model === BUILD.a,
  );
  if (!target) throw new Error(`no target ${BUILD.a} in ${alias}`);
  return target;
}
