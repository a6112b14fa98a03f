import * as z from 'zod';

/**
 * Scalar field builders shared by the config schema. `${NAME}` substitution (see env-substitution.ts)
 * always yields strings, so numeric and boolean fields also accept their plain string forms:
 * `port: ${PORT:-8080}` must work like `port: 8080`.
 */

const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function numericString(value: unknown): unknown {
  return typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value) : value;
}

function booleanString(value: unknown): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/** A number that may also arrive as a decimal string (from `${ENV}`). */
export function numberField<T extends z.ZodType<number>>(schema: T) {
  return z.preprocess(numericString, schema);
}

/** An integer >= `min`; accepts decimal strings. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return numberField(z.int().min(min).max(max));
}

/** A boolean that may also arrive as the string `true` or `false`. */
export function booleanField() {
  return z.preprocess(booleanString, z.boolean());
}

/**
 * A model or alias id as it appears in a Gemini path `models/{id}:{method}` (docs/wire.md §1): no `/`,
 * no `:`, no spaces, so it survives the path unescaped and is safe inside a target id
 * `${alias}/${upstream}/${model}` and in a `Warning` header.
 */
export const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const MODEL_ID_HINT =
  "expected a model id like gemini-2.5-flash (letters, digits, '.', '_', '-'; no 'models/')";

export function modelId() {
  return z.string().regex(MODEL_ID, MODEL_ID_HINT);
}

/** An upstream name: used inside target ids and metric labels, so the same narrow alphabet. */
export const UPSTREAM_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
export const UPSTREAM_NAME_HINT = "expected a name of letters, digits, '_' and '-'";

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isRealDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/**
 * A calendar date normalised to `YYYY-MM-DD`. YAML 1.1 loaders (and `!!timestamp`) turn
 * `2026-12-31` into a Date, the YAML 1.2 core schema keeps it a string: accept both.
 */
export function calendarDate() {
  return z.preprocess(
    (value) =>
      value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString().slice(0, 10) : value,
    z.string().refine(isRealDate, 'expected a date YYYY-MM-DD'),
  );
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** A lowercase hex SHA-256 digest (64 hex digits). */
export function sha256Digest() {
  return z
    .string()
    .regex(SHA256_HEX, 'expected 64 hex digits (sha256 of the secret)')
    .transform((hex) => hex.toLowerCase());
}

/** An HTTP header field name (RFC 9110 §5.1 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
