import { sharedWeights } from '../../../src/catalog/overlay.js';
import type { Clock, Timer } from '../../../src/clock.js';
import type { Random } from '../../../src/random.js';
import type {
  Alias,
  AuditEntry,
  Stage,
  StageChange,
  Status,
  StoreHealth,
  Target,
  TargetAction,
  TimelineEntry,
} from '../admin-contract.js';
import { FakeLifecycle } from './lifecycle.js';
import { BUCKET_MS, type Bucket, EMPTY_BUCKET, pushBucket, sparklineOf, windowOf } from './windows.js';

/** How a build answers while it is in rotation. */
export interface Profile {
  successRate: number;
  p50Ms: number;
  p99Ms: number;
  /** Set for a dead build: every call, health checks included, gets this error. */
  deadMessage?: string;
}

/** What the gateway's health logic thinks of a target, under any operator pull. */
export type Health =
  | { state: 'in_rotation' }
  | { state: 'ejected'; since: number; until: number; ejections: number; reason: string; by: string }
  | { state: 'checking'; since: number; ejections: number; reason: string }
  | { state: 'cooling'; until: number; reason: string };

export interface FakeTarget {
  upstream: string;
  model: string;
  weight: number;
  profile: Profile;
  health: Health;
  pull?: { by: string; at: number; reason: string };
  buckets: Bucket[];
  inFlight: number;
  /** A rollout's or a drain's fixed share of the alias's traffic; the others split the rest by weight. */
  share?: number;
}

export interface FakeAlias {
  name: string;
  stage?: Stage;
  replacement?: string;
  shutdown?: string;
  stageSource: 'config' | 'operator';
  fallback: string[];
  /** Client requests per second the alias gets. */
  rps: number;
  targets: FakeTarget[];
  buckets: Bucket[];
}

export interface FleetInit {
  replica: string;
  fleet: Status['fleet'];
  aliases: FakeAlias[];
  /** The story so far, oldest first. */
  history: Omit<TimelineEntry, 'id'>[];
}

export interface FleetEvents {
  changed(): void;
  timeline(entry: TimelineEntry): void;
}

/** Raised for a request the fake refuses; rendered in Google's error envelope. */
export class FakeHttpError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

const CHECK_MS = 1_000;
const BASE_EJECTION_MS = 30_000;
const MAX_EJECTION_MS = 300_000;
const TIMELINE_KEPT = 1_000;

/**
 * The fleet behind the fake admin API, in memory: targets move through ejection, health checks and
 * re-admission on the injected clock, traffic lands in 10-second buckets, and operator actions change it.
 */
export class FakeFleet {
  readonly aliases: FakeAlias[];
  readonly replica: string;
  readonly fleet: Status['fleet'];
  readonly timeline: TimelineEntry[] = [];
  /** Oldest first; the API answers newest first. */
  readonly auditLog: AuditEntry[] = [];
  readonly store: { operator: StoreHealth; health: StoreHealth } = {
    operator: { ok: true },
    health: { ok: true },
  };
  readonly lifecycle: FakeLifecycle;
  #nextId = 1;
  #timers = new Set<Timer>();
  #closed = false;

  constructor(
    init: FleetInit,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly events: FleetEvents,
  ) {
    this.aliases = init.aliases;
    this.replica = init.replica;
    this.fleet = init.fleet;
    this.lifecycle = new FakeLifecycle({
      clock,
      replica: this.replica,
      aliases: this.aliases,
      alias: (name) => this.#alias(name),
      record: (entry) => this.#record(entry),
      needStore: () => this.#needStore(),
    });
    for (const entry of init.history) this.#record(entry, false);
    for (const alias of this.aliases) for (const t of alias.targets) this.#scheduleHealth(alias, t);
    this.#every(BUCKET_MS, () => this.trafficTick());
  }

  snapshot(): Status {
    return {
      now: this.clock.now(),
      replica: this.replica,
      fleet: this.fleet,
      store: { operator: { ...this.store.operator }, health: { ...this.store.health } },
      aliases: this.aliases.map((a) => aliasStatus(a, this.lifecycle)),
    };
  }

  audit(limit: number, alias?: string): AuditEntry[] {
    const matching = this.auditLog.filter((e) => !alias || e.alias === alias);
    return matching.slice(-limit).reverse();
  }

  pull(action: TargetAction): { changed: boolean } {
    const { alias, targets } = this.#targetsOf(action);
    this.#needStore();
    const by = action.by ?? 'admin-api';
    const fresh = targets.filter((t) => !t.pull);
    for (const t of fresh) t.pull = { by, at: this.clock.now(), reason: action.reason };
    if (fresh.length) this.#operatorEntry('pull', alias, fresh[0]!, by, action.reason);
    return { changed: fresh.length > 0 };
  }

  restore(action: TargetAction): { changed: boolean } {
    const { alias, targets } = this.#targetsOf(action);
    this.#needStore();
    const by = action.by ?? 'admin-api';
    const pulled = targets.filter((t) => t.pull);
    for (const t of pulled) delete t.pull;
    if (pulled.length) this.#operatorEntry('restore', alias, pulled[0]!, by, action.reason);
    return { changed: pulled.length > 0 };
  }

  setStage(change: StageChange & { by?: string }): { changed: boolean } {
    const alias = this.#alias(change.alias);
    if (change.stage === 'deprecated' && !change.replacement)
      throw new FakeHttpError(
        400,
        `A deprecated alias needs a replacement: say which alias replaces ${alias.name}.`,
      );
    if (change.replacement && !this.aliases.some((a) => a.name === change.replacement))
      throw new FakeHttpError(400, `replacement: no alias ${change.replacement}.`);
    this.#needStore();
    const before = stageWords(alias);
    alias.stage = change.stage;
    setOptional(alias, 'replacement', change.replacement);
    setOptional(alias, 'shutdown', change.shutdown);
    const after = stageWords(alias);
    if (before === after && alias.stageSource === 'operator') return { changed: false };
    alias.stageSource = 'operator';
    const reason = `${before} → ${after}: ${change.reason}`;
    this.#record({
      at: this.clock.now(),
      kind: 'stage',
      alias: alias.name,
      actor: change.by ?? 'admin-api',
      reason,
    });
    return { changed: true };
  }

  /** The end of a 10-second bucket: every alias and target gets the traffic its state allows. */
  trafficTick(): void {
    this.lifecycle.tick();
    for (const alias of this.aliases) this.#aliasTraffic(alias);
    this.events.changed();
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) this.clock.clearTimeout(t);
    this.#timers.clear();
  }

  #aliasTraffic(alias: FakeAlias): void {
    const clients = Math.round(alias.rps * (BUCKET_MS / 1000) * (0.85 + 0.3 * this.random.next()));
    const serving = alias.targets.filter((t) => effectiveState(t) === 'in_rotation');
    const inForce = weightsOf(alias);
    const weights = new Map(alias.targets.map((t, i) => [t, inForce[i]!]));
    const totalWeight = serving.reduce((sum, t) => sum + weights.get(t)!, 0);
    const sent = new Map<FakeTarget, Bucket>();
    let retries = 0;
    let weightedP50 = 0;
    let worstP99 = 0;
    for (const t of alias.targets) {
      if (!serving.includes(t)) {
        pushBucket(t.buckets, { ...EMPTY_BUCKET });
        t.inFlight = 0;
        continue;
      }
      // targets standing by (weight 0) serve only when nothing else can
      const part = totalWeight ? weights.get(t)! / totalWeight : 1 / serving.length;
      const bucket = this.#targetBucket(t, Math.round(clients * part));
      sent.set(t, bucket);
      retries += bucket.failures;
      weightedP50 += (bucket.p50Ms ?? 0) * bucket.requests;
      worstP99 = Math.max(worstP99, bucket.p99Ms ?? 0);
    }
    this.lifecycle.observe(alias, sent);
    const failures = serving.length || alias.fallback.length ? 0 : clients;
    const p50 = serving.length ? Math.round(weightedP50 / Math.max(1, clients)) : 520;
    pushBucket(alias.buckets, {
      requests: clients,
      failures,
      attempts: clients + retries,
      p50Ms: clients ? p50 + 1 : null,
      p99Ms: clients ? (serving.length ? worstP99 : 1600) + 2 : null,
    });
  }

  #targetBucket(t: FakeTarget, requests: number): Bucket {
    let failures = 0;
    for (let i = 0; i < requests; i++) if (this.random.next() > t.profile.successRate) failures++;
    const jitter = () => 0.9 + 0.2 * this.random.next();
    const bucket: Bucket = {
      requests,
      failures,
      attempts: requests,
      p50Ms: requests ? Math.round(t.profile.p50Ms * jitter()) : null,
      p99Ms: requests ? Math.round(t.profile.p99Ms * jitter()) : null,
    };
    pushBucket(t.buckets, bucket);
    t.inFlight = Math.round(((requests / (BUCKET_MS / 1000)) * t.profile.p50Ms) / 1000);
    return bucket;
  }

  #scheduleHealth(alias: FakeAlias, t: FakeTarget): void {
    const h = t.health;
    if (h.state !== 'ejected' && h.state !== 'cooling') return;
    this.#after(h.until - this.clock.now(), () => {
      if (h.state === 'cooling') {
        t.health = { state: 'in_rotation' };
        this.events.changed();
        return;
      }
      this.#startChecks(alias, t, h.ejections, h.since);
    });
  }

  #startChecks(alias: FakeAlias, t: FakeTarget, ejections: number, since: number): void {
    const reason = 'ejection over; health checks running';
    t.health = { state: 'checking', since, ejections, reason };
    this.#record({ ...this.#about(alias, t), kind: 'checking', actor: this.replica, reason });
    this.#after(CHECK_MS, () => this.#checkResult(alias, t, ejections, since));
  }

  #checkResult(alias: FakeAlias, t: FakeTarget, ejections: number, since: number): void {
    const dead = t.profile.deadMessage;
    const about = this.#about(alias, t);
    const checkReason = dead ?? 'generateContent answered 200';
    this.#record({ ...about, kind: 'health_check', actor: this.replica, reason: checkReason, ok: !dead });
    if (!dead) {
      t.health = { state: 'in_rotation' };
      this.#record({ ...about, kind: 'readmitted', actor: this.replica, reason: 'health checks passed' });
      return;
    }
    this.eject(alias, t, `health check failed: ${dead}`, ejections + 1, since);
  }

  /**
   * Takes a target out for base × n (capped), as the gateway's outlier detection does. `since` stays at the
   * first ejection of a run: the operator needs "out for an hour", not "this 5-minute period began 20 s ago".
   */
  eject(alias: FakeAlias, t: FakeTarget, reason: string, ejections: number, since = this.clock.now()): void {
    const at = this.clock.now();
    const until = at + Math.min(BASE_EJECTION_MS * ejections, MAX_EJECTION_MS);
    const by = this.replica;
    t.health = { state: 'ejected', since, until, ejections, reason, by };
    this.#record({ ...this.#about(alias, t), kind: 'ejected', actor: by, reason, until });
    this.#scheduleHealth(alias, t);
  }

  #about(alias: FakeAlias, t: FakeTarget) {
    return { at: this.clock.now(), alias: alias.name, upstream: t.upstream, model: t.model };
  }

  #operatorEntry(kind: 'pull' | 'restore', alias: FakeAlias, t: FakeTarget, by: string, reason: string) {
    this.#record({ ...this.#about(alias, t), kind, actor: by, reason });
  }

  #record(entry: Omit<TimelineEntry, 'id'>, live = true): void {
    const full: TimelineEntry = { id: this.#nextId++, ...entry };
    this.timeline.push(full);
    if (this.timeline.length > TIMELINE_KEPT) this.timeline.shift();
    const unretire = full.kind === 'retire' && full.reason.startsWith('un-retired');
    const action = unretire ? 'unretire' : AUDITED[full.kind];
    if (action) this.auditLog.push(auditOf(full, action));
    if (!live) return;
    this.events.timeline(full);
    this.events.changed();
  }

  #targetsOf(action: TargetAction): { alias: FakeAlias; targets: FakeTarget[] } {
    const alias = this.#alias(action.alias);
    const targets = alias.targets.filter((t) => t.model === action.model);
    if (!targets.length) {
      const names = alias.targets.map((t) => t.model).join(', ');
      throw new FakeHttpError(
        404,
        `Alias ${alias.name} has no target ${action.model}; its targets are ${names}.`,
      );
    }
    return { alias, targets };
  }

  #alias(name: string): FakeAlias {
    const alias = this.aliases.find((a) => a.name === name);
    if (!alias) throw new FakeHttpError(404, `No alias ${name}.`);
    return alias;
  }

  #needStore(): void {
    const s = this.store.operator;
    if (!s.ok)
      throw new FakeHttpError(503, `The operator store cannot save this change: ${s.detail ?? 'down'}.`);
  }

  #after(ms: number, fn: () => void): void {
    const timer = this.clock.setTimeout(
      () => {
        this.#timers.delete(timer);
        if (!this.#closed) fn();
      },
      Math.max(0, ms),
    );
    // a fake left open by a failing test must not keep the process alive
    timer.unref?.();
    this.#timers.add(timer);
  }

  #every(ms: number, fn: () => void): void {
    this.#after(ms, () => {
      fn();
      this.#every(ms, fn);
    });
  }
}

const AUDITED: Partial<Record<TimelineEntry['kind'], string>> = {
  ejected: 'eject',
  readmitted: 'readmit',
  pull: 'pull',
  restore: 'restore',
  stage: 'stage',
  rollout: 'rollout',
  drain: 'drain',
  retire: 'retire',
};

function auditOf(e: TimelineEntry, action: string): AuditEntry {
  const entry: AuditEntry = {
    id: e.id,
    at: e.at,
    actor: e.actor,
    action,
    alias: e.alias ?? '',
    model: e.model ?? '',
    reason: e.reason,
  };
  if (e.until !== undefined) entry.until = e.until;
  return entry;
}

function setOptional<K extends 'replacement' | 'shutdown'>(
  alias: FakeAlias,
  key: K,
  value: string | undefined,
) {
  if (value) alias[key] = value;
  else delete alias[key];
}

function stageWords(a: FakeAlias): string {
  const extra = [a.replacement && `use ${a.replacement}`, a.shutdown && `shutdown ${a.shutdown}`].filter(
    Boolean,
  );
  return `${a.stage ?? 'no stage'}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

function effectiveState(t: FakeTarget): Target['state'] {
  return t.pull ? 'pulled' : t.health.state;
}

/** The weights in force: a target with a share gets exactly that part of the alias, the others split the rest. */
function weightsOf(a: FakeAlias): number[] {
  return sharedWeights(
    a.targets.map((t) => t.weight),
    a.targets.map((t) => t.share),
  );
}

function aliasStatus(a: FakeAlias, lifecycle: FakeLifecycle): Alias {
  const weights = weightsOf(a);
  const targets = a.targets.map((t, i) => ({ ...targetStatus(a, t), weight: weights[i]! }));
  const m1Total = targets.reduce((sum, t) => sum + t.m1.requests, 0);
  for (const t of targets) t.share = m1Total ? t.m1.requests / m1Total : 0;
  const inRotation = targets.filter((t) => t.state === 'in_rotation').length;
  return {
    name: a.name,
    ...(a.stage ? { stage: a.stage } : {}),
    ...(a.replacement ? { replacement: a.replacement } : {}),
    ...(a.shutdown ? { shutdown: a.shutdown } : {}),
    stageSource: a.stageSource,
    fallback: a.fallback,
    status: inRotation === targets.length ? 'healthy' : inRotation ? 'degraded' : 'unavailable',
    targetsInRotation: inRotation,
    ...lifecycle.statusOf(a.name),
    traffic: { m1: windowOf(a.buckets, 6, true), m5: windowOf(a.buckets, 30, true) },
    targets,
  };
}

function targetStatus(a: FakeAlias, t: FakeTarget): Target {
  const base: Target = {
    id: `${a.name}/${t.upstream}/${t.model}`,
    upstream: t.upstream,
    model: t.model,
    weight: t.weight,
    share: 0,
    inFlight: t.inFlight,
    state: effectiveState(t),
    m1: windowOf(t.buckets, 6),
    m5: windowOf(t.buckets, 30),
    sparkline: sparklineOf(t.buckets),
  };
  if (t.pull) return { ...base, by: t.pull.by, at: t.pull.at, reason: t.pull.reason };
  const h = t.health;
  if (h.state === 'ejected')
    return { ...base, since: h.since, until: h.until, ejections: h.ejections, reason: h.reason, by: h.by };
  if (h.state === 'checking') return { ...base, since: h.since, ejections: h.ejections, reason: h.reason };
  if (h.state === 'cooling') return { ...base, until: h.until, reason: h.reason };
  return base;
}
