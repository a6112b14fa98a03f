import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type AdminAccess, authorizeAdmin } from '../../../src/admin/auth.js';
import { newSession, SESSION_MS } from '../../../src/admin/session.js';
import { hashSecret, sessionKeyOf } from '../../../src/config/secret.js';
import { isGatewayError } from '../../../src/errors.js';

/**
 * Who may use the admin listener (src/admin/auth.ts): in demo mode anyone on this machine but no web page
 * elsewhere; with a token, its holder (the CLI's bearer, the dashboard's session cookie), and no state change that
 * another site could have made ride on the browser's cookie.
 */

const NOW = Date.parse('2026-11-24T14:05:00Z');
const TOKEN = 'correct-horse-battery-staple';
const DEMO: AdminAccess = { tokenSha256: undefined };
const WITH_TOKEN: AdminAccess = { tokenSha256: hashSecret(TOKEN), sessionKey: sessionKeyOf(TOKEN) };
const HOST = '127.0.0.1:9090';
const OWN = `http://${HOST}`;

interface Req {
  method?: string;
  peer?: string;
  headers?: Record<string, string>;
}

function request({ method = 'GET', peer = '127.0.0.1', headers = {} }: Req): IncomingMessage {
  return {
    method,
    headers: { host: HOST, ...headers },
    socket: { remoteAddress: peer },
  } as unknown as IncomingMessage;
}

/** 'ok', or the HTTP status the refusal carries. */
function outcome(access: AdminAccess, req: Req, now = NOW): 'ok' | number {
  try {
    authorizeAdmin(access, request(req), now);
    return 'ok';
  } catch (e) {
    if (!isGatewayError(e)) throw e;
    return e.httpStatus;
  }
}

const CSRF = { 'x-aliasgate-csrf': '1' };

describe('authorizeAdmin in demo mode (no token: loopback only)', () => {
  it.each<[string, Req, 'ok' | number]>([
    ['a read from 127.0.0.1', {}, 'ok'],
    ['a read over IPv6 loopback', { peer: '::1', headers: { host: '[::1]:9090' } }, 'ok'],
    ['a read from an IPv4-mapped loopback address', { peer: '::ffff:127.0.0.1' }, 'ok'],
    ['a read addressed to localhost', { headers: { host: 'localhost:9090' } }, 'ok'],
    ['a peer off this machine', { peer: '10.0.0.5' }, 403],
    [
      'a peer off this machine claiming to be forwarded from loopback',
      { peer: '10.0.0.5', headers: { 'x-forwarded-for': '127.0.0.1' } },
      403,
    ],
    [
      'a page that reached 127.0.0.1 under its own name (DNS rebinding)',
      { headers: { host: 'rebound.example:9090' } },
      403,
    ],
    ['no Host at all', { headers: { host: '' } }, 403],
    // the CLI and scripts on this machine: no Origin, no Sec-Fetch-Site, no header
    ['a CLI-like change with no Origin', { method: 'POST' }, 'ok'],
    [
      'the page’s own change, with the header',
      { method: 'POST', headers: { ...CSRF, origin: OWN, 'sec-fetch-site': 'same-origin' } },
      'ok',
    ],
    ['a change from this origin without the header', { method: 'POST', headers: { origin: OWN } }, 403],
    [
      'a change with another site’s Origin',
      { method: 'POST', headers: { ...CSRF, origin: 'http://evil.example' } },
      403,
    ],
    [
      'a change with Origin: null (a sandboxed frame)',
      { method: 'POST', headers: { ...CSRF, origin: 'null' } },
      403,
    ],
    [
      'a change marked Sec-Fetch-Site: cross-site',
      { method: 'POST', headers: { ...CSRF, 'sec-fetch-site': 'cross-site' } },
      403,
    ],
    [
      'a change marked Sec-Fetch-Site: same-site (another port)',
      { method: 'POST', headers: { ...CSRF, 'sec-fetch-site': 'same-site' } },
      403,
    ],
    [
      'a read with another site’s Origin (it cannot see the answer: no CORS)',
      { headers: { origin: 'http://evil.example' } },
      'ok',
    ],
  ])('%s', (_name, req, expected) => {
    expect(outcome(DEMO, req)).toBe(expected);
  });
});

describe('authorizeAdmin with a token', () => {
  const session = newSession(WITH_TOKEN.sessionKey!, NOW);
  const cookie = `aliasgate_admin=${session}`;

  it.each<[string, Req, 'ok' | number]>([
    ['the bearer token', { headers: { authorization: `Bearer ${TOKEN}` } }, 'ok'],
    ['the scheme in any case', { headers: { authorization: `bearer ${TOKEN}` } }, 'ok'],
    ['the scheme in capitals, spaces around', { headers: { authorization: `  BEARER   ${TOKEN} ` } }, 'ok'],
    ['a wrong token', { headers: { authorization: 'Bearer not-the-token' } }, 401],
    ['a token that only begins like the right one', { headers: { authorization: `Bearer ${TOKEN}x` } }, 401],
    ['no credentials', {}, 401],
    ['loopback alone is not enough', { peer: '127.0.0.1' }, 401],
    [
      'from any host, with the token (it may sit behind a proxy)',
      { peer: '10.0.0.5', headers: { host: 'gw.example', authorization: `Bearer ${TOKEN}` } },
      'ok',
    ],
    [
      'a bearer change needs no header and no Origin',
      { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } },
      'ok',
    ],
    ['a read with the session cookie', { headers: { cookie } }, 'ok'],
    ['the cookie among others', { headers: { cookie: `theme=dark; ${cookie}; lang=en` } }, 'ok'],
    [
      'a change with the cookie and the header, from this origin',
      { method: 'POST', headers: { cookie, ...CSRF, origin: OWN } },
      'ok',
    ],
    ['a change with the cookie but no header', { method: 'POST', headers: { cookie, origin: OWN } }, 403],
    [
      'a change with the cookie and the header from another site',
      { method: 'POST', headers: { cookie, ...CSRF, origin: 'http://evil.example' } },
      403,
    ],
    [
      'a change with the cookie marked cross-site',
      { method: 'POST', headers: { cookie, ...CSRF, 'sec-fetch-site': 'cross-site' } },
      403,
    ],
    [
      'a forged cookie',
      { headers: { cookie: `aliasgate_admin=${session.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}` } },
      401,
    ],
    [
      'a cookie whose expiry was pushed back',
      {
        headers: { cookie: `aliasgate_admin=${NOW + 2 * SESSION_MS}${session.slice(session.indexOf('.'))}` },
      },
      401,
    ],
    [
      'a cookie signed under another token',
      { headers: { cookie: `aliasgate_admin=${newSession(sessionKeyOf('other'), NOW)}` } },
      401,
    ],
    ['the token itself as the cookie', { headers: { cookie: `aliasgate_admin=${TOKEN}` } }, 401],
    ['a cookie of another name', { headers: { cookie: `aliasgate_admin_old=${session}` } }, 401],
    // a stale token in a script is told so, not quietly let in by a browser's cookie
    [
      'a wrong bearer token beside a valid cookie',
      { headers: { cookie, authorization: 'Bearer stale' } },
      401,
    ],
  ])('%s', (_name, req, expected) => {
    expect(outcome(WITH_TOKEN, req)).toBe(expected);
  });

  it('a session lasts 12 hours from sign-in, then the cookie is refused', () => {
    const signedIn = newSession(WITH_TOKEN.sessionKey!, NOW);
    const req = { headers: { cookie: `aliasgate_admin=${signedIn}` } };
    expect(outcome(WITH_TOKEN, req, NOW + SESSION_MS - 1)).toBe('ok');
    expect(outcome(WITH_TOKEN, req, NOW + SESSION_MS)).toBe(401);
  });

  it('the refusals say what to do, in the error the API answers with', () => {
    try {
      authorizeAdmin(WITH_TOKEN, request({}), NOW);
      expect.unreachable();
    } catch (e) {
      expect(isGatewayError(e) && e.message).toMatch(/needs the admin token \(Authorization: Bearer/);
    }
    try {
      authorizeAdmin(WITH_TOKEN, request({ method: 'POST', headers: { cookie } }), NOW);
      expect.unreachable();
    } catch (e) {
      expect(isGatewayError(e) && e.message).toContain('x-aliasgate-csrf: 1');
    }
  });
});
