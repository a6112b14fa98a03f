import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { deprecationWarning } from '../../../src/catalog/deprecation.js';
import { LearnedModels, learnedFrom, withLearned } from '../../../src/catalog/learned-model.js';
import { modelResource } from '../../../src/catalog/model-resource.js';
import { demoConfig } from '../../../src/config/demo.js';
import { parseConfig } from '../../../src/config/load.js';

const catalog = new Catalog(demoConfig('http://127.0.0.1:1'));
const entry = (name: string) => {
  const found = catalog.get(name);
  if (!found) throw new Error(`no alias ${name}`);
  return found;
};

describe('modelResource', () => {
  it('renders the Gemini Model resource of an alias (docs/wire.md §6); no methods while none are known', () => {
    expect(modelResource(entry('gemini-3.5-flash'))).toEqual({
      name: 'models/gemini-3.5-flash',
      baseModelId: 'gemini-3.5-flash',
      displayName: 'gemini-3.5-flash',
      stage: 'ga',
    });
  });

  it('adds lifecycle fields only when set, and the caller’s extras last', () => {
    expect(modelResource(entry('gemini-2.0-flash'), { health: { healthy: 1, ejected: 0 } })).toEqual({
      name: 'models/gemini-2.0-flash',
      baseModelId: 'gemini-2.0-flash',
      displayName: 'gemini-2.0-flash',
      stage: 'deprecated',
      replacement: 'gemini-2.5-flash',
      shutdown: '2026-12-31',
      health: { healthy: 1, ejected: 0 },
    });
    expect(Object.keys(modelResource(entry('gemini-embedding-001')))).not.toContain('stage');
  });

  it('shows what the upstream taught: its methods (with the verbs they imply) and token limits', () => {
    const learned = new LearnedModels();
    const taught = learnedFrom({
      name: 'models/gemini-embedding-001',
      supportedGenerationMethods: [
        'embedContent',
        'countTextTokens',
        'countTokens',
        'asyncBatchEmbedContent',
      ],
      inputTokenLimit: 2048,
      outputTokenLimit: 1,
      displayName: 'not taken',
    });
    learned.set('sim', 'gemini-embedding-001', taught!);
    expect(modelResource(withLearned(entry('gemini-embedding-001'), learned))).toEqual({
      name: 'models/gemini-embedding-001',
      baseModelId: 'gemini-embedding-001',
      displayName: 'gemini-embedding-001',
      inputTokenLimit: 2048,
      outputTokenLimit: 1,
      supportedGenerationMethods: ['embedContent', 'batchEmbedContents', 'countTokens'],
    });
  });

  it('advertises configured Model fields, methods, display name and description', () => {
    const config = parseConfig(
      `upstreams: { u: { baseUrl: "http://x" } }
aliases:
  gemini-3.5-flash:
    displayName: Gemini 3.5 Flash
    description: Fast.
    methods: [generateContent, streamGenerateContent, countTokens]
    model: { version: "001", inputTokenLimit: 1048576, outputTokenLimit: 65536, thinking: true }
    targets: [{ upstream: u, model: m }]
`,
      'g.yaml',
      {},
    );
    const declared = new Catalog(config).get('gemini-3.5-flash') ?? entry('x');
    const resource = modelResource(declared);
    expect(resource).toEqual({
      name: 'models/gemini-3.5-flash',
      baseModelId: 'gemini-3.5-flash',
      version: '001',
      displayName: 'Gemini 3.5 Flash',
      description: 'Fast.',
      inputTokenLimit: 1048576,
      outputTokenLimit: 65536,
      supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
      thinking: true,
    });
    // declared methods win over what an upstream says
    const learned = new LearnedModels();
    learned.set('u', 'm', learnedFrom({ supportedGenerationMethods: ['embedContent'], inputTokenLimit: 7 })!);
    expect(modelResource(withLearned(declared, learned))).toEqual(resource);
    // a fresh object each time
    resource.supportedGenerationMethods?.push('embedContent');
    expect(modelResource(declared).supportedGenerationMethods).toHaveLength(3);
  });
});

describe('deprecationWarning', () => {
  it('names the replacement and the shutdown date of a deprecated alias', () => {
    expect(deprecationWarning(entry('gemini-2.0-flash'))).toBe(
      'gemini-2.0-flash is deprecated; use gemini-2.5-flash (shutdown 2026-12-31)',
    );
  });

  it('says nothing for an alias with no deprecation and no shutdown', () => {
    expect(deprecationWarning(entry('gemini-3.5-flash'))).toBeUndefined();
    expect(deprecationWarning(entry('gemini-3-flash-preview'))).toBeUndefined();
  });

  it('warns about a coming shutdown of an alias that is not deprecated', () => {
    expect(deprecationWarning({ ...entry('gemini-3-flash-preview'), shutdown: '2026-09-01' })).toBe(
      'gemini-3-flash-preview shuts down on 2026-09-01',
    );
    expect(
      deprecationWarning({
        ...entry('gemini-3-flash-preview'),
        shutdown: '2026-09-01',
        replacement: 'gemini-3-flash',
      }),
    ).toBe('gemini-3-flash-preview shuts down on 2026-09-01; use gemini-3-flash');
  });

  it('omits what is not known', () => {
    const { shutdown: _, ...noShutdown } = entry('gemini-2.0-flash');
    expect(deprecationWarning(noShutdown)).toBe('gemini-2.0-flash is deprecated; use gemini-2.5-flash');
  });
});

describe('LearnedModels.learn: one read at a time per target, and a failed one not repeated at once', () => {
  const CHAT = { methods: ['generateContent' as const], fields: {} };

  it('shares a read under way, keeps what it taught, and reads no more', async () => {
    const learned = new LearnedModels();
    let reads = 0;
    let release: (m: typeof CHAT) => void = () => {};
    const read = () => {
      reads++;
      return new Promise<typeof CHAT>((r) => {
        release = r;
      });
    };
    const a = learned.learn('up', 'm', read, 0, 60_000);
    const b = learned.learn('up', 'm', read, 0, 60_000);
    release(CHAT);
    expect(await a).toEqual(CHAT);
    expect(await b).toEqual(CHAT);
    expect(await learned.learn('up', 'm', read, 1, 60_000)).toEqual(CHAT);
    expect(reads).toBe(1);
    expect(learned.has('up', 'm')).toBe(true);
  });

  it.each([
    ['answers nothing', () => Promise.resolve(undefined)],
    ['throws', () => Promise.reject(new Error('boom'))],
  ])('a read that %s: unknown, and read again only once retryAfterMs has passed', async (_, fails) => {
    const learned = new LearnedModels();
    let reads = 0;
    const read = () => {
      reads++;
      return fails();
    };
    expect(await learned.learn('up', 'm', read, 1000, 60_000)).toBeUndefined();
    expect(await learned.learn('up', 'm', read, 60_999, 60_000)).toBeUndefined();
    expect(reads).toBe(1);
    expect(await learned.learn('up', 'm', () => Promise.resolve(CHAT), 61_000, 60_000)).toEqual(CHAT);
  });
});
