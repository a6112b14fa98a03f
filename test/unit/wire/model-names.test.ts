import { describe, expect, it } from 'vitest';
import { bareModelId, methodRefusedIn, modelsNamed, otherModelNamed } from '../../../src/wire/model-names.js';

const REQUESTED = 'gemini-3.5-flash';

describe('otherModelNamed: the one reading of "this message names another model"', () => {
  it.each([
    ['Model not found: models/gemini-v4p1s-rev24-ajax-sentinel', 'gemini-v4p1s-rev24-ajax-sentinel'],
    ['models/gemini-3.5-flash failed.', undefined],
    ['models/gemini-3.5-flash and models/gemini-2.5-flash-001.', 'gemini-2.5-flash-001'],
    ['Model not found: models/gemini-x@001.', 'gemini-x@001'],
    ['tunedModels/my-tune failed', undefined],
    ['foomodels/x failed', undefined],
    ['no model here', undefined],
    [undefined, undefined],
  ])('%s → %s', (message, expected) => {
    expect(otherModelNamed(message, REQUESTED)).toBe(expected);
    expect(otherModelNamed(message, `models/${REQUESTED}`)).toBe(expected);
  });
});

describe('modelsNamed', () => {
  it.each([
    ['models/a, models/b-2.5-.', ['a', 'b-2.5']],
    [
      'requests[0].model: model "models/my-embed" does not match "models/text-embedding-004".',
      ['my-embed', 'text-embedding-004'],
    ],
    ['', []],
  ])('%s', (message, names) => {
    expect(modelsNamed(message)).toEqual(names);
  });
});

describe('bareModelId', () => {
  it.each([
    ['models/x', 'x'],
    ['x', 'x'],
    ['tunedModels/x', 'tunedModels/x'],
  ])('%s → %s', (name, bare) => {
    expect(bareModelId(name)).toBe(bare);
  });
});

describe('methodRefusedIn', () => {
  it.each([
    [
      'models/x is not found for API version v1beta, or is not supported for embedContent. Call ListModels',
      'embedContent',
    ],
    [
      'models/x is not found for API version v1, or is not supported for StreamGenerateContent',
      'StreamGenerateContent',
    ],
    ['Model not found: models/gemini-v4p1s-rev24-ajax-sentinel', undefined],
    [undefined, undefined],
  ])('%s → %s', (message, method) => {
    expect(methodRefusedIn(message)).toBe(method);
  });
});
