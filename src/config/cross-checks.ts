import type { ConfigIssue } from '../validation/issue.js';
import { MODEL_ID, MODEL_ID_HINT, UPSTREAM_NAME, UPSTREAM_NAME_HINT } from './scalars.js';
import type { AliasConfig, Config } from './schema.js';

/**
 * Rules that span fields, run on a config that already has the right shape. Each issue carries the
 * path of the field to fix, so load.ts can point at its line like any schema error.
 */
export function crossCheck(config: Config): ConfigIssue[] {
  return [
    ...checkNames(config),
    ...checkClientKeys(config),
    ...Object.entries(config.aliases).flatMap(([name, alias]) => checkAlias(config, name, alias)),
    ...checkEjectionBounds(config),
  ];
}

function checkNames(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const upstreams = Object.keys(config.upstreams);
  const aliases = Object.keys(config.aliases);
  if (upstreams.length === 0) issues.push({ path: ['upstreams'], message: 'expected at least one upstream' });
  if (aliases.length === 0) issues.push({ path: ['aliases'], message: 'expected at least one alias' });
  for (const name of upstreams) {
    if (!UPSTREAM_NAME.test(name))
      issues.push({ path: ['upstreams', name], message: UPSTREAM_NAME_HINT, atKey: true });
  }
  for (const name of aliases) {
    if (!MODEL_ID.test(name)) issues.push({ path: ['aliases', name], message: MODEL_ID_HINT, atKey: true });
  }
  return issues;
}

function checkClientKeys(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, number>();
  const digests = new Map<string, number>();
  config.auth.clientKeys.forEach((key, index) => {
    const sameName = names.get(key.name);
    if (sameName !== undefined) {
      issues.push({
        path: ['auth', 'clientKeys', index, 'name'],
        message: `duplicate client key name '${key.name}' (also clientKeys[${sameName}])`,
      });
    }
    const sameKey = digests.get(key.sha256);
    if (sameKey !== undefined) {
      issues.push({
        path: ['auth', 'clientKeys', index],
        message: `same key as clientKeys[${sameKey}]: each key must identify one client`,
      });
    }
    names.set(key.name, index);
    digests.set(key.sha256, index);
    (key.aliases ?? []).forEach((alias, at) => {
      if (!(alias in config.aliases)) {
        issues.push({
          path: ['auth', 'clientKeys', index, 'aliases', at],
          message: `'${alias}' is not a configured alias`,
        });
      }
    });
  });
  return issues;
}

/** Model-resource fields the gateway derives itself, and where to set them instead. */
const DERIVED_MODEL_FIELDS: Record<string, string> = {
  name: 'it is models/<alias>',
  baseModelId: 'it is the alias name',
  supportedGenerationMethods: 'set methods instead',
  displayName: 'set displayName on the alias instead',
  description: 'set description on the alias instead',
  stage: 'set stage on the alias instead',
  replacement: 'set replacement on the alias instead',
  shutdown: 'set shutdown on the alias instead',
};

function checkAlias(config: Config, name: string, alias: AliasConfig): ConfigIssue[] {
  const at = (...rest: PropertyKey[]) => ['aliases', name, ...rest];
  const issues: ConfigIssue[] = [];

  const seenTargets = new Map<string, number>();
  alias.targets.forEach((target, index) => {
    if (!(target.upstream in config.upstreams)) {
      const declared = Object.keys(config.upstreams).join(', ') || 'none';
      issues.push({
        path: at('targets', index, 'upstream'),
        message: `upstream '${target.upstream}' is not declared under upstreams (declared: ${declared})`,
      });
    }
    const key = `${target.upstream}/${target.model}`;
    const first = seenTargets.get(key);
    if (first !== undefined) {
      issues.push({
        path: at('targets', index),
        message: `duplicate target ${key} (same as targets[${first}])`,
      });
    } else {
      seenTargets.set(key, index);
    }
  });

  const seenFallbacks = new Set<string>();
  alias.fallback.forEach((sibling, index) => {
    if (sibling === name) {
      issues.push({ path: at('fallback', index), message: 'an alias cannot fall back to itself' });
    } else if (!(sibling in config.aliases)) {
      issues.push({ path: at('fallback', index), message: `'${sibling}' is not a configured alias` });
    } else if (seenFallbacks.has(sibling)) {
      issues.push({ path: at('fallback', index), message: `'${sibling}' is listed twice` });
    }
    seenFallbacks.add(sibling);
  });

  if (alias.replacement === name) {
    issues.push({ path: at('replacement'), message: 'an alias cannot be its own replacement' });
  }
  // a deprecation that does not say where to go leaves clients stranded; the catalog's Warning text needs it
  if (alias.stage === 'deprecated' && alias.replacement === undefined) {
    issues.push({ path: at('stage'), message: 'stage deprecated needs a replacement' });
  }
  for (const field of Object.keys(alias.model)) {
    const why = DERIVED_MODEL_FIELDS[field];
    if (why !== undefined)
      issues.push({ path: at('model', field), message: `derived by the gateway: ${why}`, atKey: true });
  }
  return issues;
}

function checkEjectionBounds(config: Config): ConfigIssue[] {
  const { baseEjectionMs, maxEjectionMs } = config.health;
  return maxEjectionMs < baseEjectionMs
    ? [{ path: ['health', 'maxEjectionMs'], message: `expected >= baseEjectionMs (${baseEjectionMs})` }]
    : [];
}
