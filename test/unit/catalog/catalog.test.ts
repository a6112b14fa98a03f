import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { targetId } from '../../../src/catalog/target.js';
import { demoConfig } from '../../../src/config/demo.js';
import { parseConfig } from '../../../src/config/load.js';

const catalog = new Catalog(demoConfig('http://127.0.0.1:1'));

function chainOf(yaml: string, alias: string): string[] {
  const config = parseConfig(`upstreams: { u: { baseUrl: "http://x" } }\naliases:\n${yaml}`, 'g.yaml', {});
  return new Catalog(config).fallbackChain(alias).map((entry) => entry.name);
}

describe('Catalog', () => {
  it('lists aliases in config order', () => {
    expect(catalog.aliases().map((a) => a.name)).toEqual([
      'gemini-3.5-flash',
      'gemini-flash-latest',
      'gemini-3-flash-preview',
      'gemini-2.5-flash',
      'gemini-3.5-flash-via-alias',
      'gemini-2.0-flash',
      'gemini-embedding-001',
    ]);
  });

  it('builds entries with target ids and no unset optional fields', () => {
    const entry = catalog.get('gemini-3.5-flash');
    expect(entry).toEqual({
      name: 'gemini-3.5-flash',
      stage: 'ga',
      model: {},
      targets: [
        {
          id: 'gemini-3.5-flash/sim/gemini-3.5-flash-001',
          alias: 'gemini-3.5-flash',
          upstream: 'sim',
          model: 'gemini-3.5-flash-001',
          weight: 32,
        },
        {
          id: 'gemini-3.5-flash/sim/gemini-v4p1s-rev24-ajax-sentinel',
          alias: 'gemini-3.5-flash',
          upstream: 'sim',
          model: 'gemini-v4p1s-rev24-ajax-sentinel',
          weight: 68,
        },
      ],
      fallback: ['gemini-flash-latest'],
    });
    expect(Object.keys(catalog.get('gemini-embedding-001') ?? {})).not.toContain('stage');
    expect(catalog.get('gemini-9')).toBeUndefined();
  });

  it('finds targets by id, including one model shared by two aliases', () => {
    expect(catalog.target(targetId('gemini-2.0-flash', 'sim', 'gemini-2.5-flash'))).toMatchObject({
      alias: 'gemini-2.0-flash',
    });
    expect(catalog.target(targetId('gemini-2.5-flash', 'sim', 'gemini-2.5-flash'))).toMatchObject({
      alias: 'gemini-2.5-flash',
    });
    expect(catalog.target(targetId('gemini-2.5-flash', 'other', 'gemini-2.5-flash'))).toBeUndefined();
    expect(catalog.targets()).toHaveLength(8);
  });

  it('does not let callers change its entries through config they still hold', () => {
    const config = demoConfig('http://127.0.0.1:1');
    const own = new Catalog(config);
    config.aliases['gemini-3.5-flash']?.fallback.push('gemini-2.5-flash');
    expect(own.get('gemini-3.5-flash')?.fallback).toEqual(['gemini-flash-latest']);
  });
});

describe('Catalog.fallbackChain', () => {
  it('starts with the alias and follows its fallbacks', () => {
    expect(catalog.fallbackChain('gemini-3.5-flash').map((e) => e.name)).toEqual([
      'gemini-3.5-flash',
      'gemini-flash-latest',
    ]);
    expect(catalog.fallbackChain('gemini-2.5-flash').map((e) => e.name)).toEqual(['gemini-2.5-flash']);
  });

  it('is empty for an unknown alias', () => {
    expect(catalog.fallbackChain('nope')).toEqual([]);
  });

  it('goes depth-first in configured order without repeats', () => {
    const yaml = `
  a: { targets: [{ upstream: u, model: m }], fallback: [b, c] }
  b: { targets: [{ upstream: u, model: m }], fallback: [d, c] }
  c: { targets: [{ upstream: u, model: m }], fallback: [d] }
  d: { targets: [{ upstream: u, model: m }] }
`;
    expect(chainOf(yaml, 'a')).toEqual(['a', 'b', 'd', 'c']);
    expect(chainOf(yaml, 'c')).toEqual(['c', 'd']);
  });

  it('cuts cycles where they close', () => {
    const yaml = `
  a: { targets: [{ upstream: u, model: m }], fallback: [b] }
  b: { targets: [{ upstream: u, model: m }], fallback: [c] }
  c: { targets: [{ upstream: u, model: m }], fallback: [a, b] }
`;
    expect(chainOf(yaml, 'a')).toEqual(['a', 'b', 'c']);
    expect(chainOf(yaml, 'b')).toEqual(['b', 'c', 'a']);
  });
});
