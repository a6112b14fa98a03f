import { ApiError, getAudit } from './api.js';
import { serverNow } from './clock.js';
import { fallbackWords, targetName } from './describe.js';
import { h } from './dom.js';
import { when } from './format.js';
import {
  byId,
  field,
  getHandlers,
  operatorName,
  rememberedName,
  send,
  setHandlers,
  showError,
} from './forms.js';
import { setupLifecycleDialogs } from './lifecycle-dialogs.js';

/**
 * The forms behind Pull, Restore, Stage and History (rollouts and drains: lifecycle-dialogs.js): native <dialog>s
 * (modal, focus kept inside, Escape closes, focus returns to the button that opened them). A refused change keeps
 * the dialog open with the gateway's own message (forms.js).
 *
 * @typedef {import('./types.js').Alias} Alias
 * @typedef {import('./types.js').Target} Target
 * @typedef {import('./forms.js').DialogHandlers} DialogHandlers
 */

/** @type {{ action: 'pull' | 'restore', alias: string, model: string } | undefined} */
let targetContext;
/** @type {string | undefined} */
let stageAlias;

export function setupDialogs(/** @type {DialogHandlers} */ on) {
  setHandlers(on);
  for (const dialog of document.querySelectorAll('dialog')) {
    dialog.addEventListener('close', () => showError(dialog, ''));
    for (const button of dialog.querySelectorAll('[data-close]'))
      button.addEventListener('click', () => /** @type {HTMLDialogElement} */ (dialog).close());
  }
  byId('target-form').addEventListener('submit', submitTarget);
  byId('stage-form').addEventListener('submit', submitStage);
  field('stage-stage').addEventListener('change', requireReplacementIfDeprecated);
  setupLifecycleDialogs();
}

/** @param {'pull' | 'restore'} action @param {Alias} alias @param {Target} target */
export function openTargetDialog(action, alias, target) {
  targetContext = { action, alias: alias.name, model: target.model };
  const name = targetName(target);
  const pull = action === 'pull';
  byId('target-title').textContent = pull
    ? `Pull ${name} from ${alias.name}`
    : `Restore ${name} to ${alias.name}`;
  byId('target-effect').textContent = pull
    ? 'Takes this build out of the alias on every replica now. It stays out, across restarts, until someone restores it.'
    : 'Puts this build back into the alias. Health checks still apply: a failing build is ejected again.';
  const last = pull && target.state === 'in_rotation' && alias.targetsInRotation === 1;
  const warning = byId('target-warning');
  warning.hidden = !last;
  warning.textContent = last
    ? `This is the last target of ${alias.name} in rotation: ${fallbackWords(alias)}.`
    : '';
  byId('target-submit').textContent = pull ? 'Pull' : 'Restore';
  field('target-reason').value = '';
  field('target-by').value = rememberedName();
  /** @type {HTMLDialogElement} */ (byId('target-dialog')).showModal();
}

/** @param {Alias} alias @param {string[]} aliasNames */
export function openStageDialog(alias, aliasNames) {
  stageAlias = alias.name;
  byId('stage-title').textContent = `Stage of ${alias.name}`;
  const source = alias.stageSource === 'operator' ? 'set by an operator' : 'from the configuration';
  byId('stage-now').textContent = `Now: ${alias.stage ?? 'no stage'} (${source}).`;
  field('stage-stage').value = alias.stage ?? 'ga';
  field('stage-replacement').value = alias.replacement ?? '';
  field('stage-shutdown').value = alias.shutdown ?? '';
  field('stage-reason').value = '';
  field('stage-by').value = rememberedName();
  const options = aliasNames.filter((n) => n !== alias.name).map((n) => h('option', { value: n }));
  byId('alias-names').replaceChildren(...options);
  requireReplacementIfDeprecated();
  /** @type {HTMLDialogElement} */ (byId('stage-dialog')).showModal();
}

export async function openHistory(/** @type {string} */ alias) {
  const dialog = /** @type {HTMLDialogElement} */ (byId('history-dialog'));
  byId('history-title').textContent = `History of ${alias}`;
  const body = byId('history-body');
  body.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  dialog.showModal();
  try {
    const { entries } = await getAudit(alias);
    body.replaceChildren(
      entries.length ? historyTable(entries) : h('p', {}, 'Nothing recorded for this alias yet.'),
    );
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return getHandlers().unauthorized();
    body.replaceChildren(
      h('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err)),
    );
  }
}

/** @param {import('./types.js').AuditEntry[]} entries */
function historyTable(entries) {
  const now = serverNow();
  return h(
    'table',
    { class: 'history' },
    h(
      'thead',
      {},
      h('tr', {}, ...['When', 'What', 'Build', 'Who', 'Why'].map((t) => h('th', { scope: 'col' }, t))),
    ),
    h(
      'tbody',
      {},
      ...entries.map((e) =>
        h(
          'tr',
          {},
          h('td', {}, when(e.at, now)),
          h('td', {}, e.action),
          h('td', {}, e.model || '—'),
          h('td', {}, e.actor),
          h('td', { class: 'msg' }, e.reason),
        ),
      ),
    ),
  );
}

/** @param {SubmitEvent} event */
async function submitTarget(event) {
  event.preventDefault();
  const ctx = targetContext;
  if (!ctx) return;
  const body = {
    alias: ctx.alias,
    model: ctx.model,
    reason: field('target-reason').value.trim(),
    by: operatorName('target-by'),
  };
  const verb = ctx.action === 'pull' ? 'Pulled' : 'Restored';
  await send('target-dialog', `/admin/${ctx.action}`, body, `${verb} ${ctx.model} (${ctx.alias}).`);
}

/** @param {SubmitEvent} event */
async function submitStage(event) {
  event.preventDefault();
  if (!stageAlias) return;
  /** @type {Record<string, string>} */
  const body = {
    alias: stageAlias,
    stage: field('stage-stage').value,
    reason: field('stage-reason').value.trim(),
    by: operatorName('stage-by'),
  };
  const replacement = field('stage-replacement').value.trim();
  const shutdown = field('stage-shutdown').value;
  if (replacement) body.replacement = replacement;
  if (shutdown) body.shutdown = shutdown;
  await send('stage-dialog', '/admin/stage', body, `${stageAlias} is now ${body.stage}.`);
}

function requireReplacementIfDeprecated() {
  field('stage-replacement').required = field('stage-stage').value === 'deprecated';
}
