import type { Catalog } from '../catalog/catalog.js';
import type { TargetId } from '../catalog/target.js';
import { type Clock, every } from '../clock.js';
import type { HealthEvent, HealthTable } from '../health/health-table.js';
import type { HealthStore, SharedTargetState } from '../store/health-store.js';

export interface HealthSyncDeps {
  store: HealthStore;
  health: HealthTable;
  /** The catalog in force now: decisions about targets it does not have are ignored. */
  catalog(): Catalog;
  clock: Clock;
  replica: string;
  /** Hears the events adopting other replicas' decisions caused (marked with `by`). */
  onEvents(events: readonly HealthEvent[]): void;
  /** How often every shared decision is read again, ms (messages lost, a reconnection). Default 5000. */
  reconcileMs?: number;
}

/**
 * Keeps this replica's health table in step with the fleet's: its own ejections and re-admissions go out through the
 * HealthStore; the others' come in by message at once and are applied with HealthTable.adopt; and the stored
 * decisions are read again every few seconds and as soon as the store is back, so a replica that missed messages or
 * started late catches up. Of two decisions about one target the later (`at`) wins, here as in the store.
 */
export class HealthSync {
  readonly #deps: HealthSyncDeps;
  /** When the decision in force on each target was made (here or elsewhere). */
  readonly #decidedAt = new Map<TargetId, number>();
  readonly #stops: (() => void)[] = [];
  #wasOk = false;
  #lastRead = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | undefined;

  constructor(deps: HealthSyncDeps) {
    this.#deps = deps;
  }

  start(): void {
    const { store, clock } = this.#deps;
    const reconcileMs = this.#deps.reconcileMs ?? 5000;
    this.#stops.push(
      store.subscribe((change) => this.#apply(change)),
      every(clock, 1000, () => {
        const ok = store.status().ok;
        if (ok && (!this.#wasOk || clock.now() - this.#lastRead >= reconcileMs)) void this.read();
        this.#wasOk = ok;
      }),
    );
    this.#wasOk = store.status().ok;
    void this.read();
  }

  stop(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }

  /** Shares this replica's own decisions among `events` (events with `by` came from elsewhere: not ours to share). */
  publish(events: readonly HealthEvent[]): void {
    for (const event of events) {
      if (event.by !== undefined || (event.type !== 'ejected' && event.type !== 'readmitted')) continue;
      const at = this.#deps.clock.now();
      this.#decidedAt.set(event.targetId, at);
      const state = this.#deps.health.ejectionState(event.targetId);
      this.#deps.store.publish({ targetId: event.targetId, state, by: this.#deps.replica, at });
    }
  }

  /** Reads every decision in force and applies those newer than what this replica knows; never rejects. */
  read(): Promise<void> {
    this.#reading ??= this.#deps.store
      .snapshot()
      .then(
        (changes) => {
          this.#lastRead = this.#deps.clock.now();
          for (const change of changes.sort((a, b) => a.at - b.at)) this.#apply(change);
        },
        () => undefined,
      )
      .finally(() => {
        this.#reading = undefined;
      });
    return this.#reading;
  }

  #apply(change: SharedTargetState): void {
    if (!this.#deps.catalog().target(change.targetId)) return;
    if ((this.#decidedAt.get(change.targetId) ?? Number.NEGATIVE_INFINITY) >= change.at) return;
    this.#decidedAt.set(change.targetId, change.at);
    const events = this.#deps.health.adopt(change.targetId, change.state, change.by);
    if (events.length > 0) this.#deps.onEvents(events);
  }
}
