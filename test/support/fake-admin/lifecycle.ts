import type { Clock } from '../../../src/clock.js';
import {
  describeRollout,
  type Rollout as Plan,
  parseDuration,
  parseSteps,
  pct,
} from '../../../src/rollout/plan.js';
import type {
  Drain,
  DrainStart,
  Retirement,
  Rollout,
  RolloutChange,
  RolloutStart,
  TimelineEntry,
} from '../admin-contract.js';
import { type FakeAlias, FakeHttpError, type FakeTarget } from './fleet.js';
import { type Bucket, emptyBuckets } from './windows.js';

/** What the lifecycle needs of the fleet it changes. */
export interface LifecycleHost {
  clock: Clock;
  replica: string;
  aliases: FakeAlias[];
  alias(name: string): FakeAlias;
  record(entry: Omit<TimelineEntry, 'id'>): void;
  /** Throws 503 when the operator store cannot save. */
  needStore(): void;
}

/** A rollout as kept: the API's view without what is derived when it is shown. */
type Kept = Omit<Rollout, 'share' | 'summary'> & { rev: number; replacedAt?: number };

/** A new build answers like the healthy ones. */
const NEW_BUILD = { successRate: 0.999, p50Ms: 380, p99Ms: 1_200 };
/** The lease holder's cadence: steps are judged, drains finished, at most this late. */
const SETTLE_MS = 2_000;
const DEFAULT_MIN_REQUESTS = 100;

/**
 * Rollouts, drains and retirements in memory, as docs/admin-api.md describes them: a rollout gives its build its
 * step's share of the alias's traffic and is judged when its interval is up (enough requests and under the maximum
 * failure rate: the next step; too few: held for another interval), a drain lowers its build's share to 0 and then
 * pulls it. Traffic comes from the fleet's 10-second ticks; the verdicts are the fake's, simpler than the gateway's.
 */
export class FakeLifecycle {
  readonly #host: LifecycleHost;
  /** Oldest first. */
  readonly #rollouts: Kept[] = [];
  readonly #drains: Drain[] = [];
  readonly #retired: Retirement[] = [];

  constructor(host: LifecycleHost) {
    this.#host = host;
  }

  start(body: RolloutStart): Rollout {
    const alias = this.#host.alias(body.alias);
    const upstreams = [...new Set(this.#host.aliases.flatMap((a) => a.targets.map((t) => t.upstream)))];
    if (!upstreams.includes(body.upstream))
      throw new FakeHttpError(400, `No upstream ${body.upstream}; the config has ${upstreams.join(', ')}.`);
    const running = this.#active(alias.name);
    if (running)
      throw new FakeHttpError(
        409,
        `${alias.name} already has a rollout (${running.id}, ${running.state}): abort it or wait for it to end.`,
      );
    const retired = this.#retired.find((r) => r.upstream === body.upstream && r.model === body.model);
    if (retired && !body.force)
      throw new FakeHttpError(
        409,
        `${body.upstream}/${body.model} was retired by ${retired.by} (${retired.reason}); give --force to bring it back.`,
      );
    const steps = parsed(() => parseSteps(Array.isArray(body.steps) ? body.steps.join(',') : body.steps));
    const intervalMs = duration(body.interval, 'interval');
    checkReplace(alias, body, steps);
    if (intervalMs < 1000) throw new FakeHttpError(400, '--interval must be at least 1s.');
    if (body.maxFailureRate !== undefined && body.maxFailureRate >= 1)
      throw new FakeHttpError(400, '--max-failure-rate must be in [0, 1).');
    this.#host.needStore();
    if (retired) this.#retired.splice(this.#retired.indexOf(retired), 1);
    const now = this.#host.clock.now();
    const added = !alias.targets.some((t) => t.upstream === body.upstream && t.model === body.model);
    const record: Kept = {
      id: `${alias.name}@${now}`,
      alias: alias.name,
      upstream: body.upstream,
      model: body.model,
      ...(body.replace ? { replace: body.replace } : {}),
      steps,
      intervalMs,
      minRequests: body.minRequests ?? DEFAULT_MIN_REQUESTS,
      ...(body.maxFailureRate !== undefined ? { maxFailureRate: body.maxFailureRate } : {}),
      alpha: 0.05,
      state: 'running',
      step: 0,
      stepStartedAt: now,
      lookAt: now + intervalMs,
      added,
      startedAt: now,
      by: body.by ?? 'admin-api',
      reason: body.reason,
      history: [],
      counts: zero(),
      rev: 1,
    };
    this.#rollouts.push(record);
    if (added) alias.targets.push(newTarget(body.upstream, body.model));
    this.#apply(alias);
    const plan = `${body.upstream}/${body.model} in steps ${steps.map(pct).join(', ')}, ${intervalMs / 1000}s each${body.replace ? `, replacing ${body.replace}` : ''}`;
    this.#show(record, record.by, `started: ${plan}; ${body.reason}`);
    return view(record);
  }

  change(action: 'pause' | 'resume' | 'abort', body: RolloutChange): Rollout {
    const alias = this.#host.alias(body.alias);
    const current = this.#active(alias.name);
    if (!current) throw new FakeHttpError(404, `${alias.name} has no rollout running.`);
    const by = body.by ?? 'admin-api';
    if (action === 'abort') {
      this.#host.needStore();
      this.#stop(alias, current, 'aborted', `aborted by ${by}: ${body.reason}`, by);
      return view(current);
    }
    const wanted = action === 'pause' ? 'running' : 'paused';
    if (current.state !== wanted)
      throw new FakeHttpError(409, `The rollout ${current.id} is ${current.state}: it cannot be ${action}d.`);
    this.#host.needStore();
    const now = this.#host.clock.now();
    current.state = action === 'pause' ? 'paused' : 'running';
    if (action === 'resume') {
      current.stepStartedAt = now;
      current.lookAt = now + current.intervalMs;
    }
    current.rev++;
    this.#show(current, by, `${action}d: ${body.reason}`);
    return view(current);
  }

  /** Newest first. */
  list(limit: number, alias?: string): Rollout[] {
    return this.#rollouts
      .filter((r) => !alias || r.alias === alias)
      .reverse()
      .slice(0, limit)
      .map(view);
  }

  drain(body: DrainStart): Drain {
    const overMs = duration(body.over, 'over');
    const alias = this.#host.alias(body.alias);
    const matches = alias.targets.filter(
      (t) => t.model === body.model && (body.upstream === undefined || t.upstream === body.upstream),
    );
    const target = matches[0];
    if (!target)
      throw new FakeHttpError(
        404,
        `${alias.name} has no target ${body.model}; its targets are ${alias.targets.map((t) => t.model).join(', ')}.`,
      );
    const busy = this.#drains.find(
      (d) => d.state === 'draining' && d.alias === alias.name && d.model === target.model,
    );
    if (busy) throw new FakeHttpError(409, `${alias.name} ${target.model} is already draining (${busy.id}).`);
    this.#host.needStore();
    const now = this.#host.clock.now();
    const total = alias.targets.reduce((sum, t) => sum + t.weight, 0);
    const drain: Drain = {
      id: `${alias.name}/${target.upstream}/${target.model}@${now}`,
      alias: alias.name,
      upstream: target.upstream,
      model: target.model,
      from: total === 0 ? 0 : target.weight / total,
      startedAt: now,
      overMs,
      state: 'draining',
      by: body.by ?? 'admin-api',
      reason: body.reason,
    };
    this.#drains.push(drain);
    this.#apply(alias);
    const what = `from ${pct(drain.from)} to 0 over ${Math.round(overMs / 1000)}s, then pulled`;
    this.#host.record({
      ...about(drain, now),
      kind: 'drain',
      actor: drain.by,
      reason: `${what}; ${body.reason}`,
    });
    return { ...drain };
  }

  retire(
    body: { upstream: string; model: string; reason: string; by?: string | undefined },
    retire: boolean,
  ) {
    const now = this.#host.clock.now();
    const by = body.by ?? 'admin-api';
    const known = this.#retired.find((r) => r.upstream === body.upstream && r.model === body.model);
    if (retire) {
      const routing = this.#routedBy(body.upstream, body.model);
      if (routing.length)
        throw new FakeHttpError(
          409,
          `${body.upstream}/${body.model} is still routed to by ${routing.join(', ')}: drain it (aliasgate drain ALIAS ${body.model}) or pull it from each first.`,
        );
    }
    this.#host.needStore();
    const changed = retire ? !known : !!known;
    if (retire && !known)
      this.#retired.push({ upstream: body.upstream, model: body.model, by, at: now, reason: body.reason });
    if (!retire && known) this.#retired.splice(this.#retired.indexOf(known), 1);
    if (changed)
      this.#host.record({
        at: now,
        kind: 'retire',
        upstream: body.upstream,
        model: body.model,
        actor: by,
        reason: `${retire ? 'retired' : 'un-retired'}: ${body.reason}`,
      });
    return { upstream: body.upstream, model: body.model, retired: retire, changed };
  }

  retired(): Retirement[] {
    return this.#retired.map((r) => ({ ...r }));
  }

  /** What status shows on the alias: its latest rollout and its drains under way. */
  statusOf(alias: string): { rollout?: Rollout; drains?: Drain[] } {
    const mine = this.#rollouts.filter((r) => r.alias === alias);
    const rollout = mine.find(isActive) ?? mine.at(-1);
    const drains = this.#drains
      .filter((d) => d.alias === alias && d.state === 'draining')
      .map((d) => ({ ...d }));
    return { ...(rollout ? { rollout: view(rollout) } : {}), ...(drains.length ? { drains } : {}) };
  }

  /** One traffic tick's buckets, counted for the alias's running rollout: its build against the rest. */
  observe(alias: FakeAlias, buckets: Map<FakeTarget, Bucket>): void {
    const r = this.#rollouts.find((x) => x.alias === alias.name && x.state === 'running');
    if (!r) return;
    for (const [t, b] of buckets) {
      const arm = t.upstream === r.upstream && t.model === r.model ? r.counts.candidate : r.counts.baseline;
      arm.requests += b.requests;
      arm.failures += b.failures;
    }
  }

  /** Before each traffic tick: steps that are due are judged, drains move on and end. */
  tick(): void {
    const now = this.#host.clock.now();
    for (const r of this.#rollouts) {
      const alias = this.#host.alias(r.alias);
      if (r.state === 'running' && now >= r.lookAt) this.#judge(alias, r, now);
      else if (r.state === 'draining' && now - (r.replacedAt ?? now) >= SETTLE_MS)
        this.#finishReplace(alias, r, now);
    }
    for (const d of this.#drains) {
      if (d.state !== 'draining') continue;
      if (now - d.startedAt >= d.overMs + SETTLE_MS) this.#finishDrain(d, now);
    }
    for (const alias of this.#host.aliases) this.#apply(alias);
  }

  #judge(alias: FakeAlias, r: Kept, now: number): void {
    const { candidate, baseline } = r.counts;
    const where = `step ${r.step + 1}/${r.steps.length}`;
    const numbers = `candidate ${arm(candidate)} vs baseline ${arm(baseline)}`;
    const rate = candidate.requests ? candidate.failures / candidate.requests : 0;
    if (r.maxFailureRate !== undefined && candidate.requests > 0 && rate > r.maxFailureRate) {
      const why = `${where}: fail, above the maximum failure rate; ${numbers}`;
      this.#stop(alias, r, 'failed', why, this.#host.replica);
      return;
    }
    if (candidate.requests < r.minRequests) {
      r.history.push(
        `${where}: inconclusive, too few requests (${candidate.requests} of the ${r.minRequests} needed); ${numbers}`,
      );
      r.lookAt = now + r.intervalMs;
      r.rev++;
      return;
    }
    const why = `${where}: pass; ${numbers}`;
    if (r.step < r.steps.length - 1) {
      r.step++;
      const share = pct(r.steps[r.step]!);
      r.history.push(`${why} → step ${r.step + 1}/${r.steps.length} (${share})`);
      Object.assign(r, { stepStartedAt: now, lookAt: now + r.intervalMs, counts: zero() });
      r.rev++;
      this.#show(r, this.#host.replica, `to ${share}: ${why}`);
      return;
    }
    const what = r.replace ? `promoted; draining ${r.replace}` : 'succeeded';
    r.history.push(`${why} → ${what}`);
    r.state = r.replace ? 'draining' : 'succeeded';
    if (r.replace) r.replacedAt = now;
    else r.endedAt = now;
    r.rev++;
    this.#show(r, this.#host.replica, `${what}: ${why}`);
  }

  #finishReplace(alias: FakeAlias, r: Kept, now: number): void {
    for (const t of alias.targets.filter((x) => x.model === r.replace))
      t.pull ??= { by: this.#host.replica, at: now, reason: `replaced by ${r.model} (rollout ${r.id})` };
    r.state = 'succeeded';
    r.endedAt = now;
    r.history.push(`${r.replace} drained and pulled`);
    r.rev++;
    this.#show(r, this.#host.replica, `succeeded; ${r.replace} drained and pulled`);
  }

  #finishDrain(d: Drain, now: number): void {
    const t = this.#host.alias(d.alias).targets.find((x) => x.upstream === d.upstream && x.model === d.model);
    if (t) t.pull ??= { by: this.#host.replica, at: now, reason: `drained (${d.id}): ${d.reason}` };
    d.state = 'drained';
    d.endedAt = now;
    this.#host.record({
      ...about(d, now),
      kind: 'drain',
      actor: this.#host.replica,
      reason: 'drained and pulled',
    });
  }

  #stop(alias: FakeAlias, r: Kept, state: 'failed' | 'aborted', why: string, by: string): void {
    const now = this.#host.clock.now();
    Object.assign(r, { state, stopped: why, endedAt: now });
    r.history.push(`${state}: ${why}`);
    r.rev++;
    const candidate = alias.targets.findIndex((t) => t.upstream === r.upstream && t.model === r.model);
    if (r.added && candidate >= 0) alias.targets.splice(candidate, 1);
    else if (candidate >= 0)
      alias.targets[candidate]!.pull ??= { by, at: now, reason: `rollout ${r.id} ${state}: ${why}` };
    this.#apply(alias);
    this.#show(r, by, `${state}: ${why}`);
  }

  /** Each target's fixed share of the alias's traffic now, from the rollouts and drains (undefined: by weight). */
  #apply(alias: FakeAlias): void {
    const now = this.#host.clock.now();
    for (const t of alias.targets) {
      const same = (x: { upstream: string; model: string }) =>
        x.upstream === t.upstream && x.model === t.model;
      const drain = this.#drains.find((d) => d.alias === alias.name && d.state === 'draining' && same(d));
      const rollout = this.#rollouts.filter((r) => r.alias === alias.name && same(r)).at(-1);
      if (drain) t.share = drain.from * Math.min(1, Math.max(0, 1 - (now - drain.startedAt) / drain.overMs));
      else if (rollout) t.share = view(rollout).share;
      else delete t.share;
    }
  }

  #active(alias: string): Kept | undefined {
    return this.#rollouts.find((r) => r.alias === alias && isActive(r));
  }

  #routedBy(upstream: string, model: string): string[] {
    const out = new Set<string>();
    for (const a of this.#host.aliases)
      for (const t of a.targets) if (t.upstream === upstream && t.model === model && !t.pull) out.add(a.name);
    return [...out].sort();
  }

  #show(r: Kept, actor: string, reason: string): void {
    this.#host.record({ ...about(r, this.#host.clock.now()), kind: 'rollout', actor, reason });
  }
}

function view(r: Kept): Rollout {
  const stopped = r.state === 'failed' || r.state === 'aborted';
  return {
    ...structuredClone(r),
    share: stopped ? 0 : (r.steps[r.step] ?? 0),
    summary: describeRollout(r as unknown as Plan),
  };
}

function isActive(r: Pick<Kept, 'state'>): boolean {
  return r.state === 'running' || r.state === 'paused' || r.state === 'draining';
}

function checkReplace(alias: FakeAlias, body: RolloutStart, steps: number[]): void {
  if (body.replace === undefined) return;
  if (body.replace === body.model) throw new FakeHttpError(400, 'a build cannot replace itself');
  if (!alias.targets.some((t) => t.model === body.replace))
    throw new FakeHttpError(
      404,
      `${alias.name} has no target ${body.replace} to replace; its targets are ${alias.targets.map((t) => t.model).join(', ')}.`,
    );
  if (steps.at(-1) !== 1)
    throw new FakeHttpError(
      400,
      '--replace needs a last step of 100: the old build goes once the new one carries the alias.',
    );
}

/** Milliseconds, or text such as `30s`. */
function duration(value: string | number, flag: string): number {
  return typeof value === 'number' ? value : parsed(() => parseDuration(value, flag));
}

/** The parsers' sentences, as 400s. */
function parsed<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new FakeHttpError(400, (e as Error).message);
  }
}

function newTarget(upstream: string, model: string): FakeTarget {
  return {
    upstream,
    model,
    weight: 1,
    profile: NEW_BUILD,
    health: { state: 'in_rotation' },
    buckets: emptyBuckets(),
    inFlight: 0,
  };
}

function zero(): Rollout['counts'] {
  return { candidate: { requests: 0, failures: 0 }, baseline: { requests: 0, failures: 0 } };
}

function arm(a: { requests: number; failures: number }): string {
  if (!a.requests) return 'no requests';
  return `${a.failures}/${a.requests} failed (${((a.failures / a.requests) * 100).toFixed(1)}%)`;
}

function about(x: { alias: string; upstream: string; model: string }, at: number) {
  return { at, alias: x.alias, upstream: x.upstream, model: x.model };
}
