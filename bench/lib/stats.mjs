/** Small order statistics over plain arrays of numbers. */

/** The value below which `p` percent of the sample lies (nearest rank); NaN for an empty sample. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** The median of the rounds; the figure every table reports (the issue: "medians of the interleaved rounds"). */
export function median(values) {
  const present = values.filter((v) => Number.isFinite(v));
  if (present.length === 0) return Number.NaN;
  const sorted = [...present].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `items` rotated left by `by` places: round r starts with a different target so no one always runs first. */
export function rotate(items, by) {
  const k = ((by % items.length) + items.length) % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
