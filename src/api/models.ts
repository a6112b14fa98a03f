import type { AliasEntry } from '../catalog/alias.js';
import { withLearned } from '../catalog/learned-model.js';
import { modelResource } from '../catalog/model-resource.js';
import { GatewayError } from '../errors.js';
import { aliasHealth } from '../health/alias-status.js';
import { type ClientKey, inScope } from './auth.js';
import type { ApiDeps } from './deps.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/**
 * `GET models`: the aliases (not the upstream catalogue) as Model resources, plus what clients may use and SDKs
 * ignore — stage, replacement, shutdown and a health summary (docs/wire.md §6). Paged like the real service: the
 * token is opaque to clients; here it is the offset, base64url.
 */
export function listModels(
  rt: Pick<ApiDeps, 'catalog' | 'health' | 'learned'>,
  params: URLSearchParams,
  key: ClientKey | undefined,
): unknown {
  const size = pageSize(params.get('pageSize'));
  const offset = pageOffset(params.get('pageToken'));
  const aliases = rt
    .catalog()
    .aliases()
    .filter((a) => inScope(key, a.name));
  const page = aliases.slice(offset, offset + size);
  const body: { models: unknown[]; nextPageToken?: string } = { models: page.map((a) => describe(rt, a)) };
  if (offset + size < aliases.length)
    body.nextPageToken = Buffer.from(String(offset + size)).toString('base64url');
  return body;
}

export function getModel(rt: Pick<ApiDeps, 'health' | 'learned'>, alias: AliasEntry): unknown {
  return describe(rt, alias);
}

/**
 * SDKs keep only the fields they know (`@google/genai` drops `stage`, docs/wire.md §6), so the lifecycle is also
 * written into `description`, which they keep.
 */
function describe(rt: Pick<ApiDeps, 'health' | 'learned'>, alias: AliasEntry): unknown {
  const health = aliasHealth(alias, rt.health);
  const resource = modelResource(withLearned(alias, rt.learned), {
    health: { status: health.status, targetsInRotation: health.targetsInRotation },
  });
  const lifecycle = lifecycleText(alias);
  if (lifecycle)
    resource.description = resource.description ? `${resource.description} (${lifecycle})` : lifecycle;
  return resource;
}

function lifecycleText(alias: AliasEntry): string | undefined {
  if (!alias.stage) return undefined;
  const parts = [`stage: ${alias.stage}`];
  if (alias.replacement) parts.push(`use ${alias.replacement}`);
  if (alias.shutdown) parts.push(`shutdown ${alias.shutdown}`);
  return parts.join('; ');
}

function pageSize(raw: string | null): number {
  if (raw === null || raw === '') return DEFAULT_PAGE_SIZE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new GatewayError('INVALID_REQUEST', `Invalid pageSize: ${raw}`);
  return n === 0 ? DEFAULT_PAGE_SIZE : Math.min(n, MAX_PAGE_SIZE);
}

function pageOffset(token: string | null): number {
  if (!token) return 0;
  const n = Number(Buffer.from(token, 'base64url').toString());
  if (!Number.isInteger(n) || n < 0) throw new GatewayError('INVALID_REQUEST', 'Invalid page token.');
  return n;
}
