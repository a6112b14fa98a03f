import { ApiError, GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { INCIDENT, useSim } from '../support/sim.js';

/** The real @google/genai SDK cannot tell the simulator from the Gemini API (docs/wire.md §12). */
describe('@google/genai against the simulator', () => {
  const sim = useSim();
  const client = (apiVersion?: string) =>
    new GoogleGenAI({
      apiKey: 'test',
      httpOptions: { baseUrl: sim().url, ...(apiVersion ? { apiVersion } : {}) },
    });

  for (const apiVersion of ['v1beta', undefined]) {
    describe(`apiVersion ${apiVersion ?? 'default (v1)'}`, () => {
      it('generateContent answers from a healthy build, text derived from the prompt', async () => {
        const r = await client(apiVersion).models.generateContent({
          model: 'gemini-2.5-flash',
          contents: 'What is an alias?',
        });
        expect(r.text).toMatch(/^Here is a reply to "What is an alias\?"\./);
        expect(r.modelVersion).toBe('gemini-2.5-flash-002');
        expect(r.responseId).toMatch(/^[A-Za-z0-9_-]{23}$/);
        expect(r.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
        expect(r.usageMetadata?.totalTokenCount).toBe(
          r.usageMetadata!.promptTokenCount! + r.usageMetadata!.candidatesTokenCount!,
        );
        expect(r.candidates?.[0]?.finishReason).toBe('STOP');
      });

      it('generateContentStream yields several chunks whose text joins to the unary answer', async () => {
        const ai = client(apiVersion);
        const unary = await ai.models.generateContent({
          model: 'gemini-flash-latest',
          contents: 'stream me',
        });
        const chunks = [];
        for await (const chunk of await ai.models.generateContentStream({
          model: 'gemini-flash-latest',
          contents: 'stream me',
        })) {
          chunks.push(chunk);
        }
        expect(chunks.length).toBe(5);
        expect(chunks.map((c) => c.text).join('')).toBe(unary.text);
        expect(chunks.at(-1)!.candidates?.[0]?.finishReason).toBe('STOP');
        expect(chunks.at(-1)!.usageMetadata?.candidatesTokenCount).toBe(
          unary.usageMetadata?.candidatesTokenCount,
        );
      });

      it('countTokens grows with the input', async () => {
        const ai = client(apiVersion);
        const small = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'count me' });
        const big = await ai.models.countTokens({
          model: 'gemini-2.5-flash',
          contents: 'count me '.repeat(100),
        });
        expect(small.totalTokens).toBe(2);
        expect(big.totalTokens).toBeGreaterThan(200);
      });

      it('embedContent (sent as batchEmbedContents) gives one vector per text, honouring outputDimensionality', async () => {
        const ai = client(apiVersion);
        const r = await ai.models.embedContent({
          model: INCIDENT.embeddingModel,
          contents: ['first text', 'second text'],
        });
        expect(r.embeddings).toHaveLength(2);
        expect(r.embeddings![0]!.values).toHaveLength(768);
        const small = await ai.models.embedContent({
          model: INCIDENT.embeddingModel,
          contents: 'first text',
          config: { outputDimensionality: 16 },
        });
        expect(small.embeddings![0]!.values).toHaveLength(16);
      });

      it('models.list pages through the public catalogue, without the backing builds', async () => {
        const pager = await client(apiVersion).models.list({ config: { pageSize: 2 } });
        const names: string[] = [];
        for await (const model of pager) names.push(model.name!);
        expect(names).toEqual([
          'models/gemini-3.5-flash',
          'models/gemini-flash-latest',
          'models/gemini-3-flash-preview',
          'models/gemini-2.5-flash',
          'models/gemini-embedding-001',
        ]);
      });

      it('the dead build called by name is a 404 ApiError naming it', async () => {
        const error = await client(apiVersion)
          .models.generateContent({ model: INCIDENT.deadBuild, contents: 'hi' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ApiError);
        expect((error as ApiError).status).toBe(404);
        expect((error as ApiError).message).toContain(`Model not found: models/${INCIDENT.deadBuild}`);
      });
    });
  }

  it('a dead build in a stream is a 404 ApiError too', async () => {
    const error = await client('v1beta')
      .models.generateContentStream({ model: INCIDENT.deadBuild, contents: 'hi' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(404);
    expect((error as ApiError).message).toContain(INCIDENT.deadBuild);
  });

  it('the incident: about 68% of gemini-3.5-flash calls fail with the dead build’s 404, the same count every run', async () => {
    const ai = client('v1beta');
    const messages = new Map<string, number>();
    let failures = 0;
    let failuresInFirst25 = 0;
    for (let i = 0; i < 200; i++) {
      if (i === 25) failuresInFirst25 = failures;
      try {
        const r = await ai.models.generateContent({ model: INCIDENT.alias, contents: 'hi' });
        expect(r.modelVersion).toBe(INCIDENT.healthyBuild);
      } catch (e) {
        failures++;
        expect((e as ApiError).status).toBe(404);
        const text = JSON.parse((e as ApiError).message).error.message as string;
        messages.set(text, (messages.get(text) ?? 0) + 1);
      }
    }
    expect([...messages.keys()]).toEqual([`Model not found: models/${INCIDENT.deadBuild}`]);
    // the scenario's seed (13) reproduces the report: 17 of the first 25 calls fail
    expect(failuresInFirst25).toBe(17);
    expect(failures).toBe(141); // exact for seed 13; 0.705 of 200, the weights say 0.68
    expect(sim().stats().requests.byBuild).toEqual({
      [INCIDENT.deadBuild]: 141,
      [INCIDENT.healthyBuild]: 59,
    });
  });

  it('the siblings never fail', async () => {
    const ai = client('v1beta');
    for (const model of INCIDENT.siblings) {
      for (let i = 0; i < 12; i++) await ai.models.generateContent({ model, contents: 'hi' });
    }
    expect(sim().stats().requests.byModel).toEqual(Object.fromEntries(INCIDENT.siblings.map((m) => [m, 12])));
  });

  it('function calling, thoughts and JSON mode come through the SDK types', async () => {
    const ai = client('v1beta');
    const call = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'What is the weather in Oslo?',
      config: {
        tools: [
          {
            functionDeclarations: [
              {
                name: 'get_weather',
                parametersJsonSchema: {
                  type: 'object',
                  properties: { city: { type: 'string' } },
                  required: ['city'],
                },
              },
            ],
          },
        ],
      },
    });
    expect(call.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'Oslo' } }]);

    const thinking = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'think first',
      config: { thinkingConfig: { includeThoughts: true } },
    });
    const parts = thinking.candidates![0]!.content!.parts!;
    expect(parts[0]!.thought).toBe(true);
    expect(thinking.usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);
    expect(thinking.text).not.toContain('Reading the request');

    const json = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'a person',
      config: {
        responseMimeType: 'application/json',
        responseSchema: {
          type: 'OBJECT',
          properties: { name: { type: 'STRING' }, age: { type: 'INTEGER' } },
        },
      },
    });
    expect(JSON.parse(json.text!)).toEqual({ name: 'person', age: 1 });
  });
});
