import { describe, expect, it } from 'vitest';
import { type IncidentContext, renderIncidentReport } from '../../../src/incidents/report.js';
import type { Incident } from '../../../src/store/operator-store.js';

/**
 * The provider-ready report of one ejection episode (src/incidents/report.ts): what it says the failure means, and a
 * reproduction anyone can paste into a shell without leaking a key.
 */

const DEAD = 'gemini-v4p1s-rev24-ajax-sentinel';
const DEAD_404 = `404 NOT_FOUND: Model not found: models/${DEAD}`;
const T0 = Date.parse('2026-11-24T14:02:00Z');
const BODY = { contents: [{ role: 'user', parts: [{ text: 'Reply with OK.' }] }] };

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: `gemini-3.5-flash-safe/google/gemini-3.5-flash@${T0}`,
    alias: 'gemini-3.5-flash-safe',
    upstream: 'google',
    model: 'gemini-3.5-flash',
    startedAt: T0,
    endedAt: T0 + 95_000,
    requests: 17,
    retries: 17,
    ejections: 2,
    messages: [{ message: DEAD_404, count: 17 }],
    ...over,
  };
}

function context(over: Partial<IncidentContext> = {}): IncidentContext {
  return {
    baseUrl: 'https://generativelanguage.googleapis.com',
    apiVersion: 'v1beta',
    body: BODY,
    siblings: [
      { upstream: 'google', model: 'gemini-flash-latest', state: 'in_rotation', requests: 40, failures: 0 },
      { upstream: 'google', model: 'gemini-2.5-flash', state: 'ejected', requests: 12, failures: 5 },
    ],
    now: T0 + 300_000,
    ...over,
  };
}

/** The report's sections by heading (the title under ''). */
function sections(markdown: string): Record<string, string> {
  const out: Record<string, string> = {};
  let heading = '';
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) heading = line.slice(3);
    else out[heading] = `${out[heading] ?? ''}${line}\n`;
  }
  return out;
}

describe('renderIncidentReport: what the failure means', () => {
  // [case, the episode, in the title, in "What it means", in "Requests", never anywhere]
  it.each<[string, Partial<Incident>, string, string, string, string]>([
    [
      'client mode: the provider’s alias answers with another build’s name',
      {},
      `(routes to broken backing build \`${DEAD}\`)`,
      `pull \`${DEAD}\` from the \`gemini-3.5-flash\` rotation`,
      `Please pull the backing build \`${DEAD}\` out of the \`gemini-3.5-flash\` rotation.`,
      'does not exist',
    ],
    [
      'provider mode: a 404 naming the target’s own build',
      { alias: 'gemini-3.5-flash', upstream: 'builds', model: DEAD },
      `(${DEAD_404})`,
      `The upstream answers that \`${DEAD}\` does not exist`,
      `Please investigate the failures of \`${DEAD}\``,
      'backing build',
    ],
    [
      'a 5xx naming another model is the same signature',
      { messages: [{ message: '500 INTERNAL: backend models/flash-shard-7 crashed', count: 3 }] },
      '(routes to broken backing build `flash-shard-7`)',
      'pull `flash-shard-7` from the `gemini-3.5-flash` rotation',
      'Please pull the backing build `flash-shard-7`',
      'does not exist',
    ],
    [
      'a 404 that names no model says nothing about the build',
      { model: DEAD, messages: [{ message: '404 NOT_FOUND: Requested entity was not found.', count: 4 }] },
      '(404 NOT_FOUND: Requested entity was not found.)',
      'counts as the target',
      `Please investigate the failures of \`${DEAD}\``,
      'does not exist',
    ],
    [
      'other errors: an overload, a reset',
      {
        messages: [
          { message: '503 UNAVAILABLE: The model is overloaded. Please try again later.', count: 9 },
          { message: 'ECONNRESET: connection reset by upstream', count: 2 },
        ],
      },
      '(503 UNAVAILABLE: The model is overloaded. Please try again later.)',
      'counts as the target',
      'Please investigate the failures of `gemini-3.5-flash` (503 UNAVAILABLE',
      'backing build',
    ],
  ])('%s', (_name, over, title, meaning, ask, never) => {
    const report = renderIncidentReport(incident(over), context());
    const parts = sections(report);
    expect(report.split('\n')[0]).toContain(title);
    expect(parts['What it means']).toContain(meaning);
    expect(parts.Requests).toContain(ask);
    expect(report).not.toContain(never);
  });

  it('lists the messages with their counts, and the alias’s healthy siblings', () => {
    const report = renderIncidentReport(
      incident({
        messages: [
          { message: DEAD_404, count: 15 },
          { message: '503 UNAVAILABLE: a | b', count: 2 },
        ],
      }),
      context(),
    );
    const parts = sections(report);
    expect(parts['Observed results']).toContain(`| 15 | \`${DEAD_404}\` |`);
    expect(parts['Observed results']).toContain('| 2 | `503 UNAVAILABLE: a \\| b` |');
    expect(parts['Key facts']).toContain('`google/gemini-flash-latest` (40 requests)');
    // an ejected sibling with failures is no evidence of health
    expect(parts['Key facts']).not.toContain('gemini-2.5-flash');
  });

  it.each([
    [
      'an ended episode gives its span',
      T0 + 95_000,
      'from 2026-11-24T14:02:00.000Z to 2026-11-24T14:03:35.000Z (95 s)',
    ],
    ['an open one is measured up to now', null, 'since 2026-11-24T14:02:00.000Z (still open, 5 min so far)'],
  ])('%s', (_name, endedAt, words) => {
    expect(renderIncidentReport(incident({ endedAt }), context())).toContain(words);
  });
});

describe('renderIncidentReport: the reproduction', () => {
  /** The curl loop's lines, from the report's shell block. */
  function curl(ctx: IncidentContext, over: Partial<Incident> = {}): string {
    const block = /```sh\n([\s\S]*?)\n```/.exec(renderIncidentReport(incident(over), ctx));
    expect(block).not.toBeNull();
    return block![1]!;
  }

  it.each([
    [
      'Google',
      'https://generativelanguage.googleapis.com',
      'v1beta',
      'https://generativelanguage.googleapis.com/v1beta',
    ],
    ['a path prefix', 'https://builds.example/gemini', 'v1', 'https://builds.example/gemini/v1'],
    // the gateway never sends a query of its base URL upstream (it addresses origin and path), nor does the report
    [
      'a key in the base URL',
      'https://builds.example/?key=SECRET',
      'v1beta',
      'https://builds.example/v1beta',
    ],
  ])('calls the upstream the gateway calls: %s', (_name, baseUrl, apiVersion, prefix) => {
    const loop = curl(context({ baseUrl, apiVersion }));
    expect(loop).toContain(`curl -s "${prefix}/models/gemini-3.5-flash:generateContent"`);
    expect(loop).toContain(`-d '${JSON.stringify(BODY)}'`);
  });

  it('never carries a key: the header names $GEMINI_API_KEY, a key in the base URL is left out everywhere', () => {
    const report = renderIncidentReport(
      incident(),
      context({ baseUrl: 'https://builds.example/v?key=SECRET&alt=sse' }),
    );
    expect(report).not.toContain('SECRET');
    expect(report).toContain('-H "x-goog-api-key: $GEMINI_API_KEY"');
    expect(report).toContain('the upstream `google` (https://builds.example/v?key=REDACTED&alt=sse, v1beta)');
  });

  it('an upstream removed from the config since the episode leaves a report, not an exception', () => {
    const report = renderIncidentReport(
      incident(),
      context({ baseUrl: '(an upstream no longer configured)' }),
    );
    expect(report).toContain('(an upstream no longer configured)');
  });
});
