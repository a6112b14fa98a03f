import { formatPath, validateWith } from '../validation/issue.js';
import { errorStatus, JSON_CONTENT_TYPE, renderEnvelope } from '../wire/envelope.js';
import { isObject } from './content/request-fields.js';
import type { SimContext } from './context.js';
import { type Exchange, readBody } from './exchange.js';
import type { BuildView } from './fleet.js';
import { BuildPatchSchema } from './scenario.js';

/**
 * Run-time control under `/_sim/` (not part of the Gemini surface):
 * - `GET  /_sim/stats`           → SimStats
 * - `POST /_sim/reset-stats`     → SimStats (zeroed)
 * - `GET  /_sim/builds`          → BuildView[]
 * - `GET  /_sim/builds/{build}`  → BuildView
 * - `POST /_sim/builds/{build}`  with `{behaviour?, weight?, latency?, streamChunks?, chunkIntervalMs?,
 *   responseTokens?}` → the updated BuildView (heal the dead build, break a healthy one).
 */
export async function handleAdmin(ctx: SimContext, ex: Exchange, pathname: string): Promise<void> {
  const method = ex.req.method ?? 'GET';
  if (pathname === '/_sim/stats' && method === 'GET') return reply(ex, 200, ctx.stats.snapshot());
  if (pathname === '/_sim/reset-stats' && method === 'POST') {
    ctx.stats.reset();
    return reply(ex, 200, ctx.stats.snapshot());
  }
  if (pathname === '/_sim/builds' && method === 'GET') {
    return reply(
      ex,
      200,
      ctx.fleet.buildNames().map((name) => ctx.fleet.view(name)),
    );
  }
  const build = /^\/_sim\/builds\/([^/]+)$/.exec(pathname);
  if (build && (method === 'GET' || method === 'POST')) {
    const name = decodeURIComponent(build[1]!);
    if (method === 'GET') {
      const view = ctx.fleet.view(name);
      return view ? reply(ex, 200, view) : fail(ex, 404, `unknown build "${name}"`);
    }
    const body = await readBody(ex.req, 1 << 20);
    if (!body || ex.closed) return;
    let input: unknown;
    try {
      input = JSON.parse(body.text ?? '');
    } catch {
      return fail(ex, 400, 'body must be JSON');
    }
    const result = patchBuild(ctx, name, input);
    return 'view' in result ? reply(ex, 200, result.view) : fail(ex, result.status, result.message);
  }
  return fail(ex, 404, `no such simulator control: ${method} ${pathname}`);
}

export type PatchResult = { view: BuildView } | { status: 400 | 404; message: string };

/** Validates a build patch and applies it. Used by the admin API and `SimServer.configureBuild`. */
export function patchBuild(ctx: Pick<SimContext, 'fleet'>, name: string, input: unknown): PatchResult {
  if (!ctx.fleet.build(name)) return { status: 404, message: `unknown build "${name}"` };
  if (!isObject(input)) return { status: 400, message: 'expected a JSON object' };
  const parsed = validateWith(BuildPatchSchema, input);
  if (!parsed.ok) return { status: 400, message: describeIssues(parsed.issues) };
  ctx.fleet.configure(name, parsed.value);
  return { view: ctx.fleet.view(name)! };
}

function reply(ex: Exchange, status: number, value: unknown): void {
  ex.send(status, JSON_CONTENT_TYPE, `${JSON.stringify(value, null, 2)}\n`);
}

function fail(ex: Exchange, status: number, message: string): void {
  ex.send(status, JSON_CONTENT_TYPE, renderEnvelope(errorStatus(status, message)));
}

function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((i) => (i.path.length > 0 ? `${formatPath(i.path)}: ${i.message}` : i.message))
    .join('; ');
}
