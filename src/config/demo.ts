import { configFromObject } from './load.js';
import type { Config } from './schema.js';

/** Where demo mode keeps operator state unless told otherwise. */
export interface DemoOptions {
  /** SQLite file for pulls and the audit log. Default ':memory:' (forgotten on exit). */
  sqlitePath?: string;
}

/**
 * The config `aliasgate serve` runs with when given none: the gateway in front of the built-in
 * simulator at `simUrl`, reproducing the incident (docs/design.md §9). `gemini-3.5-flash` is
 * the provider-mode alias over two builds, the dead one carrying 68% of the weight as in the
 * incident's 17 of 25 failures; `gemini-3.5-flash-via-alias` shows client mode, the same alias reached
 * through the provider's own name.
 */
export function demoConfig(simUrl: string, options: DemoOptions = {}): Config {
  const sim = (model: string, weight = 1) => ({ upstream: 'sim', model, weight });
  return configFromObject(
    {
      state: { sqlitePath: options.sqlitePath ?? ':memory:' },
      upstreams: { sim: { baseUrl: simUrl } },
      aliases: {
        'gemini-3.5-flash': {
          stage: 'ga',
          targets: [sim('gemini-3.5-flash-001', 32), sim('gemini-v4p1s-rev24-ajax-sentinel', 68)],
          fallback: ['gemini-flash-latest'],
        },
        'gemini-flash-latest': { stage: 'ga', targets: [sim('gemini-flash-latest')] },
        'gemini-3-flash-preview': { stage: 'preview', targets: [sim('gemini-3-flash-preview')] },
        'gemini-2.5-flash': { stage: 'ga', targets: [sim('gemini-2.5-flash')] },
        'gemini-3.5-flash-via-alias': {
          targets: [sim('gemini-3.5-flash')],
          fallback: ['gemini-flash-latest'],
        },
        'gemini-2.0-flash': {
          stage: 'deprecated',
          replacement: 'gemini-2.5-flash',
          shutdown: '2026-12-31',
          targets: [sim('gemini-2.5-flash')],
        },
        // no methods: learned from the simulator's Model resource (embedContent, batchEmbedContents, countTokens)
        'gemini-embedding-001': { targets: [sim('gemini-embedding-001')] },
      },
    },
    'demo config',
  );
}
