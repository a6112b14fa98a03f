import type { Catalog } from '../catalog/catalog.js';
import type { TargetId } from '../catalog/target.js';
import type { Verdict } from '../classify/verdict.js';
import type { Incident } from '../store/operator-store.js';
import type { TimelineEntry } from '../timeline/timeline.js';

/** Messages kept per episode (the distinct ones; the rest are counted under the last). */
const MAX_MESSAGES = 20;

interface Streak {
  requests: number;
  retries: number;
  messages: Map<string, number>;
}

/**
 * Turns what happens to targets into ejection episodes (docs/design.md §6): an episode opens when a target is ejected,
 * with the failures that led to it, gathers every failed attempt, retry and upstream message while it is out (failed
 * health checks included), and closes when it is re-admitted. Each change is handed to `save` (the operator store
 * keeps the history). No I/O, no clock of its own: time comes with the timeline entries.
 */
export class IncidentTracker {
  /** Failures since each target's last success: the evidence an ejection is about to use. */
  readonly #streaks = new Map<TargetId, Streak>();
  readonly #open = new Map<TargetId, Incident>();
  /** Open episodes whose counts grew since they were last saved. */
  readonly #dirty = new Set<TargetId>();

  constructor(
    private readonly catalog: () => Catalog,
    private readonly save: (incident: Incident) => void,
    private readonly replica?: string,
  ) {}

  /** One real-traffic verdict of a target. */
  attempt(targetId: TargetId, verdict: Verdict): void {
    if (verdict.kind === 'ok' || verdict.kind === 'client_error') {
      this.#streaks.delete(targetId);
      return;
    }
    if (verdict.kind !== 'target_fault' && verdict.kind !== 'transient') return;
    const open = this.#open.get(targetId);
    if (open) {
      open.requests++;
      addMessage(open.messages, verdict.reason);
      this.#dirty.add(targetId);
      return;
    }
    const streak = this.#streaks.get(targetId) ?? { requests: 0, retries: 0, messages: new Map() };
    streak.requests++;
    streak.messages.set(verdict.reason, (streak.messages.get(verdict.reason) ?? 0) + 1);
    this.#streaks.set(targetId, streak);
  }

  /** A failed attempt of this target was retried elsewhere: the episode cost a retry. */
  retried(targetId: TargetId): void {
    const open = this.#open.get(targetId);
    if (open) {
      open.retries++;
      this.#dirty.add(targetId);
    } else {
      const streak = this.#streaks.get(targetId);
      if (streak) streak.retries++;
    }
  }

  /** Ejections open (or extend) an episode, health checks add their messages, re-admission closes it. */
  timeline(entry: TimelineEntry): void {
    if (!entry.alias || !entry.upstream || !entry.model) return;
    const target = this.catalog()
      .get(entry.alias)
      ?.targets.find((t) => t.upstream === entry.upstream && t.model === entry.model);
    if (!target) return;
    const id = target.id;
    switch (entry.kind) {
      case 'ejected': {
        const open = this.#open.get(id);
        if (open) {
          open.ejections++;
          this.#dirty.delete(id);
          this.save(snapshot(open));
          return;
        }
        const streak = this.#streaks.get(id);
        this.#streaks.delete(id);
        const incident: Incident = {
          id: `${id}@${entry.at}`,
          alias: target.alias,
          upstream: target.upstream,
          model: target.model,
          startedAt: entry.at,
          endedAt: null,
          requests: streak?.requests ?? 0,
          retries: streak?.retries ?? 0,
          ejections: 1,
          messages: [],
          ...(this.replica ? { by: this.replica } : {}),
        };
        for (const [message, count] of streak?.messages ?? []) addMessage(incident.messages, message, count);
        if (incident.messages.length === 0) addMessage(incident.messages, entry.reason);
        this.#open.set(id, incident);
        this.save(snapshot(incident));
        return;
      }
      case 'health_check': {
        const open = this.#open.get(id);
        if (open && entry.ok === false) {
          addMessage(open.messages, entry.reason);
          this.#dirty.add(id);
        }
        return;
      }
      case 'readmitted': {
        const open = this.#open.get(id);
        if (!open) return;
        this.#open.delete(id);
        this.#dirty.delete(id);
        this.save({ ...snapshot(open), endedAt: entry.at });
        return;
      }
      default:
    }
  }

  /**
   * Saves the open episodes whose counts grew since their last save. Called every second and at shutdown, so a
   * long episode's stored record stays current without a write per failed request.
   */
  flush(): void {
    for (const id of this.#dirty) {
      const open = this.#open.get(id);
      if (open) this.save(snapshot(open));
    }
    this.#dirty.clear();
  }

  /** Episodes open now (for the status page). */
  openEpisodes(): Incident[] {
    return [...this.#open.values()].map((i) => ({ ...i }));
  }
}

function addMessage(messages: Incident['messages'], message: string, count = 1): void {
  const known = messages.find((m) => m.message === message);
  if (known) known.count += count;
  else if (messages.length < MAX_MESSAGES) messages.push({ message, count });
  else messages[messages.length - 1]!.count += count;
  messages.sort((a, b) => b.count - a.count);
}

/** What is saved must not change afterwards: a record still queued for the store keeps the counts it was saved with. */
function snapshot(incident: Incident): Incident {
  return { ...incident, messages: incident.messages.map((m) => ({ ...m })) };
}
