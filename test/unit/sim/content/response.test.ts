import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../src/random.js';
import { composeReply } from '../../../../src/sim/content/reply.js';
import {
  newResponseId,
  splitText,
  streamResponses,
  unaryResponse,
} from '../../../../src/sim/content/response.js';

const served = { modelVersion: 'build-1', responseId: 'RID' };
const ask = (text: string, extra: Record<string, unknown> = {}) => ({
  contents: [{ role: 'user', parts: [{ text }] }],
  ...extra,
});

describe('splitText', () => {
  it('cuts into at most n pieces that join back exactly, at word ends', () => {
    const text = 'one two three four five six seven eight nine ten eleven twelve';
    const pieces = splitText(text, 5);
    expect(pieces).toHaveLength(5);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces.slice(0, -1)) expect(piece.endsWith(' ')).toBe(true);
    expect(splitText('{"a":1,"b":2}', 4).join('')).toBe('{"a":1,"b":2}');
    expect(splitText('ab', 20)).toEqual(['a', 'b']);
  });
});

describe('unaryResponse', () => {
  it('is the docs/wire.md §4 shape with modelVersion naming the build', () => {
    const reply = composeReply(ask('hi'), 10);
    expect(unaryResponse(reply, served)).toEqual({
      candidates: [
        { content: { parts: [{ text: reply.text }], role: 'model' }, finishReason: 'STOP', index: 0 },
      ],
      usageMetadata: {
        promptTokenCount: 1,
        candidatesTokenCount: reply.candidatesTokens,
        totalTokenCount: 1 + reply.candidatesTokens,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 1 }],
      },
      modelVersion: 'build-1',
      responseId: 'RID',
    });
  });
});

describe('streamResponses', () => {
  it('sends deltas with running usage, finishReason only on the last chunk', () => {
    const reply = composeReply(ask('hi'), 40);
    const chunks = streamResponses(reply, served, 5);
    expect(chunks).toHaveLength(5);
    const texts = chunks.map((c) => c.candidates![0]!.content!.parts![0]!.text);
    expect(texts.join('')).toBe(reply.text);
    const counts = chunks.map((c) => c.usageMetadata!.candidatesTokenCount!);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBe(reply.candidatesTokens);
    expect(chunks.map((c) => c.candidates![0]!.finishReason)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'STOP',
    ]);
    expect(new Set(chunks.map((c) => c.responseId))).toEqual(new Set(['RID']));
  });

  it('gives a thought its own first chunk, before any candidatesTokenCount', () => {
    const reply = composeReply(
      ask('hi', { generationConfig: { thinkingConfig: { includeThoughts: true } } }),
      40,
    );
    const chunks = streamResponses(reply, served, 5);
    expect(chunks).toHaveLength(5);
    expect(chunks[0]!.candidates![0]!.content!.parts).toEqual([{ text: reply.thought, thought: true }]);
    expect(chunks[0]!.usageMetadata).not.toHaveProperty('candidatesTokenCount');
    expect(chunks[0]!.usageMetadata!.thoughtsTokenCount).toBe(reply.thoughtsTokens);
    expect(chunks.at(-1)!.usageMetadata!.totalTokenCount).toBe(
      reply.prompt.total + reply.candidatesTokens + reply.thoughtsTokens,
    );
  });

  it('sends a function call whole, in one chunk, signed', () => {
    const reply = composeReply(
      ask('call it', { tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'OBJECT' } }] }] }),
      40,
    );
    const chunks = streamResponses(reply, served, 5);
    expect(chunks).toHaveLength(1);
    const candidate = chunks[0]!.candidates![0]!;
    expect(candidate.content!.parts![0]).toMatchObject({ functionCall: { name: 'f', args: {} } });
    expect(typeof candidate.content!.parts![0]!.thoughtSignature).toBe('string');
    expect(candidate).toMatchObject({
      finishReason: 'STOP',
      finishMessage: 'Model generated function call(s).',
    });
  });
});

describe('newResponseId', () => {
  it('is 23 base64url characters, deterministic per random stream', () => {
    const id = newResponseId(seededRandom(1));
    expect(id).toMatch(/^[A-Za-z0-9_-]{23}$/);
    expect(newResponseId(seededRandom(1))).toBe(id);
  });
});
