import type { Catalog } from '../catalog/catalog.js';
import { GatewayError } from '../errors.js';
import type { Drain } from '../rollout/drain.js';
import { isActive, type Rollout } from '../rollout/plan.js';
import type { OperatorState } from '../store/operator-store.js';
import { routedBy } from './overlays.js';

/** What an operator's command is checked against: the aliases in force, the config's own targets, the store. */
export interface CommandContext {
  catalog: Catalog;
  /** The targets the config file lists for an alias (not those a rollout added). */
  configured(alias: string): { upstream: string; model: string }[];
  upstreams: readonly string[];
  state: OperatorState;
  now: number;
}

export interface RolloutRequest {
  alias: string;
  model: string;
  upstream: string;
  replace?: string;
  /** Shares in (0, 1], ascending. */
  steps: number[];
  intervalMs: number;
  maxFailureRate?: number;
  minRequests?: number;
  alpha?: number;
  /** Roll out a retired build all the same (it is un-retired). */
  force?: boolean;
  by: string;
  reason: string;
}

/** Candidate requests a step needs before it can pass, unless the operator says otherwise. */
export const DEFAULT_MIN_REQUESTS = 100;
export const DEFAULT_ALPHA = 0.05;

/**
 * A new rollout, or the reason there cannot be one, in words an operator can act on. Pure: the admin API writes
 * what this returns (the store refuses a second active rollout on one alias, whoever races).
 */
export function newRollout(req: RolloutRequest, ctx: CommandContext): Rollout {
  const alias = ctx.catalog.get(req.alias);
  if (!alias) throw new GatewayError('NOT_FOUND', `No alias ${req.alias}.`);
  if (!ctx.upstreams.includes(req.upstream)) {
    throw new GatewayError(
      'INVALID_REQUEST',
      `No upstream ${req.upstream}; the config has ${ctx.upstreams.join(', ')}.`,
    );
  }
  const running = ctx.state.rollouts.find((r) => r.alias === req.alias && isActive(r));
  if (running) {
    throw new GatewayError(
      'CONFLICT',
      `${req.alias} already has a rollout (${running.id}, ${running.state}): abort it or wait for it to end.`,
    );
  }
  const retired = ctx.state.retired.find((r) => r.upstream === req.upstream && r.model === req.model);
  if (retired && !req.force) {
    throw new GatewayError(
      'CONFLICT',
      `${req.upstream}/${req.model} was retired by ${retired.by} (${retired.reason}); give --force to bring it back.`,
    );
  }
  const unsettled = ctx.state.rollouts.find(
    (r) =>
      r.alias === req.alias &&
      r.state === 'succeeded' &&
      r.added &&
      !ctx.configured(r.alias).some((t) => t.upstream === r.upstream && t.model === r.model),
  );
  if (unsettled) {
    throw new GatewayError(
      'CONFLICT',
      `${unsettled.upstream}/${unsettled.model} is on ${req.alias} only through rollout ${unsettled.id}: write it into ` +
        `aliases.${req.alias}.targets and reload before the next rollout, or it would leave the alias.`,
    );
  }
  if (req.replace !== undefined) {
    if (req.replace === req.model) throw new GatewayError('INVALID_REQUEST', 'a build cannot replace itself');
    if (!alias.targets.some((t) => t.model === req.replace)) {
      throw new GatewayError(
        'NOT_FOUND',
        `${req.alias} has no target ${req.replace} to replace; its targets are ${alias.targets.map((t) => t.model).join(', ')}.`,
      );
    }
    if (req.steps.at(-1) !== 1) {
      throw new GatewayError(
        'INVALID_REQUEST',
        '--replace needs a last step of 100: the old build goes once the new one carries the alias.',
      );
    }
  }
  checkSteps(req.steps);
  if (!(req.intervalMs >= 1000)) throw new GatewayError('INVALID_REQUEST', '--interval must be at least 1s.');
  const maxFailureRate = req.maxFailureRate;
  if (maxFailureRate !== undefined && !(maxFailureRate >= 0 && maxFailureRate < 1)) {
    throw new GatewayError('INVALID_REQUEST', '--max-failure-rate must be in [0, 1).');
  }
  const minRequests = req.minRequests ?? DEFAULT_MIN_REQUESTS;
  if (!Number.isInteger(minRequests) || minRequests < 1) {
    throw new GatewayError('INVALID_REQUEST', '--min-requests must be a whole number ≥ 1.');
  }
  const added = !alias.targets.some((t) => t.upstream === req.upstream && t.model === req.model);
  return {
    id: `${req.alias}@${ctx.now}`,
    alias: req.alias,
    upstream: req.upstream,
    model: req.model,
    ...(req.replace ? { replace: req.replace } : {}),
    steps: req.steps,
    intervalMs: req.intervalMs,
    minRequests,
    ...(maxFailureRate !== undefined ? { maxFailureRate } : {}),
    alpha: req.alpha ?? DEFAULT_ALPHA,
    state: 'running',
    step: 0,
    stepStartedAt: ctx.now,
    lookAt: ctx.now + req.intervalMs,
    added,
    startedAt: ctx.now,
    by: req.by,
    reason: req.reason,
    history: [],
    rev: 1,
  };
}

function checkSteps(steps: readonly number[]): void {
  if (steps.length === 0) throw new GatewayError('INVALID_REQUEST', '--steps needs at least one step.');
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (!(s > 0 && s <= 1) || (i > 0 && s <= steps[i - 1]!)) {
      throw new GatewayError(
        'INVALID_REQUEST',
        '--steps are percentages in (0, 100], each larger than the last.',
      );
    }
  }
}

export interface DrainRequest {
  alias: string;
  model: string;
  upstream?: string;
  overMs: number;
  by: string;
  reason: string;
}

/** A new drain of one target: from the share of the alias's traffic it has now, down to 0. */
export function newDrain(req: DrainRequest, ctx: CommandContext): Drain {
  const alias = ctx.catalog.get(req.alias);
  if (!alias) throw new GatewayError('NOT_FOUND', `No alias ${req.alias}.`);
  const matches = alias.targets.filter(
    (t) => t.model === req.model && (req.upstream === undefined || t.upstream === req.upstream),
  );
  if (matches.length === 0) {
    throw new GatewayError(
      'NOT_FOUND',
      `${req.alias} has no target ${req.model}; its targets are ${alias.targets.map((t) => t.model).join(', ')}.`,
    );
  }
  if (matches.length > 1) {
    throw new GatewayError(
      'INVALID_REQUEST',
      `${req.model} is on several upstreams of ${req.alias} (${matches.map((t) => t.upstream).join(', ')}): say which with --upstream.`,
    );
  }
  const target = matches[0]!;
  const busy = ctx.state.drains.find(
    (d) =>
      d.state === 'draining' &&
      d.alias === req.alias &&
      d.upstream === target.upstream &&
      d.model === target.model,
  );
  if (busy)
    throw new GatewayError('CONFLICT', `${req.alias} ${target.model} is already draining (${busy.id}).`);
  if (!(req.overMs >= 0)) throw new GatewayError('INVALID_REQUEST', '--over must be a duration such as 5m.');
  const total = alias.targets.reduce((sum, t) => sum + t.weight, 0);
  return {
    id: `${req.alias}/${target.upstream}/${target.model}@${ctx.now}`,
    alias: req.alias,
    upstream: target.upstream,
    model: target.model,
    from: total === 0 ? 0 : target.weight / total,
    startedAt: ctx.now,
    overMs: Math.max(req.overMs, 1),
    state: 'draining',
    by: req.by,
    reason: req.reason,
    rev: 1,
  };
}

/** Refuses to retire a build any alias still routes to, naming them. */
export function checkRetire(upstream: string, model: string, ctx: CommandContext): void {
  const aliases = routedBy(ctx.catalog, ctx.state.pulls, ctx.state, upstream, model);
  if (aliases.length > 0) {
    throw new GatewayError(
      'CONFLICT',
      `${upstream}/${model} is still routed to by ${aliases.join(', ')}: drain it (aliasgate drain ALIAS ${model}) or ` +
        'pull it from each first.',
    );
  }
}
