// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests write ${ENV} references literally
import { describe, expect, it } from 'vitest';
import { maskReferences, substituteEnv } from '../../../src/config/env-substitution.js';
import { parseConfig } from '../../../src/config/load.js';
import { DEFAULTS } from '../../support/config.js';

describe('substituteEnv', () => {
  it.each([
    ['plain ${A}', { A: 'x' }, 'plain x'],
    ['${A}${B}', { A: '1', B: '2' }, '12'],
    ['${A:-fallback}', {}, 'fallback'],
    ['${A:-fallback}', { A: '' }, 'fallback'],
    ['${A:-fallback}', { A: 'set' }, 'set'],
    ['${A:-}', {}, ''],
    ['${A:-http://h:1/p}', {}, 'http://h:1/p'],
    ['${A}', { A: '' }, ''],
    ['literal $${A}', {}, 'literal ${A}'],
    ['no references', {}, 'no references'],
    ['$A is not a reference', {}, '$A is not a reference'],
  ])('%s with %j → %s', (text, env, expected) => {
    expect(substituteEnv(text, env)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['${MISSING}', /environment variable MISSING is not set/],
    ['${1BAD}', /malformed reference \$\{1BAD\}/],
    ['${}', /malformed reference/],
    ['${A', /unterminated/],
  ])('%s fails: %s', (text, message) => {
    const result = substituteEnv(text, {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe('maskReferences', () => {
  it('swaps references for tokens and back', () => {
    const { masked, unmask } = maskReferences('a: ${X}\nb: { k: ${Y:-d} }');
    expect(masked).not.toContain('${');
    expect(masked.split('\n')).toHaveLength(2);
    expect(unmask(masked)).toBe('a: ${X}\nb: { k: ${Y:-d} }');
  });

  it('cannot be fooled by text that looks like its token', () => {
    const text = 'a: aliasgateEnvRef0Z ${X}';
    const { masked, unmask } = maskReferences(text);
    expect(unmask(masked)).toBe(text);
  });
});

const BASE = (apiKey: string) => `
upstreams:
  google: { baseUrl: https://generativelanguage.googleapis.com, apiKey: ${apiKey} }
aliases:
  gemini-2.5-flash:
    targets: [{ upstream: google, model: gemini-2.5-flash }]
`;

describe('${ENV} in config files', () => {
  it('substitutes inside flow mappings, where `{` is YAML syntax', () => {
    const config = parseConfig(BASE('${GEMINI_API_KEY}'), 'g.yaml', { GEMINI_API_KEY: 'AIza-secret' });
    expect(config.upstreams['google']?.apiKey).toBe('AIza-secret');
  });

  it('names the variable and the line when it is unset', () => {
    expect(() => parseConfig(BASE('${GEMINI_API_KEY}'), 'gateway.yaml', {})).toThrow(
      'gateway.yaml:3: upstreams.google.apiKey: environment variable GEMINI_API_KEY is not set',
    );
  });

  it('reports every unset variable, each on its own line', () => {
    const yaml = `${BASE('${K1}')}auth:\n  clientKeys:\n    - { name: a, key: \${K2} }\n`;
    expect(() => parseConfig(yaml, 'g.yaml', {})).toThrow(
      /^g\.yaml:3: upstreams\.google\.apiKey: .*K1.*\ng\.yaml:9: auth\.clientKeys\[0\]\.key: .*K2/,
    );
  });

  it('makes numbers and booleans from substituted strings', () => {
    const yaml = `${BASE('k')}server:\n  port: \${PORT:-9090}\nhealth:\n  healthCheck: { enabled: \${HC:-false} }\n`;
    const config = parseConfig(yaml, 'g.yaml', {});
    expect(config.server.port).toBe(9090);
    expect(config.health.healthCheck.enabled).toBe(false);
    expect(parseConfig(yaml, 'g.yaml', { PORT: '7000' }).server.port).toBe(7000);
  });

  it('rejects a substituted value of the wrong kind at the line of the reference', () => {
    const yaml = `${BASE('k')}server:\n  port: \${PORT}\n`;
    expect(() => parseConfig(yaml, 'g.yaml', { PORT: 'eighty' })).toThrow(
      'g.yaml:8: server.port: expected a number, got a string',
    );
  });

  it('never lets a value change the YAML structure', () => {
    const hostile = 'x, connections: 1 } # }';
    const config = parseConfig(BASE('${KEY}'), 'g.yaml', { KEY: hostile });
    expect(config.upstreams['google']?.apiKey).toBe(hostile);
    // the value did not set connections: the default stands
    expect(config.upstreams['google']?.connections).toBe(DEFAULTS.upstreams['u']?.connections);
  });

  it('leaves keys alone', () => {
    const yaml = `${BASE('k')}  \${NAME}:\n    targets: [{ upstream: google, model: m }]\n`;
    expect(() => parseConfig(yaml, 'g.yaml', { NAME: 'ok' })).toThrow(
      /aliases\.\$\{NAME\}: expected a model id/,
    );
  });

  it('substitutes in quoted strings and header values', () => {
    const yaml = BASE('"${KEY}"').replace('apiKey', 'headers: { x-team: "team-${TEAM:-none}" }, apiKey');
    const config = parseConfig(yaml, 'g.yaml', { KEY: 'k' });
    expect(config.upstreams['google']?.headers).toEqual({ 'x-team': 'team-none' });
    expect(config.upstreams['google']?.apiKey).toBe('k');
  });
});
