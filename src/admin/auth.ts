import type { IncomingMessage } from 'node:http';
import { bearerToken } from '../api/auth.js';
import { secretMatches } from '../config/secret.js';
import { GatewayError } from '../errors.js';

/** Who may use the admin listener: holders of the token, or anyone on loopback in demo mode. */
export interface AdminAccess {
  /** SHA-256 of the admin token; absent only in demo mode. */
  tokenSha256: string | undefined;
}

export const ADMIN_COOKIE = 'aliasgate_admin';
export const CSRF_HEADER = 'x-aliasgate-csrf';

/**
 * Checks a request to the admin listener. The token comes as `Authorization: Bearer …` (scheme in any case) or, from
 * the dashboard, as its HttpOnly cookie; a state-changing request authenticated by the cookie must also carry the
 * dashboard's CSRF header and come from the listener's own origin. The TCP peer and forwarding headers
 * (X-Forwarded-For, Forwarded) are never trusted: behind a proxy on the same host every request comes from loopback.
 */
export function authorizeAdmin(access: AdminAccess, req: IncomingMessage): void {
  if (access.tokenSha256 === undefined) {
    // demo mode: the listener is bound to loopback and fronts only the built-in simulator
    if (isLoopback(req.socket.remoteAddress)) return;
    throw new GatewayError('ADMIN_UNAUTHORIZED', 'The demo admin API answers on loopback only.');
  }
  const bearer = bearerToken(req.headers.authorization);
  if (bearer !== undefined) {
    if (secretMatches(bearer, access.tokenSha256)) return;
    throw unauthorized();
  }
  const cookie = cookieValue(req.headers.cookie, ADMIN_COOKIE);
  if (cookie === undefined || !secretMatches(cookie, access.tokenSha256)) throw unauthorized();
  if (req.method !== 'GET' && req.method !== 'HEAD') checkSameOrigin(req);
}

/** True when `token` is the admin token (the dashboard's login form). */
export function isAdminToken(access: AdminAccess, token: string): boolean {
  return access.tokenSha256 !== undefined && secretMatches(token, access.tokenSha256);
}

function unauthorized(): GatewayError {
  return new GatewayError(
    'ADMIN_UNAUTHORIZED',
    'The admin API needs the admin token (Authorization: Bearer …). `aliasgate status` on the gateway’s machine reads it ' +
      'from the token file; see admin.tokenFile.',
  );
}

function checkSameOrigin(req: IncomingMessage): void {
  if (req.headers[CSRF_HEADER] !== '1') {
    throw new GatewayError('ADMIN_FORBIDDEN', `A change from the dashboard must carry ${CSRF_HEADER}: 1.`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.headers.host)
      throw new GatewayError('ADMIN_FORBIDDEN', 'Cross-site requests are not allowed.');
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function isLoopback(address: string | undefined): boolean {
  return !!address && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'));
}
