import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { type Scenario, ScenarioSchema } from './scenario.js';

/** The incident scenario; resolves from both src/sim and dist/sim to the repo's scenarios/. */
export const DEFAULT_SCENARIO_URL = new URL('../../scenarios/incident.yaml', import.meta.url);

/** Reads and validates a scenario file (YAML or JSON). Throws ConfigError naming file:line and field. */
export async function loadScenarioFile(file: string | URL): Promise<Scenario> {
  const label = typeof file === 'string' ? file : fileURLToPath(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `${label}: cannot read scenario: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  return parseScenarioText(text, label);
}

export function loadDefaultScenario(): Promise<Scenario> {
  return loadScenarioFile(DEFAULT_SCENARIO_URL);
}

/**
 * Parses scenario text. Every error names where it is: `file:12: models.x.builds[1].weight: …`,
 * the line found from the YAML node ranges (yaml's LineCounter), because "invalid weight"
 * without a place costs the reader a search through the file.
 */
export function parseScenarioText(text: string, label = 'scenario'): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line ?? lines.linePos(syntax.pos[0]).line;
    throw new ConfigError(`${label}:${line}: ${firstLine(syntax.message)}`);
  }
  const input: unknown = doc.toJS();
  const result = ScenarioSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = describeIssue(result.error.issues[0]!, input);
  const node = nodeAt(doc.contents, issue.path, issue.atKey);
  const line = node?.range ? lines.linePos(node.range[0]).line : 1;
  throw new ConfigError(`${label}:${line}: ${issue.text}`);
}

/** Validates an in-memory scenario (no lines to point at). Throws ConfigError naming the field. */
export function validateScenario(input: unknown, label = 'scenario'): Scenario {
  const result = ScenarioSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(`${label}: ${describeIssue(result.error.issues[0]!, input).text}`);
}

/** `["models","a","builds",1,"weight"]` → `models.a.builds[1].weight`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

interface DescribedIssue {
  path: PropertyKey[];
  /** The issue is about a mapping key itself (unknown field, bad model id), not its value. */
  atKey: boolean;
  text: string;
}

/**
 * One zod issue → a sentence a scenario author can act on. Our own messages start in lower case;
 * zod's defaults are reworded. `input` is what was validated (zod issues do not carry it).
 */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): DescribedIssue {
  let path = [...issue.path];
  let atKey = false;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0]!];
    atKey = true;
    message = 'unknown field';
  } else if (issue.code === 'invalid_key') {
    atKey = true;
    message = issue.issues[0]?.message ?? 'invalid key';
  } else if (issue.code === 'invalid_union' && Array.isArray((issue as { options?: unknown }).options)) {
    // a discriminated union with an unknown `kind`: list the kinds there are
    message = `expected one of: ${(issue as unknown as { options: unknown[] }).options.map(String).join(', ')}`;
  } else if (!/^[a-z"]/.test(message)) {
    message = defaultMessage(issue, valueAt(input, issue.path));
  }
  const where = formatPath(path);
  return { path, atKey, text: where ? `${where}: ${message}` : message };
}

const KIND_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function defaultMessage(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = KIND_WORDS[issue.expected] ?? issue.expected;
      return value === undefined ? `required (${expected})` : `expected ${expected}`;
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      if (issue.origin === 'array') return `expected ${op} ${String(bound)} items`;
      if (issue.origin === 'string') return `expected ${op} ${String(bound)} characters`;
      return `expected a number ${op} ${String(bound)}`;
    }
    case 'invalid_value':
      return `expected one of: ${issue.values.map(String).join(', ')}`;
    default:
      return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** The YAML node at a path, or the deepest ancestor that exists (a missing field points at its parent). */
function nodeAt(root: unknown, path: readonly PropertyKey[], atKey: boolean): Node | undefined {
  let node = root as Node | undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return node;
      const key = pair.key as Node;
      if (last && atKey) return key;
      node = (pair.value as Node | null) ?? key;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) return node;
      node = item;
    } else {
      return node;
    }
  }
  return node;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}
