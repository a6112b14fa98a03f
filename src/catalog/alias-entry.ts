import type { Stage } from '../config/schema.js';
import type { GenerationMethod } from '../wire/types.js';

/** One place a request for an alias can go: an upstream plus the model to call there (DESIGN vocabulary). */
export interface Target {
  /** `${alias}/${upstream}/${model}`: unique, stable across restarts; used for health state and metrics. */
  id: string;
  alias: string;
  upstream: string;
  model: string;
  /** Relative share of traffic among the alias's healthy targets (> 0). */
  weight: number;
}

/** An alias as the gateway serves it: its lifecycle, its methods, its targets and fallback chain. */
export interface AliasEntry {
  name: string;
  stage?: Stage;
  replacement?: string;
  /** YYYY-MM-DD. */
  shutdown?: string;
  displayName?: string;
  description?: string;
  methods: GenerationMethod[];
  /** Extra Model-resource fields to advertise (inputTokenLimit, …). */
  model: Record<string, unknown>;
  targets: Target[];
  /** Sibling aliases, in order, as configured (not expanded; see Catalog.fallbackChain). */
  fallback: string[];
}

export function targetId(alias: string, upstream: string, model: string): string {
  return `${alias}/${upstream}/${model}`;
}
