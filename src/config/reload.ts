import type { Config } from './schema.js';

/**
 * What a reloaded config changes that a running gateway cannot take on (its listeners, where its state lives, the
 * health policy its counters were kept under): each a sentence for the operator. Everything else — aliases,
 * targets, weights, upstreams, routing, client keys, limits, the log level — takes effect for new requests.
 */
export function needsRestart(running: Config, next: Config): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const out: string[] = [];
  if (running.server.host !== next.server.host || running.server.port !== next.server.port) {
    out.push('server.host / server.port take effect at the next start');
  }
  if (!same(running.admin, next.admin)) out.push('admin (the admin listener) takes effect at the next start');
  if (!same(running.state, next.state))
    out.push('state (where operator state is kept) takes effect at the next start');
  if (!same(running.health, next.health))
    out.push('health (the outlier policy) takes effect at the next start');
  if (running.auth.adminTokenSha256 !== next.auth.adminTokenSha256) {
    out.push('auth.adminToken takes effect at the next start');
  }
  return out;
}
