// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the config shows the ${ENV} syntax users write
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { configWarnings } from '../../../src/config/warnings.js';
import { configProblems } from '../../support/config.js';

const REST = `upstreams: { u: { baseUrl: "http://127.0.0.1:1" } }
aliases: { a: { targets: [{ upstream: u, model: m }] } }
`;

describe('config: fleet mode (state.redis, server.instanceName)', () => {
  it('takes a redis:// or rediss:// URL with the password from the environment, and a default key prefix', () => {
    const config = parseConfig(
      `state: { redis: { url: "rediss://:\${REDIS_PASSWORD}@redis.internal:6380/2" } }\n${REST}`,
      'gateway.yaml',
      { REDIS_PASSWORD: 's3cret' },
    );
    expect(config.state.redis).toEqual({
      url: 'rediss://:s3cret@redis.internal:6380/2',
      keyPrefix: 'aliasgate:',
    });
    expect(
      parseConfig(`state: { redis: { url: "redis://10.0.0.5" , keyPrefix: "eu:" } }\n${REST}`, 'g.yaml').state
        .redis,
    ).toEqual({ url: 'redis://10.0.0.5', keyPrefix: 'eu:' });
  });

  it('refuses another scheme or no host, naming the field and an example', () => {
    expect(configProblems(`state: { redis: { url: "http://10.0.0.5:6379" } }\n${REST}`)).toEqual([
      'gateway.yaml:1: state.redis.url: expected a redis:// or rediss:// URL, e.g. redis://:${REDIS_PASSWORD}@10.0.0.5:6379/0',
    ]);
    expect(configProblems(`state: { redis: { url: "redis://" } }\n${REST}`)).toHaveLength(1);
    expect(configProblems(`state: { redis: { url: "REDISS://10.0.0.5" } }\n${REST}`)).toHaveLength(1);
    expect(configProblems(`state: { redis: { urll: "redis://x" } }\n${REST}`)[0]).toMatch(/state\.redis/);
  });

  it('names a replica with server.instanceName (no spaces), and leaves it unset by default', () => {
    expect(
      parseConfig(`server: { instanceName: "\${HOSTNAME}" }\n${REST}`, 'g.yaml', { HOSTNAME: 'pod-7' })
        .server,
    ).toMatchObject({ instanceName: 'pod-7' });
    expect(parseConfig(REST, 'g.yaml').server.instanceName).toBeUndefined();
    expect(configProblems(`server: { instanceName: "pod 7" }\n${REST}`)[0]).toMatch(
      /server\.instanceName: expected a name without spaces/,
    );
  });

  it('does not warn that state is lost with :memory: when Redis keeps it', () => {
    const inMemory = `state: { sqlitePath: ":memory:", redis: { url: "redis://127.0.0.1:6390" } }\n${REST}`;
    expect(configWarnings(parseConfig(inMemory, 'g.yaml')).join('\n')).not.toMatch(/:memory:/);
  });
});
