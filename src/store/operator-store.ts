/**
 * Operator state that must survive a restart (DESIGN "State"): which targets an operator pulled out of
 * rotation, and one append-only log of who changed what, plus the incident history of automatic
 * ejections and re-admissions with the messages that caused them. SQLite implements it for one
 * process (sqlite/sqlite-operator-store.ts); a Redis one can follow for several replicas.
 *
 * A pull names an alias and a model, not an upstream: pulling `gemini-3.5-flash` /
 * `gemini-v4p1s-rev24-ajax-sentinel` takes that build out of the alias on every upstream serving it.
 */

/** A target an operator took out of rotation. */
export interface Pull {
  alias: string;
  model: string;
  /** Who pulled it (admin token holder's stated name, CLI user). */
  by: string;
  /** Epoch ms. */
  at: number;
  reason: string;
}

export type AuditAction = 'pull' | 'restore' | 'eject' | 'readmit';

/** One line of the audit log. Health events have actor `aliasgate` (HEALTH_ACTOR). */
export interface AuditEntry {
  /** Increases with every entry; a later entry has a larger id. */
  id: number;
  /** Epoch ms. */
  at: number;
  actor: string;
  action: AuditAction | (string & {});
  alias: string;
  model: string;
  reason: string;
  /** For `eject`: when the ejection ends, epoch ms. */
  until?: number;
}

/** The actor recorded for events the gateway itself decided (ejections, re-admissions). */
export const HEALTH_ACTOR = 'aliasgate';

export interface PullRequest {
  alias: string;
  model: string;
  by: string;
  reason: string;
}

export interface HealthEvent {
  action: 'eject' | 'readmit';
  alias: string;
  model: string;
  /** What caused it, e.g. the upstream's error message. */
  reason: string;
  /** For `eject`: when the ejection ends, epoch ms. */
  until?: number;
}

export interface AuditQuery {
  /** Most entries to return. Default 100. */
  limit?: number;
  /** Only entries for this alias. */
  alias?: string;
  /** Only these actions. */
  actions?: readonly string[];
}

export interface OperatorStore {
  /** Every pulled target, oldest pull first. Also refreshes the in-memory mirror isPulled() reads. */
  listPulls(): Pull[];
  /** Hot path: answered from an in-memory mirror, O(1), no I/O. */
  isPulled(alias: string, model: string): boolean;
  /** Changes when, and only when, the mirror behind isPulled() changes, so callers can cache what they derive from it. */
  readonly pullsVersion: number;
  /** Idempotent: pulling a pulled target changes nothing and writes no audit entry. */
  pull(request: PullRequest): { changed: boolean };
  /** Idempotent, like pull(). */
  restore(request: PullRequest): { changed: boolean };
  /** Newest first. */
  audit(query?: AuditQuery): AuditEntry[];
  /** Appends an ejection or re-admission to the incident history (the audit log, actor `aliasgate`). */
  recordHealthEvent(event: HealthEvent): void;
  /**
   * Re-reads pulls if another connection (another process on the same file) changed them since the
   * last read; returns whether it did. Cheap enough to call every second.
   */
  reload(): boolean;
  /** Idempotent. */
  close(): void;
}
