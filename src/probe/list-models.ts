import { type Dispatcher, request } from 'undici';
import { parseEnvelope } from '../wire/envelope.js';
import { bareModelId } from '../wire/model-names.js';
import { describeTransportError } from './transport-error.js';

/** What `GET /{version}/models` said: the model ids it lists, or why it could not be read. */
export type ModelListing = { ok: true; models: string[] } | { ok: false; error: string };

export interface ListModelsRequest {
  /** Base URL without a trailing slash, e.g. `https://generativelanguage.googleapis.com`. */
  baseUrl: string;
  apiVersion: string;
  headers: Record<string, string>;
  /** Budget per page, ms. */
  timeoutMs: number;
  dispatcher: Dispatcher;
}

/** The service's maximum page size (docs/wire.md §6), so a normal catalogue is one request. */
const PAGE_SIZE = 1000;
/** Guards against a server that keeps returning a nextPageToken. */
const MAX_PAGES = 50;

/** Lists every model, following `nextPageToken` (docs/wire.md §6). Never throws. */
export async function listModels(req: ListModelsRequest): Promise<ModelListing> {
  const models: string[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = new URL(`${req.baseUrl}/${req.apiVersion}/models`);
    url.searchParams.set('pageSize', String(PAGE_SIZE));
    if (pageToken) url.searchParams.set('pageToken', pageToken);
    const result = await fetchPage(url, req);
    if ('error' in result) return { ok: false, error: result.error };
    models.push(...result.models);
    pageToken = result.nextPageToken;
    if (!pageToken) return { ok: true, models };
  }
  return { ok: false, error: `more than ${MAX_PAGES} pages of models` };
}

type Page = { models: string[]; nextPageToken?: string } | { error: string };

async function fetchPage(url: URL, req: ListModelsRequest): Promise<Page> {
  let status: number;
  let text: string;
  try {
    const response = await request(url, {
      method: 'GET',
      headers: req.headers,
      signal: AbortSignal.timeout(req.timeoutMs),
      dispatcher: req.dispatcher,
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (e) {
    return { error: describeTransportError(e).message };
  }
  if (status !== 200) {
    const envelope = parseEnvelope(text);
    return { error: envelope ? `${status} ${envelope.status}: ${envelope.message}` : `HTTP ${status}` };
  }
  return readPage(text);
}

function readPage(text: string): Page {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'the model list is not valid JSON' };
  }
  const page = value as { models?: unknown; nextPageToken?: unknown };
  if (typeof page !== 'object' || page === null) return { error: 'the model list is not a JSON object' };
  const entries = Array.isArray(page.models) ? page.models : [];
  const models = entries
    .map((m) => (m as { name?: unknown } | null)?.name)
    .filter((name): name is string => typeof name === 'string')
    .map(bareModelId);
  return typeof page.nextPageToken === 'string' && page.nextPageToken
    ? { models, nextPageToken: page.nextPageToken }
    : { models };
}
