import type { LifecycleOverride } from '../catalog/catalog.js';
import type { Stage } from '../config/schema.js';
import type { Drain, Retirement } from '../rollout/drain.js';
import type { Rollout } from '../rollout/plan.js';

/**
 * Operator state that must survive a restart (docs/design.md §7): which targets an operator pulled out of rotation,
 * which aliases an operator moved to another lifecycle stage, one append-only log of who changed what (with the
 * ejections and re-admissions the gateway decided itself), and the incident history: every ejection episode.
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

/** An operator's lifecycle change of an alias, on top of what the config says (until cleared). */
export interface StageOverride extends LifecycleOverride {
  by: string;
  /** Epoch ms. */
  at: number;
  reason: string;
}

/** What every replica applies from the store, in memory. */
export interface OperatorState {
  pulls: readonly Pull[];
  stages: readonly StageOverride[];
  /** Every rollout still changing traffic, and each alias's latest one (a finished rollout keeps its share). */
  rollouts: readonly Rollout[];
  /** Drains under way, and each build's latest. */
  drains: readonly Drain[];
  /** Builds no alias may route to. */
  retired: readonly Retirement[];
}

export const EMPTY_STATE: OperatorState = { pulls: [], stages: [], rollouts: [], drains: [], retired: [] };

/** An audit line written in the same transaction as a lifecycle change. */
export interface AuditNote {
  actor: string;
  action: string;
  reason: string;
  model?: string;
}

/**
 * One ejection episode of a target: from the moment it left rotation to the moment it came back (null while it is
 * out), with what it cost and what the upstream said.
 */
export interface Incident {
  /** `${alias}/${upstream}/${model}@${startedAt}`: stable, unique. */
  id: string;
  alias: string;
  upstream: string;
  model: string;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number | null;
  /** Attempts to the target that failed during the episode (the ones that ejected it included). */
  requests: number;
  /** Of those, how many were retried on another target (what the episode cost in retries). */
  retries: number;
  /** Ejections in the episode (a failed health check ejects again, for longer). */
  ejections: number;
  /** The distinct upstream messages, most frequent first. */
  messages: { message: string; count: number }[];
  /** The replica that saw it (fleet mode). */
  by?: string;
  /** For a rollout that was stopped: what was compared, where, and the decisions that led there. */
  rollout?: {
    id: string;
    state: string;
    /** Shares of the alias's traffic, each in (0, 1]. */
    steps: number[];
    /** 0-based: the step it stopped in. */
    step: number;
    replace?: string;
    candidate: { requests: number; failures: number };
    baseline: { requests: number; failures: number };
    history: string[];
  };
}

export type AuditAction =
  | 'pull'
  | 'restore'
  | 'eject'
  | 'readmit'
  | 'stage'
  | 'reload'
  | 'rollout'
  | 'drain'
  | 'retire'
  | 'unretire';

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

/** An operator's stage change (stage undefined: back to what the config says). */
export interface StageRequest {
  alias: string;
  stage?: Stage;
  replacement?: string;
  shutdown?: string;
  by: string;
  reason: string;
}

export interface IncidentQuery {
  /** Most episodes to return, newest first. Default 100. */
  limit?: number;
  alias?: string;
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
  /**
   * Sets (or, with no stage, clears) an alias's lifecycle override; durable when it resolves, audited. Idempotent: the
   * same override again changes nothing.
   */
  setStage(request: StageRequest): Promise<{ changed: boolean }>;
  /**
   * Writes a rollout over the revision it was derived from (`rev - 1`; a new one has rev 1 and needs its alias to have
   * no active rollout). `changed: false` means someone else revised it first (another replica decided the step) and
   * nothing was written. Durable when it resolves; the audit note is written with it.
   */
  saveRollout(rollout: Rollout, note?: AuditNote): Promise<{ changed: boolean }>;
  /** Like saveRollout, for drains (a new one needs the build to have no drain under way on that alias). */
  saveDrain(drain: Drain, note?: AuditNote): Promise<{ changed: boolean }>;
  /** Rollouts of one alias or all, newest first: the history `rollout status` shows. */
  rollouts(query?: { alias?: string; limit?: number }): Promise<Rollout[]>;
  /** Records (or, with `retired: false`, lifts) a build's retirement; idempotent, audited. */
  setRetired(retirement: Retirement, retired: boolean): Promise<{ changed: boolean }>;
  /**
   * Takes or renews the lease `name` for `holder` for `ttlMs`: true while this holder has it. One replica at a time
   * drives rollouts and drains; another takes over once the holder stops renewing.
   */
  lease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Replaces this replica's running totals under `key` (a rollout step's counts), in the background. */
  reportCounts(key: string, replica: string, counts: unknown): void;
  /** Every replica's latest totals under `key`. */
  counts(key: string): Promise<unknown[]>;
  /** Records an incident episode (new or updated) in the background; never throws, never waits. */
  saveIncident(incident: Incident): void;
  /** Newest first. Rejects with StoreUnavailableError when the store cannot be read. */
  incidents(query?: IncidentQuery): Promise<Incident[]>;
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

/** `deprecated (replacement gemini-2.5-flash, shutdown 2026-12-31)`, for the audit log. */
export function describeStage(request: Pick<StageRequest, 'stage' | 'replacement' | 'shutdown'>): string {
  const extra = [
    request.replacement ? `replacement ${request.replacement}` : '',
    request.shutdown ? `shutdown ${request.shutdown}` : '',
  ].filter(Boolean);
  return `stage ${request.stage}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}
