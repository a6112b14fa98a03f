import { s } from './dom.js';
import { percent } from './format.js';

const W = 120;
const H = 28;
const PAD = 3;

/**
 * An inline SVG of a target's success rate per 10-second bucket, oldest left. A gap is a bucket with no
 * traffic (an ejected or pulled build), so "out" reads differently from "failing".
 *
 * @param {(number | null)[]} values 0..1 or null
 */
export function sparkline(values) {
  const step = values.length > 1 ? (W - 2 * PAD) / (values.length - 1) : 0;
  const x = (/** @type {number} */ i) => (PAD + i * step).toFixed(1);
  const y = (/** @type {number} */ v) => (PAD + (1 - v) * (H - 2 * PAD)).toFixed(1);
  const seen = /** @type {number[]} */ (values.filter((v) => v !== null));
  const tone = lineTone(seen);
  const marks = runs(values).map((run) =>
    run.length === 1 && run[0]
      ? s('circle', { cx: x(run[0].i), cy: y(run[0].v), r: 2, class: 'spark-dot' })
      : s('polyline', { points: run.map((p) => `${x(p.i)},${y(p.v)}`).join(' '), class: 'spark-line' }),
  );
  const label = summary(values, seen);
  return s(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      width: W,
      height: H,
      role: 'img',
      'aria-label': label,
      class: `spark tone-${tone}`,
    },
    s('title', {}, label),
    s('line', { x1: PAD, x2: W - PAD, y1: y(1), y2: y(1), class: 'spark-top' }),
    s('line', { x1: PAD, x2: W - PAD, y1: y(0), y2: y(0), class: 'spark-bottom' }),
    ...marks,
  );
}

/** @param {(number | null)[]} values */
function runs(values) {
  /** @type {{ i: number, v: number }[][]} */
  const out = [];
  /** @type {{ i: number, v: number }[]} */
  let run = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (run.length) out.push(run);
      run = [];
    } else run.push({ i, v });
  });
  if (run.length) out.push(run);
  return out;
}

/** @param {(number | null)[]} values @param {number[]} seen */
function summary(values, seen) {
  if (!seen.length) return 'Success rate, last 5 minutes: no traffic';
  const latest = values.at(-1) ?? null;
  const now = latest === null ? 'no traffic now' : `now ${percent(latest)}`;
  return `Success rate, last 5 minutes: lowest ${percent(Math.min(...seen))}, ${now}`;
}

/**
 * Coloured by the worst bucket, with wider bands than the figures use: at a few calls per bucket one
 * failure is noise on a sparkline (11 of 12 is 92%); a bucket below half is not.
 *
 * @param {number[]} seen
 */
function lineTone(seen) {
  if (!seen.length) return 'none';
  const worst = Math.min(...seen);
  if (worst >= 0.9) return 'ok';
  return worst >= 0.5 ? 'warn' : 'bad';
}
