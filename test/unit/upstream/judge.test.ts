import { describe, expect, it } from 'vitest';
import type { Target } from '../../../src/catalog/alias-entry.js';
import type { AttemptOutcome } from '../../../src/upstream/attempt.js';
import { judge } from '../../../src/upstream/judge.js';

const target: Target = { id: 'a/up/build-1', alias: 'a', upstream: 'up', model: 'build-1', weight: 1 };
const answer = (
  status: number,
  body: string,
  headers: Record<string, string> = {},
  malformed = false,
): AttemptOutcome => ({
  kind: 'answer',
  status,
  headers,
  chunks: [Buffer.from(body)],
  complete: true,
  ...(malformed ? { malformed } : {}),
});

describe('judge', () => {
  it.each([
    ['a 200', answer(200, '{}'), 'ok'],
    ['a 200 whose body is not JSON', answer(200, '<html>', {}, true), 'transient'],
    [
      'the incident 404',
      answer(404, '{"error":{"code":404,"message":"Model not found: models/x","status":"NOT_FOUND"}}'),
      'target_fault',
    ],
    [
      'a 400',
      answer(400, '{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}'),
      'client_error',
    ],
    ['a 503 with an HTML body', answer(503, '<html>busy</html>'), 'transient'],
    [
      'a connection reset',
      { kind: 'transport', error: Object.assign(new Error('x'), { code: 'ECONNRESET' }) },
      'transient',
    ],
  ] as [string, AttemptOutcome, string][])('%s → %s', (_n, outcome, kind) => {
    expect(judge(outcome, target).kind).toBe(kind);
  });

  it('honours a Retry-After given as an HTTP date', () => {
    const now = Date.parse('Wed, 25 Nov 2026 12:00:00 GMT');
    const verdict = judge(
      answer(429, '{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}}', {
        'retry-after': 'Wed, 25 Nov 2026 12:00:30 GMT',
      }),
      target,
      now,
    );
    expect(verdict).toMatchObject({ kind: 'overloaded', retryAfterMs: 30_000 });
  });
});
