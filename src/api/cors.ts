import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Sets the CORS headers of one client request; true when the request was a preflight and has been answered.
 * Built once from `server.cors.origins`; the client listener only (the admin API never allows other origins).
 */
export type Cors = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Headers a page may read on answers: the gateway's own, and what deprecation and load shedding add. */
const EXPOSED = [
  'x-aliasgate-alias',
  'x-aliasgate-target',
  'x-aliasgate-attempts',
  'x-aliasgate-fallback',
  'x-aliasgate-replacement',
  'warning',
  'deprecation',
  'sunset',
  'retry-after',
].join(', ');

/** What a preflight that names no headers is told: every header the Gemini, OpenAI and LangChain SDKs send. */
const DEFAULT_ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'x-goog-api-key',
  'x-goog-api-client',
  'x-server-timeout',
  'user-agent',
  'openai-organization',
  'openai-project',
  'x-stainless-arch',
  'x-stainless-lang',
  'x-stainless-os',
  'x-stainless-package-version',
  'x-stainless-retry-count',
  'x-stainless-runtime',
  'x-stainless-runtime-version',
  'x-stainless-timeout',
].join(', ');

const METHODS = 'GET, POST, OPTIONS';
/** Chrome keeps a preflight at most 2 hours, Firefox a day; asking for a day costs nothing. */
const MAX_AGE = '86400';
/** A header list as browsers send it: header-name tokens separated by commas. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * Like Google's endpoint: any origin by default (`*`), or only the configured ones, echoed with `Vary: Origin`.
 * A preflight is answered 204 with the methods and whatever request headers the page asked for: the gateway
 * authenticates by key, never by cookie, so withholding a header would protect nothing and would break the next
 * SDK that adds one (the openai SDK alone sends eight `x-stainless-*`). An origin not on the list gets no
 * `Access-Control-Allow-Origin`, and the browser refuses the call with its usual message.
 */
export function corsPolicy(origins: readonly string[]): Cors {
  if (origins.length === 0) return () => false;
  const any = origins.includes('*');
  const listed = new Set(origins);
  return (req, res) => {
    const origin = req.headers.origin;
    const allowed = any || (origin !== undefined && listed.has(origin));
    if (!any) res.setHeader('vary', 'Origin');
    if (allowed) {
      res.setHeader('access-control-allow-origin', any ? '*' : origin!);
      res.setHeader('access-control-expose-headers', EXPOSED);
    }
    if (req.method !== 'OPTIONS' || origin === undefined) return false;
    const method = req.headers['access-control-request-method'];
    if (method === undefined) return false;
    preflight(req, res, allowed);
    return true;
  };
}

function preflight(req: IncomingMessage, res: ServerResponse, allowed: boolean): void {
  res.setHeader(
    'vary',
    res.hasHeader('vary') ? 'Origin, Access-Control-Request-Headers' : 'Access-Control-Request-Headers',
  );
  if (allowed) {
    const asked = req.headers['access-control-request-headers'];
    res.setHeader('access-control-allow-methods', METHODS);
    res.setHeader(
      'access-control-allow-headers',
      typeof asked === 'string' && HEADER_LIST.test(asked.trim()) ? asked.trim() : DEFAULT_ALLOWED_HEADERS,
    );
    res.setHeader('access-control-max-age', MAX_AGE);
    // Chrome asks before a public page may reach a gateway on a private address (Private Network Access)
    if (req.headers['access-control-request-private-network'] === 'true') {
      res.setHeader('access-control-allow-private-network', 'true');
    }
  }
  res.writeHead(204, { 'content-length': 0 });
  res.end();
}
