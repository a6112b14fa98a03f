import { Counter, Gauge, type MetricObjectWithValues, type MetricValue, Registry } from 'prom-client';

/** What the gauges read at scrape time: the state of every target and store, from memory. */
export interface ScrapeSource {
  targets(): Iterable<{ alias: string; upstream: string; model: string; state: string; outSince?: number }>;
  stores(): Iterable<{ store: string; ok: boolean; queued: number }>;
}

/**
 * Every metric aliasgate exports, named in one place (Envoy's words: detected vs enforced ejections).
 *
 * The per-request metrics (requests, attempts, duration) are counted in plain numbers and handed to prom-client
 * only when /metrics is scraped: prom-client hashes the label set on every inc()/observe(), even through a cached
 * child, and on the gateway's hot path that was the largest cost of our own code (bench/RESULTS.md, profile).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests = new Cells<[alias: string, method: string, result: string]>();
  readonly #attempts = new Cells<[alias: string, upstream: string, model: string, verdict: string]>();
  readonly #durations = new Map<string, DurationBuckets>();

  readonly requests = countedAtScrape(this.registry, this.#requests, {
    name: 'aliasgate_requests_total',
    help: 'Client requests by alias, method and result (ok, client_error, failed, cancelled, rejected).',
    labelNames: ['alias', 'method', 'result'],
  });
  readonly attempts = countedAtScrape(this.registry, this.#attempts, {
    name: 'aliasgate_upstream_attempts_total',
    help: 'Upstream attempts by target and verdict.',
    labelNames: ['alias', 'upstream', 'model', 'verdict'],
  });
  readonly fallbacks = this.#counter('aliasgate_fallbacks_total', 'Requests served by a fallback alias.', [
    'alias',
    'fallback',
  ]);
  readonly ejectionsDetected = this.#counter(
    'aliasgate_ejections_detected_total',
    'Outlier detections, enforced or not.',
    ['alias', 'model'],
  );
  readonly ejectionsEnforced = this.#counter('aliasgate_ejections_enforced_total', 'Ejections carried out.', [
    'alias',
    'model',
  ]);
  readonly ejectionsOverflow = this.#counter(
    'aliasgate_ejections_overflow_total',
    'Detections that maxEjectionPercent stopped from being enforced.',
    ['alias', 'model'],
  );
  readonly ejectionsActive = new Gauge({
    name: 'aliasgate_ejections_active',
    help: 'Targets out of rotation by ejection right now.',
    registers: [this.registry],
  });
  readonly healthChecks = this.#counter(
    'aliasgate_health_checks_total',
    'Active health checks of ejected targets by result.',
    ['alias', 'model', 'result'],
  );
  readonly retryBudgetExhausted = this.#counter(
    'aliasgate_retry_budget_exhausted_total',
    'Requests answered with an error because the retry budget was spent.',
    ['alias'],
  );
  readonly overloadRejections = this.#counter(
    'aliasgate_overload_rejections_total',
    'Requests refused at once to shed load (max_in_flight, target_busy, pending_queue).',
    ['reason'],
  );
  readonly clientRateLimited = this.#counter(
    'aliasgate_client_rate_limited_total',
    'Requests refused with 429 by a client key’s rate limit.',
    ['key'],
  );
  readonly #clientRequests = new Cells<[key: string, result: string]>();
  readonly #clientTokens = new Cells<[key: string, kind: string]>();
  readonly clientRequests = countedAtScrape(this.registry, this.#clientRequests, {
    name: 'aliasgate_client_requests_total',
    help: 'Client requests by client key name and result.',
    labelNames: ['key', 'result'],
  });
  readonly clientTokens = countedAtScrape(this.registry, this.#clientTokens, {
    name: 'aliasgate_client_tokens_total',
    help: 'Tokens by client key name, from the answers’ usage (kind: prompt, output).',
    labelNames: ['key', 'kind'],
  });
  #source: ScrapeSource | undefined;

  constructor() {
    const durations = this.#durations;
    this.registry.registerMetric({
      name: 'aliasgate_request_duration_seconds',
      get: async () => histogramObject(durations),
    } as never);
    this.#stateGauges();
  }

  /** Where the state gauges read from at scrape time. */
  observe(source: ScrapeSource): void {
    this.#source = source;
  }

  /** One client request by key; `tokens` from the answer's usage when it carried one. */
  client(key: string, result: string, tokens?: { prompt: number; output: number }): void {
    this.#clientRequests.add(key, result, '');
    if (!tokens) return;
    if (tokens.prompt > 0) this.#clientTokens.add(key, 'prompt', '', undefined, tokens.prompt);
    if (tokens.output > 0) this.#clientTokens.add(key, 'output', '', undefined, tokens.output);
  }

  /** Gauges computed from the gateway's state when scraped, never kept up to date on the request path. */
  #stateGauges(): void {
    const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge<string>) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          this.reset();
          fill(this);
        },
      });
    gauge('aliasgate_alias_targets', 'Targets of the alias not pulled by an operator.', ['alias'], (g) => {
      for (const [alias, n] of this.#perAlias((s) => s !== 'pulled')) g.set({ alias }, n);
    });
    gauge(
      'aliasgate_alias_targets_in_rotation',
      'Targets of the alias in rotation now (a target cooling after a 429 counts).',
      ['alias'],
      (g) => {
        for (const [alias, n] of this.#perAlias((s) => s === 'in_rotation' || s === 'cooling'))
          g.set({ alias }, n);
      },
    );
    gauge(
      'aliasgate_target_up',
      '1 while the target is in rotation, 0 while it is out.',
      ['alias', 'upstream', 'model'],
      (g) => {
        for (const t of this.#source?.targets() ?? []) {
          const up = t.state === 'in_rotation' || t.state === 'cooling' ? 1 : 0;
          g.set({ alias: t.alias, upstream: t.upstream, model: t.model }, up);
        }
      },
    );
    gauge(
      'aliasgate_target_out_since_timestamp_seconds',
      'When a target now out by ejection first left rotation, epoch seconds (absent while it is in).',
      ['alias', 'upstream', 'model'],
      (g) => {
        for (const t of this.#source?.targets() ?? []) {
          if (t.outSince !== undefined)
            g.set({ alias: t.alias, upstream: t.upstream, model: t.model }, t.outSince / 1000);
        }
      },
    );
    gauge('aliasgate_store_up', '1 while the store can persist, 0 while it cannot.', ['store'], (g) => {
      for (const s of this.#source?.stores() ?? []) g.set({ store: s.store }, s.ok ? 1 : 0);
    });
    gauge('aliasgate_store_write_queue', 'Background writes waiting for the store.', ['store'], (g) => {
      for (const s of this.#source?.stores() ?? []) g.set({ store: s.store }, s.queued);
    });
  }

  #perAlias(counts: (state: string) => boolean): Map<string, number> {
    const out = new Map<string, number>();
    for (const t of this.#source?.targets() ?? [])
      out.set(t.alias, (out.get(t.alias) ?? 0) + (counts(t.state) ? 1 : 0));
    return out;
  }

  /** A rare event (ejection, health check): prom-client's own counting is fine here. */
  count(counter: Counter<string>, ...labels: string[]): void {
    counter.labels(...labels).inc();
  }

  /** One client request; `seconds` is the time to its first byte when it was answered. */
  request(alias: string, method: string, result: string, seconds?: number): void {
    this.#requests.add(alias, method, result);
    if (seconds === undefined) return;
    let buckets = this.#durations.get(alias);
    if (!buckets) {
      buckets = new DurationBuckets();
      this.#durations.set(alias, buckets);
    }
    buckets.observe(seconds);
  }

  attempt(alias: string, upstream: string, model: string, verdict: string): void {
    this.#attempts.add(alias, upstream, model, verdict);
  }

  #counter(name: string, help: string, labelNames: string[]): Counter<string> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}

/**
 * Counts keyed by a label tuple of two to four strings, in nested Maps: on the hot path no string is built and no
 * array is allocated (fixed parameters, not a rest array). A two-label tuple passes '' as its third part, which the
 * scrape never shows (labelNames decide what is exported).
 */
class Cells<L extends string[]> {
  readonly #root = new Map<string, Map<string, unknown>>();
  readonly #all: { labels: L; n: number }[] = [];

  add(a: string, b: string, c: string, d?: string, amount = 1): void {
    let inner = this.#root.get(a);
    if (!inner) {
      inner = new Map();
      this.#root.set(a, inner);
    }
    let leaves = inner.get(b) as Map<string, unknown> | undefined;
    if (!leaves) {
      leaves = new Map();
      inner.set(b, leaves);
    }
    if (d !== undefined) {
      let deeper = leaves.get(c) as Map<string, unknown> | undefined;
      if (!deeper) {
        deeper = new Map();
        leaves.set(c, deeper);
      }
      const cell = deeper.get(d) as { n: number } | undefined;
      if (cell) cell.n += amount;
      else this.#create(deeper, d, [a, b, c, d], amount);
    } else {
      const cell = leaves.get(c) as { n: number } | undefined;
      if (cell) cell.n += amount;
      else this.#create(leaves, c, [a, b, c], amount);
    }
  }

  #create(map: Map<string, unknown>, key: string, labels: string[], n: number): void {
    const cell = { labels: labels as L, n };
    map.set(key, cell);
    this.#all.push(cell);
  }

  each(fn: (labels: L, n: number) => void): void {
    for (const cell of this.#all) fn(cell.labels, cell.n);
  }
}

function countedAtScrape<L extends string[]>(
  registry: Registry,
  cells: Cells<L>,
  opts: { name: string; help: string; labelNames: string[] },
): Counter<string> {
  const { labelNames } = opts;
  return new Counter({
    ...opts,
    registers: [registry],
    collect() {
      this.reset();
      cells.each((labels, n) => {
        this.inc(Object.fromEntries(labelNames.map((name, i) => [name, labels[i]!])), n);
      });
    },
  });
}

const DURATION_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

class DurationBuckets {
  /** Non-cumulative counts per bound, and one for +Inf. */
  readonly counts = new Float64Array(DURATION_BOUNDS.length + 1);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < DURATION_BOUNDS.length && seconds > DURATION_BOUNDS[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

function histogramObject(
  durations: Map<string, DurationBuckets>,
): MetricObjectWithValues<MetricValue<string>> {
  const name = 'aliasgate_request_duration_seconds';
  const values: MetricValue<string>[] = [];
  for (const [alias, b] of durations) {
    let cumulative = 0;
    DURATION_BOUNDS.forEach((le, i) => {
      cumulative += b.counts[i]!;
      values.push({
        metricName: `${name}_bucket`,
        labels: { alias, le },
        value: cumulative,
      } as MetricValue<string>);
    });
    values.push({
      metricName: `${name}_bucket`,
      labels: { alias, le: '+Inf' },
      value: b.count,
    } as MetricValue<string>);
    values.push({ metricName: `${name}_sum`, labels: { alias }, value: b.sum } as MetricValue<string>);
    values.push({ metricName: `${name}_count`, labels: { alias }, value: b.count } as MetricValue<string>);
  }
  return {
    name,
    help: 'Time from request to the first byte sent to the client.',
    type: 'histogram',
    values,
    aggregator: 'sum',
  } as never;
}
