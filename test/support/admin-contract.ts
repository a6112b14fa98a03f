import { z } from 'zod';

/**
 * The admin API the dashboard reads (docs/admin-api.md), as schemas: the fake admin server is typed by them,
 * and a test can hold the real gateway's answers against them. Extra fields are allowed (the page ignores
 * them), missing or mistyped ones are not. Times are epoch milliseconds.
 */

const epochMs = z.number().int().nonnegative();
const rate = z.number().min(0).max(1);

/** What happened over one window (1 or 5 minutes). */
export const Window = z.object({
  requests: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  /** null when there were no requests. */
  successRate: rate.nullable(),
  p50Ms: z.number().nonnegative().nullable(),
  p99Ms: z.number().nonnegative().nullable(),
  rps: z.number().nonnegative(),
  /** Alias windows only: upstream attempts per client request. */
  attemptsPerRequest: z.number().nonnegative().nullable().optional(),
});
export type Window = z.infer<typeof Window>;

export const TARGET_STATES = ['in_rotation', 'cooling', 'ejected', 'checking', 'pulled'] as const;
export type TargetState = (typeof TARGET_STATES)[number];

/** The 10-second buckets of a sparkline: 5 minutes of them. */
export const SPARKLINE_BUCKETS = 30;

export const Target = z.object({
  id: z.string().min(1),
  upstream: z.string().min(1),
  model: z.string().min(1),
  /** The weight in force: the configured one, or what a rollout's or a drain's share makes it (0: standby). */
  weight: z.number().nonnegative(),
  share: rate,
  inFlight: z.number().int().nonnegative(),
  state: z.enum(TARGET_STATES),
  since: epochMs.optional(),
  until: epochMs.optional(),
  ejections: z.number().int().positive().optional(),
  reason: z.string().optional(),
  by: z.string().optional(),
  at: epochMs.optional(),
  m1: Window,
  m5: Window,
  sparkline: z.array(rate.nullable()).length(SPARKLINE_BUCKETS),
});
export type Target = z.infer<typeof Target>;

export const STAGES = ['ga', 'preview', 'experimental', 'deprecated'] as const;
export type Stage = (typeof STAGES)[number];

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** What one arm of a rollout step answered: attempts, and those that count against the build. */
const ArmCounts = z.object({
  requests: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
});

export const ROLLOUT_STATES = ['running', 'paused', 'draining', 'succeeded', 'failed', 'aborted'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

/** A build rollout as the API shows it: the persisted plan and where it stands, with its share and counts. */
export const Rollout = z
  .object({
    id: z.string().min(1),
    alias: z.string().min(1),
    upstream: z.string().min(1),
    model: z.string().min(1),
    replace: z.string().min(1).optional(),
    /** Shares of the alias's traffic, ascending, each in (0, 1]. */
    steps: z.array(z.number().gt(0).max(1)).min(1),
    intervalMs: z.number().int().positive(),
    minRequests: z.number().int().positive(),
    maxFailureRate: rate.optional(),
    alpha: z.number().gt(0).lt(1),
    state: z.enum(ROLLOUT_STATES),
    /** 0-based index into steps. */
    step: z.number().int().nonnegative(),
    /** The new build's share of the alias's traffic now: 0 once failed or aborted. */
    share: rate,
    stepStartedAt: epochMs,
    /** When the step is judged next. */
    lookAt: epochMs,
    /** The rollout added the build to the alias (the config does not list it). */
    added: z.boolean(),
    startedAt: epochMs,
    endedAt: epochMs.optional(),
    by: z.string(),
    reason: z.string(),
    /** One line per decision, oldest first, with the numbers behind it. */
    history: z.array(z.string()),
    /** Why a failed or aborted rollout stopped. */
    stopped: z.string().optional(),
    /** One line: where it stands. */
    summary: z.string().min(1),
    /** This step's counts: the new build (candidate) and the alias's other targets (baseline). */
    counts: z.object({ candidate: ArmCounts, baseline: ArmCounts }),
  })
  .refine((r) => r.step < r.steps.length, { message: 'step is past the last step', path: ['step'] });
export type Rollout = z.infer<typeof Rollout>;

/** A build leaving an alias gradually: its share falls from `from` to 0 over `overMs`, then it is pulled. */
export const Drain = z.object({
  id: z.string().min(1),
  alias: z.string().min(1),
  upstream: z.string().min(1),
  model: z.string().min(1),
  from: rate,
  startedAt: epochMs,
  overMs: z.number().int().positive(),
  state: z.enum(['draining', 'drained', 'cancelled']),
  endedAt: epochMs.optional(),
  by: z.string(),
  reason: z.string(),
});
export type Drain = z.infer<typeof Drain>;

export const Alias = z.object({
  name: z.string().min(1),
  stage: z.enum(STAGES).optional(),
  replacement: z.string().optional(),
  shutdown: isoDate.optional(),
  stageSource: z.enum(['config', 'operator']),
  fallback: z.array(z.string()),
  status: z.enum(['healthy', 'degraded', 'unavailable']),
  targetsInRotation: z.number().int().nonnegative(),
  /** The alias's latest rollout (the one under way, else the last one); absent when it never had one. */
  rollout: Rollout.optional(),
  /** Its drains under way; absent when none. */
  drains: z.array(Drain).optional(),
  traffic: z.object({ m1: Window, m5: Window }),
  targets: z.array(Target),
});
export type Alias = z.infer<typeof Alias>;

const StoreHealth = z.object({ ok: z.boolean(), detail: z.string().optional() });
export type StoreHealth = z.infer<typeof StoreHealth>;

export const Status = z.object({
  now: epochMs,
  replica: z.string().min(1),
  fleet: z.object({ mode: z.enum(['local', 'redis']), replicas: z.array(z.string()) }),
  store: z.object({ operator: StoreHealth, health: StoreHealth }),
  aliases: z.array(Alias),
});
export type Status = z.infer<typeof Status>;

export const TIMELINE_KINDS = [
  'ejected',
  'ejection_overflow',
  'readmitted',
  'checking',
  'health_check',
  'pull',
  'restore',
  'stage',
  'reload',
  'store',
  'rollout',
  'drain',
  'retire',
] as const;

export const TimelineEntry = z.object({
  id: z.number().int().nonnegative(),
  at: epochMs,
  kind: z.enum(TIMELINE_KINDS),
  alias: z.string().optional(),
  upstream: z.string().optional(),
  model: z.string().optional(),
  actor: z.string(),
  reason: z.string(),
  until: epochMs.optional(),
  ok: z.boolean().optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const AuditEntry = z.object({
  id: z.number().int().nonnegative(),
  at: epochMs,
  actor: z.string(),
  action: z.string(),
  alias: z.string(),
  model: z.string(),
  reason: z.string(),
  until: epochMs.optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const Audit = z.object({ entries: z.array(AuditEntry) });

export const TargetAction = z.object({
  alias: z.string().min(1),
  model: z.string().min(1),
  reason: z.string().trim().min(1, 'a reason is required').max(2000),
  by: z.string().trim().min(1).max(200).optional(),
});
export type TargetAction = z.infer<typeof TargetAction>;

export const TargetActionResult = z.object({
  action: z.enum(['pull', 'restore']),
  alias: z.string(),
  model: z.string(),
  changed: z.boolean(),
});

export const StageChange = z.object({
  alias: z.string().min(1),
  stage: z.enum(STAGES),
  replacement: z.string().min(1).optional(),
  shutdown: isoDate.optional(),
  reason: z.string().trim().min(1, 'a reason is required').max(2000),
});
export type StageChange = z.infer<typeof StageChange>;

/** `stage` is null after a reset: the config's stage applies again. */
export const StageChangeResult = z.object({
  alias: z.string(),
  stage: z.enum(STAGES).nullable(),
  changed: z.boolean(),
});

export const ErrorEnvelope = z.object({
  error: z.object({ code: z.number().int(), message: z.string().min(1), status: z.string().min(1) }),
});

const reason = z.string().trim().min(1, 'a reason is required').max(2000);
const by = z.string().trim().min(1).max(200).optional();

/** `POST /admin/rollouts`. Steps in percent, as text or numbers; durations as text (`30s`) or milliseconds. */
export const RolloutStart = z.object({
  alias: z.string().min(1),
  model: z.string().min(1),
  upstream: z.string().min(1),
  replace: z.string().min(1).optional(),
  steps: z.union([z.string().min(1), z.array(z.number()).min(1)]),
  interval: z.union([z.string().min(1), z.number().int().positive()]),
  maxFailureRate: z.number().min(0).max(1).optional(),
  minRequests: z.number().int().min(1).optional(),
  force: z.boolean().optional(),
  reason,
  by,
});
export type RolloutStart = z.infer<typeof RolloutStart>;

/** `POST /admin/rollouts/pause`, `/resume`, `/abort`. */
export const RolloutChange = z.object({ alias: z.string().min(1), reason, by });
export type RolloutChange = z.infer<typeof RolloutChange>;

export const RolloutList = z.object({ rollouts: z.array(Rollout) });

/** `POST /admin/drain`. */
export const DrainStart = z.object({
  alias: z.string().min(1),
  model: z.string().min(1),
  upstream: z.string().min(1).optional(),
  over: z.union([z.string().min(1), z.number().int().positive()]),
  reason,
  by,
});
export type DrainStart = z.infer<typeof DrainStart>;

/** `POST /admin/retire` and `/admin/unretire`. */
export const RetireChange = z.object({
  upstream: z.string().min(1),
  model: z.string().min(1),
  reason,
  by,
});
export type RetireChange = z.infer<typeof RetireChange>;

export const Retirement = z.object({
  upstream: z.string().min(1),
  model: z.string().min(1),
  by: z.string(),
  at: epochMs,
  reason: z.string(),
});
export type Retirement = z.infer<typeof Retirement>;

export const RetiredList = z.object({ retired: z.array(Retirement) });

export const RetireResult = z.object({
  upstream: z.string(),
  model: z.string(),
  retired: z.boolean(),
  changed: z.boolean(),
});
