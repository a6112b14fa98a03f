import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseDuration, parseSteps, pct, type Rollout, type StepCounts } from '../rollout/plan.js';
import type { CommandContext } from './io.js';
import { type AdminOptions, adminCall, safeUser, withAdmin } from './operator.js';

/** A rollout as the admin API answers it (admin/lifecycle-routes.ts view). */
type RolloutView = Rollout & { share: number; summary: string; counts: StepCounts };

/**
 * `aliasgate rollout start|status|pause|resume|abort`, `aliasgate drain`, `aliasgate retire`: a build's lifecycle,
 * through the running gateway's admin API (the replica holding the lease decides the steps).
 */
export function lifecycleCommands(ctx: CommandContext): Command[] {
  const rollout = new Command('rollout').description(
    'move an alias to a new build step by step, comparing it with the alias’s other targets; abort on evidence',
  );
  rollout.addCommand(
    withAdmin(
      new Command('start').description('add a build to an alias and give it a growing share of its traffic'),
    )
      .argument('<alias>', 'the alias')
      .argument('<model>', 'the new build (the model to call on the upstream)')
      .requiredOption('--upstream <name>', 'the upstream that serves the new build')
      .option('--replace <model>', 'the build it replaces: drained and pulled once the new one carries 100%')
      .option('--steps <list>', 'shares of the alias’s traffic, percent', '10,50,100')
      .requiredOption('--interval <duration>', 'how long each step runs before it is judged, e.g. 30s, 5m')
      .option('--max-failure-rate <rate>', 'abort when the new build fails more often than this (0..1)')
      .option('--min-requests <n>', 'requests to the new build a step needs before it can pass', '100')
      .option('--force', 'roll out a retired build all the same (it is un-retired)')
      .requiredOption('--reason <text>', 'why (kept in the audit log; required)')
      .option('--by <name>', 'who (kept in the audit log)', safeUser())
      .action(async (alias: string, model: string, opts: StartOptions) => {
        const body = {
          alias,
          model,
          upstream: opts.upstream,
          ...(opts.replace ? { replace: opts.replace } : {}),
          steps: usage(() => parseSteps(opts.steps)).map((s) => Math.round(s * 1000) / 10),
          interval: usage(() => parseDuration(opts.interval, '--interval')),
          ...(opts.maxFailureRate !== undefined ? { maxFailureRate: rate(opts.maxFailureRate) } : {}),
          minRequests: whole(opts.minRequests, '--min-requests'),
          ...(opts.force ? { force: true } : {}),
          reason: opts.reason,
          by: opts.by,
        };
        const started = (await adminCall(ctx, opts, 'POST', '/admin/rollouts', body)) as RolloutView;
        ctx.io.stdout.write(
          opts.json ? `${JSON.stringify(started, null, 2)}\n` : `rollout ${started.id}: ${started.summary}\n`,
        );
        ctx.exit(0);
      }),
  );
  rollout.addCommand(
    withAdmin(new Command('status').description('each rollout: step, shares, counts, comparison and verdict'))
      .argument('[alias]', 'only this alias')
      .option('--limit <n>', 'rollouts, newest first', '10')
      .action(async (alias: string | undefined, opts: AdminOptions & { limit: string }) => {
        const query = new URLSearchParams({ limit: opts.limit, ...(alias ? { alias } : {}) });
        const body = (await adminCall(ctx, opts, 'GET', `/admin/rollouts?${query}`)) as {
          rollouts: RolloutView[];
        };
        ctx.io.stdout.write(
          opts.json
            ? `${JSON.stringify(body.rollouts, null, 2)}\n`
            : body.rollouts.map(render).join('\n') || 'no rollouts\n',
        );
        ctx.exit(0);
      }),
  );
  for (const action of ['pause', 'resume', 'abort'] as const) {
    rollout.addCommand(
      withAdmin(new Command(action).description(`${action} the alias’s running rollout`))
        .argument('<alias>', 'the alias')
        .requiredOption('--reason <text>', 'why (kept in the audit log; required)')
        .option('--by <name>', 'who (kept in the audit log)', safeUser())
        .action(async (alias: string, opts: AdminOptions & { reason: string; by: string }) => {
          const body = (await adminCall(ctx, opts, 'POST', `/admin/rollouts/${action}`, {
            alias,
            reason: opts.reason,
            by: opts.by,
          })) as RolloutView;
          ctx.io.stdout.write(
            opts.json ? `${JSON.stringify(body)}\n` : `rollout ${body.id}: ${body.state}\n`,
          );
          ctx.exit(0);
        }),
    );
  }

  const drain = withAdmin(
    new Command('drain').description('move a build’s share of an alias to 0 gradually, then pull it'),
  )
    .argument('<alias>', 'the alias')
    .argument('<model>', 'the build')
    .option('--upstream <name>', 'when the build is on several upstreams of the alias')
    .option('--over <duration>', 'how long the share takes to reach 0, e.g. 5m', '5m')
    .requiredOption('--reason <text>', 'why (kept in the audit log; required)')
    .option('--by <name>', 'who (kept in the audit log)', safeUser())
    .action(async (alias: string, model: string, opts: DrainOptions) => {
      const body = (await adminCall(ctx, opts, 'POST', '/admin/drain', {
        alias,
        model,
        ...(opts.upstream ? { upstream: opts.upstream } : {}),
        over: usage(() => parseDuration(opts.over, '--over')),
        reason: opts.reason,
        by: opts.by,
      })) as { id: string; from: number; overMs: number };
      ctx.io.stdout.write(
        opts.json
          ? `${JSON.stringify(body)}\n`
          : `drain ${body.id}: from ${pct(body.from)} to 0 over ${Math.round(body.overMs / 1000)}s, then pulled\n`,
      );
      ctx.exit(0);
    });

  const retire = withAdmin(
    new Command('retire').description(
      'record a build as retired: refused while any alias routes to it; afterwards nothing adds it back without --force',
    ),
  )
    .argument('<model>', 'the build')
    .requiredOption('--upstream <name>', 'the upstream it was served on')
    .option('--undo', 'lift the retirement')
    .requiredOption('--reason <text>', 'why (kept in the audit log; required)')
    .option('--by <name>', 'who (kept in the audit log)', safeUser())
    .action(
      async (
        model: string,
        opts: AdminOptions & { upstream: string; undo?: boolean; reason: string; by: string },
      ) => {
        const body = (await adminCall(ctx, opts, 'POST', opts.undo ? '/admin/unretire' : '/admin/retire', {
          upstream: opts.upstream,
          model,
          reason: opts.reason,
          by: opts.by,
        })) as { changed: boolean };
        const what = opts.undo ? 'un-retired' : 'retired';
        ctx.io.stdout.write(
          opts.json
            ? `${JSON.stringify(body)}\n`
            : `${opts.upstream}/${model}: ${body.changed ? what : `already ${what}`}\n`,
        );
        ctx.exit(0);
      },
    );

  return [rollout, drain, retire];
}

interface StartOptions extends AdminOptions {
  upstream: string;
  replace?: string;
  steps: string;
  interval: string;
  maxFailureRate?: string;
  minRequests: string;
  force?: boolean;
  reason: string;
  by: string;
}

interface DrainOptions extends AdminOptions {
  upstream?: string;
  over: string;
  reason: string;
  by: string;
}

function render(r: RolloutView): string {
  const arm = (a: { requests: number; failures: number }) =>
    `${a.failures}/${a.requests} failed${a.requests > 0 ? ` (${pct(a.failures / a.requests)})` : ''}`;
  const lines = [
    `${r.id}  ${r.upstream}/${r.model}${r.replace ? ` replacing ${r.replace}` : ''}`,
    `  ${r.summary}`,
    `  steps ${r.steps.map((s, i) => (i === r.step ? `[${pct(s)}]` : pct(s))).join(' → ')}; new build's share now ${pct(r.share)}`,
    `  this step: new build ${arm(r.counts.candidate)}; the alias's other targets ${arm(r.counts.baseline)}`,
    ...r.history.slice(-3).map((h) => `  · ${h}`),
  ];
  return `${lines.join('\n')}\n`;
}

function rate(text: string): number {
  const n = Number(text);
  if (!(n >= 0 && n < 1)) throw new UsageError(`--max-failure-rate must be in [0, 1), got ${text}`);
  return n;
}

function whole(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number ≥ 1, got ${text}`);
  return n;
}

/** A flag that does not parse is a usage error (exit 2), said in the parser's words. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
