import type { TargetId } from '../catalog/target.js';
import type { Ejected, EjectionState, PullMark, TargetState } from '../catalog/target-state.js';
import type { Verdict } from '../classify/verdict.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import { checkResult, eject, ejectionEnded, INITIAL_HEALTH, isOut } from './ejection.js';
import type { WindowStats } from './outlier.js';
import { OutlierDetector } from './outlier.js';
import type { OutlierPolicy } from './policy.js';

/**
 * Something that changed in a target's health; listeners log it, count it, store it and show it. `by` is set when
 * the change comes from another replica's decision (adopt(), or the end of an ejection adopted from it): that replica
 * audits and counts it, this one only applies and shows it.
 */
export type HealthEvent<Id extends string = TargetId> =
  | { type: 'ejected'; targetId: Id; until: number; ejections: number; reason: string; by?: string }
  /** An outlier was detected but maxEjectionPercent stopped the ejection (Envoy `ejections_overflow`). */
  | { type: 'ejection_overflow'; targetId: Id; reason: string; by?: string }
  /** The ejection ended; health checks begin (the target stays out of rotation). */
  | { type: 'checking'; targetId: Id; by?: string }
  | { type: 'readmitted'; targetId: Id; reason: string; by?: string };

export interface HealthTableOptions<Id extends string> {
  policy: OutlierPolicy;
  clock: Clock;
  random: Random;
  /** Each alias with its target ids; maxEjectionPercent applies per alias. A target may be in several. */
  groups: Iterable<[group: string, targetIds: Id[]]>;
  /** How long a 429 without Retry-After/RetryInfo keeps a target cooling, in ms. Default 1000. */
  defaultCoolingMs?: number;
  /** In a fleet, this replica's name: its own ejections carry it as `by`, so every replica shows who decided. */
  replica?: string;
}

interface Entry<Id extends string> {
  readonly id: Id;
  health: EjectionState;
  readonly detector: OutlierDetector;
  inFlight: number;
  coolingUntil: number;
  coolingReason: string;
  pull: PullMark | undefined;
  groups: Entry<Id>[][];
}

const EMPTY_STATS: WindowStats = Object.freeze({ requests: 0, failures: 0, successRate: null });

/**
 * The state of every target (target-state.ts), kept in memory and changed only through verdicts, health-check
 * results, operator pulls and the passing of time (clock and random injected; no I/O). Ejection follows
 * ejection.ts, detection outlier.ts. It answers routing's one question, `available()`: not pulled, not ejected or
 * checking, not cooling.
 *
 * Hot path: `record`, `available`, `begin` and `end` do a Map lookup and a few comparisons and allocate nothing unless
 * a target changes state. Time-based transitions (an ejection ending) happen lazily when a target is looked at, or
 * in `tick()`; events produced lazily are queued and returned by the next `record`, `recordCheck` or `tick`, so none
 * is lost. Treat a returned event array as read-only (the empty one is frozen and shared).
 */
export class HealthTable<Id extends string = TargetId> {
  readonly #policy: OutlierPolicy;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #defaultCoolingMs: number;
  readonly #replica: string | undefined;
  readonly #entries = new Map<Id, Entry<Id>>();
  readonly #noEvents = Object.freeze([]) as unknown as HealthEvent<Id>[];
  #pending: HealthEvent<Id>[] = [];

  constructor(opts: HealthTableOptions<Id>) {
    this.#policy = opts.policy;
    this.#clock = opts.clock;
    this.#random = opts.random;
    this.#defaultCoolingMs = opts.defaultCoolingMs ?? 1000;
    this.#replica = opts.replica;
    this.regroup(opts.groups);
  }

  /**
   * Sets which targets belong together (each alias's targets: maxEjectionPercent applies per alias). On a config
   * reload the targets that remain keep their state, counters and in-flight counts; those no longer configured are
   * forgotten.
   */
  regroup(groups: Iterable<[group: string, targetIds: Id[]]>): void {
    const listed = [...groups];
    const wanted = new Set(listed.flatMap(([, ids]) => ids));
    for (const entry of this.#entries.values()) {
      entry.groups.length = 0;
      if (!wanted.has(entry.id) && entry.pull === undefined && entry.inFlight === 0)
        this.#entries.delete(entry.id);
    }
    for (const [, targetIds] of listed) {
      const members = [...new Set(targetIds)].map((id) => this.#entry(id));
      for (const member of members) member.groups.push(members);
    }
  }

  /** Records the verdict of one real-traffic attempt; may eject the target (within the per-alias cap). */
  record(targetId: Id, verdict: Verdict): HealthEvent<Id>[] {
    const entry = this.#entry(targetId);
    const now = this.#clock.now();
    this.#advance(entry, now);
    if (verdict.kind === 'overloaded') {
      const until = now + (verdict.retryAfterMs ?? this.#defaultCoolingMs);
      if (until > entry.coolingUntil) {
        entry.coolingUntil = until;
        entry.coolingReason = verdict.reason;
      }
    }
    // Answers that land after an ejection (requests already in flight) are stale evidence.
    if (entry.health.state === 'in_rotation') {
      const detection = entry.detector.record(verdict, now);
      if (detection) this.#tryEject(entry, detection.reason, now);
    }
    return this.#drain();
  }

  /**
   * The routing question in one Map lookup: may real traffic go to the target at `now` (the caller's clock reading,
   * so a pick over many targets reads the clock once)? Unknown targets may.
   */
  available(targetId: Id, now: number): boolean {
    const entry = this.#entries.get(targetId);
    if (entry === undefined) return true;
    if (entry.pull !== undefined || entry.coolingUntil > now) return false;
    if (entry.health.state === 'in_rotation') return true;
    this.#advance(entry, now);
    return !isOut(entry.health);
  }

  /** Whether an operator pulled the target. */
  pulled(targetId: Id): boolean {
    return this.#entries.get(targetId)?.pull !== undefined;
  }

  /** Whether the ejection machine has the target in rotation (pulls and cooling aside): the maxEjectionPercent view. */
  inRotation(targetId: Id): boolean {
    const entry = this.#entries.get(targetId);
    if (entry === undefined || entry.health.state === 'in_rotation') return true;
    this.#advance(entry, this.#clock.now());
    return !isOut(entry.health);
  }

  /** The target's state now: pulled, else ejected/checking, else cooling, else in rotation. */
  state(targetId: Id): TargetState {
    const entry = this.#entries.get(targetId);
    if (entry === undefined) return INITIAL_HEALTH;
    const now = this.#clock.now();
    this.#advance(entry, now);
    if (entry.pull) return { state: 'pulled', ...entry.pull };
    if (entry.health.state === 'in_rotation' && entry.coolingUntil > now) {
      return { state: 'cooling', until: entry.coolingUntil, reason: entry.coolingReason };
    }
    return entry.health;
  }

  /** The ejection machine's state of the target (pulls and cooling aside): what this replica shares with others. */
  ejectionState(targetId: Id): EjectionState {
    const entry = this.#entries.get(targetId);
    if (entry === undefined) return INITIAL_HEALTH;
    this.#advance(entry, this.#clock.now());
    return entry.health;
  }

  /**
   * Applies another replica's decision about the target, without evidence of this replica's own: an ejection (with
   * its `until`, so the fleet's replicas end it together), a re-admission, or checks in progress. The outlier
   * counters restart (they stay per replica, README "Fleet mode"), and maxEjectionPercent still holds here: an
   * ejection that would take out more of an alias than it allows is not applied (an `ejection_overflow` event).
   * Events carry `by`. Applying a decision already in force changes nothing.
   */
  adopt(targetId: Id, state: EjectionState, by: string): HealthEvent<Id>[] {
    const entry = this.#entry(targetId);
    const now = this.#clock.now();
    this.#advance(entry, now);
    const current = entry.health;
    if (state.state === 'in_rotation') {
      if (current.state === 'in_rotation') return this.#drain();
      entry.health = { state: 'in_rotation', ejections: state.ejections, since: state.since ?? now };
      entry.detector.reset();
      this.#pending.push({ type: 'readmitted', targetId, reason: `re-admitted by ${by}`, by });
      return this.#drain();
    }
    if (current.state === 'in_rotation' && this.#capReached(entry, now)) {
      this.#pending.push({
        type: 'ejection_overflow',
        targetId,
        reason: `${state.reason} (ejected by ${by})`,
        by,
      });
      return this.#drain();
    }
    if (sameDecision(current, state)) return this.#drain();
    const outSince = current.state === 'in_rotation' ? state.outSince : current.outSince;
    entry.detector.reset();
    if (state.state === 'ejected') {
      entry.health = { ...state, outSince, by };
      this.#pending.push({ ...ejectedEvent(targetId, entry.health), by });
    } else {
      entry.health = { ...state, outSince };
      this.#pending.push({ type: 'checking', targetId, by });
    }
    this.#advance(entry, now);
    return this.#drain();
  }

  /** Applies the operator's pulls: exactly these targets are pulled from now on. */
  setPulls(pulls: ReadonlyMap<Id, PullMark>): void {
    for (const entry of this.#entries.values()) if (!pulls.has(entry.id)) entry.pull = undefined;
    for (const [id, pull] of pulls) this.#entry(id).pull = pull;
  }

  /** Applies every transition whose time has come (ejections ending) and returns all queued events. */
  tick(): HealthEvent<Id>[] {
    const now = this.#clock.now();
    for (const entry of this.#entries.values()) this.#advance(entry, now);
    return this.#drain();
  }

  /**
   * Targets in `checking` whose next check is due. Each is handed out once: its nextCheckAt moves intervalMs ahead,
   * so a checker polling faster than its checks complete never runs two checks of one target at once, and a check
   * that never reports is retried after intervalMs. recordCheck then sets the real next time. A pulled target is
   * not checked: an operator took it out, and no check will bring it back.
   */
  dueForCheck(): Id[] {
    const now = this.#clock.now();
    const due: Id[] = [];
    for (const entry of this.#entries.values()) {
      this.#advance(entry, now);
      const health = entry.health;
      if (health.state === 'checking' && health.nextCheckAt <= now && entry.pull === undefined) {
        entry.health = { ...health, nextCheckAt: now + this.#policy.healthCheck.intervalMs };
        due.push(entry.id);
      }
    }
    return due;
  }

  /** Records one health check's outcome; ignored unless the target is in `checking`. */
  recordCheck(targetId: Id, ok: boolean, reason: string): HealthEvent<Id>[] {
    const entry = this.#entries.get(targetId);
    if (entry === undefined) return this.#drain();
    const now = this.#clock.now();
    this.#advance(entry, now);
    const health = entry.health;
    if (health.state !== 'checking') return this.#drain();
    const result = checkResult(health, ok, now, `health check failed: ${reason}`, this.#policy, this.#random);
    const next = result.state === 'ejected' && this.#replica ? { ...result, by: this.#replica } : result;
    entry.health = next;
    if (next.state === 'ejected') {
      this.#pending.push(ejectedEvent(entry.id, next));
    } else if (next.state === 'in_rotation') {
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

  /** The outlier window's counts (real traffic since the target last came back), for status pages. */
  stats(targetId: Id): WindowStats {
    return this.#entries.get(targetId)?.detector.stats(this.#clock.now()) ?? EMPTY_STATS;
  }

  /** Requests now in flight to the target (for the balancer). */
  inFlight(targetId: Id): number {
    return this.#entries.get(targetId)?.inFlight ?? 0;
  }

  /** An attempt to the target started. Pair with end(). */
  begin(targetId: Id): void {
    this.#entry(targetId).inFlight++;
  }

  /** An attempt to the target finished, however it ended. */
  end(targetId: Id): void {
    const entry = this.#entries.get(targetId);
    if (entry !== undefined && entry.inFlight > 0) entry.inFlight--;
  }

  #entry(targetId: Id): Entry<Id> {
    let entry = this.#entries.get(targetId);
    if (entry === undefined) {
      entry = {
        id: targetId,
        health: INITIAL_HEALTH,
        detector: new OutlierDetector(this.#policy),
        inFlight: 0,
        coolingUntil: 0,
        coolingReason: '',
        pull: undefined,
        groups: [],
      };
      this.#entries.set(targetId, entry);
    }
    return entry;
  }

  /** Ends an ejection whose time has passed. */
  #advance(entry: Entry<Id>, now: number): void {
    const health = entry.health;
    if (health.state !== 'ejected' || health.until > now) return;
    const next = ejectionEnded(health, this.#policy);
    entry.health = next;
    // the end of another replica's ejection is that replica's to report
    const from = health.by !== undefined && health.by !== this.#replica ? { by: health.by } : {};
    if (next.state === 'checking') {
      this.#pending.push({ type: 'checking', targetId: entry.id, ...from });
      return;
    }
    entry.detector.reset();
    entry.detector.startProbation();
    this.#pending.push({
      type: 'readmitted',
      targetId: entry.id,
      reason: 'ejection ended (no health checks)',
      ...from,
    });
  }

  #tryEject(entry: Entry<Id>, reason: string, now: number): void {
    entry.detector.reset();
    if (this.#capReached(entry, now)) {
      this.#pending.push({ type: 'ejection_overflow', targetId: entry.id, reason });
      return;
    }
    const decided = eject(entry.health, now, reason, this.#policy, this.#random);
    const ejected = this.#replica ? { ...decided, by: this.#replica } : decided;
    entry.health = ejected;
    this.#pending.push(ejectedEvent(entry.id, ejected));
  }

  /** True when ejecting `entry` would put any of its aliases over max(1, ⌊pct% × size⌋) targets out. */
  #capReached(entry: Entry<Id>, now: number): boolean {
    for (const members of entry.groups) {
      const allowed = Math.max(1, Math.floor((this.#policy.maxEjectionPercent / 100) * members.length));
      let out = 0;
      for (const member of members) {
        this.#advance(member, now);
        if (member.health.state !== 'in_rotation') out++;
      }
      if (out + 1 > allowed) return true;
    }
    return false;
  }

  #drain(): HealthEvent<Id>[] {
    if (this.#pending.length === 0) return this.#noEvents;
    const events = this.#pending;
    this.#pending = [];
    return events;
  }
}

/** Whether the target already is in the state a decision would put it in (a snapshot repeats what was heard). */
function sameDecision(current: EjectionState, state: EjectionState): boolean {
  if (current.state !== state.state) return false;
  if (current.state === 'ejected' && state.state === 'ejected')
    return current.since === state.since && current.until === state.until;
  if (current.state === 'checking' && state.state === 'checking') return current.since === state.since;
  return false;
}

function ejectedEvent<Id extends string>(targetId: Id, health: Ejected): HealthEvent<Id> {
  return {
    type: 'ejected',
    targetId,
    until: health.until,
    ejections: health.ejections,
    reason: health.reason,
  };
}
