import { describe, expect, it } from 'vitest';
import {
  classifyResponse,
  classifyTransport,
  MAX_RETRY_AFTER_MS,
  mayRefuseMethod,
  parseRetryAfter,
} from '../../../src/classify/classify.js';
import type { ErrorDetail, ErrorStatus } from '../../../src/wire/envelope.js';
import { errorStatus, retryInfo } from '../../../src/wire/envelope.js';

const REQUESTED = 'gemini-3.5-flash';
const DEAD_BUILD = errorStatus(404, 'Model not found: models/gemini-v4p1s-rev24-ajax-sentinel');
const API_KEY_INVALID: ErrorDetail = {
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason: 'API_KEY_INVALID',
  domain: 'googleapis.com',
  metadata: { service: 'generativelanguage.googleapis.com' },
};

function answer(status: number, error?: ErrorStatus, extra: { retryAfter?: string; now?: number } = {}) {
  return { status, requestedModel: REQUESTED, ...(error ? { error } : {}), ...extra };
}

describe('classifyResponse', () => {
  it.each([
    ['200', answer(200), { kind: 'ok' }],
    ['204', answer(204), { kind: 'ok' }],
    [
      'the incident 404 (dead backing build)',
      answer(404, DEAD_BUILD),
      {
        kind: 'target_fault',
        reason: '404 NOT_FOUND: Model not found: models/gemini-v4p1s-rev24-ajax-sentinel',
      },
    ],
    [
      'a 404 naming the requested model itself (the catalog says it exists)',
      answer(404, errorStatus(404, `models/${REQUESTED} is not found for API version v1beta`)),
      {
        kind: 'target_fault',
        reason: `404 NOT_FOUND: models/${REQUESTED} is not found for API version v1beta`,
      },
    ],
    ['a 404 with no envelope (an HTML page)', answer(404), { kind: 'target_fault', reason: '404 NOT_FOUND' }],
    [
      '400 INVALID_ARGUMENT (the client’s request)',
      answer(400, errorStatus(400, 'Invalid JSON payload received. Unknown name "x"')),
      {
        kind: 'client_error',
        reason: '400 INVALID_ARGUMENT: Invalid JSON payload received. Unknown name "x"',
      },
    ],
    [
      '400 API_KEY_INVALID (the gateway’s own key)',
      answer(400, errorStatus(400, 'API key not valid. Please pass a valid API key.', [API_KEY_INVALID])),
      {
        kind: 'target_fault',
        reason:
          "upstream rejected the gateway's credentials: 400 INVALID_ARGUMENT: API key not valid. Please pass a valid API key.",
      },
    ],
    [
      '401',
      answer(401, errorStatus(401, 'Request had invalid authentication credentials.')),
      {
        kind: 'target_fault',
        reason:
          "upstream rejected the gateway's credentials: 401 UNAUTHENTICATED: Request had invalid authentication credentials.",
      },
    ],
    [
      '403 (no key)',
      answer(403, errorStatus(403, 'Method doesn’t allow unregistered callers')),
      {
        kind: 'target_fault',
        reason:
          "upstream rejected the gateway's credentials: 403 PERMISSION_DENIED: Method doesn’t allow unregistered callers",
      },
    ],
    [
      '409',
      answer(409, errorStatus(409, 'aborted')),
      { kind: 'client_error', reason: '409 ABORTED: aborted' },
    ],
    ['412', answer(412), { kind: 'client_error', reason: '412 FAILED_PRECONDITION' }],
    ['413', answer(413), { kind: 'client_error', reason: '413 INVALID_ARGUMENT' }],
    ['422', answer(422), { kind: 'client_error', reason: '422 UNKNOWN' }],
    ['408', answer(408), { kind: 'transient', reason: '408 DEADLINE_EXCEEDED', origin: 'external' }],
    [
      '500',
      answer(500, errorStatus(500, 'An internal error has occurred.')),
      { kind: 'transient', reason: '500 INTERNAL: An internal error has occurred.', origin: 'external' },
    ],
    ['502', answer(502), { kind: 'transient', reason: '502 UNAVAILABLE', origin: 'external' }],
    [
      '503 high demand',
      answer(503, errorStatus(503, 'This model is currently experiencing high demand.')),
      {
        kind: 'transient',
        reason: '503 UNAVAILABLE: This model is currently experiencing high demand.',
        origin: 'external',
      },
    ],
    ['504', answer(504), { kind: 'transient', reason: '504 DEADLINE_EXCEEDED', origin: 'external' }],
    [
      '501 (another 5xx)',
      answer(501),
      { kind: 'transient', reason: '501 UNIMPLEMENTED', origin: 'external' },
    ],
    [
      'a 500 naming the requested model',
      answer(500, errorStatus(500, `Internal error serving models/${REQUESTED}.`)),
      {
        kind: 'transient',
        reason: `500 INTERNAL: Internal error serving models/${REQUESTED}.`,
        origin: 'external',
      },
    ],
    [
      'a 500 naming another model (a backing build)',
      answer(500, errorStatus(500, 'Backend models/gemini-v4p1s-rev24-ajax-sentinel failed.')),
      {
        kind: 'target_fault',
        reason:
          '500 INTERNAL: Backend models/gemini-v4p1s-rev24-ajax-sentinel failed. (names models/gemini-v4p1s-rev24-ajax-sentinel, not the requested model)',
      },
    ],
    [
      'a 302 (undici follows no redirects)',
      answer(302),
      { kind: 'transient', reason: 'unexpected HTTP status: 302 UNKNOWN', origin: 'external' },
    ],
  ])('%s', (_name, input, expected) => {
    expect(classifyResponse(input)).toEqual(expected);
  });

  it('accepts the requested model with its models/ prefix', () => {
    const verdict = classifyResponse({
      status: 500,
      error: errorStatus(500, `Internal error serving models/${REQUESTED}`),
      requestedModel: `models/${REQUESTED}`,
    });
    expect(verdict.kind).toBe('transient');
  });

  it('keeps the upstream status string when the envelope has one', () => {
    const error: ErrorStatus = {
      code: 400,
      message: 'User location is not supported',
      status: 'FAILED_PRECONDITION',
    };
    expect(classifyResponse(answer(400, error))).toEqual({
      kind: 'client_error',
      reason: '400 FAILED_PRECONDITION: User location is not supported',
    });
  });
});

describe('classifyResponse: a request the gateway malformed (issue 8)', () => {
  const chain = ['my-flash', 'my-stable'];
  const target = 'gemini-flash-latest';
  it.each([
    [
      'a 404 naming the client’s alias instead of the target’s model',
      404,
      'models/my-flash is not found for API version v1beta, or is not supported for generateContent.',
      'gateway_fault',
    ],
    [
      'a 400: requests[].model still names the alias',
      400,
      '* BatchEmbedContentsRequest.requests[0].model: model "models/my-stable" does not match the model in the request URL "models/gemini-flash-latest".\n',
      'gateway_fault',
    ],
    [
      'a 404 naming the target’s own model is the target’s fault',
      404,
      `models/${target} is not found`,
      'target_fault',
    ],
    [
      'a 404 naming a backing build is the target’s fault',
      404,
      'Model not found: models/rev24',
      'target_fault',
    ],
    ['a 400 naming no alias is the client’s', 400, 'contents is not specified', 'client_error'],
    [
      'a 5xx naming another model is still the target’s fault',
      503,
      'models/my-flash is overloaded',
      'target_fault',
    ],
  ])('%s', (_name, status, message, kind) => {
    const verdict = classifyResponse({
      status,
      error: errorStatus(status, message),
      requestedModel: target,
      aliases: chain,
    });
    expect(verdict.kind).toBe(kind);
  });

  it('an alias named like its target model is not a leak', () => {
    const verdict = classifyResponse({
      status: 404,
      error: errorStatus(404, 'models/gemini-flash-latest is not found'),
      requestedModel: 'gemini-flash-latest',
      aliases: ['gemini-flash-latest'],
    });
    expect(verdict.kind).toBe('target_fault');
  });
});

describe('mayRefuseMethod: the 404 that is "no such model" or "no such method" alike', () => {
  const sentence = (model: string, method: string) =>
    `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`;
  it.each([
    [
      'the requested model and the request’s method',
      404,
      sentence(REQUESTED, 'embedContent'),
      'embedContent',
      true,
    ],
    [
      'v1 writes the verb capitalised',
      404,
      sentence(REQUESTED, 'StreamGenerateContent'),
      'streamGenerateContent',
      true,
    ],
    ['another method than the request’s', 404, sentence(REQUESTED, 'generateContent'), 'embedContent', false],
    [
      'another model: a broken build',
      404,
      sentence('gemini-v4p1s-rev24', 'embedContent'),
      'embedContent',
      false,
    ],
    ['the incident’s 404 names no method', 404, DEAD_BUILD.message, 'generateContent', false],
    ['not a 404', 400, sentence(REQUESTED, 'embedContent'), 'embedContent', false],
  ] as const)('%s → %s', (_, status, message, method, expected) => {
    expect(mayRefuseMethod(answer(status, errorStatus(status, message)), method)).toBe(expected);
  });
});

describe('classifyResponse marks the 404 that may mean a missing method, and only that one', () => {
  const sentence = `models/${REQUESTED} is not found for API version v1beta, or is not supported for embedContent.`;
  it.each([
    ['the request’s method', sentence, 'embedContent', 'embedContent'],
    ['another method', sentence, 'generateContent', undefined],
    ['the incident’s dead build', DEAD_BUILD.message, 'embedContent', undefined],
  ] as const)('%s', (_, message, method, unlessLacking) => {
    const verdict = classifyResponse({ ...answer(404, errorStatus(404, message)), method });
    expect(verdict).toMatchObject({ kind: 'target_fault' });
    expect((verdict as { unlessLacking?: string }).unlessLacking).toBe(unlessLacking);
  });
});

describe('classifyResponse: 429 overloaded and how long to stay away', () => {
  const now = Date.parse('2026-05-29T22:00:00Z');
  const quota = (delayMs?: number) =>
    errorStatus(
      429,
      'You exceeded your current quota',
      delayMs === undefined ? undefined : [retryInfo(delayMs)],
    );

  it.each([
    ['no hint', answer(429, quota()), undefined],
    ['RetryInfo 26s', answer(429, quota(26_000)), 26_000],
    ['RetryInfo 4.35s (fractional)', answer(429, quota(4_350)), 4_350],
    ['Retry-After seconds', answer(429, quota(), { retryAfter: '7' }), 7_000],
    [
      'Retry-After HTTP-date',
      answer(429, quota(), { retryAfter: 'Fri, 29 May 2026 22:00:30 GMT', now }),
      30_000,
    ],
    [
      'Retry-After HTTP-date in the past',
      answer(429, quota(), { retryAfter: 'Fri, 29 May 2026 21:00:00 GMT', now }),
      0,
    ],
    [
      'Retry-After HTTP-date without now (ignored)',
      answer(429, quota(), { retryAfter: 'Fri, 29 May 2026 22:00:30 GMT' }),
      undefined,
    ],
    ['Retry-After garbage (ignored)', answer(429, quota(), { retryAfter: 'soon' }), undefined],
    ['both: the longer wins', answer(429, quota(26_000), { retryAfter: '3' }), 26_000],
    ['a daily quota (81400s) is capped', answer(429, quota(81_400_000)), MAX_RETRY_AFTER_MS],
  ])('%s', (_name, input, retryAfterMs) => {
    const verdict = classifyResponse(input);
    expect(verdict.kind).toBe('overloaded');
    expect(verdict.kind === 'overloaded' && verdict.retryAfterMs).toBe(retryAfterMs ?? undefined);
  });

  it('says in the reason that a capped delay was a daily quota', () => {
    const verdict = classifyResponse(answer(429, quota(81_400_000)));
    expect(verdict).toMatchObject({ kind: 'overloaded', reason: expect.stringContaining('daily quota') });
    expect(verdict).toMatchObject({ reason: expect.stringContaining('81400s') });
  });
});

describe('classifyTransport', () => {
  const coded = (code: string) => Object.assign(new Error('whatever the message says'), { code });

  it.each([
    ['UND_ERR_SOCKET', 'UND_ERR_SOCKET: connection closed by the other side mid-request'],
    ['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT: connect timed out'],
    ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT: no response headers in time'],
    ['UND_ERR_BODY_TIMEOUT', 'UND_ERR_BODY_TIMEOUT: response body stalled'],
    ['UND_ERR_CLOSED', 'UND_ERR_CLOSED: connection pool closed'],
    ['UND_ERR_ABORTED', 'UND_ERR_ABORTED: request aborted'],
    ['ECONNRESET', 'ECONNRESET: connection reset by the other side'],
    ['ECONNREFUSED', 'ECONNREFUSED: connection refused'],
    ['EPIPE', 'EPIPE: connection closed while sending'],
    ['ETIMEDOUT', 'ETIMEDOUT: network timed out'],
    ['ENOTFOUND', 'ENOTFOUND: host not found in DNS'],
    ['EAI_AGAIN', 'EAI_AGAIN: DNS lookup failed temporarily'],
    ['ATTEMPT_TIMEOUT', 'ATTEMPT_TIMEOUT: attempt timed out'],
    ['MALFORMED_BODY', 'MALFORMED_BODY: upstream body malformed'],
    ['HPE_INVALID_CONSTANT', 'HPE_INVALID_CONSTANT: malformed HTTP from the other side'],
    ['ESOMETHINGNEW', 'ESOMETHINGNEW'],
  ])('%s', (code, reason) => {
    expect(classifyTransport(coded(code))).toEqual({ kind: 'transient', reason, origin: 'local' });
  });

  it('finds the code under fetch’s "fetch failed" wrapper', () => {
    const err = new TypeError('fetch failed', { cause: coded('ECONNREFUSED') });
    expect(classifyTransport(err)).toMatchObject({
      reason: 'ECONNREFUSED: connection refused',
      origin: 'local',
    });
  });

  it('finds the code inside an AggregateError (happy eyeballs)', () => {
    const err = new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]);
    expect(classifyTransport(err)).toMatchObject({ reason: 'ECONNREFUSED: connection refused' });
  });

  it('keys on the code, not the message', () => {
    const lying = Object.assign(new Error('ECONNREFUSED happened'), { code: 'UND_ERR_SOCKET' });
    expect(classifyTransport(lying)).toMatchObject({
      reason: 'UND_ERR_SOCKET: connection closed by the other side mid-request',
    });
  });

  it.each([
    ['an Error without code', new Error('boom'), 'unknown transport error (Error)'],
    ['a string', 'boom', 'unknown transport error (string)'],
    ['undefined', undefined, 'unknown transport error (undefined)'],
    [
      'a numeric DOMException code',
      Object.assign(new Error('x'), { name: 'TimeoutError', code: 23 }),
      'unknown transport error (TimeoutError)',
    ],
  ])('unknown: %s → transient local', (_name, err, reason) => {
    expect(classifyTransport(err)).toEqual({ kind: 'transient', reason, origin: 'local' });
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['0', undefined, 0],
    ['120', undefined, 120_000],
    [' 2.5 ', undefined, 2_500],
    ['-1', 0, undefined],
    ['5 minutes', 0, undefined],
    ['Sunday, 06-Nov-94 08:49:37 GMT', Date.parse('1994-11-06T08:49:00Z'), 37_000],
    ['Sun Nov  6 08:49:37 1994', Date.parse('1994-11-06T08:49:37Z'), 0],
    [undefined, 0, undefined],
  ])('%s', (value, now, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
