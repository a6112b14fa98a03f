import { ApiError, getStatus } from './api.js';

/**
 * The live feed (GET /admin/events). EventSource reconnects by itself after a dropped connection; it gives
 * up for good on an HTTP error (a 401 after the session expired, a 5xx), so then the page asks
 * /admin/status why and either shows the token form or tries again later.
 *
 * @typedef {'connecting' | 'live' | 'reconnecting' | 'offline' | 'locked'} LinkState
 * @typedef {{
 *   status(s: import('./types.js').Status): void,
 *   timeline(e: import('./types.js').TimelineEntry): void,
 *   state(s: LinkState, detail?: string): void,
 * }} LiveHandlers
 */

const RETRY_MS = [2_000, 5_000, 10_000, 30_000];

export function connectLive(/** @type {LiveHandlers} */ on) {
  let failures = 0;
  const open = () => {
    on.state(failures ? 'reconnecting' : 'connecting');
    const source = new EventSource('/admin/events');
    source.addEventListener('open', () => {
      failures = 0;
      on.state('live');
    });
    source.addEventListener('status', (e) => on.status(JSON.parse(/** @type {MessageEvent} */ (e).data)));
    source.addEventListener('timeline', (e) => on.timeline(JSON.parse(/** @type {MessageEvent} */ (e).data)));
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CONNECTING) return on.state('reconnecting');
      source.close();
      failures++;
      diagnose(on, () => setTimeout(open, RETRY_MS[Math.min(failures, RETRY_MS.length) - 1]));
    });
  };
  open();
}

/** @param {LiveHandlers} on @param {() => void} retry */
async function diagnose(on, retry) {
  try {
    await getStatus();
    on.state('offline', 'the live feed failed; retrying');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return on.state('locked');
    on.state('offline', err instanceof Error ? err.message : String(err));
  }
  retry();
}
