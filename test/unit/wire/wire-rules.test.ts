import { describe, expect, it } from 'vitest';
import { invalidApiKey, missingApiKey, rejectsKey } from '../../../src/wire/auth-errors.js';
import { errorStatus } from '../../../src/wire/envelope.js';
import { transportCode, transportWords } from '../../../src/wire/transport-errors.js';

/** The wire rules the gateway and the probe share, pinned once (issue 10: one copy of each rule). */
describe('rejectsKey', () => {
  it.each([
    ['Google’s bad-key 400 with ErrorInfo API_KEY_INVALID', invalidApiKey(), true],
    [
      'the same 400 with its details lost (the probe keeps the message)',
      { code: 400, message: invalidApiKey().message },
      true,
    ],
    ['Google’s no-key 403', missingApiKey(), true],
    ['a 401', errorStatus(401, 'unauthenticated'), true],
    ['an ordinary 400', errorStatus(400, 'contents is not specified'), false],
    ['a 404', errorStatus(404, 'Model not found: models/x'), false],
  ])('%s → %s', (_n, error, expected) => {
    expect(rejectsKey(error)).toBe(expected);
  });
});

describe('transportCode and transportWords', () => {
  const coded = (code: string) => Object.assign(new Error('x'), { code });
  it.each([
    ['a plain coded error', coded('ECONNREFUSED'), 'ECONNREFUSED', 'connection refused'],
    [
      'undici fetch wraps the cause',
      new TypeError('fetch failed', { cause: coded('ECONNRESET') }),
      'ECONNRESET',
      'connection reset by the other side',
    ],
    [
      'happy eyeballs: an AggregateError',
      Object.assign(new AggregateError([coded('ETIMEDOUT')]), {}),
      'ETIMEDOUT',
      'network timed out',
    ],
    [
      'undici’s generic UND_ERR is looked through',
      Object.assign(new Error('x'), { code: 'UND_ERR', cause: coded('UND_ERR_SOCKET') }),
      'UND_ERR_SOCKET',
      'connection closed by the other side mid-request',
    ],
    [
      'an HTTP parser error',
      coded('HPE_INVALID_CONSTANT'),
      'HPE_INVALID_CONSTANT',
      'malformed HTTP from the other side',
    ],
    ['no code at all', new Error('boom'), undefined, undefined],
  ])('%s', (_n, err, code, words) => {
    expect(transportCode(err)).toBe(code);
    if (code) expect(transportWords(code)).toBe(words);
  });
});
