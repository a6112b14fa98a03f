/** Number formats shared by the table, the explanations and the report. */

/** 0.68 → `68.0%`. */
export function percent(rate: number, digits = 1): string {
  return `${(rate * 100).toFixed(digits)}%`;
}

/** A p-value the way papers print it: `p = 0.486`, `p = 0.00276`, `p = 9.9e-47`, `p < 1e-300`. */
export function pValue(p: number): string {
  if (p <= 0) return 'p < 1e-300'; // below double precision's range
  if (p >= 0.001)
    return `p = ${p
      .toPrecision(3)
      .replace(/(\.\d*?)0+$/, '$1')
      .replace(/\.$/, '')}`;
  return `p = ${p.toExponential(1)}`;
}

/** Milliseconds for a table cell: whole numbers from 10 ms up, one decimal below. */
export function milliseconds(ms: number): string {
  return ms >= 10 ? String(Math.round(ms)) : ms.toFixed(1);
}

export { redactKeyParams } from '../wire/redact.js';

/**
 * Masks a secret wherever it appears (an answer could echo it). Short values are left alone:
 * masking a 3-letter test key would mangle ordinary words, and real keys are ~39 characters.
 */
export function redactSecret(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < 8) return text;
  return text.split(secret).join('REDACTED');
}
