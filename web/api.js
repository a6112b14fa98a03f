/**
 * The admin API as the page uses it. The session cookie rides along by itself (HttpOnly: this code never sees
 * the token); every state change carries the CSRF header, which a form on another site cannot send.
 */

export class ApiError extends Error {
  /** @param {number} status HTTP status, 0 when the gateway did not answer @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** @param {string} path @param {RequestInit} [init] */
async function call(path, init = {}) {
  let res;
  try {
    res = await fetch(path, { ...init, credentials: 'same-origin', cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, `The gateway did not answer (${err instanceof Error ? err.message : err}).`);
  }
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (a proxy's error page): the status line has to do
  }
  if (!res.ok)
    throw new ApiError(res.status, body?.error?.message ?? `${res.status} ${res.statusText}`.trim());
  return body;
}

/** @returns {Promise<import('./types.js').Status>} */
export function getStatus() {
  return call('/admin/status');
}

/** @returns {Promise<{ entries: import('./types.js').AuditEntry[] }>} */
export function getAudit(/** @type {string} */ alias, limit = 50) {
  return call(`/admin/audit?limit=${limit}&alias=${encodeURIComponent(alias)}`);
}

/**
 * The state changes the page makes.
 * @typedef {'/admin/pull' | '/admin/restore' | '/admin/stage' | '/admin/rollouts' | '/admin/rollouts/pause'
 *   | '/admin/rollouts/resume' | '/admin/rollouts/abort' | '/admin/drain'} ChangePath
 */

/** @param {ChangePath} path @param {Record<string, unknown>} body */
export function post(path, body) {
  return call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-aliasgate-csrf': '1' },
    body: JSON.stringify(body),
  });
}
