import type { Catalog } from '../catalog/catalog.js';
import type { Target, TargetId } from '../catalog/target.js';
import { judge } from '../classify/judge.js';
import type { Clock, Timer } from '../clock.js';
import { Attempt } from '../upstream/attempt.js';
import type { Upstreams } from '../upstream/pools.js';
import { upstreamRequest } from '../upstream/request.js';
import type { GenerationMethod } from '../wire/types.js';
import type { HealthEvent, HealthTable } from './health-table.js';

export interface HealthCheckerDeps {
  health: HealthTable;
  /** The catalog and upstream pools in force now (a reload replaces both). */
  live(): { catalog: Catalog; upstreams: Upstreams };
  clock: Clock;
  /** The generateContent body sent as a check: only a real generation shows a dead build. */
  request: unknown;
  /**
   * The verbs the target's alias serves (declared, or learned from its Model resource), when known. A model that
   * cannot generate — an embedding model — is checked with a real embedContent instead, since it answers
   * generateContent with 404 "not supported" however healthy it is. Default: unknown (generateContent).
   */
  methods?(target: Target): readonly GenerationMethod[] | undefined;
  timeoutMs: number;
  /** How often due checks and ejection ends are looked for, ms. */
  tickMs: number;
  onEvents(events: readonly HealthEvent[]): void;
  onCheck(target: Target, ok: boolean, reason: string): void;
  /**
   * In a fleet: whether this replica may check the target now (a lease that one replica holds at a time, so a dead
   * build gets one fleet's worth of checks, not one per replica; the others adopt the outcome). Never rejects.
   * Default: always.
   */
  lease?(target: Target): Promise<boolean>;
}

/**
 * The I/O half of health: sends health checks to targets that are out of rotation — never to targets in it, so a
 * healthy fleet costs no billable calls — and feeds the results to the pure HealthTable. Checks are addressed by the
 * same builder as real traffic (upstream/request.ts), with the version a real client would most likely use.
 */
export class HealthChecker {
  readonly #deps: HealthCheckerDeps;
  readonly #body: Buffer;
  readonly #embedBody = Buffer.from(JSON.stringify(EMBED_CHECK));
  readonly #running = new Set<TargetId>();
  #timer: Timer | undefined;
  #stopped = false;

  constructor(deps: HealthCheckerDeps) {
    this.#deps = deps;
    this.#body = Buffer.from(JSON.stringify(deps.request));
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#deps.clock.clearTimeout(this.#timer);
  }

  /** One pass: time-based transitions, then a check for every due target not already being checked. */
  tick(): Promise<void> {
    const { health } = this.#deps;
    const { catalog } = this.#deps.live();
    const events = health.tick();
    if (events.length > 0) this.#deps.onEvents(events);
    const checks: Promise<void>[] = [];
    for (const id of health.dueForCheck()) {
      const target = catalog.target(id);
      if (!target || this.#running.has(id)) continue;
      checks.push(this.#deps.lease ? this.#leased(target, this.#deps.lease) : this.#check(target));
    }
    return Promise.all(checks).then(() => undefined);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#deps.clock.setTimeout(() => {
      void this.tick().finally(() => this.#schedule());
    }, this.#deps.tickMs);
    this.#timer.unref?.();
  }

  /** Checks the target if this replica holds its lease; otherwise the holder's outcome will arrive by adopt(). */
  async #leased(target: Target, lease: (target: Target) => Promise<boolean>): Promise<void> {
    this.#running.add(target.id);
    let granted: boolean;
    try {
      granted = await lease(target);
    } catch {
      granted = true;
    } finally {
      this.#running.delete(target.id);
    }
    if (granted && !this.#stopped) await this.#check(target);
  }

  async #check(target: Target): Promise<void> {
    const { clock, timeoutMs, health } = this.#deps;
    const { upstreams } = this.#deps.live();
    this.#running.add(target.id);
    try {
      const upstream = upstreams.get(target.upstream);
      const method = checkMethod(this.#deps.methods?.(target));
      const attempt = new Attempt({
        dispatcher: upstream.pool,
        ...upstreamRequest(upstream, target.model, {
          endpoint: { surface: 'gemini', method, version: 'v1beta', query: '' },
          body: method === 'embedContent' ? this.#embedBody : this.#body,
          modelFields: [],
          headers: { 'user-agent': 'aliasgate-health-check' },
        }),
        method: 'POST',
        mode: 'unary',
        framing: 'none',
        timeoutMs,
        holdLimitBytes: 1024 * 1024,
        clock,
      });
      const verdict = judge(await attempt.outcome, { model: target.model, now: clock.now() });
      const ok = verdict.kind === 'ok';
      const reason = verdict.kind === 'ok' ? 'health check passed' : verdict.reason;
      this.#deps.onCheck(target, ok, reason);
      const events = health.recordCheck(target.id, ok, reason);
      if (events.length > 0) this.#deps.onEvents(events);
    } finally {
      this.#running.delete(target.id);
    }
  }
}

/** The embedContent body that checks a model that cannot generate. */
const EMBED_CHECK = { content: { parts: [{ text: 'health check' }] } };

/**
 * The verb a health check uses: generateContent — only a real generation shows a dead build — unless the alias is
 * known to serve embeddings and not generation; then a real embedContent, for the same reason.
 */
export function checkMethod(
  methods: readonly GenerationMethod[] | undefined,
): 'generateContent' | 'embedContent' {
  return methods && !methods.includes('generateContent') && methods.includes('embedContent')
    ? 'embedContent'
    : 'generateContent';
}
