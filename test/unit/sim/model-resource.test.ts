import { describe, expect, it } from 'vitest';
import { modelPage, modelResource } from '../../../src/sim/model-resource.js';

describe('modelResource', () => {
  it('fills the catalogue fields a generative model has', () => {
    expect(modelResource('gemini-3.5-flash', {})).toEqual({
      name: 'models/gemini-3.5-flash',
      baseModelId: 'gemini-3.5-flash',
      version: '001',
      displayName: 'Gemini 3.5 Flash',
      description: 'Gemini 3.5 Flash (simulated)',
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 65_536,
      supportedGenerationMethods: [
        'generateContent',
        'countTokens',
        'createCachedContent',
        'batchGenerateContent',
      ],
      temperature: 1,
      topP: 0.95,
      topK: 64,
      maxTemperature: 2,
      thinking: true,
    });
  });

  it('gives embedding models embedding methods and no sampling fields; scenario fields win', () => {
    const r = modelResource('gemini-embedding-001', { displayName: 'Embedder', inputTokenLimit: 99 });
    expect(r.supportedGenerationMethods).toContain('embedContent');
    expect(r).not.toHaveProperty('temperature');
    expect(r).toMatchObject({ displayName: 'Embedder', inputTokenLimit: 99 });
  });
});

describe('modelPage', () => {
  const all = Array.from({ length: 120 }, (_, i) => ({ name: `models/m${i}` }));

  it('pages by 50 by default and follows nextPageToken to the end', () => {
    const first = modelPage(all, undefined, undefined)!;
    expect(first.models).toHaveLength(50);
    const second = modelPage(all, undefined, first.nextPageToken)!;
    expect(second.models[0]!.name).toBe('models/m50');
    const third = modelPage(all, undefined, second.nextPageToken)!;
    expect(third.models).toHaveLength(20);
    expect(third).not.toHaveProperty('nextPageToken');
  });

  it('honours pageSize up to 1000 and rejects tokens it did not issue', () => {
    expect(modelPage(all, 7, undefined)!.models).toHaveLength(7);
    expect(modelPage(all, 5000, undefined)!.models).toHaveLength(120);
    expect(modelPage(all, 10, 'garbage')).toBeUndefined();
  });
});
