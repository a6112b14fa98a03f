import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { configFromObject } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { seededRandom } from '../../src/random.js';
import { createLogger } from '../../src/telemetry/log.js';
import { startSimulator } from '../support/sim.js';
import { HI, incidentConfig, type Sim } from '../support/stack.js';

/** Issue 9: client keys with scopes and rate limits, named in logs and metrics, never shown. */
const KEY_A = 'team-a-secret-key-0001';
const KEY_B = 'team-b-secret-key-0002';

let sim: Sim | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  await sim?.close();
  gateway = undefined;
  sim = undefined;
});

async function start(clock: ManualClock, logs: string[] = []) {
  sim = await startSimulator({ seed: 1 });
  const config = incidentConfig(sim.url, {
    logging: { level: 'debug' },
    auth: {
      clientKeys: [
        { name: 'team-a', key: KEY_A, rateLimit: { requestsPerSecond: 2, burst: 5 } },
        { name: 'team-b', key: KEY_B, aliases: ['gemini-flash-latest'] },
      ],
    },
  });
  gateway = createGateway(configFromObject(config), {
    clock,
    random: seededRandom(1),
    log: createLogger('debug', { write: (line: string) => logs.push(line) }),
    openAdmin: true,
  });
  const listening = await gateway.listen(0, '127.0.0.1', { port: 0 });
  // the Model resources it reads at start are not the calls these tests count
  await gateway.modelsLearned();
  return listening;
}

const call = (url: string, alias: string, key: string, path = `/v1beta/models/${alias}:generateContent`) =>
  fetch(`${url}${path}`, { method: 'POST', body: HI, headers: { 'x-goog-api-key': key } });

describe('client keys: scopes, rate limits, per-key metrics', () => {
  it('a key limited to some aliases gets 403 PERMISSION_DENIED for others, without an upstream call, and sees only its own in GET models', async () => {
    const { url } = await start(new ManualClock());
    sim!.resetStats();
    const denied = await call(url, 'gemini-3.5-flash', KEY_B);
    expect(denied.status).toBe(403);
    const body = (await denied.json()) as { error: { status: string; message: string } };
    expect(body.error.status).toBe('PERMISSION_DENIED');
    expect(body.error.message).toContain('models/gemini-3.5-flash');
    expect(body.error.message).not.toContain(KEY_B);
    expect(sim!.stats().requests.total).toBe(0);
    expect((await call(url, 'gemini-flash-latest', KEY_B)).status).toBe(200);
    const models = (await (
      await fetch(`${url}/v1beta/models`, { headers: { 'x-goog-api-key': KEY_B } })
    ).json()) as {
      models: { name: string }[];
    };
    expect(models.models.map((m) => m.name)).toEqual(['models/gemini-flash-latest']);
    const openai = await fetch(`${url}/v1beta/openai/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY_B}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-3.5-flash', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(openai.status).toBe(403);
    expect(((await openai.json()) as { error: { type: string; code: string } }).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'model_not_allowed',
    });
  });

  it('a rate-limited key: its burst, then 429 RESOURCE_EXHAUSTED with Retry-After and RetryInfo, then the sustained rate', async () => {
    const clock = new ManualClock();
    const { url, adminUrl } = await start(clock);
    for (let i = 0; i < 5; i++) expect((await call(url, 'gemini-2.5-flash', KEY_A)).status).toBe(200);
    sim!.resetStats();
    const limited = await call(url, 'gemini-2.5-flash', KEY_A);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    const body = (await limited.json()) as { error: { status: string; details: { retryDelay?: string }[] } };
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.details[0]?.retryDelay).toBe('0.5s');
    expect(sim!.stats().requests.total).toBe(0);
    // another key is not held back
    expect((await call(url, 'gemini-flash-latest', KEY_B)).status).toBe(200);
    clock.advance(500);
    expect((await call(url, 'gemini-2.5-flash', KEY_A)).status).toBe(200);

    const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/aliasgate_client_requests_total\{key="team-a",result="ok"\} 6/);
    expect(metrics).toMatch(/aliasgate_client_requests_total\{key="team-a",result="rate_limited"\} 1/);
    expect(metrics).toMatch(/aliasgate_client_rate_limited_total\{key="team-a"\} 1/);
    expect(metrics).toMatch(/aliasgate_client_tokens_total\{key="team-a",kind="prompt"\} [1-9]/);
    expect(metrics).toMatch(/aliasgate_client_tokens_total\{key="team-a",kind="output"\} [1-9]/);
    expect(metrics).not.toContain(KEY_A);
  });

  it('the key’s name (field client) is on every access-log line, and no key ever is', async () => {
    const logs: string[] = [];
    const { url } = await start(new ManualClock(), logs);
    await call(url, 'gemini-2.5-flash', KEY_A);
    await call(
      url,
      `gemini-2.5-flash:generateContent?key=${KEY_B}`,
      KEY_B,
      `/v1beta/models/gemini-2.5-flash:generateContent?key=${KEY_B}`,
    );
    const requests = logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(1);
    expect(requests.map((l) => l.client)).toEqual(['team-a']);
    expect(logs.join('\n')).not.toContain(KEY_A);
    expect(logs.join('\n')).not.toContain(KEY_B);
  });
});
