import { Counter, Gauge, type MetricObjectWithValues, type MetricValue, Registry } from 'prom-client';

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
    help: 'Client requests by alias, method and result (ok, client_error, failed, cancelled).',
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

  constructor() {
    const durations = this.#durations;
    this.registry.registerMetric({
      name: 'aliasgate_request_duration_seconds',
      get: async () => histogramObject(durations),
    } as never);
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
 * Counts keyed by a label tuple of three or four strings, in nested Maps: on the hot path no string is built and no
 * array is allocated (fixed parameters, not a rest array).
 */
class Cells<L extends string[]> {
  readonly #root = new Map<string, Map<string, unknown>>();
  readonly #all: { labels: L; n: number }[] = [];

  add(a: string, b: string, c: string, d?: string): void {
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
      if (cell) cell.n++;
      else this.#create(deeper, d, [a, b, c, d]);
    } else {
      const cell = leaves.get(c) as { n: number } | undefined;
      if (cell) cell.n++;
      else this.#create(leaves, c, [a, b, c]);
    }
  }

  #create(map: Map<string, unknown>, key: string, labels: string[]): void {
    const cell = { labels: labels as L, n: 1 };
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
