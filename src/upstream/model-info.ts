import type { Catalog } from '../catalog/catalog.js';
import { type LearnedModel, type LearnedModels, learnedFrom } from '../catalog/learned-model.js';
import type { Clock } from '../clock.js';
import { Attempt } from './attempt.js';
import type { Upstream, Upstreams } from './pools.js';

export interface LearnOptions {
  clock: Clock;
  /** Time allowed for one `GET models/{model}`, ms. */
  timeoutMs: number;
  /** Reads at once: thousands of aliases must not open thousands of requests at start. */
  concurrency: number;
  /** True once the gateway is closing: no new read starts. */
  stopped?: () => boolean;
  /** Hears each target that could not be read (the alias then passes every verb to its upstream). */
  onUnknown?: (upstream: string, model: string, why: string) => void;
}

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
      const { upstream, model } = next;
      const result = await readModel(upstreams.get(upstream), model, options).catch(
        (e: unknown) => `${(e as Error)?.message ?? e}`,
      );
      if (options.stopped?.()) return;
      if (typeof result === 'string') options.onUnknown?.(upstream, model, result);
      else learned.set(upstream, model, result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
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
