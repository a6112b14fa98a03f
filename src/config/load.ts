import { readFileSync } from 'node:fs';
import { type Document, isPair, isScalar, isSeq, visit } from 'yaml';
import { ConfigError } from '../errors.js';
import { type ConfigIssue, validateWith } from '../validation/issue.js';
import { issuesError, parseYaml } from '../validation/report.js';
import { crossCheck } from './cross-checks.js';
import { type Env, maskReferences, substituteEnv } from './env-substitution.js';
import { type Config, ConfigSchema } from './schema.js';

/**
 * Reads and validates a YAML config file. Throws ConfigError listing every problem, one per line,
 * each as `<file>:<line>: <field path>: <what is wrong>`.
 */
export function loadConfig(path: string, env: Env = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new ConfigError(`cannot read config ${path}: ${reason}`, { cause: e });
  }
  return parseConfig(text, path, env);
}

/**
 * Parses YAML text as a config. `sourceName` prefixes every error line. Every string value may use
 * `${NAME}` or `${NAME:-default}` from `env` (see env-substitution.ts).
 */
export function parseConfig(text: string, sourceName: string, env: Env = process.env): Config {
  const { masked, unmask } = maskReferences(text);
  const { doc, lines } = parseYaml(masked, sourceName, unmask);
  if (doc.contents === null) {
    throw new ConfigError(
      `${sourceName}:1: the file is empty; a config needs at least upstreams and aliases`,
    );
  }
  const envProblems = substituteAll(doc, env, unmask);
  if (envProblems.length > 0) throw issuesError(envProblems, sourceName, { doc, lines });

  const issues = validate(doc.toJS({ maxAliasCount: 1000 }));
  if ('config' in issues) return issues.config;
  throw issuesError(issues.problems, sourceName, { doc, lines });
}

/**
 * Validates a plain object (a parsed YAML or one built in code, like demoConfig) and applies
 * defaults. Errors name the field path only, since there are no lines to point at.
 */
export function configFromObject(input: unknown, sourceName = 'config'): Config {
  const result = validate(input);
  if ('config' in result) return result.config;
  throw issuesError(result.problems, sourceName);
}

function validate(input: unknown): { config: Config } | { problems: ConfigIssue[] } {
  const parsed = validateWith(ConfigSchema, input);
  if (!parsed.ok) return { problems: parsed.issues };
  const problems = crossCheck(parsed.value);
  return problems.length > 0 ? { problems } : { config: parsed.value };
}

/** Substitutes `${…}` in every string value (never in keys), in place; returns the failures. */
function substituteAll(doc: Document, env: Env, unmask: (text: string) => string): ConfigIssue[] {
  const problems: ConfigIssue[] = [];
  visit(doc, {
    Scalar(key, node, ancestry) {
      if (typeof node.value !== 'string') return;
      const written = unmask(node.value);
      if (key === 'key') {
        node.value = written;
        return;
      }
      const result = substituteEnv(written, env);
      if (result.ok) node.value = result.value;
      else problems.push({ path: pathOf(ancestry, node), message: result.message });
    },
  });
  return problems;
}

/** The field path of a node from the visitor's ancestry (Document, maps, pairs and sequences). */
function pathOf(ancestry: readonly unknown[], node: unknown): PropertyKey[] {
  const path: PropertyKey[] = [];
  const chain = [...ancestry, node];
  chain.forEach((step, index) => {
    if (isPair(step) && isScalar(step.key)) path.push(String(step.key.value));
    else if (isSeq(step)) path.push(step.items.indexOf(chain[index + 1] as never));
  });
  return path;
}
