import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { readBody } from '../api/body.js';
import { GatewayError } from '../errors.js';
import { type CommandContext, checkRetire, newDrain, newRollout } from '../lifecycle/commands.js';
import type { LifecycleDriver } from '../lifecycle/driver.js';
import { describeRollout, isActive, parseDuration, parseSteps, pct, type Rollout } from '../rollout/plan.js';
import type { OperatorStore } from '../store/operator-store.js';
import type { Timeline } from '../timeline/timeline.js';
import { parse, persisted, reason } from './input.js';

/** What the rollout, drain and retire routes need of the gateway. */
export interface LifecycleAdmin {
  driver: LifecycleDriver;
  /** The aliases, config and operator state in force now, for checking a command. */
  context(): CommandContext;
  store: OperatorStore;
  timeline: Timeline;
}

const by = z.string().min(1).max(200).optional();

/** Steps as `"10,50,100"` or `[10, 50, 100]` (percentages); durations as `"30s"` or milliseconds. */
const steps = z.union([z.string(), z.array(z.number())]).transform((v, ctx) => {
  try {
    return parseSteps(Array.isArray(v) ? v.join(',') : v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
const duration = (flag: string) =>
  z.union([z.string(), z.number().int().positive()]).transform((v, ctx) => {
    if (typeof v === 'number') return v;
    try {
      return parseDuration(v, flag);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

const Start = z.strictObject({
  alias: z.string().min(1),
  model: z.string().min(1),
  upstream: z.string().min(1),
  replace: z.string().min(1).optional(),
  steps,
  interval: duration('interval'),
  maxFailureRate: z.number().min(0).max(1).optional(),
  minRequests: z.number().int().min(1).optional(),
  force: z.boolean().optional(),
  reason,
  by,
});

const Change = z.strictObject({ alias: z.string().min(1), reason, by });

const DrainStart = z.strictObject({
  alias: z.string().min(1),
  model: z.string().min(1),
  upstream: z.string().min(1).optional(),
  over: duration('over'),
  reason,
  by,
});

const Retire = z.strictObject({
  upstream: z.string().min(1),
  model: z.string().min(1),
  reason,
  by,
});

/** `POST /admin/rollouts`: checks the plan, writes it; the driver takes it from there. */
export async function startRollout(admin: LifecycleAdmin, req: IncomingMessage): Promise<unknown> {
  const body = parse(Start, await readBody(req, 64 * 1024));
  const who = body.by ?? 'admin-api';
  const ctx = admin.context();
  const rollout = newRollout(
    {
      alias: body.alias,
      model: body.model,
      upstream: body.upstream,
      ...(body.replace ? { replace: body.replace } : {}),
      steps: body.steps,
      intervalMs: body.interval,
      ...(body.maxFailureRate !== undefined ? { maxFailureRate: body.maxFailureRate } : {}),
      ...(body.minRequests !== undefined ? { minRequests: body.minRequests } : {}),
      ...(body.force ? { force: true } : {}),
      by: who,
      reason: body.reason,
    },
    ctx,
  );
  if (body.force && ctx.state.retired.some((r) => r.upstream === body.upstream && r.model === body.model)) {
    await persisted(
      admin.store.setRetired(
        {
          upstream: body.upstream,
          model: body.model,
          by: who,
          reason: `rolled out again (--force): ${body.reason}`,
          at: ctx.now,
        },
        false,
      ),
    );
  }
  const plan = `${rollout.upstream}/${rollout.model} in steps ${rollout.steps.map(pct).join(', ')}, ${rollout.intervalMs / 1000}s each${rollout.replace ? `, replacing ${rollout.replace}` : ''}`;
  const { changed } = await persisted(
    admin.store.saveRollout(rollout, {
      actor: who,
      action: 'rollout',
      reason: `${rollout.id}: started, ${plan}; ${body.reason}`,
    }),
  );
  if (!changed) throw new GatewayError('CONFLICT', `${body.alias} already has a rollout running.`);
  admin.timeline.add({
    kind: 'rollout',
    alias: rollout.alias,
    upstream: rollout.upstream,
    model: rollout.model,
    actor: who,
    reason: `started: ${plan}; ${body.reason}`,
  });
  return view(admin, rollout);
}

/** `POST /admin/rollouts/{pause,resume,abort}`. */
export async function changeRollout(
  admin: LifecycleAdmin,
  req: IncomingMessage,
  action: 'pause' | 'resume' | 'abort',
): Promise<unknown> {
  const body = parse(Change, await readBody(req, 64 * 1024));
  const who = body.by ?? 'admin-api';
  const current = admin.store.state().rollouts.find((r) => r.alias === body.alias && isActive(r));
  if (!current) throw new GatewayError('NOT_FOUND', `${body.alias} has no rollout running.`);
  const now = admin.context().now;
  if (action === 'abort') {
    if (!(await admin.driver.abort(current, who, body.reason))) {
      throw new GatewayError(
        'CONFLICT',
        `The rollout ${current.id} changed meanwhile; look again (aliasgate rollout status).`,
      );
    }
    // the record as saved (why it stopped, when, its last history line), not a guess at it
    const saved = admin.store.state().rollouts.find((r) => r.id === current.id);
    return view(admin, saved ?? { ...current, state: 'aborted' });
  }
  const wanted = action === 'pause' ? 'running' : 'paused';
  if (current.state !== wanted) {
    throw new GatewayError(
      'CONFLICT',
      `The rollout ${current.id} is ${current.state}: it cannot be ${action}d.`,
    );
  }
  const next: Rollout =
    action === 'pause'
      ? { ...current, state: 'paused', rev: current.rev + 1 }
      : // a resumed step runs a whole interval again before it is judged
        {
          ...current,
          state: 'running',
          stepStartedAt: now,
          lookAt: now + current.intervalMs,
          rev: current.rev + 1,
        };
  const { changed } = await persisted(
    admin.store.saveRollout(next, {
      actor: who,
      action: 'rollout',
      reason: `${current.id}: ${action}d; ${body.reason}`,
    }),
  );
  if (!changed)
    throw new GatewayError('CONFLICT', `The rollout ${current.id} changed meanwhile; look again.`);
  admin.timeline.add({
    kind: 'rollout',
    alias: current.alias,
    upstream: current.upstream,
    model: current.model,
    actor: who,
    reason: `${action}d: ${body.reason}`,
  });
  return view(admin, next);
}

/** `GET /admin/rollouts[?alias=]`: newest first, with the running ones' counts. */
export async function listRollouts(admin: LifecycleAdmin, query: URLSearchParams): Promise<unknown> {
  const alias = query.get('alias') ?? undefined;
  const limit = Math.min(Number(query.get('limit') ?? 20) || 20, 1000);
  const rollouts = await persisted(admin.store.rollouts({ limit, ...(alias ? { alias } : {}) }));
  return { rollouts: rollouts.map((r) => view(admin, r)) };
}

/** A rollout as the API, the CLI and the dashboard show it. */
export function view(admin: Pick<LifecycleAdmin, 'driver'>, r: Rollout): unknown {
  const counts = admin.driver.counts(r);
  return {
    ...r,
    share: r.state === 'failed' || r.state === 'aborted' ? 0 : (r.steps[r.step] ?? 0),
    summary: describeRollout(r),
    counts,
  };
}

/** `POST /admin/drain`. */
export async function startDrain(admin: LifecycleAdmin, req: IncomingMessage): Promise<unknown> {
  const body = parse(DrainStart, await readBody(req, 64 * 1024));
  const who = body.by ?? 'admin-api';
  const drain = newDrain(
    {
      alias: body.alias,
      model: body.model,
      ...(body.upstream ? { upstream: body.upstream } : {}),
      overMs: body.over,
      by: who,
      reason: body.reason,
    },
    admin.context(),
  );
  const what = `from ${pct(drain.from)} to 0 over ${Math.round(drain.overMs / 1000)}s, then pulled`;
  const { changed } = await persisted(
    admin.store.saveDrain(drain, {
      actor: who,
      action: 'drain',
      reason: `${drain.id}: ${what}; ${body.reason}`,
    }),
  );
  if (!changed) throw new GatewayError('CONFLICT', `${body.alias} ${body.model} is already draining.`);
  admin.timeline.add({
    kind: 'drain',
    alias: drain.alias,
    upstream: drain.upstream,
    model: drain.model,
    actor: who,
    reason: `${what}; ${body.reason}`,
  });
  return drain;
}

/** `POST /admin/retire` and `/admin/unretire`. */
export async function retire(
  admin: LifecycleAdmin,
  req: IncomingMessage,
  retired: boolean,
): Promise<unknown> {
  const body = parse(Retire, await readBody(req, 64 * 1024));
  const who = body.by ?? 'admin-api';
  const ctx = admin.context();
  if (retired) checkRetire(body.upstream, body.model, ctx);
  const { changed } = await persisted(
    admin.store.setRetired(
      { upstream: body.upstream, model: body.model, by: who, at: ctx.now, reason: body.reason },
      retired,
    ),
  );
  if (changed) {
    admin.timeline.add({
      kind: 'retire',
      upstream: body.upstream,
      model: body.model,
      actor: who,
      reason: `${retired ? 'retired' : 'un-retired'}: ${body.reason}`,
    });
  }
  return { upstream: body.upstream, model: body.model, retired, changed };
}
