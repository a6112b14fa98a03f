import type { IncomingMessage } from 'node:http';
import { bearerToken } from '../api/auth.js';
import { secretMatches } from '../config/secret.js';
import { GatewayError } from '../errors.js';
import { validSession } from './session.js';

/** Who may use the admin listener: holders of the token, or anyone on loopback in demo mode. */
export interface AdminAccess {
  /** SHA-256 of the admin token; absent only in demo mode. */
  tokenSha256: string | undefined;
  /** What the dashboard's session cookies are signed with (session.ts); absent only in demo mode. */
  sessionKey?: string;
}

export const ADMIN_COOKIE = 'aliasgate_admin';
export const CSRF_HEADER = 'x-aliasgate-csrf';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Checks a request to the admin listener. The token comes as `Authorization: Bearer …` (scheme in any case) or, from
 * the dashboard, as a session cookie bought with it (session.ts); a state-changing request admitted by the cookie —
 * or, from a browser, by loopback alone in demo mode — must also carry the dashboard's CSRF header and come from this
 * listener's own origin (the CLI on this host, in demo mode, sends neither header nor Origin and needs neither). The TCP peer and forwarding headers (X-Forwarded-For, Forwarded) are never trusted: behind a proxy on the
 * same host every request comes from loopback (docs: SECURITY.md).
 */
export function authorizeAdmin(access: AdminAccess, req: IncomingMessage, now: number): void {
  if (access.tokenSha256 === undefined) {
    // demo mode: the listener is bound to loopback and fronts only the built-in simulator; a page elsewhere whose
    // name resolves to 127.0.0.1 (DNS rebinding) passes "loopback", so the Host must be a loopback name too
    if (!isLoopback(req.socket.remoteAddress) || !LOOPBACK_HOSTS.has(hostName(req))) {
      throw new GatewayError('ADMIN_FORBIDDEN', 'The demo admin API answers on loopback only.');
    }
    // the CLI and scripts on this host send neither Origin nor Sec-Fetch-Site; a browser sends them with every
    // POST, and then the page's own header is asked for as it is with a cookie
    if (changes(req)) checkSameOrigin(req, fromBrowser(req));
    return;
  }
  const bearer = bearerToken(req.headers.authorization);
  if (bearer !== undefined) {
    if (secretMatches(bearer, access.tokenSha256)) return;
    throw unauthorized();
  }
  if (!hasSession(access, req, now)) throw unauthorized();
  if (changes(req)) checkSameOrigin(req);
}

/** Whether the request carries a valid dashboard session (always, in demo mode). */
export function hasSession(access: AdminAccess, req: IncomingMessage, now: number): boolean {
  if (access.tokenSha256 === undefined) return true;
  const cookie = cookieValue(req.headers.cookie, ADMIN_COOKIE);
  return (
    cookie !== undefined && access.sessionKey !== undefined && validSession(access.sessionKey, cookie, now)
  );
}

/** True when `token` is the admin token (the dashboard's login form). */
export function isAdminToken(access: AdminAccess, token: string): boolean {
  return access.tokenSha256 !== undefined && secretMatches(token, access.tokenSha256);
}

function changes(req: IncomingMessage): boolean {
  return req.method !== 'GET' && req.method !== 'HEAD';
}

function fromBrowser(req: IncomingMessage): boolean {
  return req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined;
}

function unauthorized(): GatewayError {
  return new GatewayError(
    'ADMIN_UNAUTHORIZED',
    'The admin API needs the admin token (Authorization: Bearer …). `aliasgate status` on the gateway’s machine reads it ' +
      'from the token file; see admin.tokenFile.',
  );
}

/** A state change riding on ambient credentials must show it comes from the dashboard itself. */
export function checkSameOrigin(req: IncomingMessage, needHeader = true): void {
  if (needHeader && req.headers[CSRF_HEADER] !== '1') {
    throw new GatewayError('ADMIN_FORBIDDEN', `A change from the dashboard must carry ${CSRF_HEADER}: 1.`);
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new GatewayError(
      'ADMIN_FORBIDDEN',
      `Cross-site requests are not allowed (Sec-Fetch-Site: ${site}).`,
    );
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const own = [`http://${req.headers.host}`, `https://${req.headers.host}`];
  if (!own.includes(origin))
    throw new GatewayError('ADMIN_FORBIDDEN', `Cross-site requests are not allowed (${origin}).`);
}

function hostName(req: IncomingMessage): string {
  return (req.headers.host ?? '').replace(/:\d+$/, '');
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function isLoopback(address: string | undefined): boolean {
  return !!address && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'));
}
