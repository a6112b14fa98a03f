import { fallbackWords, targetName } from './describe.js';
import { h } from './dom.js';
import { percent, share } from './format.js';
import { byId, dialogOf, field, operatorName, rememberedName, send } from './forms.js';

/**
 * The forms behind Roll out…, Pause/Resume/Abort and Drain…: a new build brought into an alias step by step, a
 * rollout held, resumed or stopped, a build taken out of an alias gradually. Each says what it will do before it is
 * sent and asks why (the audit log keeps it); a refusal (a rollout already running, a step list that does not
 * climb …) stays in the form with the gateway's words.
 *
 * @typedef {import('./types.js').Alias} Alias
 * @typedef {import('./types.js').Target} Target
 * @typedef {'pause' | 'resume' | 'abort'} RolloutAction
 */

/** @type {{ alias: string } | undefined} */
let rolloutContext;
/** @type {{ action: RolloutAction, alias: string, build: string } | undefined} */
let changeContext;
/** @type {{ alias: string, upstream: string, model: string } | undefined} */
let drainContext;

export function setupLifecycleDialogs() {
  byId('rollout-form').addEventListener('submit', submitRollout);
  byId('change-form').addEventListener('submit', submitChange);
  byId('drain-form').addEventListener('submit', submitDrain);
}

/** @param {Alias} alias @param {string[]} upstreams every upstream the status names, the alias's first */
export function openRolloutDialog(alias, upstreams) {
  rolloutContext = { alias: alias.name };
  byId('rollout-title').textContent = `Roll out a build to ${alias.name}`;
  const upstream = /** @type {HTMLSelectElement} */ (byId('rollout-upstream'));
  upstream.replaceChildren(...upstreams.map((u) => h('option', { value: u }, u)));
  const replace = /** @type {HTMLSelectElement} */ (byId('rollout-replace'));
  replace.replaceChildren(
    h('option', { value: '' }, 'nothing: add it beside the others'),
    ...alias.targets.map((t) => h('option', { value: t.model }, t.model)),
  );
  for (const [id, value] of [
    ['rollout-model', ''],
    ['rollout-steps', '10,50,100'],
    ['rollout-interval', '5m'],
    ['rollout-max-failure', ''],
    ['rollout-min-requests', ''],
    ['rollout-reason', ''],
    ['rollout-by', rememberedName()],
  ])
    field(/** @type {string} */ (id)).value = /** @type {string} */ (value);
  dialogOf('rollout-dialog').showModal();
}

/** @param {RolloutAction} action @param {Alias} alias */
export function openChangeDialog(action, alias) {
  const r = alias.rollout;
  if (!r) return;
  const build = `${r.upstream}/${r.model}`;
  changeContext = { action, alias: alias.name, build };
  const verb = { pause: 'Pause', resume: 'Resume', abort: 'Abort' }[action];
  byId('change-title').textContent = `${verb} the rollout of ${build} to ${alias.name}`;
  byId('change-effect').textContent = {
    pause: `Holds ${r.model} at ${share(r.steps[r.step] ?? 0)} of ${alias.name}; no step is judged until it is resumed.`,
    resume: 'The current step runs a whole interval again before it is judged.',
    abort: `Takes ${r.model}'s share to 0 at once${r.added ? ' and takes it off the alias' : ' and pulls it'}. The rollout stops for good and is kept as an incident.`,
  }[action];
  byId('change-submit').textContent = verb;
  field('change-reason').value = '';
  field('change-by').value = rememberedName();
  dialogOf('change-dialog').showModal();
}

/** @param {Alias} alias @param {Target} target */
export function openDrainDialog(alias, target) {
  drainContext = { alias: alias.name, upstream: target.upstream, model: target.model };
  const name = targetName(target);
  byId('drain-title').textContent = `Drain ${name} from ${alias.name}`;
  byId('drain-effect').textContent =
    `Lowers its share of ${alias.name} (now ${percent(target.share)} of the traffic) to 0 over the time given, ` +
    'then pulls it, on every replica.';
  const last = target.state === 'in_rotation' && alias.targetsInRotation === 1;
  const warning = byId('drain-warning');
  warning.hidden = !last;
  warning.textContent = last
    ? `This is the last target of ${alias.name} in rotation: ${fallbackWords(alias)}.`
    : '';
  field('drain-over').value = '5m';
  field('drain-reason').value = '';
  field('drain-by').value = rememberedName();
  dialogOf('drain-dialog').showModal();
}

/** @param {SubmitEvent} event */
async function submitRollout(event) {
  event.preventDefault();
  const ctx = rolloutContext;
  if (!ctx) return;
  const model = field('rollout-model').value.trim();
  const upstream = field('rollout-upstream').value;
  /** @type {Record<string, unknown>} */
  const body = {
    alias: ctx.alias,
    model,
    upstream,
    steps: field('rollout-steps').value.trim(),
    interval: field('rollout-interval').value.trim(),
    reason: field('rollout-reason').value.trim(),
    by: operatorName('rollout-by'),
  };
  const replace = field('rollout-replace').value;
  const maxFailure = field('rollout-max-failure').value.trim();
  const minRequests = field('rollout-min-requests').value.trim();
  if (replace) body.replace = replace;
  // the form asks in percent, as the steps are given; the API takes a fraction
  if (maxFailure) body.maxFailureRate = Number(maxFailure) / 100;
  if (minRequests) body.minRequests = Number(minRequests);
  await send(
    'rollout-dialog',
    '/admin/rollouts',
    body,
    `Rollout of ${upstream}/${model} to ${ctx.alias} started.`,
  );
}

/** @param {SubmitEvent} event */
async function submitChange(event) {
  event.preventDefault();
  const ctx = changeContext;
  if (!ctx) return;
  const body = {
    alias: ctx.alias,
    reason: field('change-reason').value.trim(),
    by: operatorName('change-by'),
  };
  const done = { pause: 'paused', resume: 'resumed', abort: 'aborted' }[ctx.action];
  await send(
    'change-dialog',
    `/admin/rollouts/${ctx.action}`,
    body,
    `Rollout of ${ctx.build} to ${ctx.alias} ${done}.`,
  );
}

/** @param {SubmitEvent} event */
async function submitDrain(event) {
  event.preventDefault();
  const ctx = drainContext;
  if (!ctx) return;
  const body = {
    ...ctx,
    over: field('drain-over').value.trim(),
    reason: field('drain-reason').value.trim(),
    by: operatorName('drain-by'),
  };
  await send(
    'drain-dialog',
    '/admin/drain',
    body,
    `Draining ${ctx.upstream}/${ctx.model} from ${ctx.alias}.`,
  );
}
