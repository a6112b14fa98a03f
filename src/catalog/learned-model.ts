import { type GenerationMethod, isGenerationMethod } from '../wire/types.js';
import type { AliasEntry } from './alias.js';

/**
 * What an upstream's own Model resource says about the model behind an alias (docs/wire.md §6), for aliases whose
 * config does not declare `methods`: the verbs it serves and its token limits. Learned once, at start, from the
 * first target; never on the request path.
 */
export interface LearnedModel {
  methods: GenerationMethod[];
  /** inputTokenLimit and outputTokenLimit, when the upstream gave them. */
  fields: Record<string, unknown>;
}

/**
 * The verbs a listed method implies: Google never lists streamGenerateContent (a model that generates also streams)
 * and lists embedContent for models that batch-embed too (docs/wire.md §6).
 */
const IMPLIED: Partial<Record<string, GenerationMethod[]>> = {
  generateContent: ['generateContent', 'streamGenerateContent'],
  embedContent: ['embedContent', 'batchEmbedContents'],
};

const LIMIT_FIELDS = ['inputTokenLimit', 'outputTokenLimit'] as const;

/** A Model resource → what it teaches; undefined when it lists no methods at all (then nothing is known). */
export function learnedFrom(resource: unknown): LearnedModel | undefined {
  if (typeof resource !== 'object' || resource === null) return undefined;
  const r = resource as Record<string, unknown>;
  const listed = r.supportedGenerationMethods;
  if (!Array.isArray(listed)) return undefined;
  const methods = new Set<GenerationMethod>();
  for (const m of listed) {
    if (typeof m !== 'string') continue;
    for (const verb of IMPLIED[m] ?? (isGenerationMethod(m) ? [m] : [])) methods.add(verb);
  }
  const fields: Record<string, unknown> = {};
  for (const f of LIMIT_FIELDS) if (typeof r[f] === 'number') fields[f] = r[f];
  return { methods: [...methods], fields };
}

/** Learned models by the target they were read from (`upstream/model`), so a rebuilt catalogue keeps them. */
export class LearnedModels {
  readonly #byTarget = new Map<string, LearnedModel>();

  set(upstream: string, model: string, learned: LearnedModel): void {
    this.#byTarget.set(`${upstream}/${model}`, learned);
  }

  has(upstream: string, model: string): boolean {
    return this.#byTarget.has(`${upstream}/${model}`);
  }

  /** What the alias's first target taught, if it has yet. */
  of(alias: AliasEntry): LearnedModel | undefined {
    const first = alias.targets[0];
    return first && this.#byTarget.get(`${first.upstream}/${first.model}`);
  }
}

/** The verbs routed for an alias: declared, else learned; undefined lets every verb through to the upstream. */
export function aliasMethods(
  alias: AliasEntry,
  learned: LearnedModels | undefined,
): readonly GenerationMethod[] | undefined {
  return alias.methods ?? learned?.of(alias)?.methods;
}

/** The alias as its Model resource shows it: learned methods and limits, under whatever config declares. */
export function withLearned(alias: AliasEntry, learned: LearnedModels | undefined): AliasEntry {
  const known = alias.methods ? undefined : learned?.of(alias);
  if (!known) return alias;
  return { ...alias, methods: known.methods, model: { ...known.fields, ...alias.model } };
}
