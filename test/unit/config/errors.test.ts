import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { configProblems } from '../../support/config.js';

const problems = configProblems;

const UPSTREAMS = `upstreams:
  builds: { baseUrl: http://127.0.0.1:9000 }
`;

describe('config validation errors name file, line and field', () => {
  it.each<[string, string, string[]]>([
    [
      'a negative weight',
      `${UPSTREAMS}aliases:
  gemini-3.5-flash:
    targets:
      - { upstream: builds, model: gemini-3.5-flash-001 }
      - { upstream: builds, model: gemini-v4p1s-rev24-ajax-sentinel, weight: -2 }
`,
      ['gateway.yaml:7: aliases.gemini-3.5-flash.targets[1].weight: expected a number > 0'],
    ],
    [
      'an unknown key, at its own line, with the keys that were meant',
      `${UPSTREAMS}aliases:
  a:
    tragets: []
    targets: [{ upstream: builds, model: m }]
`,
      [
        'gateway.yaml:5: aliases.a.tragets: unknown key (expected one of stage, replacement, shutdown, displayName, ' +
          'description, methods, exposeBuilds, model, targets, fallback)',
      ],
    ],
    [
      'a missing required field, at the mapping it is missing from',
      `${UPSTREAMS}aliases:
  a:
    stage: ga
`,
      ['gateway.yaml:5: aliases.a.targets: required'],
    ],
    [
      'a bad enum, a bad date, a bad URL and a model id with a prefix',
      `upstreams:
  builds: { baseUrl: ftp://127.0.0.1 }
aliases:
  a:
    stage: beta
    shutdown: 2026-02-30
    targets: [{ upstream: builds, model: models/gemini-2.5-flash }]
`,
      [
        'gateway.yaml:2: upstreams.builds.baseUrl: expected an http(s) URL',
        'gateway.yaml:5: aliases.a.stage: expected one of ga, preview, experimental, deprecated',
        'gateway.yaml:6: aliases.a.shutdown: expected a date YYYY-MM-DD',
        "gateway.yaml:7: aliases.a.targets[0].model: expected a model id like gemini-2.5-flash (letters, digits, '.', '_', '-'; no 'models/')",
      ],
    ],
    [
      'wrong types everywhere, reported in line order',
      `logging: { level: loud }
server:
  port: 70000
  host: ""
${UPSTREAMS}aliases:
  a:
    methods: [generateContent, chat]
    targets: [{ upstream: builds, model: m }]
health:
  failureRate: { threshold: 1.5 }
  healthCheck: { enabled: yes, intervalMs: 0.5 }
`,
      [
        'gateway.yaml:1: logging.level: expected one of fatal, error, warn, info, debug, trace, silent',
        'gateway.yaml:3: server.port: expected a number <= 65535',
        'gateway.yaml:4: server.host: expected a non-empty string',
        'gateway.yaml:9: aliases.a.methods[1]: expected one of generateContent, streamGenerateContent, countTokens, embedContent, batchEmbedContents',
        'gateway.yaml:12: health.failureRate.threshold: expected a number <= 1',
        'gateway.yaml:13: health.healthCheck.enabled: expected true or false, got a string',
        'gateway.yaml:13: health.healthCheck.intervalMs: expected an integer, got 0.5',
      ],
    ],
    [
      'missing top-level sections',
      'server: { port: 1 }\n',
      ['gateway.yaml:1: upstreams: required', 'gateway.yaml:1: aliases: required'],
    ],
    ['a file that is not a mapping', '- a\n- b\n', ['gateway.yaml:1: expected a mapping, got a list']],
    [
      'an empty file',
      '# nothing\n',
      ['gateway.yaml:1: the file is empty; a config needs at least upstreams and aliases'],
    ],
    [
      'a client key given both ways, and an admin token given both ways',
      `auth:
  clientKeys:
    - { name: a, key: k, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 }
    - { name: b, sha256: nothex }
  adminToken: t
  adminTokenSha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
${UPSTREAMS}aliases: { a: { targets: [{ upstream: builds, model: m }] } }
`,
      [
        'gateway.yaml:2: auth: give adminToken or adminTokenSha256, not both',
        'gateway.yaml:3: auth.clientKeys[0]: give exactly one of sha256 or key',
        'gateway.yaml:4: auth.clientKeys[1].sha256: expected 64 hex digits (sha256 of the secret)',
      ],
    ],
  ])('%s', (_, yaml, expected) => {
    expect(problems(yaml)).toEqual(expected);
  });

  it('reports a YAML syntax error with its line', () => {
    expect(problems('server:\n  port: 1\n host: x\n')).toEqual([
      'gateway.yaml:3: All mapping items must start at the same column',
    ]);
    expect(problems('server:\n\tport: 1\n')).toEqual(['gateway.yaml:2: Tabs are not allowed as indentation']);
  });

  it('reports a duplicate key with its line', () => {
    expect(problems('server: {}\nlogging: {}\nserver: {}\n')).toEqual([
      expect.stringMatching(/^gateway\.yaml:3: Map keys must be unique/),
    ]);
  });

  it('loadConfig names a missing file', () => {
    expect(() => loadConfig('/nonexistent/gateway.yaml', {})).toThrow(
      'cannot read config /nonexistent/gateway.yaml: no such file',
    );
  });

  it('loadConfig uses the path as the source name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aliasgate-config-'));
    const path = join(dir, 'gateway.yaml');
    writeFileSync(path, 'server: {}\n');
    expect(() => loadConfig(path, {})).toThrow(`${path}:1: upstreams: required`);
  });
});
