import { type Document, LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { type ConfigIssue, formatPath } from './issue.js';
import { lineOfPath } from './source-lines.js';

/**
 * The one way a file the user wrote (a gateway config, a simulator scenario) is reported wrong: every problem on its
 * own line as `<file>:<line>: <field path>: <what is wrong>`, in file order; without a file (an object built in
 * code), `<source>: <field path>: <what is wrong>`.
 */
export function issuesError(
  issues: readonly ConfigIssue[],
  source: string,
  yaml?: { doc: Document; lines: LineCounter },
): ConfigError {
  if (!yaml) return new ConfigError(issues.map((issue) => `${source}: ${describe(issue)}`).join('\n'));
  const located = issues.map((issue) => ({
    line: lineOfPath(yaml.doc, yaml.lines, issue.path, issue.atKey),
    issue,
  }));
  located.sort((a, b) => a.line - b.line);
  return new ConfigError(
    located.map(({ line, issue }) => `${source}:${line}: ${describe(issue)}`).join('\n'),
  );
}

/** A YAML document with its line positions; a syntax error is reported at its line (the first one only: the parser's
 * later complaints are mostly echoes of it). `clean` may rewrite the parser's message (config unmasks `${…}`). */
export function parseYaml(
  text: string,
  source: string,
  clean: (message: string) => string = (m) => m,
): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const [syntaxError] = doc.errors;
  if (syntaxError) {
    const where = lines.linePos(syntaxError.pos[0]);
    throw new ConfigError(`${source}:${where.line}: ${clean(syntaxError.message.split('\n')[0] ?? '')}`);
  }
  return { doc, lines };
}

function describe(issue: ConfigIssue): string {
  return issue.path.length === 0 ? issue.message : `${formatPath(issue.path)}: ${issue.message}`;
}
