import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { configProblems } from '../../support/config.js';

const problems = configProblems;

const UPSTREAMS = `upstreams:
  builds: { baseUrl: http://127.0.0.1:9000 }
  google: { baseUrl: https://generativelanguage.googleapis.com }
`;

describe('cross-field checks', () => {
  it.each<[string, string, string[]]>([
    [
      'a target on an undeclared upstream',
      `${UPSTREAMS}aliases:
  a:
    targets:
      - { upstream: bulids, model: m }
`,
      [
        "gateway.yaml:7: aliases.a.targets[0].upstream: upstream 'bulids' is not declared under upstreams (declared: builds, google)",
      ],
    ],
    [
      'the same target twice in one alias',
      `${UPSTREAMS}aliases:
  a:
    targets:
      - { upstream: builds, model: m, weight: 1 }
      - { upstream: google, model: m }
      - { upstream: builds, model: m, weight: 3 }
`,
      ['gateway.yaml:9: aliases.a.targets[2]: duplicate target builds/m (same as targets[0])'],
    ],
    [
      'fallbacks to itself, to an unknown alias, and twice to one alias',
      `${UPSTREAMS}aliases:
  a:
    targets: [{ upstream: builds, model: m }]
    fallback:
      - b
      - a
      - gemini-nope
      - b
  b:
    targets: [{ upstream: builds, model: n }]
`,
      [
        'gateway.yaml:9: aliases.a.fallback[1]: an alias cannot fall back to itself',
        "gateway.yaml:10: aliases.a.fallback[2]: 'gemini-nope' is not a configured alias",
        "gateway.yaml:11: aliases.a.fallback[3]: 'b' is listed twice",
      ],
    ],
    [
      'deprecated without a replacement, and a replacement that is the alias itself',
      `${UPSTREAMS}aliases:
  old:
    stage: deprecated
    targets: [{ upstream: builds, model: m }]
  older:
    replacement: older
    targets: [{ upstream: builds, model: m }]
`,
      [
        'gateway.yaml:6: aliases.old.stage: stage deprecated needs a replacement',
        'gateway.yaml:9: aliases.older.replacement: an alias cannot be its own replacement',
      ],
    ],
    [
      'model fields the gateway derives',
      `${UPSTREAMS}aliases:
  a:
    model:
      inputTokenLimit: 1048576
      name: models/other
      supportedGenerationMethods: [generateContent]
    targets: [{ upstream: builds, model: m }]
`,
      [
        'gateway.yaml:8: aliases.a.model.name: derived by the gateway: it is models/<alias>',
        'gateway.yaml:9: aliases.a.model.supportedGenerationMethods: derived by the gateway: set methods instead',
      ],
    ],
    [
      'names that cannot appear in a Gemini path or a target id',
      `upstreams:
  my/builds: { baseUrl: http://127.0.0.1:9000 }
aliases:
  models/a:
    targets: [{ upstream: builds, model: m }]
`,
      [
        "gateway.yaml:2: upstreams.my/builds: expected a name of letters, digits, '_' and '-'",
        "gateway.yaml:4: aliases.models/a: expected a model id like gemini-2.5-flash (letters, digits, '.', '_', '-'; no 'models/')",
        "gateway.yaml:5: aliases.models/a.targets[0].upstream: upstream 'builds' is not declared under upstreams (declared: my/builds)",
      ],
    ],
    [
      'empty upstreams and aliases',
      'upstreams: {}\naliases: {}\n',
      [
        'gateway.yaml:1: upstreams: expected at least one upstream',
        'gateway.yaml:2: aliases: expected at least one alias',
      ],
    ],
    [
      'two client keys with one name or one secret',
      `auth:
  clientKeys:
    - { name: a, key: k1 }
    - { name: a, key: k2 }
    - { name: c, key: k1 }
${UPSTREAMS}aliases: { a: { targets: [{ upstream: builds, model: m }] } }
`,
      [
        "gateway.yaml:4: auth.clientKeys[1].name: duplicate client key name 'a' (also clientKeys[0])",
        'gateway.yaml:5: auth.clientKeys[2]: same key as clientKeys[0]: each key must identify one client',
      ],
    ],
    [
      'a maximum ejection shorter than the base',
      `${UPSTREAMS}aliases: { a: { targets: [{ upstream: builds, model: m }] } }
health: { baseEjectionMs: 60000, maxEjectionMs: 1000 }
`,
      ['gateway.yaml:5: health.maxEjectionMs: expected >= baseEjectionMs (60000)'],
    ],
  ])('%s', (_, yaml, expected) => {
    expect(problems(yaml)).toEqual(expected);
  });

  it('lets a replacement name a model this gateway does not serve', () => {
    const config = parseConfig(
      `${UPSTREAMS}aliases:
  gemini-2.0-flash:
    stage: deprecated
    replacement: gemini-2.5-flash
    targets: [{ upstream: google, model: gemini-2.0-flash }]
`,
      'gateway.yaml',
      {},
    );
    expect(config.aliases['gemini-2.0-flash']?.replacement).toBe('gemini-2.5-flash');
  });

  it('lets fallbacks form a cycle (the catalog walks it once)', () => {
    const config = parseConfig(
      `${UPSTREAMS}aliases:
  a: { targets: [{ upstream: builds, model: m }], fallback: [b] }
  b: { targets: [{ upstream: builds, model: n }], fallback: [a] }
`,
      'gateway.yaml',
      {},
    );
    expect(config.aliases['b']?.fallback).toEqual(['a']);
  });
});
