import type { AliasConfig, Config, Stage } from '../config/schema.js';
import type { AliasEntry } from './alias.js';
import { deprecationHeaders } from './deprecation.js';
import { overlayTargets, type TargetOverlay } from './overlay.js';
import { type Target, type TargetId, targetId } from './target.js';

/**
 * An operator's lifecycle change of one alias (kept in the operator store), applied on top of what the config says:
 * it replaces the alias's stage, replacement and shutdown together.
 */
export interface LifecycleOverride {
  alias: string;
  stage: Stage;
  replacement?: string;
  shutdown?: string;
}

/**
 * The effective alias catalogue: the config's aliases with the operators' lifecycle overrides and target overlays
 * (a build added by a rollout, a share of traffic, a drain) on top. Pure,
 * immutable, no I/O: a reload or a stage change builds a new one, and a request keeps the one it began with.
 * Operator pulls are not applied here; the health table holds them (health/pulls.ts).
 */
export class Catalog {
  readonly #aliases: Map<string, AliasEntry>;
  readonly #targets: Map<TargetId, Target>;
  /** Chains are asked for on every request and the catalogue never changes: each is built once. */
  readonly #chains = new Map<string, AliasEntry[]>();
  readonly #chainNames = new Map<string, string[]>();
  readonly #deprecation = new Map<string, Record<string, string> | undefined>();

  constructor(
    config: Pick<Config, 'aliases'>,
    overrides: readonly LifecycleOverride[] = [],
    /** Operators' changes to targets (rollouts, drains: lifecycle/), applied after the config's own. */
    overlays: readonly TargetOverlay[] = [],
  ) {
    const byAlias = new Map(overrides.map((o) => [o.alias, o]));
    this.#aliases = new Map(
      Object.entries(config.aliases).map(([name, alias]) => {
        const entry = toEntry(name, alias, byAlias.get(name));
        const mine = overlays.filter((o) => o.alias === name);
        if (mine.length > 0) {
          entry.targets = overlayTargets(entry.targets, mine, (upstream, model) => ({
            id: targetId(name, upstream, model),
            alias: name,
            upstream,
            model,
            weight: 1,
          }));
        }
        return [name, entry];
      }),
    );
    this.#targets = new Map(
      [...this.#aliases.values()].flatMap((entry) => entry.targets.map((t) => [t.id, t])),
    );
  }

  /** Every alias, in config order (the order `GET models` lists them). */
  aliases(): AliasEntry[] {
    return [...this.#aliases.values()];
  }

  get(name: string): AliasEntry | undefined {
    return this.#aliases.get(name);
  }

  /**
   * The alias, then its fallbacks and theirs, depth-first in configured order, each alias once.
   * Cycles (a → b → a) are cut where they close; unknown names are skipped. Empty for an unknown alias.
   */
  fallbackChain(name: string): readonly AliasEntry[] {
    let chain = this.#chains.get(name);
    if (!chain) {
      chain = this.#buildChain(name);
      if (this.#aliases.has(name)) this.#chains.set(name, chain);
    }
    return chain;
  }

  /** The alias names of fallbackChain(name): the names clients write, which no upstream should ever be sent. */
  chainNames(name: string): readonly string[] {
    let names = this.#chainNames.get(name);
    if (!names) {
      names = this.fallbackChain(name).map((a) => a.name);
      if (this.#aliases.has(name)) this.#chainNames.set(name, names);
    }
    return names;
  }

  /** The deprecation headers of an alias's answers (deprecation.ts), or undefined; built once per alias. */
  deprecationHeaders(alias: AliasEntry): Record<string, string> | undefined {
    if (!this.#deprecation.has(alias.name)) this.#deprecation.set(alias.name, deprecationHeaders(alias));
    return this.#deprecation.get(alias.name);
  }

  #buildChain(name: string): AliasEntry[] {
    const chain: AliasEntry[] = [];
    const visited = new Set<string>();
    const visit = (current: string) => {
      const entry = this.#aliases.get(current);
      if (!entry || visited.has(current)) return;
      visited.add(current);
      chain.push(entry);
      for (const sibling of entry.fallback) visit(sibling);
    };
    visit(name);
    return chain;
  }

  /** A target by its id `${alias}/${upstream}/${model}`. */
  target(id: TargetId): Target | undefined {
    return this.#targets.get(id);
  }

  /** Each alias with its targets' ids: the groups maxEjectionPercent applies to. */
  groups(): [alias: string, targets: TargetId[]][] {
    return this.aliases().map((a) => [a.name, a.targets.map((t) => t.id)]);
  }

  /** Every target of every alias, in config order. */
  targets(): Target[] {
    return [...this.#targets.values()];
  }
}

function toEntry(name: string, alias: AliasConfig, override: LifecycleOverride | undefined): AliasEntry {
  const entry: AliasEntry = {
    name,
    model: { ...alias.model },
    targets: alias.targets.map((t) => ({
      id: targetId(name, t.upstream, t.model),
      alias: name,
      upstream: t.upstream,
      model: t.model,
      weight: t.weight,
    })),
    fallback: [...alias.fallback],
  };
  // optional fields are set only when configured, so a spread of the entry never carries `undefined`
  if (alias.methods !== undefined) entry.methods = [...alias.methods];
  if (alias.exposeBuilds === false) entry.exposeBuilds = false;
  const lifecycle = override ?? alias;
  if (lifecycle.stage !== undefined) entry.stage = lifecycle.stage;
  if (lifecycle.replacement !== undefined) entry.replacement = lifecycle.replacement;
  if (lifecycle.shutdown !== undefined) entry.shutdown = lifecycle.shutdown;
  if (override) entry.stageSource = 'operator';
  if (alias.displayName !== undefined) entry.displayName = alias.displayName;
  if (alias.description !== undefined) entry.description = alias.description;
  return entry;
}
