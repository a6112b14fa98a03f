import type { Catalog } from '../catalog/catalog.js';
import { type Target, type TargetId, targetLabel } from '../catalog/target.js';
import type { Verdict } from '../classify/verdict.js';
import type { Clock } from '../clock.js';
import type { ArmCounts } from '../rollout/analysis.js';
import { type Drain, drainDone } from '../rollout/drain.js';
import { decideStep, pct, type Rollout, type StepCounts, withHistory } from '../rollout/plan.js';
import type { Incident, OperatorStore } from '../store/operator-store.js';
import type { Logger } from '../telemetry/log.js';
import type { Timeline } from '../timeline/timeline.js';

/** The lease one replica holds to decide steps and finish drains. */
const LEASE = 'lifecycle';
/** Renewed every tick; another replica takes over within this long of the holder's last tick. */
const LEASE_TTL_MS = 5000;
/**
 * How long a build at share 0 is left before it is pulled: every replica applies a share within a second (the store
 * is re-read every second), then what is in flight there finishes.
 */
export const SETTLE_MS = 2000;

export interface LifecycleDeps {
  store: OperatorStore;
  clock: Clock;
  /** This replica's name: its counts, and the lease holder. */
  replica: string;
  catalog(): Catalog;
  /** Attempts in flight to a target on this replica: a drained build is pulled once they are done. */
  inFlight(id: TargetId): number;
  timeline: Timeline;
  log: Logger;
  saveIncident(incident: Incident): void;
}

/**
 * The I/O half of build rollouts and drains (the decisions are rollout/plan.ts and rollout/analysis.ts). Every
 * replica counts what the new build and the alias's other targets answered in each step and reports its totals to
 * the store; every replica stops a rollout at once when the new build shows a target fault (a 404 naming it, an
 * auth failure). Once a second the replica holding the lease reads everyone's totals, decides the steps that are
 * due, finishes drains (share 0, in-flight requests done, then a pull) and writes each decision with its figures.
 * Every write is a compare-and-set on the record's revision: a decision two replicas race to make is made once.
 */
export class LifecycleDriver {
  readonly #deps: LifecycleDeps;
  /** This replica's counts per rollout step (`id#step`), since it started. */
  readonly #tallies = new Map<string, StepCounts & { dirty: boolean }>();
  /** Fleet-wide counts of each rollout's current step, as last read (the status page shows them). */
  readonly #latest = new Map<string, StepCounts>();
  readonly #stopping = new Set<string>();
  /** The pass under way: a tick asked for meanwhile runs after it, never beside it. */
  #pass: Promise<void> | undefined;

  constructor(deps: LifecycleDeps) {
    this.#deps = deps;
  }

  /** One real-traffic attempt's verdict: counted for the rollouts of its alias. On the request path: cheap. */
  observe(target: Target, verdict: Verdict): void {
    const rollouts = this.#deps.store.state().rollouts;
    if (rollouts.length === 0) return;
    const failed = failure(verdict);
    if (failed === undefined) return;
    for (const r of rollouts) {
      if (r.state !== 'running' || r.alias !== target.alias) continue;
      const candidate = target.upstream === r.upstream && target.model === r.model;
      const tally = this.#tally(stepKey(r));
      const arm = candidate ? tally.candidate : tally.baseline;
      arm.requests++;
      if (failed) arm.failures++;
      tally.dirty = true;
      if (candidate && verdict.kind === 'target_fault') {
        void this.#stop(
          r,
          'failed',
          `target fault on ${targetLabel(target)}: ${verdict.reason}`,
          this.#deps.replica,
        );
      }
    }
  }

  /** The step counts to show for a rollout: the fleet's as last read, else this replica's own. */
  counts(r: Rollout): StepCounts {
    const latest = this.#latest.get(stepKey(r));
    if (latest) return latest;
    const mine = this.#tallies.get(stepKey(r));
    return mine ? { candidate: { ...mine.candidate }, baseline: { ...mine.baseline } } : empty();
  }

  /** Once a second: report this replica's counts; the lease holder decides what is due. Never throws. */
  async tick(): Promise<void> {
    while (this.#pass) await this.#pass;
    this.#pass = this.#once().finally(() => {
      this.#pass = undefined;
    });
    return this.#pass;
  }

  async #once(): Promise<void> {
    try {
      this.#report();
      const state = this.#deps.store.state();
      const due =
        state.rollouts.some((r) => r.state === 'running' || r.state === 'draining') ||
        state.drains.some((d) => d.state === 'draining');
      if (!due) return;
      if (!(await this.#deps.store.lease(LEASE, this.#deps.replica, LEASE_TTL_MS))) return;
      await this.#deps.store.flush(); // our own counts are in the store before everyone's are read
      for (const r of state.rollouts) {
        if (r.state === 'running') await this.#step(r);
        else if (r.state === 'draining') await this.#finishReplace(r);
      }
      for (const d of state.drains) if (d.state === 'draining') await this.#finishDrain(d);
    } catch (e) {
      this.#deps.log.warn({ event: 'lifecycle_tick_failed', err: e }, 'rollout and drain decisions deferred');
    }
  }

  /** An operator stops a rollout: the new build's share goes to 0 at once. */
  abort(r: Rollout, by: string, reason: string): Promise<boolean> {
    return this.#stop(r, 'aborted', `aborted by ${by}: ${reason}`, by);
  }

  async #step(r: Rollout): Promise<void> {
    const now = this.#deps.clock.now();
    if (now < r.lookAt) return;
    const counts = await this.#fleetCounts(r);
    this.#latest.set(stepKey(r), counts);
    const decision = decideStep(r, counts, now);
    const actor = this.#deps.replica;
    switch (decision.kind) {
      case 'wait':
        return;
      case 'hold':
        await this.#save(withHistory({ ...r, lookAt: now + r.intervalMs, rev: r.rev + 1 }, decision.why), {
          actor,
          action: 'rollout',
          reason: `${r.id}: held for more data; ${decision.why}`,
        });
        return;
      case 'advance': {
        const next = r.step + 1;
        const share = pct(r.steps[next]!);
        const saved = await this.#save(
          withHistory(
            { ...r, step: next, stepStartedAt: now, lookAt: now + r.intervalMs, rev: r.rev + 1 },
            `${decision.why} → step ${next + 1}/${r.steps.length} (${share})`,
          ),
          { actor, action: 'rollout', reason: `${r.id}: to ${share}; ${decision.why}` },
        );
        if (saved) this.#show(r, `to ${share}: ${decision.why}`, actor);
        return;
      }
      case 'promote': {
        const done = r.replace
          ? { ...r, state: 'draining' as const, replacedAt: now }
          : { ...r, state: 'succeeded' as const, endedAt: now };
        const what = r.replace ? `promoted; draining ${r.replace}` : 'succeeded';
        const saved = await this.#save(
          withHistory({ ...done, rev: r.rev + 1 }, `${decision.why} → ${what}`),
          {
            actor,
            action: 'rollout',
            reason: `${r.id}: ${what}; ${decision.why}`,
          },
        );
        if (saved) this.#show(r, `${what}: ${decision.why}`, actor);
        return;
      }
      case 'fail':
        await this.#stop(r, 'failed', decision.why, actor);
        return;
    }
  }

  /** At 100% with --replace: once the old build has had time to see share 0 and nothing is in flight, pull it. */
  async #finishReplace(r: Rollout): Promise<void> {
    const now = this.#deps.clock.now();
    if (now - (r.replacedAt ?? now) < SETTLE_MS) return;
    const old = (this.#deps.catalog().get(r.alias)?.targets ?? []).filter((t) => t.model === r.replace);
    if (old.some((t) => this.#deps.inFlight(t.id) > 0)) return;
    const by = this.#deps.replica;
    for (const t of old) {
      await this.#deps.store.pull({
        alias: t.alias,
        upstream: t.upstream,
        model: t.model,
        by,
        reason: `replaced by ${r.model} (rollout ${r.id})`,
      });
    }
    const saved = await this.#save(
      withHistory(
        { ...r, state: 'succeeded', endedAt: now, rev: r.rev + 1 },
        `${r.replace} drained and pulled`,
      ),
      { actor: by, action: 'rollout', reason: `${r.id}: succeeded; ${r.replace} drained and pulled` },
    );
    if (saved) this.#show(r, `succeeded; ${r.replace} drained and pulled`, by);
  }

  async #finishDrain(d: Drain): Promise<void> {
    const now = this.#deps.clock.now();
    if (!drainDone(d, now) || now - d.startedAt < d.overMs + SETTLE_MS) return;
    const target = this.#deps
      .catalog()
      .get(d.alias)
      ?.targets.find((t) => t.upstream === d.upstream && t.model === d.model);
    if (target && this.#deps.inFlight(target.id) > 0) return;
    const by = this.#deps.replica;
    await this.#deps.store.pull({
      alias: d.alias,
      upstream: d.upstream,
      model: d.model,
      by,
      reason: `drained (${d.id}): ${d.reason}`,
    });
    const saved = await this.#deps.store.saveDrain(
      { ...d, state: 'drained', endedAt: now, rev: d.rev + 1 },
      { actor: by, action: 'drain', reason: `${d.id}: drained and pulled` },
    );
    if (saved.changed) {
      this.#deps.timeline.add({
        kind: 'drain',
        alias: d.alias,
        upstream: d.upstream,
        model: d.model,
        actor: by,
        reason: 'drained and pulled',
      });
    }
  }

  /** Fails or aborts a rollout once (a replica that loses the race does nothing); pulls a build that was configured. */
  async #stop(r: Rollout, state: 'failed' | 'aborted', why: string, by: string): Promise<boolean> {
    if (this.#stopping.has(r.id)) return false;
    this.#stopping.add(r.id);
    try {
      const now = this.#deps.clock.now();
      const stopped = withHistory(
        { ...r, state, stopped: why, endedAt: now, rev: r.rev + 1 },
        `${state}: ${why}`,
      );
      const saved = await this.#save(stopped, {
        actor: by,
        action: 'rollout',
        reason: `${r.id}: ${state}; ${why}`,
      });
      if (!saved) return false;
      if (!r.added) {
        // a configured build cannot be taken off the alias: a pull keeps it out until an operator says otherwise
        await this.#deps.store
          .pull({
            alias: r.alias,
            upstream: r.upstream,
            model: r.model,
            by,
            reason: `rollout ${r.id} ${state}: ${why}`,
          })
          .catch((e: unknown) =>
            this.#deps.log.error({ event: 'rollout_pull_failed', err: e }, 'could not pull'),
          );
      }
      this.#show(r, `${state}: ${why}`, by);
      this.#deps.saveIncident(rolloutIncident(stopped, this.counts(r), why, by));
      return true;
    } catch (e) {
      this.#deps.log.error(
        { event: 'rollout_stop_failed', rollout: r.id, err: e },
        'could not stop the rollout',
      );
      return false;
    } finally {
      this.#stopping.delete(r.id);
    }
  }

  async #save(next: Rollout, note: { actor: string; action: string; reason: string }): Promise<boolean> {
    const { changed } = await this.#deps.store.saveRollout(next, note);
    if (!changed)
      this.#deps.log.info(
        { event: 'rollout_revised_elsewhere', rollout: next.id },
        'another replica decided first',
      );
    return changed;
  }

  #show(r: Rollout, what: string, actor: string): void {
    this.#deps.log.info({ event: 'rollout', rollout: r.id, alias: r.alias, model: r.model, what }, 'rollout');
    this.#deps.timeline.add({
      kind: 'rollout',
      alias: r.alias,
      upstream: r.upstream,
      model: r.model,
      actor,
      reason: what,
    });
  }

  async #fleetCounts(r: Rollout): Promise<StepCounts> {
    const sum = empty();
    for (const raw of await this.#deps.store.counts(stepKey(r))) {
      const c = raw as StepCounts;
      add(sum.candidate, c.candidate);
      add(sum.baseline, c.baseline);
    }
    return sum;
  }

  /** Each replica's running totals replace its earlier ones in the store: a lost or repeated write changes nothing. */
  #report(): void {
    for (const [key, tally] of this.#tallies) {
      if (!tally.dirty) continue;
      tally.dirty = false;
      this.#deps.store.reportCounts(key, this.#deps.replica, {
        candidate: tally.candidate,
        baseline: tally.baseline,
      });
    }
    // steps no longer running are forgotten (their totals stay in the store)
    const live = new Set(
      this.#deps.store
        .state()
        .rollouts.filter((r) => r.state === 'running')
        .map(stepKey),
    );
    for (const key of this.#tallies.keys()) if (!live.has(key)) this.#tallies.delete(key);
  }

  #tally(key: string): StepCounts & { dirty: boolean } {
    let tally = this.#tallies.get(key);
    if (!tally) {
      tally = { ...empty(), dirty: false };
      this.#tallies.set(key, tally);
    }
    return tally;
  }
}

/** The key a rollout step's counts are kept under. */
export function stepKey(r: Pick<Rollout, 'id' | 'step'>): string {
  return `${r.id}#${r.step}`;
}

/**
 * Whether an attempt counts against the target it went to: answers (a client's own mistake included) do not, target
 * faults and transient failures do; a 429, a request the gateway itself malformed or a client that left say nothing
 * about the build.
 */
function failure(verdict: Verdict): boolean | undefined {
  switch (verdict.kind) {
    case 'ok':
    case 'client_error':
      return false;
    case 'target_fault':
    case 'transient':
      return true;
    default:
      return undefined;
  }
}

function empty(): StepCounts {
  return { candidate: { requests: 0, failures: 0 }, baseline: { requests: 0, failures: 0 } };
}

function add(into: ArmCounts, from: ArmCounts | undefined): void {
  into.requests += from?.requests ?? 0;
  into.failures += from?.failures ?? 0;
}

/** A stopped rollout as an incident episode: what was compared, and why it stopped (incidents/report.ts). */
function rolloutIncident(r: Rollout, counts: StepCounts, why: string, by: string): Incident {
  return {
    id: `rollout:${r.id}`,
    alias: r.alias,
    upstream: r.upstream,
    model: r.model,
    startedAt: r.startedAt,
    endedAt: r.endedAt ?? null,
    requests: counts.candidate.failures,
    retries: 0,
    ejections: 0,
    messages: [{ message: why, count: 1 }],
    by,
    rollout: {
      id: r.id,
      state: r.state,
      steps: r.steps,
      step: r.step,
      ...(r.replace ? { replace: r.replace } : {}),
      candidate: counts.candidate,
      baseline: counts.baseline,
      history: r.history,
    },
  };
}
