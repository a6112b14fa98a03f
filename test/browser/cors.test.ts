import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { INCIDENT } from '../support/sim.js';
import { incidentConfig, type Stack, startStack } from '../support/stack.js';

/**
 * A web page on another origin (a second loopback port) calls the gateway from a real browser with `@google/genai`'s
 * own browser build, served from node_modules through an import map: generateContent and a stream during the
 * incident, the text arriving, the gateway's headers readable, and not one console error. With the page's origin
 * left off `server.cors.origins`, the same page is refused by the browser — so the first check can fail.
 */
const CHROMIUM = process.env.ALIASGATE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));

const present = existsSync(CHROMIUM);
if (!present && !process.env.CI) {
  const bar = '!'.repeat(78);
  console.warn(
    `\n${bar}\n!!! SKIPPED test/browser/cors.test.ts: ${CHROMIUM} is missing.\n` +
      `!!! Browser access (CORS) is NOT tested. Install it (apt-get install chromium) or set CI to make this fail.\n${bar}\n`,
  );
}

let stack: Stack | undefined;
let site: Server | undefined;
let context: BrowserContext | undefined;
let profile: string | undefined;
afterEach(async () => {
  await context?.close();
  site?.closeAllConnections();
  site?.close();
  await stack?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  stack = site = context = profile = undefined;
});

/**
 * p-retry 4, the SDK's one dependency, is CommonJS; the browser gets it as a module that runs the package's own files
 * with a small `require` (what a bundler would do).
 */
function pRetryModule(): string {
  const files: Record<string, string> = {
    'p-retry': 'p-retry/index.js',
    retry: 'retry/index.js',
    './lib/retry': 'retry/lib/retry.js',
    './retry_operation': 'retry/lib/retry_operation.js',
  };
  const sources = Object.entries(files)
    .map(
      ([name, file]) =>
        `${JSON.stringify(name)}: ${JSON.stringify(readFileSync(join(MODULES, file), 'utf8'))}`,
    )
    .join(',\n');
  return `const sources = {${sources}};
const cache = {};
function require(name) {
  if (cache[name]) return cache[name].exports;
  const module = { exports: {} };
  cache[name] = module;
  new Function('module', 'exports', 'require', sources[name])(module, module.exports, require);
  return module.exports;
}
export default require('p-retry');
`;
}

/** The page: it calls the gateway the way an app would, and leaves what it saw on window.outcome. */
function page(gateway: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>app</title>
<script type="importmap">{"imports": {"@google/genai": "/npm/genai.mjs", "p-retry": "/npm/p-retry.mjs"}}</script>
</head><body><pre id="out"></pre>
<script type="module">
import { GoogleGenAI } from '@google/genai';
const ai = new GoogleGenAI({ apiKey: 'browser-key', httpOptions: { baseUrl: ${JSON.stringify(gateway)}, apiVersion: 'v1beta' } });
const outcome = { texts: [], streamed: [], aliases: [], error: null };
try {
  for (let i = 0; i < 8; i++) {
    const r = await ai.models.generateContent({ model: ${JSON.stringify(INCIDENT.alias)}, contents: 'hi from a page' });
    outcome.texts.push(r.text);
    outcome.aliases.push(r.sdkHttpResponse?.headers?.['x-aliasgate-alias'] ?? null);
  }
  for (let i = 0; i < 4; i++) {
    let text = '';
    for await (const chunk of await ai.models.generateContentStream({ model: ${JSON.stringify(INCIDENT.alias)}, contents: 'stream to a page' })) {
      text += chunk.text ?? '';
    }
    outcome.streamed.push(text);
  }
} catch (e) {
  outcome.error = String(e && e.message || e);
}
document.getElementById('out').textContent = JSON.stringify(outcome);
window.outcome = outcome;
</script></body></html>`;
}

/** The app's own origin: the page and the SDK's browser build, on a port of its own. */
async function startSite(gateway: string): Promise<string> {
  const genai = readFileSync(join(MODULES, '@google/genai/dist/web/index.mjs'));
  const pRetry = pRetryModule();
  site = createServer((req, res) => {
    const js = { 'content-type': 'text/javascript; charset=utf-8' };
    if (req.url === '/')
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(gateway));
    else if (req.url === '/npm/genai.mjs') res.writeHead(200, js).end(genai);
    else if (req.url === '/npm/p-retry.mjs') res.writeHead(200, js).end(pRetry);
    else res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => site!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
}

interface Outcome {
  texts: string[];
  streamed: string[];
  aliases: (string | null)[];
  error: string | null;
}

/** Opens the app in a fresh browser profile; returns what the page saw and every console error. */
async function visit(origin: string): Promise<{ outcome: Outcome; errors: string[] }> {
  if (!present) throw new Error(`CI is set and ${CHROMIUM} is missing: browser access cannot be tested`);
  profile = mkdtempSync(join(tmpdir(), 'aliasgate-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
  });
  const tab = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  tab.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  tab.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await tab.goto(origin);
  await tab.waitForFunction(
    () => (globalThis as unknown as { outcome?: unknown }).outcome !== undefined,
    undefined,
    {
      timeout: 20_000,
    },
  );
  const outcome = await tab.evaluate(() => (globalThis as unknown as { outcome: Outcome }).outcome);
  return { outcome, errors };
}

describe.skipIf(!present && !process.env.CI)('a page on another origin, in Chromium', () => {
  it('calls generateContent and a stream through the gateway during the incident: text, headers, no console error', async () => {
    stack = await startStack();
    const origin = await startSite(stack.url);
    expect(origin).not.toBe(stack.url);
    const { outcome, errors } = await visit(origin);
    expect(outcome.error).toBeNull();
    expect(outcome.texts).toHaveLength(8);
    for (const text of [...outcome.texts, ...outcome.streamed]) expect(text).toMatch(/\w/);
    expect(outcome.streamed).toHaveLength(4);
    // Access-Control-Expose-Headers lets the page read who served
    expect(new Set(outcome.aliases)).toEqual(new Set([INCIDENT.alias]));
    expect(errors).toEqual([]);
    expect(
      stack.sim.stats().requests.byBuild[INCIDENT.deadBuild] ?? 0,
      'the dead build was met',
    ).toBeGreaterThan(0);
  });

  it('with the page’s origin not allowed, the browser refuses the same call', async () => {
    stack = await startStack({
      config: (url) => incidentConfig(url, { server: { cors: { origins: ['https://app.example'] } } }),
    });
    const { outcome, errors } = await visit(await startSite(stack.url));
    expect(outcome.error).toMatch(/fetch/i);
    expect(errors.join('\n')).toMatch(/CORS policy/);
  });
});
