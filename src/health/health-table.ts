import type { Verdict } from '../classify/verdict.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { TargetHealth } from './ejection.js';
import { checkResult, eject, ejectionEnded, INITIAL_HEALTH, isOut } from './ejection.js';
import type { WindowStats } from './outlier.js';
import { OutlierDetector } from './outlier.js';
import type { OutlierPolicy } from './policy.js';

/** Something that changed in a target's health; the caller logs it, counts it and stores it. */
export type HealthEvent =
  | { type: 'ejected'; targetId: string; until: number; ejections: number; reason: string }
  /** An outlier was detected but maxEjectionPercent stopped the ejection (Envoy `ejections_overflow`). */
  | { type: 'ejection_overflow'; targetId: string; reason: string }
  /** The ejection ended; health checks begin (the target stays out of rotation). */
  | { type: 'checking'; targetId: string }
  | { type: 'readmitted'; targetId: string; reason: string };

export interface HealthTableOptions {
  policy: OutlierPolicy;
  clock: Clock;
  random: Random;
  /** Each alias with its target ids; maxEjectionPercent applies per alias. A target may be in several. */
  groups: Iterable<[group: string, targetIds: string[]]>;
  /** How long a 429 without Retry-After/RetryInfo keeps a target cooling, in ms. Default 1000. */
  defaultCoolingMs?: number;
}

interface Entry {
  readonly id: string;
  health: TargetHealth;
  readonly detector: OutlierDetector;
  inFlight: number;
  coolingUntil: number;
  readonly groups: Entry[][];
}

/** Returned when nothing changed, so the hot path allocates nothing; frozen, so a caller's push fails loudly. */
const NO_EVENTS = Object.freeze([]) as unknown as HealthEvent[];
const EMPTY_STATS: WindowStats = Object.freeze({ requests: 0, failures: 0, successRate: null });

/**
 * The health of every target, kept in memory and changed only through verdicts, health-check
 * results and the passing of time (clock and random injected; no I/O). State transitions follow
 * ejection.ts; detection follows outlier.ts.
 *
 * Hot path: `record`, `inRotation`, `begin` and `end` do a Map lookup and a few comparisons and
 * allocate nothing unless a target changes state. Time-based transitions (an ejection ending) happen
 * lazily when a target is looked at, or in `tick()`; events produced lazily are queued and returned
 * by the next `record`, `recordCheck` or `tick`, so none is lost. Every event-returning method
 * returns that queue; treat the returned array as read-only (the empty one is frozen and shared).
 */
export class HealthTable {
  readonly #policy: OutlierPolicy;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #defaultCoolingMs: number;
  readonly #entries = new Map<string, Entry>();
  #pending: HealthEvent[] = [];

  constructor(opts: HealthTableOptions) {
    this.#policy = opts.policy;
    this.#clock = opts.clock;
    this.#random = opts.random;
    this.#defaultCoolingMs = opts.defaultCoolingMs ?? 1000;
    for (const [, targetIds] of opts.groups) {
      const members = [...new Set(targetIds)].map((id) => this.#entry(id));
      for (const member of members) member.groups.push(members);
    }
  }

  /** Records the verdict of one real-traffic attempt; may eject the target (within the per-alias cap). */
  record(targetId: string, verdict: Verdict): HealthEvent[] {
    const entry = this.#entry(targetId);
    const now = this.#clock.now();
    this.#advance(entry, now);
    if (verdict.kind === 'overloaded') {
      const until = now + (verdict.retryAfterMs ?? this.#defaultCoolingMs);
      if (until > entry.coolingUntil) entry.coolingUntil = until;
    }
    // Answers that land after an ejection (requests already in flight) are stale evidence.
    if (entry.health.state === 'healthy') {
      const detection = entry.detector.record(verdict, now);
      if (detection) this.#tryEject(entry, detection.reason, now);
    }
    return this.#drain();
  }

  /** Whether real traffic may go to the target now. Unknown targets are in rotation. */
  inRotation(targetId: string): boolean {
    const entry = this.#entries.get(targetId);
    if (entry === undefined) return true;
    if (entry.health.state === 'healthy') return true;
    this.#advance(entry, this.#clock.now());
    // isOut() is a call, so TypeScript drops the narrowing made before #advance replaced the state.
    return !isOut(entry.health);
  }

  /**
   * The routing question in one Map lookup: in rotation and not cooling after a 429, at `now` (the caller's
   * clock reading, so a pick over many targets reads the clock once).
   */
  available(targetId: string, now: number): boolean {
    const entry = this.#entries.get(targetId);
    if (entry === undefined) return true;
    if (entry.coolingUntil > now) return false;
    if (entry.health.state === 'healthy') return true;
    this.#advance(entry, now);
    return !isOut(entry.health);
  }

  /** Applies every transition whose time has come (ejections ending) and returns all queued events. */
  tick(): HealthEvent[] {
    const now = this.#clock.now();
    for (const entry of this.#entries.values()) this.#advance(entry, now);
    return this.#drain();
  }

  /**
   * Targets in `checking` whose next check is due. Each is handed out once: its nextCheckAt moves
   * intervalMs ahead, so a checker polling faster than its checks complete never runs two checks of
   * one target at once, and a check that never reports is retried after intervalMs. recordCheck
   * then sets the real next time.
   */
  dueForCheck(): string[] {
    const now = this.#clock.now();
    const due: string[] = [];
    for (const entry of this.#entries.values()) {
      this.#advance(entry, now);
      const health = entry.health;
      if (health.state === 'checking' && health.nextCheckAt <= now) {
        entry.health = { ...health, nextCheckAt: now + this.#policy.healthCheck.intervalMs };
        due.push(entry.id);
      }
    }
    return due;
  }

  /** Records one health check's outcome; ignored unless the target is in `checking`. */
  recordCheck(targetId: string, ok: boolean, reason: string): HealthEvent[] {
    const entry = this.#entries.get(targetId);
    if (entry === undefined) return this.#drain();
    const now = this.#clock.now();
    this.#advance(entry, now);
    const health = entry.health;
    if (health.state !== 'checking') return this.#drain();
    const next = checkResult(health, ok, now, `health check failed: ${reason}`, this.#policy, this.#random);
    entry.health = next;
    if (next.state === 'ejected') {
      this.#pending.push(ejectedEvent(entry.id, next));
    } else if (next.state === 'healthy') {
      entry.detector.reset();
      const passed = `${this.#policy.healthCheck.healthyThreshold} health checks passed in a row`;
      this.#pending.push({
        type: 'readmitted',
        targetId,
        reason: reason ? `${passed}; last: ${reason}` : passed,
      });
    }
    return this.#drain();
  }

  /** Epoch ms until which the target asked (429) not to be sent traffic; 0 when it is not cooling. */
  coolingUntil(targetId: string): number {
    const until = this.#entries.get(targetId)?.coolingUntil ?? 0;
    return until > this.#clock.now() ? until : 0;
  }

  /** The target's health now. */
  state(targetId: string): TargetHealth {
    const entry = this.#entries.get(targetId);
    if (entry === undefined) return INITIAL_HEALTH;
    this.#advance(entry, this.#clock.now());
    return entry.health;
  }

  /** The outlier window's counts (real traffic since the target last came back), for status pages. */
  stats(targetId: string): WindowStats {
    return this.#entries.get(targetId)?.detector.stats(this.#clock.now()) ?? EMPTY_STATS;
  }

  /** Requests now in flight to the target (for the balancer). */
  inFlight(targetId: string): number {
    return this.#entries.get(targetId)?.inFlight ?? 0;
  }

  /** An attempt to the target started. Pair with end(). */
  begin(targetId: string): void {
    this.#entry(targetId).inFlight++;
  }

  /** An attempt to the target finished, however it ended. */
  end(targetId: string): void {
    const entry = this.#entries.get(targetId);
    if (entry !== undefined && entry.inFlight > 0) entry.inFlight--;
  }

  /**
   * Adopts a state read from a store (another replica's ejection, or a restart). Emits no event;
   * the detector's evidence is dropped because it described the previous state.
   */
  restore(targetId: string, health: TargetHealth): void {
    const entry = this.#entry(targetId);
    entry.health = health;
    entry.detector.reset();
  }

  #entry(targetId: string): Entry {
    let entry = this.#entries.get(targetId);
    if (entry === undefined) {
      entry = {
        id: targetId,
        health: INITIAL_HEALTH,
        detector: new OutlierDetector(this.#policy),
        inFlight: 0,
        coolingUntil: 0,
        groups: [],
      };
      this.#entries.set(targetId, entry);
    }
    return entry;
  }

  /** Ends an ejection whose time has passed. */
  #advance(entry: Entry, now: number): void {
    const health = entry.health;
    if (health.state !== 'ejected' || health.until > now) return;
    const next = ejectionEnded(health, this.#policy);
    entry.health = next;
    if (next.state === 'checking') {
      this.#pending.push({ type: 'checking', targetId: entry.id });
      return;
    }
    entry.detector.reset();
    entry.detector.startProbation();
    this.#pending.push({
      type: 'readmitted',
      targetId: entry.id,
      reason: 'ejection ended (no health checks)',
    });
  }

  #tryEject(entry: Entry, reason: string, now: number): void {
    entry.detector.reset();
    if (this.#capReached(entry, now)) {
      this.#pending.push({ type: 'ejection_overflow', targetId: entry.id, reason });
      return;
    }
    const ejected = eject(entry.health, now, reason, this.#policy, this.#random);
    entry.health = ejected;
    this.#pending.push(ejectedEvent(entry.id, ejected));
  }

  /** True when ejecting `entry` would put any of its aliases over max(1, ⌊pct% × size⌋) targets out. */
  #capReached(entry: Entry, now: number): boolean {
    for (const members of entry.groups) {
      const allowed = Math.max(1, Math.floor((this.#policy.maxEjectionPercent / 100) * members.length));
      let out = 0;
      for (const member of members) {
        this.#advance(member, now);
        if (member.health.state !== 'healthy') out++;
      }
      if (out + 1 > allowed) return true;
    }
    return false;
  }

  #drain(): HealthEvent[] {
    if (this.#pending.length === 0) return NO_EVENTS;
    const events = this.#pending;
    this.#pending = [];
    return events;
  }
}

function ejectedEvent(targetId: string, health: Extract<TargetHealth, { state: 'ejected' }>): HealthEvent {
  return {
    type: 'ejected',
    targetId,
    until: health.until,
    ejections: health.ejections,
    reason: health.reason,
  };
}
