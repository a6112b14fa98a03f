import type { ModelResource } from '../wire/types.js';
import type { ModelSpec } from './scenario.js';

/** Methods the real catalogue lists for generative and embedding models (docs/wire.md §6). */
const GENERATIVE_METHODS = ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'];
const EMBEDDING_METHODS = ['embedContent', 'countTextTokens', 'countTokens', 'asyncBatchEmbedContent'];

export function isEmbeddingModel(id: string, spec: ModelSpec): boolean {
  const methods = spec.supportedGenerationMethods;
  return methods
    ? methods.includes('embedContent') && !methods.includes('generateContent')
    : id.includes('embedding');
}

/**
 * The Model resource for a public model: the scenario's fields over defaults that look like
 * the real catalogue's entries (embedding models carry no sampling fields, docs/wire.md §6).
 */
export function modelResource(id: string, spec: ModelSpec): ModelResource {
  const embedding = isEmbeddingModel(id, spec);
  const resource: ModelResource = {
    name: `models/${id}`,
    baseModelId: id,
    version: spec.version ?? '001',
    displayName: spec.displayName ?? titleCase(id),
    description: spec.description ?? `${titleCase(id)} (simulated)`,
    inputTokenLimit: spec.inputTokenLimit ?? (embedding ? 2048 : 1_048_576),
    outputTokenLimit: spec.outputTokenLimit ?? (embedding ? 1 : 65_536),
    supportedGenerationMethods:
      spec.supportedGenerationMethods ?? (embedding ? EMBEDDING_METHODS : GENERATIVE_METHODS),
  };
  if (!embedding) {
    resource.temperature = spec.temperature ?? 1;
    resource.topP = spec.topP ?? 0.95;
    resource.topK = spec.topK ?? 64;
    resource.maxTemperature = spec.maxTemperature ?? 2;
    resource.thinking = spec.thinking ?? true;
  }
  return resource;
}

/** `gemini-3.5-flash` → `Gemini 3.5 Flash`. */
function titleCase(id: string): string {
  return id
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/** `GET models` paging (docs/wire.md §6): default 50 per page, at most 1000; the token is an opaque offset. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export interface ModelPage {
  models: ModelResource[];
  nextPageToken?: string;
}

/** One page of the catalogue, or undefined when the page token is not one we issued. */
export function modelPage(
  all: readonly ModelResource[],
  pageSize: number | undefined,
  pageToken: string | undefined,
): ModelPage | undefined {
  const size = !pageSize || pageSize < 1 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
  let offset = 0;
  if (pageToken) {
    const decoded = /^o(\d+)$/.exec(Buffer.from(pageToken, 'base64url').toString('latin1'));
    if (!decoded) return undefined;
    offset = Number(decoded[1]);
  }
  const page: ModelPage = { models: all.slice(offset, offset + size) };
  if (offset + size < all.length) page.nextPageToken = Buffer.from(`o${offset + size}`).toString('base64url');
  return page;
}
