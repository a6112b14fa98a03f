import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../../src/config/demo.js';
import { parseConfig } from '../../../src/config/load.js';
import { configWarnings } from '../../../src/config/warnings.js';

describe('configWarnings', () => {
  it('warns about an open gateway, an admin API without a token (demo mode) and memory-only state', () => {
    expect(configWarnings(demoConfig('http://127.0.0.1:1'), { openAdmin: true })).toEqual([
      'auth.clientKeys is empty: the gateway serves anyone who can reach it',
      'demo mode: the admin API answers anyone on loopback without a token',
      'state.sqlitePath is :memory: pulls and the audit log are lost when the gateway stops',
    ]);
  });

  it('warns about unused upstreams and fallbacks that lack a declared method (learned ones are not known yet)', () => {
    const config = parseConfig(
      `auth: { adminToken: t, clientKeys: [{ name: a, key: k }] }
upstreams: { b: { baseUrl: "http://x" }, spare: { baseUrl: "http://y" } }
aliases:
  embed: { methods: [embedContent], targets: [{ upstream: b, model: e }], fallback: [text, learned] }
  text: { methods: [generateContent], targets: [{ upstream: b, model: t }] }
  learned: { targets: [{ upstream: b, model: l }] }
`,
      'g.yaml',
      {},
    );
    expect(configWarnings(config)).toEqual([
      'upstreams.spare is not used by any alias target',
      'aliases.embed.fallback: text does not support embedContent; those calls cannot fall back to it',
    ]);
  });

  it('warns when one hung target could hold every connection of an upstream that serves other models too', () => {
    const config = (upstream: string, models: string[]) =>
      parseConfig(
        `auth: { adminToken: t, clientKeys: [{ name: a, key: k }] }
upstreams: { b: { baseUrl: "http://x", ${upstream} } }
aliases: { a: { targets: [${models.map((m) => `{ upstream: b, model: ${m} }`).join(', ')}] } }
`,
        'g.yaml',
        {},
      );
    expect(configWarnings(config('connections: 100, maxRequestsPerTarget: 100', ['m', 'n']))).toEqual([
      'upstreams.b.maxRequestsPerTarget (100) is not below its connections (100): one hung build can take every ' +
        "connection from the upstream's other models",
    ]);
    expect(configWarnings(config('connections: 100, maxRequestsPerTarget: 100', ['m']))).toEqual([]);
    expect(configWarnings(config('connections: 100', ['m', 'n']))).toEqual([]);
  });

  it.each([
    ['0.0.0.0', true],
    ['10.0.0.5', true],
    ['127.0.0.1', false],
    ['::1', false],
  ])('warns when the admin listener is on %s (beyond loopback): %s', (host, warned) => {
    const config = parseConfig(
      `admin: { host: "${host}" }\nupstreams: { b: { baseUrl: "http://x" } }\naliases: { a: { targets: [{ upstream: b, model: m }] } }\n`,
      'g.yaml',
      {},
    );
    expect(
      configWarnings(config).some((w) =>
        w.startsWith(`admin.host is ${host}: the admin API and dashboard can be reached`),
      ),
    ).toBe(warned);
  });
});
