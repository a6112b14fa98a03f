import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { hashSecret, secretMatches, sessionKeyOf } from '../../../src/config/secret.js';

describe('secrets in config', () => {
  it('hashes as hex sha256', () => {
    expect(hashSecret('test')).toBe('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
  });

  it('matches a candidate against a digest', () => {
    const digest = hashSecret('s3cret');
    expect(secretMatches('s3cret', digest)).toBe(true);
    expect(secretMatches('s3cret ', digest)).toBe(false);
    expect(secretMatches('s3cret', 'nothex')).toBe(false);
  });

  it('keeps only digests of client keys and the admin token', () => {
    const config = parseConfig(
      `auth:
  clientKeys:
    - { name: team-a, key: \${TEAM_A_KEY} }
    - { name: team-b, sha256: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08 }
  adminToken: \${ADMIN}
upstreams: { b: { baseUrl: "http://x" } }
aliases: { a: { targets: [{ upstream: b, model: m }] } }
`,
      'g.yaml',
      { TEAM_A_KEY: 'plain-team-key', ADMIN: 'plain-admin-token' },
    );
    expect(config.auth).toEqual({
      clientKeys: [
        { name: 'team-a', sha256: hashSecret('plain-team-key') },
        { name: 'team-b', sha256: hashSecret('test') },
      ],
      adminTokenSha256: hashSecret('plain-admin-token'),
      // the dashboard's session key, derived from the token (never from its digest)
      adminSessionKey: sessionKeyOf('plain-admin-token'),
    });
    expect(JSON.stringify(config)).not.toMatch(/plain-/);
  });
});
