import type { Catalog } from '../catalog/catalog.js';
import { type LearnedModel, type LearnedModels, learnedFrom } from '../catalog/learned-model.js';
import type { Clock } from '../clock.js';
import { Attempt } from './attempt.js';
import type { Upstream, Upstreams } from './pools.js';

export interface LearnOptions {
  clock: Clock;
  /** Time allowed for one `GET models/{model}`, ms. */
  timeoutMs: number;
  /** True once the gateway is closing: no new read starts. */
  stopped?: () => boolean;
  /** Hears each target that could not be read (the alias then passes every verb to its upstream). */
  onUnknown?: (upstream: string, model: string, why: string) => void;
}

/** Reads at once at start: thousands of aliases must not open thousands of requests. */
const START_CONCURRENCY = 4;
/** A target whose Model resource could not be read is asked again on the request path no sooner than this. */
export const RELEARN_AFTER_MS = 60_000;

/**
 * Reads, for every alias that declares no `methods`, its first target's Model resource on its upstream and records
 * what it teaches. Runs beside serving and never fails: until a target is read, or when it cannot be, its aliases
 * pass every verb through and the upstream decides.
 */
export async function learnModels(
  catalog: Catalog,
  upstreams: Upstreams,
  learned: LearnedModels,
  options: LearnOptions,
): Promise<void> {
  const pending = new Map<string, { upstream: string; model: string }>();
  for (const alias of catalog.aliases()) {
    const first = alias.targets[0];
    if (alias.methods || !first || learned.has(first.upstream, first.model)) continue; // read once, kept across reloads
    pending.set(`${first.upstream}/${first.model}`, { upstream: first.upstream, model: first.model });
  }
  const queue = [...pending.values()];
  const worker = async () => {
    for (let next = queue.shift(); next && !options.stopped?.(); next = queue.shift()) {
      // at start and on reload every unknown target is read, however recently it failed
      await learnTarget(upstreams, learned, next.upstream, next.model, options, 0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, queue.length) }, worker));
}

/**
 * What one target's Model resource teaches: already known, or read now (sharing a read under way), or undefined when
 * it cannot be read. Never rejects.
 */
export function learnTarget(
  upstreams: Upstreams,
  learned: LearnedModels,
  upstream: string,
  model: string,
  options: LearnOptions,
  retryAfterMs = RELEARN_AFTER_MS,
): Promise<LearnedModel | undefined> {
  const read = async (): Promise<LearnedModel | undefined> => {
    if (options.stopped?.()) return undefined;
    const result = await readModel(upstreams.get(upstream), model, options).catch(
      (e: unknown) => `${(e as Error)?.message ?? e}`,
    );
    if (typeof result !== 'string') return result;
    if (!options.stopped?.()) options.onUnknown?.(upstream, model, result);
    return undefined;
  };
  return learned.learn(upstream, model, read, options.clock.now(), retryAfterMs);
}

/** `GET /{version}/models/{model}` on the upstream, with its own key: what it teaches, or why nothing. */
async function readModel(
  upstream: Upstream,
  model: string,
  options: LearnOptions,
): Promise<LearnedModel | string> {
  const attempt = new Attempt({
    dispatcher: upstream.pool,
    path: `${upstream.basePath}/${upstream.apiVersion ?? 'v1beta'}/models/${model}`,
    method: 'GET',
    headers: { ...upstream.headers, 'user-agent': 'aliasgate-model-info' },
    body: null,
    mode: 'unary',
    framing: 'none',
    timeoutMs: options.timeoutMs,
    holdLimitBytes: 256 * 1024,
    clock: options.clock,
  });
  const outcome = await attempt.outcome;
  if (outcome.kind === 'transport') return `${outcome.error.code ?? outcome.error.message}`;
  if (!outcome.complete) {
    attempt.abort(Object.assign(new Error('model resource too large'), { code: 'NOT_TAKEN' }));
    return 'the Model resource is larger than expected';
  }
  if (outcome.status !== 200) return `HTTP ${outcome.status}`;
  try {
    const learned = learnedFrom(JSON.parse(Buffer.concat(outcome.chunks).toString('utf8')));
    return learned ?? 'the Model resource lists no supportedGenerationMethods';
  } catch {
    return 'the Model resource is not JSON';
  }
}
