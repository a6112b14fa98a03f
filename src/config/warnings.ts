import type { Config } from './schema.js';

/**
 * Things a valid config does that an operator may not mean; the gateway logs them at start.
 * Not errors: an open gateway on loopback is a fine way to develop.
 */
export function configWarnings(config: Config, options: { openAdmin?: boolean } = {}): string[] {
  const warnings: string[] = [];
  if (config.auth.clientKeys.length === 0) {
    warnings.push('auth.clientKeys is empty: the gateway serves anyone who can reach it');
  }
  if (options.openAdmin) {
    warnings.push('demo mode: the admin API answers anyone on loopback without a token');
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(config.admin.host)) {
    warnings.push(
      `admin.host is ${config.admin.host}: the admin API and dashboard can be reached from the network (with the ` +
        'admin token); the token and the session cookie cross it in clear unless TLS is put in front',
    );
  }
  if (!config.state.redis && config.state.sqlitePath === ':memory:') {
    warnings.push('state.sqlitePath is :memory: pulls and the audit log are lost when the gateway stops');
  }
  const used = new Set(
    Object.values(config.aliases).flatMap((alias) => alias.targets.map((t) => t.upstream)),
  );
  for (const upstream of Object.keys(config.upstreams)) {
    if (!used.has(upstream)) warnings.push(`upstreams.${upstream} is not used by any alias target`);
  }
  for (const [name, upstream] of Object.entries(config.upstreams)) {
    const models = new Set(
      Object.values(config.aliases).flatMap((a) =>
        a.targets.filter((t) => t.upstream === name).map((t) => t.model),
      ),
    );
    if (models.size > 1 && upstream.maxRequestsPerTarget >= upstream.connections) {
      warnings.push(
        `upstreams.${name}.maxRequestsPerTarget (${upstream.maxRequestsPerTarget}) is not below its connections ` +
          `(${upstream.connections}): one hung build can take every connection from the upstream's other models`,
      );
    }
  }
  for (const [name, alias] of Object.entries(config.aliases)) {
    for (const sibling of alias.fallback) {
      // methods learned from the upstream are not known yet: only declared ones can be compared
      const theirs = config.aliases[sibling]?.methods;
      if (!alias.methods || !theirs) continue;
      const missing = alias.methods.filter((m) => !theirs.includes(m));
      if (missing.length > 0) {
        warnings.push(
          `aliases.${name}.fallback: ${sibling} does not support ${missing.join(', ')}; those calls cannot fall back to it`,
        );
      }
    }
  }
  return warnings;
}
