/**
 * How numbers and times read on the page. Pure, so the unit tests can pin the wording an operator sees.
 */

/** @param {number | null | undefined} rate 0..1 */
export function percent(rate) {
  if (rate === null || rate === undefined) return '—';
  if (rate >= 1) return '100%';
  if (rate <= 0) return '0%';
  // rounded down, so that a window with any failure never reads 100%
  return `${(Math.floor(rate * 1000) / 10).toFixed(1)}%`;
}

/** "3/120 failed (2.5%)": rounded up, so that a window with any failure never reads 0%. */
export function failed(/** @type {{ requests: number, failures: number }} */ arm) {
  if (!arm.requests) return 'no requests yet';
  const rate = arm.failures / arm.requests;
  const shown = arm.failures ? `${(Math.ceil(rate * 1000) / 10).toFixed(1)}%` : '0%';
  return `${arm.failures.toLocaleString()}/${arm.requests.toLocaleString()} failed (${shown})`;
}

/** A weight in force, which a rollout's share makes fractional: 11.1, not 11.111111111111112. */
export function weight(/** @type {number} */ w) {
  return String(Number(w.toPrecision(3)));
}

/** A share of traffic as a step reads: 0.1 → "10%", 0.125 → "12.5%". */
export function share(/** @type {number} */ s) {
  return `${Number((s * 100).toPrecision(3))}%`;
}

/** @param {number | null | undefined} ms */
export function millis(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** "410 ms / 1.35 s": p50 / p99. */
export function latency(/** @type {number | null} */ p50, /** @type {number | null} */ p99) {
  if (p50 === null && p99 === null) return '—';
  return `${millis(p50)} / ${millis(p99)}`;
}

/** @param {number} rps */
export function perSecond(rps) {
  if (rps === 0) return '0';
  if (rps < 0.1) return '<0.1';
  if (rps < 10) return rps.toFixed(1);
  return Math.round(rps).toLocaleString();
}

/** @param {number | null | undefined} n attempts per request */
export function attempts(n) {
  return n === null || n === undefined ? '—' : n.toFixed(2);
}

const TIME = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
const DAY = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** The viewer's local wall-clock time; the day too when it is not today. */
export function clockTime(/** @type {number} */ at, /** @type {number} */ now) {
  const sameDay = new Date(at).toDateString() === new Date(now).toDateString();
  return sameDay ? TIME.format(at) : `${DAY.format(at)} ${TIME.format(at)}`;
}

/** "12s ago", "in 4m", "just now". */
export function relative(/** @type {number} */ at, /** @type {number} */ now) {
  const diff = at - now;
  const s = Math.round(Math.abs(diff) / 1000);
  if (s < 3) return 'just now';
  const words = span(s);
  return diff < 0 ? `${words} ago` : `in ${words}`;
}

/** @param {number} s seconds */
function span(s) {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d`;
}

/** "14:03:20 (2m ago)" */
export function when(/** @type {number} */ at, /** @type {number} */ now) {
  return `${clockTime(at, now)} (${relative(at, now)})`;
}

/** @param {number} n */
export function ordinal(n) {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] || 'th';
  return `${n}${suffix}`;
}

/** Days until a YYYY-MM-DD date (UTC midnight), for "shutdown in 30 days". */
export function daysUntil(/** @type {string} */ isoDate, /** @type {number} */ now) {
  return Math.ceil((Date.parse(`${isoDate}T00:00:00Z`) - now) / 86_400_000);
}

/** @param {number | null | undefined} rate */
export function rateTone(rate) {
  if (rate === null || rate === undefined) return 'none';
  if (rate >= 0.99) return 'ok';
  return rate >= 0.9 ? 'warn' : 'bad';
}
