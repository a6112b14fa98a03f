/**
 * Plain-text tables for stdout (and for pasting into RESULTS.md as Markdown): `render` pads columns,
 * `markdown` emits a pipe table. Cells are preformatted strings; numbers go through `fmt`.
 */

/** A number with `digits` decimals, '—' when missing; thousands separated for readability. */
export function fmt(value, digits = 0) {
  if (value === undefined || value === null || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `a / b` as `0.00×`. */
export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${fmt(a / b, 2)}×` : '—';
}

/** Signed difference, e.g. `+0.12`. */
export function delta(value, digits = 3) {
  if (!Number.isFinite(value)) return '—';
  return `${value >= 0 ? '+' : ''}${fmt(value, digits)}`;
}

/**
 * @param {string} title
 * @param {string[]} header
 * @param {string[][]} rows
 */
export function render(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [`\n${title}`, line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join(
    '\n',
  );
}

export function markdown(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}
