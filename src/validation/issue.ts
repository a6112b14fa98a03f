import type * as z from 'zod';
import { allowedKeys } from './schema-keys.js';

/**
 * One problem found in a config or a simulator scenario, located by its field path. `atKey` says the path's last step names
 * a mapping key (an unknown or badly named key) rather than a value, so the line reported is the
 * key's own line.
 */
export interface ConfigIssue {
  path: readonly PropertyKey[];
  message: string;
  atKey?: boolean;
}

/** `['aliases','gemini-3.5-flash','targets',1,'weight']` → `aliases.gemini-3.5-flash.targets[1].weight`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`;
    else text += text === '' ? String(step) : `.${String(step)}`;
  }
  return text;
}

/**
 * Turns zod's issues into ours, with messages written for someone editing YAML. `schema` is the one
 * that produced them, asked for the keys an object accepts when a key is unknown.
 */
export function issuesFromZod(issues: readonly z.core.$ZodIssue[], schema: z.ZodType): ConfigIssue[] {
  return issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(schema, issue.path);
      const message = allowed ? `unknown key (expected one of ${allowed.join(', ')})` : 'unknown key';
      return issue.keys.map((key) => ({ path: [...issue.path, key], message, atKey: true }));
    }
    if (issue.code === 'invalid_key') {
      // a mapping key that breaks its own rule (a model id with a `/`): point at the key
      return [{ path: issue.path, message: issue.issues[0]?.message ?? 'invalid key', atKey: true }];
    }
    return [{ path: issue.path, message: describeIssue(issue) }];
  });
}

/**
 * Validates `input` against `schema`, asking zod to keep each offending input on its issue so a message can name the
 * kind of value found ("expected a number, got a string").
 */
export function validateWith<T>(
  schema: z.ZodType<T>,
  input: unknown,
): { ok: true; value: T } | { ok: false; issues: ConfigIssue[] } {
  const parsed = schema.safeParse(input, { reportInput: true });
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, issues: issuesFromZod(parsed.error.issues, schema) };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // our schemas word their own messages in lower case; zod's defaults ("Too small: …") are reworded below
  if (/^[a-z]/.test(issue.message) && issue.code !== 'invalid_type') return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'required'
        : `expected ${kindOfExpected(issue.expected)}, got ${kindOfValue(issue.input)}`;
    case 'too_small':
      return bound(issue.origin, issue.minimum, issue.inclusive ?? true, 'min');
    case 'too_big':
      return bound(issue.origin, issue.maximum, issue.inclusive ?? true, 'max');
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    case 'invalid_union': {
      // a discriminated union given an unknown discriminator (`kind: deadd`): name the kinds there are
      const options = (issue as { options?: unknown }).options;
      return Array.isArray(options) ? `expected one of ${options.map(String).join(', ')}` : 'invalid value';
    }
    default:
      // invalid_format, custom, invalid_key, invalid_element: our schema gives these their wording
      return issue.message;
  }
}

function bound(origin: string, limit: number | bigint, inclusive: boolean, side: 'min' | 'max'): string {
  const n = Number(limit);
  if (origin === 'array' || origin === 'set') {
    return side === 'min'
      ? `expected at least ${n} item${n === 1 ? '' : 's'}`
      : `expected at most ${n} items`;
  }
  if (origin === 'string') {
    if (side === 'min') return n === 1 ? 'expected a non-empty string' : `expected at least ${n} characters`;
    return `expected at most ${n} characters`;
  }
  const op = side === 'min' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
  return `expected ${origin === 'int' ? 'an integer' : 'a number'} ${op} ${n}`;
}

const EXPECTED_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  date: 'a date',
};

function kindOfExpected(expected: string): string {
  return EXPECTED_WORDS[expected] ?? expected;
}

/** Names the kind of a wrong value; strings are not echoed, since they may hold a substituted secret. */
function kindOfValue(value: unknown): string {
  if (value === null) return 'null (empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  return typeof value;
}
