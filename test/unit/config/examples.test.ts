import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../../src/config/demo.js';
import { loadConfig } from '../../../src/config/load.js';
import { hashSecret } from '../../../src/config/secret.js';

describe('shipped example configs', () => {
  it('examples/provider.yaml loads', () => {
    const config = loadConfig('examples/provider.yaml', {
      TEAM_A_KEY: 'team-a-secret',
      TEAM_B_KEY_SHA256: hashSecret('team-b-secret'),
      ALIASGATE_ADMIN_TOKEN: 'adm',
    });
    expect(Object.keys(config.aliases)).toContain('gemini-3.5-flash');
    expect(config.aliases['gemini-3.5-flash']?.targets.map((t) => t.weight)).toEqual([32, 68]);
    expect(config.aliases['gemini-2.0-flash']).toMatchObject({ stage: 'deprecated', shutdown: '2026-12-31' });
    expect(config.auth.clientKeys[0]).toEqual({
      name: 'team-a',
      sha256: hashSecret('team-a-secret'),
      rateLimit: { requestsPerSecond: 50, burst: 100 },
    });
    expect(config.auth.clientKeys[1]).toMatchObject({
      name: 'team-b',
      aliases: ['gemini-flash-latest', 'gemini-2.5-flash'],
    });
    expect(config.auth.adminTokenSha256).toBe(hashSecret('adm'));
    // no admin token in the environment: none configured, so serve generates one (no working secret ships)
    const generated = loadConfig('examples/provider.yaml', {
      TEAM_A_KEY: 'a',
      TEAM_B_KEY_SHA256: hashSecret('b'),
    });
    expect(generated.auth.adminTokenSha256).toBeUndefined();
    expect(config.upstreams['builds']?.baseUrl).toBe('http://127.0.0.1:9000');
    expect(config.state.sqlitePath).toBe('/var/lib/aliasgate/state.db');
  });

  it('examples/provider.yaml needs its secrets from the environment', () => {
    expect(() => loadConfig('examples/provider.yaml', {})).toThrow(
      /TEAM_A_KEY is not set[\s\S]*TEAM_B_KEY_SHA256 is not set/,
    );
  });

  it('examples/client.yaml loads and fronts the real Gemini API', () => {
    const config = loadConfig('examples/client.yaml', { GEMINI_API_KEY: 'AIza-test' });
    expect(config.upstreams['google']).toMatchObject({
      baseUrl: 'https://generativelanguage.googleapis.com',
      apiKey: 'AIza-test',
    });
    // the client's version (v1 or v1beta) is kept: nothing pins one
    expect(config.upstreams['google']?.apiVersion).toBeUndefined();
    expect(config.aliases['gemini-3.5-flash']?.fallback).toEqual(['gemini-flash-latest', 'gemini-2.5-flash']);
  });

  it('examples/client.yaml fails without GEMINI_API_KEY, naming it', () => {
    expect(() => loadConfig('examples/client.yaml', {})).toThrow(
      /^examples\/client\.yaml:\d+: upstreams\.google\.apiKey: environment variable GEMINI_API_KEY is not set/,
    );
  });
});

describe('demoConfig', () => {
  const config = demoConfig('http://127.0.0.1:4567');

  it('fronts the simulator with the incident’s weights', () => {
    expect(config.upstreams).toEqual({
      sim: expect.objectContaining({ baseUrl: 'http://127.0.0.1:4567' }),
    });
    expect(config.aliases['gemini-3.5-flash']).toMatchObject({
      stage: 'ga',
      targets: [
        { upstream: 'sim', model: 'gemini-3.5-flash-001', weight: 32 },
        { upstream: 'sim', model: 'gemini-v4p1s-rev24-ajax-sentinel', weight: 68 },
      ],
      fallback: ['gemini-flash-latest'],
    });
  });

  it('lists every demo alias with its stage', () => {
    const stages = Object.fromEntries(
      Object.entries(config.aliases).map(([name, a]) => [name, a.stage ?? null]),
    );
    expect(stages).toEqual({
      'gemini-3.5-flash': 'ga',
      'gemini-flash-latest': 'ga',
      'gemini-3-flash-preview': 'preview',
      'gemini-2.5-flash': 'ga',
      'gemini-3.5-flash-via-alias': null,
      'gemini-2.0-flash': 'deprecated',
      'gemini-embedding-001': null,
    });
    expect(config.aliases['gemini-3.5-flash-via-alias']).toMatchObject({
      targets: [{ upstream: 'sim', model: 'gemini-3.5-flash', weight: 1 }],
      fallback: ['gemini-flash-latest'],
    });
    expect(config.aliases['gemini-2.0-flash']).toMatchObject({
      replacement: 'gemini-2.5-flash',
      shutdown: '2026-12-31',
      targets: [{ upstream: 'sim', model: 'gemini-2.5-flash' }],
    });
    // learned from the simulator at start, so countTokens is served too (it was refused when declared here)
    expect(config.aliases['gemini-embedding-001']?.methods).toBeUndefined();
  });

  it('keeps state in memory unless given a path, with defaults elsewhere', () => {
    expect(config.state.sqlitePath).toBe(':memory:');
    expect(demoConfig('http://127.0.0.1:1', { sqlitePath: '/tmp/x.db' }).state.sqlitePath).toBe('/tmp/x.db');
    expect(config.routing.maxAttempts).toBe(4);
    expect(config.server.port).toBe(8080);
  });

  it('rejects a simulator URL that is not http(s)', () => {
    expect(() => demoConfig('not a url')).toThrow(
      'demo config: upstreams.sim.baseUrl: expected an http(s) URL',
    );
  });
});
