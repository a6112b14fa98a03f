import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldRewriter } from '../../../src/wire/field-rewrite.js';

const BUILD = 'gemini-v4p1s-rev24-ajax-sentinel';

/** A Gemini chunk whose text, function arguments and nested fields all try to look like the field. */
function chunk(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    candidates: [
      {
        content: {
          parts: [{ text }, { functionCall: { name: 'f', args: { modelVersion: BUILD, model: BUILD } } }],
          role: 'model',
        },
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 3, totalTokenCount: 5 },
    modelVersion: BUILD,
    responseId: 'r1',
    ...extra,
  };
}

const TRICKY = `he said "modelVersion": "${BUILD}" \\ and \\"model\\": {"x": [1, "}"]}`;

function run(key: string, pieces: (string | Buffer)[]): string {
  const rewriter = new FieldRewriter(key, 'my-alias');
  return pieces.map((p) => rewriter.push(Buffer.isBuffer(p) ? p : Buffer.from(p)).toString()).join('');
}

/** The value with only its top-level `key` replaced: what the rewritten bytes must parse to. */
function expected(value: Record<string, unknown>, key: string): Record<string, unknown> {
  return key in value ? { ...value, [key]: 'my-alias' } : value;
}

describe('FieldRewriter', () => {
  it('rewrites the top-level field of a pretty-printed unary body and keeps every other byte', () => {
    const body = JSON.stringify(chunk(TRICKY), null, 2);
    const out = run('modelVersion', [body]);
    expect(JSON.parse(out)).toEqual(expected(chunk(TRICKY), 'modelVersion'));
    expect(out.replace('"modelVersion": "my-alias"', `"modelVersion": "${BUILD}"`)).toBe(body);
  });

  it('rewrites every SSE event, several to a chunk, and leaves OpenAI’s [DONE] alone', () => {
    const events = [chunk('a'), chunk(TRICKY), chunk('c', { finish: true })];
    const sse = events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`);
    const out = run('modelVersion', [sse[0]! + sse[1]!, `${sse[2]!}data: [DONE]\n\n`]);
    const parsed = out
      .split('\r\n\r\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)));
    expect(parsed).toEqual(events.map((e) => expected(e, 'modelVersion')));
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('rewrites each element of Google’s streamed JSON array', () => {
    const elements = [chunk('a'), chunk(TRICKY)];
    const pieces = [
      `[${JSON.stringify(elements[0], null, 2)}`,
      `\r\n,\r\n${JSON.stringify(elements[1], null, 2)}`,
      '\r\n]',
    ];
    expect(JSON.parse(run('modelVersion', pieces))).toEqual(elements.map((e) => expected(e, 'modelVersion')));
  });

  it('rewrites OpenAI’s top-level model, not a tool call’s arguments', () => {
    const completion = {
      id: 'c',
      object: 'chat.completion',
      model: BUILD,
      choices: [{ message: { tool_calls: [{ function: { arguments: `{"model":"${BUILD}"}` } }] } }],
    };
    expect(JSON.parse(run('model', [JSON.stringify(completion)]))).toEqual({
      ...completion,
      model: 'my-alias',
    });
  });

  it('returns the chunk itself when nothing in it changes', () => {
    const rewriter = new FieldRewriter('modelVersion', 'my-alias');
    const plain = Buffer.from('data: {"candidates":[]}\r\n\r\n');
    expect(rewriter.push(plain)).toBe(plain);
  });

  it('never loses its place: however a unit is cut, the whole units after it are rewritten and no other byte moves', () => {
    const events = [chunk('one'), chunk(TRICKY), chunk('three')].map(
      (e) => `data: ${JSON.stringify(e)}\r\n\r\n`,
    );
    fc.assert(
      fc.property(fc.array(fc.nat(events[0]!.length + events[1]!.length), { maxLength: 6 }), (cuts) => {
        const head = events[0]! + events[1]!;
        const at = [...new Set(cuts)].sort((a, b) => a - b);
        const pieces = [0, ...at].map((from, i) => head.slice(from, at[i] ?? head.length));
        const out = run('modelVersion', [...pieces, events[2]!]);
        const parsed = out
          .split('\r\n\r\n')
          .filter(Boolean)
          .map((e) => JSON.parse(e.slice(6)) as Record<string, unknown>);
        expect(parsed).toHaveLength(3);
        // a value a cut went through may be left as it was; everything else is exact
        for (const [i, value] of parsed.entries()) {
          expect([BUILD, 'my-alias']).toContain(value.modelVersion);
          expect({ ...value, modelVersion: 'x' }).toEqual({
            ...chunk(['one', TRICKY, 'three'][i]!),
            modelVersion: 'x',
          });
        }
        expect(parsed[2]!.modelVersion).toBe('my-alias');
      }),
      { numRuns: 300 },
    );
  });
});
