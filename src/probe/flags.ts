import { UsageError } from '../errors.js';
import { bareModelId } from '../wire/model-names.js';
import { DEFAULT_API_VERSION, DEFAULT_PROMPT, type ProbeOptions, promptBody } from './options.js';

/** The probe command's flags as commander hands them over: strings, unvalidated. */
export interface ProbeFlags {
  baseUrl: string;
  model: string[];
  calls: string;
  concurrency: string;
  stream?: boolean;
  prompt?: string;
  body?: string;
  timeout: string;
  json?: boolean;
  report?: string;
  maxFailureRate?: string;
  key?: string;
}

/** A validated probe invocation: what to run and what to do with the result. */
export interface ProbeInvocation {
  options: ProbeOptions;
  json: boolean;
  /** Where to write the Markdown bug report, if asked. */
  reportPath?: string;
  /** Exit 1 when a model's failure rate is above this, in [0, 1]. */
  maxFailureRate?: number;
}

/**
 * Flags → a validated invocation, or a UsageError naming the flag (exit 2, one line).
 * `readText` reads the `--body` file; the key comes from `--key`, `GEMINI_API_KEY`, then
 * `GOOGLE_API_KEY`.
 */
export function parseProbeFlags(
  flags: ProbeFlags,
  env: Record<string, string | undefined>,
  readText: (path: string) => string,
): ProbeInvocation {
  if (flags.prompt !== undefined && flags.body !== undefined) {
    throw new UsageError('--prompt and --body cannot be used together');
  }
  const prompt = flags.prompt ?? DEFAULT_PROMPT;
  const apiKey = [flags.key, env.GEMINI_API_KEY, env.GOOGLE_API_KEY].find((k) => k !== undefined && k !== '');
  const options: ProbeOptions = {
    baseUrl: baseUrl(flags.baseUrl),
    apiVersion: DEFAULT_API_VERSION,
    models: models(flags.model),
    calls: integerAtLeastOne('-n/--calls', flags.calls),
    concurrency: integerAtLeastOne('--concurrency', flags.concurrency),
    stream: flags.stream === true,
    timeoutMs: positiveNumber('--timeout', flags.timeout),
    ...(flags.body === undefined
      ? { body: promptBody(prompt), bodySource: { prompt } }
      : { body: bodyFile(flags.body, readText), bodySource: { file: flags.body } }),
    ...(apiKey === undefined ? {} : { apiKey }),
  };
  const invocation: ProbeInvocation = { options, json: flags.json === true };
  if (flags.report !== undefined) invocation.reportPath = flags.report;
  if (flags.maxFailureRate !== undefined)
    invocation.maxFailureRate = rate('--max-failure-rate', flags.maxFailureRate);
  return invocation;
}

/** http(s) only; no query or fragment (the key belongs in --key, not in a URL that gets printed). */
function baseUrl(raw: string): string {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new UsageError(`--base-url must start with http:// or https:// (got '${raw}')`);
  }
  if (url.search || url.hash) {
    throw new UsageError(
      '--base-url must not have a query or fragment; pass the key with --key or GEMINI_API_KEY',
    );
  }
  const base = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  if (/\/v1(beta|alpha)?$/.test(base)) {
    throw new UsageError(
      `--base-url must not end with the API version; the probe adds /v1beta (got '${raw}')`,
    );
  }
  return base;
}

const MODEL_ID = /^[A-Za-z0-9][\w.@-]*$/;

function models(raw: string[]): string[] {
  if (raw.length === 0) {
    throw new UsageError(
      'no model to probe: pass -m MODEL (repeatable), e.g. -m gemini-3.5-flash -m gemini-2.5-flash',
    );
  }
  const ids = raw.map(bareModelId);
  for (const id of ids) {
    if (!MODEL_ID.test(id)) throw new UsageError(`-m: '${id}' is not a model id (letters, digits, . _ - @)`);
  }
  return [...new Set(ids)];
}

function integerAtLeastOne(flag: string, raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${flag} must be a whole number ≥ 1 (got '${raw}')`);
  }
  return value;
}

function positiveNumber(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${flag} must be a number of milliseconds > 0 (got '${raw}')`);
  }
  return value;
}

function rate(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`${flag} must be a rate between 0 and 1, e.g. 0.05 (got '${raw}')`);
  }
  return value;
}

function bodyFile(path: string, readText: (path: string) => string): unknown {
  let text: string;
  try {
    text = readText(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new UsageError(`--body: cannot read '${path}'${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--body: '${path}' is not valid JSON`);
  }
}
