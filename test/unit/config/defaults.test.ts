import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { parseConfig } from '../../../src/config/load.js';
import { ConfigSchema } from '../../../src/config/schema.js';

const MINIMAL = `
upstreams:
  builds: { baseUrl: http://127.0.0.1:9000 }
aliases:
  gemini-3.5-flash:
    targets:
      - { upstream: builds, model: gemini-3.5-flash-001 }
`;

describe('config defaults', () => {
  const config = parseConfig(MINIMAL, 'gateway.yaml', {});

  it('fills every top-level section', () => {
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 8080,
      bodyLimitBytes: 33_554_432,
      maxConnections: 8192,
      maxInFlight: 4096,
      headersTimeoutMs: 15_000,
      requestTimeoutMs: 120_000,
      keepAliveTimeoutMs: 65_000,
      shutdownGraceMs: 30_000,
      cors: { origins: ['*'] },
    });
    expect(config.admin).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(config.auth).toEqual({ clientKeys: [] });
    expect(config.state).toEqual({ sqlitePath: '.aliasgate/state.db' });
    expect(config.logging).toEqual({ level: 'info' });
    expect(config.routing).toEqual({
      maxAttempts: 4,
      maxAttemptsPerAlias: 2,
      perTryTimeoutMs: 30_000,
      deadlineMs: 60_000,
      minAttemptMs: 100,
      idleTimeoutMs: 300_000,
      retryBudget: { percent: 20, minRetriesPerSecond: 10, windowMs: 10_000 },
    });
    expect(config.health).toEqual({
      consecutiveTargetFaults: 3,
      consecutiveTransient: 5,
      failureRate: { threshold: 0.5, minRequests: 20, windowMs: 30_000 },
      baseEjectionMs: 30_000,
      maxEjectionMs: 300_000,
      maxEjectionJitterMs: 1000,
      maxEjectionPercent: 100,
      healthCheck: {
        enabled: true,
        intervalMs: 5000,
        timeoutMs: 10_000,
        healthyThreshold: 2,
        request: {
          contents: [{ role: 'user', parts: [{ text: 'health check' }] }],
          generationConfig: { maxOutputTokens: 1 },
        },
      },
    });
  });

  it('fills upstream defaults', () => {
    expect(config.upstreams['builds']).toEqual({
      baseUrl: 'http://127.0.0.1:9000',
      connections: 1024,
      maxRequestsPerTarget: 512,
      maxPending: 1024,
      connectTimeoutMs: 5000,
      headers: {},
    });
  });

  it('caps a target at half the connections of its upstream unless told otherwise', () => {
    const upstream = (fields: string) =>
      parseConfig(MINIMAL.replace('http://127.0.0.1:9000', `http://127.0.0.1:9000, ${fields}`), 'g.yaml', {})
        .upstreams['builds'];
    expect(upstream('connections: 128')?.maxRequestsPerTarget).toBe(64);
    expect(upstream('connections: 1')?.maxRequestsPerTarget).toBe(1);
    expect(upstream('connections: 128, maxRequestsPerTarget: 200')?.maxRequestsPerTarget).toBe(200);
  });

  it('fills alias defaults and claims no stage', () => {
    // no methods: they are learned from the upstream at start (catalog/learned-model.ts)
    expect(config.aliases['gemini-3.5-flash']).toEqual({
      exposeBuilds: true,
      model: {},
      targets: [{ upstream: 'builds', model: 'gemini-3.5-flash-001', weight: 1 }],
      fallback: [],
    });
  });

  it('fills a partly given section and keeps what was given', () => {
    const partial = parseConfig(
      `${MINIMAL}\nrouting: { maxAttempts: 6, retryBudget: { percent: 5 } }\n`,
      'g.yaml',
      {},
    );
    expect(partial.routing.maxAttempts).toBe(6);
    expect(partial.routing.deadlineMs).toBe(60_000);
    expect(partial.routing.retryBudget).toEqual({ percent: 5, minRetriesPerSecond: 10, windowMs: 10_000 });
  });

  it('gives each parse its own default objects', () => {
    const a = parseConfig(MINIMAL, 'a.yaml', {});
    const b = parseConfig(MINIMAL, 'b.yaml', {});
    a.health.healthCheck.request.contents?.push({ role: 'user', parts: [] });
    a.aliases['gemini-3.5-flash']?.fallback.push('gemini-flash-latest');
    a.server.cors.origins.push('https://app.example');
    expect(b.health.healthCheck.request.contents).toHaveLength(1);
    expect(b.aliases['gemini-3.5-flash']?.fallback).toEqual([]);
    expect(b.server.cors.origins).toEqual(['*']);
  });

  it('strips trailing slashes from baseUrl and keeps a path prefix', () => {
    const yaml = MINIMAL.replace('http://127.0.0.1:9000', 'https://proxy.example/gemini/');
    expect(parseConfig(yaml, 'g.yaml', {}).upstreams['builds']?.baseUrl).toBe('https://proxy.example/gemini');
  });

  it('normalises a YAML timestamp shutdown to YYYY-MM-DD', () => {
    const yaml = `${MINIMAL}    shutdown: !!timestamp 2026-12-31\n`;
    expect(parseConfig(yaml, 'g.yaml', {}).aliases['gemini-3.5-flash']?.shutdown).toBe('2026-12-31');
    const plain = `${MINIMAL}    shutdown: 2026-12-31\n`;
    expect(parseConfig(plain, 'g.yaml', {}).aliases['gemini-3.5-flash']?.shutdown).toBe('2026-12-31');
  });

  it('describes every field of the schema', () => {
    const undescribed: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (typeof node !== 'object' || node === null) return;
      const schema = node as { properties?: Record<string, { description?: string }>; items?: unknown };
      for (const [key, child] of Object.entries(schema.properties ?? {})) {
        if (!child.description && !path.includes('request')) undescribed.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
        walk((child as { additionalProperties?: unknown }).additionalProperties, `${path}.${key}.*`);
      }
      walk(schema.items, `${path}[]`);
    };
    walk(z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }), '');
    expect(undescribed).toEqual([]);
  });
});
