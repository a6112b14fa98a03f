import type { Clock } from '../clock.js';

/** What happened: the gateway's own health decisions and checks, and what operators did. */
export type TimelineKind =
  | 'ejected'
  | 'ejection_overflow'
  | 'checking'
  | 'health_check'
  | 'readmitted'
  | 'pull'
  | 'restore'
  | 'stage'
  | 'reload'
  | 'rollout'
  | 'drain'
  | 'retire'
  | 'store';

/** One entry of the timeline, each with the message that caused it (an ejection's carries the upstream's words). */
export interface TimelineEntry {
  id: number;
  /** Epoch ms. */
  at: number;
  kind: TimelineKind;
  alias?: string;
  upstream?: string;
  model?: string;
  /** `aliasgate` (or a replica's name) for the gateway's own decisions; the operator otherwise. */
  actor: string;
  reason: string;
  /** For `ejected`: when the ejection ends, epoch ms. */
  until?: number;
  /** For `health_check`: whether it passed. */
  ok?: boolean;
  /** Another replica decided it (`actor`) and this one applied it: that replica audits and counts it. */
  adopted?: boolean;
}

export type TimelineInput = Omit<TimelineEntry, 'id' | 'at'> & { at?: number };

/**
 * The recent history the on-call engineer reads first (the dashboard's timeline, logs, the audit log): kept in memory
 * up to `capacity` entries and handed to every subscriber as it happens.
 */
export class Timeline {
  readonly #clock: Clock;
  readonly #capacity: number;
  readonly #entries: TimelineEntry[] = [];
  readonly #subscribers = new Set<(entry: TimelineEntry) => void>();
  #lastId = 0;

  constructor(clock: Clock, capacity = 500) {
    this.#clock = clock;
    this.#capacity = capacity;
  }

  add(input: TimelineInput): TimelineEntry {
    const at = input.at ?? this.#clock.now();
    // ids grow across restarts too (a dashboard resumes from the last id it saw): time-based, then counting
    this.#lastId = Math.max(this.#lastId + 1, at * 1000);
    const entry: TimelineEntry = { ...input, id: this.#lastId, at };
    this.#entries.push(entry);
    if (this.#entries.length > this.#capacity) this.#entries.shift();
    for (const subscriber of this.#subscribers) subscriber(entry);
    return entry;
  }

  /** The last `n` entries, oldest first. */
  recent(n = this.#capacity): TimelineEntry[] {
    return this.#entries.slice(-n);
  }

  subscribe(subscriber: (entry: TimelineEntry) => void): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }
}
