import { ApiError, post } from './api.js';

/**
 * What every dialog on the page shares: finding its fields, sending a change with the CSRF header (api.js), and a
 * refusal shown in the dialog with the gateway's own message, which says what to do (name a replacement, abort the
 * rollout that runs, the store is down …). The operator's name is remembered per browser.
 *
 * @typedef {{ done(message: string): void, unauthorized(): void }} DialogHandlers
 */

const NAME_KEY = 'aliasgate.operator';

/** @type {DialogHandlers} */
let handlers = { done() {}, unauthorized() {} };

export function setHandlers(/** @type {DialogHandlers} */ on) {
  handlers = on;
}

export function getHandlers() {
  return handlers;
}

/** @param {string} id */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el;
}

export const field = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (byId(id));

export const dialogOf = (/** @type {string} */ id) => /** @type {HTMLDialogElement} */ (byId(id));

/**
 * @param {string} dialogId
 * @param {import('./api.js').ChangePath} path
 * @param {Record<string, unknown>} body
 * @param {string} doneMessage
 */
export async function send(dialogId, path, body, doneMessage) {
  const dialog = dialogOf(dialogId);
  const submit = /** @type {HTMLButtonElement} */ (dialog.querySelector('button[type=submit]'));
  submit.disabled = true;
  dialog.setAttribute('aria-busy', 'true');
  try {
    await post(path, body);
    dialog.close();
    handlers.done(doneMessage);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      dialog.close();
      return handlers.unauthorized();
    }
    showError(dialog, err instanceof Error ? err.message : String(err));
  } finally {
    submit.disabled = false;
    dialog.removeAttribute('aria-busy');
  }
}

/** @param {Element} dialog @param {string} message */
export function showError(dialog, message) {
  const box = /** @type {HTMLElement | null} */ (dialog.querySelector('.error'));
  if (!box) return;
  box.textContent = message;
  box.hidden = !message;
}

/** The name given last time, so that an operator types it once per browser. */
export function rememberedName() {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

/** @param {string} id */
export function operatorName(id) {
  const name = field(id).value.trim();
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // private mode: the name is simply asked for again next time
  }
  return name;
}
