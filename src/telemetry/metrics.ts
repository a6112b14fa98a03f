import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric aliasgate exports, named in one place (Envoy's words: detected vs enforced ejections).
 * Label children are cached so the per-request cost is a Map lookup and an add.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'aliasgate_requests_total',
    help: 'Client requests by alias, method and result (ok, client_error, failed, cancelled).',
    labelNames: ['alias', 'method', 'result'] as const,
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'aliasgate_upstream_attempts_total',
    help: 'Upstream attempts by target and verdict.',
    labelNames: ['alias', 'upstream', 'model', 'verdict'] as const,
    registers: [this.registry],
  });
  readonly fallbacks = new Counter({
    name: 'aliasgate_fallbacks_total',
    help: 'Requests served by a fallback alias.',
    labelNames: ['alias', 'fallback'] as const,
    registers: [this.registry],
  });
  readonly ejectionsDetected = new Counter({
    name: 'aliasgate_ejections_detected_total',
    help: 'Outlier detections, enforced or not.',
    labelNames: ['alias', 'model'] as const,
    registers: [this.registry],
  });
  readonly ejectionsEnforced = new Counter({
    name: 'aliasgate_ejections_enforced_total',
    help: 'Ejections carried out.',
    labelNames: ['alias', 'model'] as const,
    registers: [this.registry],
  });
  readonly ejectionsOverflow = new Counter({
    name: 'aliasgate_ejections_overflow_total',
    help: 'Detections that maxEjectionPercent stopped from being enforced.',
    labelNames: ['alias', 'model'] as const,
    registers: [this.registry],
  });
  readonly ejectionsActive = new Gauge({
    name: 'aliasgate_ejections_active',
    help: 'Targets out of rotation by ejection right now.',
    registers: [this.registry],
  });
  readonly healthChecks = new Counter({
    name: 'aliasgate_health_checks_total',
    help: 'Active health checks of ejected targets by result.',
    labelNames: ['alias', 'model', 'result'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'aliasgate_request_duration_seconds',
    help: 'Time from request to the first byte sent to the client.',
    labelNames: ['alias'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly #children = new Map<Counter<string>, Map<string, { inc(): void }>>();
  readonly #perRequest = new Map<string, { inc(): void }>();
  readonly #perAttempt = new Map<string, { inc(): void }>();
  readonly #durations = new Map<string, { observe(v: number): void }>();

  /** A counter child for rare events (ejections, health checks): labels are joined once per combination. */
  count(counter: Counter<string>, ...labels: string[]): void {
    let byLabels = this.#children.get(counter);
    if (!byLabels) {
      byLabels = new Map();
      this.#children.set(counter, byLabels);
    }
    const key = labels.join('\u0000');
    let child = byLabels.get(key);
    if (!child) {
      child = counter.labels(...labels);
      byLabels.set(key, child);
    }
    child.inc();
  }

  /*
   * The per-request metrics, on the hot path: one string key and one Map lookup each, no label objects
   * (prom-client's labels() hashes its arguments on every call).
   */

  request(alias: string, method: string, result: string, seconds?: number): void {
    const key = `${alias} ${method} ${result}`;
    let child = this.#perRequest.get(key);
    if (!child) {
      child = this.requests.labels(alias, method, result);
      this.#perRequest.set(key, child);
    }
    child.inc();
    if (seconds === undefined) return;
    let duration = this.#durations.get(alias);
    if (!duration) {
      duration = this.duration.labels(alias);
      this.#durations.set(alias, duration);
    }
    duration.observe(seconds);
  }

  attempt(targetId: string, alias: string, upstream: string, model: string, verdict: string): void {
    const key = `${targetId} ${verdict}`;
    let child = this.#perAttempt.get(key);
    if (!child) {
      child = this.attempts.labels(alias, upstream, model, verdict);
      this.#perAttempt.set(key, child);
    }
    child.inc();
  }
}
