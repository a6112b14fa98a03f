/**
 * Operator state that must survive a restart (docs/design.md §7): which targets an operator pulled out of rotation,
 * and one append-only log of who changed what, with the ejections and re-admissions the gateway decided itself.
 * SQLite keeps it for one machine (sqlite/); Redis for a fleet (redis/). Both pass one contract suite.
 *
 * Reads the request path needs come from memory (`state()`), never from I/O. Operator actions resolve only once
 * they are durable, and reject with StoreUnavailableError when they cannot be made so: an operator is never told
 * "done" for a change that would be forgotten. Everything the gateway logs on its own (`append`) is queued and
 * written in the background, retried while the store is away, and never blocks or fails a client request.
 */

/** A pulled target. `upstream` is `*` for a pull made before pulls named their upstream: every upstream's. */
export interface Pull {
  alias: string;
  upstream: string;
  model: string;
  /** Who pulled it (the admin token holder's stated name, the CLI user). */
  by: string;
  /** Epoch ms. */
  at: number;
  reason: string;
}

/** What every replica applies from the store, in memory. */
export interface OperatorState {
  pulls: readonly Pull[];
}

export type AuditAction = 'pull' | 'restore' | 'eject' | 'readmit';

/**
 * One line of the audit log. The gateway's own ejections and re-admissions have the deciding replica's name as actor
 * (server.instanceName, or hostname:pid); what a store does by itself (writing state back) has HEALTH_ACTOR.
 */
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

/** An entry to append; `at` defaults to now. */
export type AuditInput = Omit<AuditEntry, 'id' | 'at'> & { at?: number };

/** The actor recorded for what the gateway does by itself outside any replica's health decisions. */
export const HEALTH_ACTOR = 'aliasgate';

/** An operator's pull or restore of one target (alias/upstream/model). */
export interface PullRequest {
  alias: string;
  upstream: string;
  model: string;
  by: string;
  reason: string;
}

export interface AuditQuery {
  /** Most entries to return. Default 100, at most 10,000. */
  limit?: number;
  /** Only entries for this alias. */
  alias?: string;
  /** Only these actions. */
  actions?: readonly string[];
}

/** Whether the store can persist right now, for /healthz, the status page and a metric. */
export interface StoreStatus {
  ok: boolean;
  /** What is wrong, in words, while not ok. */
  detail?: string;
  /** Epoch ms the current trouble began. */
  since?: number;
  /** Background writes waiting for the store. */
  queued: number;
}

export interface OperatorStore {
  /** The state as last read or written; from memory. */
  state(): OperatorState;
  /** Changes when, and only when, state() does, so callers can cache what they derive from it. */
  readonly version: number;
  /** Calls `listener` after state() changed (a change another process made included, once noticed). */
  onChange(listener: () => void): () => void;
  /** Idempotent: pulling a pulled target changes nothing and writes no audit entry. */
  pull(request: PullRequest): Promise<{ changed: boolean }>;
  /** Idempotent, like pull(). A restore also lifts a matching `*` pull. */
  restore(request: PullRequest): Promise<{ changed: boolean }>;
  /** Appends to the audit log in the background; never throws, never waits. */
  append(entry: AuditInput): void;
  /** Writes what append() queued, if the store can take it now; never rejects (what cannot be written stays queued). */
  flush(): Promise<void>;
  /** Newest first. Rejects with StoreUnavailableError when the store cannot be read. */
  audit(query?: AuditQuery): Promise<AuditEntry[]>;
  status(): StoreStatus;
  /** Looks for changes made elsewhere and retries queued writes; cheap enough to call every second. */
  refresh(): void;
  /** Writes what is queued if it can, then closes. Idempotent. */
  close(): Promise<void>;
}

/** An operator action or a read that the store cannot carry out now. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly isStoreUnavailable = true;
}

export function isStoreUnavailable(e: unknown): e is StoreUnavailableError {
  return typeof e === 'object' && e !== null && (e as StoreUnavailableError).isStoreUnavailable === true;
}
